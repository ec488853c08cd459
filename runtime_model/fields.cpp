#include "runtime_model/fields.hpp"

#include <algorithm>
#include <string_view>

namespace gotramp::model {
namespace {

// The innermost field a dotted path ("sched.ctxt") names in s, with its offset from
// the start of s; nullptr when s has no such path.
const Field* find(const StructLayout& s, std::string_view path, uint64_t& offset) {
  const StructLayout* t = &s;
  offset = 0;
  for (;;) {
    auto dot = path.find('.');
    auto name = path.substr(0, dot);
    auto it = std::find_if(t->fields.begin(), t->fields.end(), [&](const Field& f) { return f.name == name; });
    if (it == t->fields.end()) return nullptr;
    offset += it->offset;
    if (dot == std::string_view::npos) return &*it;
    if (!it->type) return nullptr;
    t = it->type;
    path = path.substr(dot + 1);
  }
}

// Resolves handles of one struct; a required field it lacks throws MissingField.
template <class T>
class Resolver {
 public:
  Resolver(const StructLayout& s, int ptr_size) : s_(s), ptr_(ptr_size) {}

  FieldHandle<T> operator()(std::string_view path, bool required = true) const {
    uint64_t off = 0;
    const Field* f = find(s_, path, off);
    if (!f) {
      if (required) throw MissingField(s_.name, std::string(path));
      return {};
    }
    int width = f->type ? ptr_ : static_cast<int>(std::min<uint64_t>(f->size, 8));
    return {off, width};
  }
  template <class U>
  Embedded<T, U> embedded(std::string_view path) const {
    uint64_t off = 0;
    const Field* f = find(s_, path, off);
    if (!f || !f->type) throw MissingField(s_.name, std::string(path));
    return {off};
  }

 private:
  const StructLayout& s_;
  int ptr_;
};

}  // namespace

RuntimeFields RuntimeFields::resolve(const Layouts& L, const StructLayout& closure, const StructLayout* env) {
  const int w = L.ptr_size;
  RuntimeFields F;

  Resolver<rt::g> g(L.g, w);
  F.g.stack = {g("stack.lo"), g("stack.hi")};
  F.g.stackguard0 = g("stackguard0");
  F.g.stackguard1 = g("stackguard1");
  F.g.m = g("m");
  F.g.sched.buf = g.embedded<rt::gobuf>("sched");
  F.g.sched.sp = g("sched.sp");
  F.g.sched.pc = g("sched.pc");
  F.g.sched.g = g("sched.g");
  F.g.sched.ctxt = g("sched.ctxt");
  F.g.sched.lr = g("sched.lr");
  F.g.sched.bp = g("sched.bp");
  F.g.syscallsp = g("syscallsp");
  F.g.syscallpc = g("syscallpc");
  F.g.stktopsp = g("stktopsp");
  F.g.atomicstatus = g("atomicstatus");
  F.g.goid = g("goid");
  F.g.preempt = g("preempt");
  F.g.throwsplit = g("throwsplit");
  F.g.stackAlloc = g("stackAlloc", false);

  Resolver<rt::m> m(L.m, w);
  F.m.g0 = m("g0");
  F.m.gsignal = m("gsignal");
  F.m.curg = m("curg");
  F.m.p = m("p");
  F.m.mallocing = m("mallocing");
  F.m.locks = m("locks");
  F.m.morebuf = {m("morebuf.pc"), m("morebuf.sp"), m("morebuf.lr"), m("morebuf.g")};

  Resolver<rt::p> p(L.p, w);
  F.p.status = p("status");

  Resolver<rt::gobuf> buf(L.gobuf, w);
  F.gobuf = {buf("sp"), buf("pc"), buf("g"), buf("ctxt"), buf("lr"), buf("bp")};

  Resolver<rt::closure> c(closure, w);
  F.closure = {c("fn"), c("x", env == nullptr), c("env", env != nullptr)};
  if (env) {
    Resolver<rt::env> e(*env, w);
    F.env = {e("k"), e("self")};
  }
  return F;
}

}  // namespace gotramp::model
