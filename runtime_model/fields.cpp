#include "runtime_model/fields.hpp"

#include <algorithm>
#include <string_view>

namespace gotramp::model {
namespace {

// Resolves handles of one struct; a required field it lacks throws MissingField.
template <class T>
class Resolver {
 public:
  Resolver(const StructLayout& s, int ptr_size) : s_(s), ptr_(ptr_size) {}

  FieldHandle<T> operator()(std::string_view path, bool required = true) const {
    auto at = s_.find(path);
    if (!at) {
      if (required) throw MissingField(s_.name, std::string(path));
      return {};
    }
    const Field& f = *at->field;
    return {at->offset, f.type ? ptr_ : static_cast<int>(std::min<uint64_t>(f.size, 8))};
  }
  template <class U>
  Embedded<T, U> embedded(std::string_view path) const {
    auto at = s_.find(path);
    if (!at || !at->field->type) throw MissingField(s_.name, std::string(path));
    return {at->offset};
  }

 private:
  const StructLayout& s_;
  int ptr_;
};

}  // namespace

RuntimeFields RuntimeFields::resolve(const Layouts& L) {
  const int w = L.ptr_size;
  RuntimeFields F;

  Resolver<rt::g> g(L.g, w);
  F.g = {.stack = {g("stack.lo"), g("stack.hi")},
         .stackguard0 = g("stackguard0"),
         .stackguard1 = g("stackguard1"),
         .m = g("m"),
         .sched = {g.embedded<rt::gobuf>("sched"), g("sched.sp"), g("sched.pc"), g("sched.g"), g("sched.ctxt"),
                   g("sched.lr"), g("sched.bp")},
         .syscallsp = g("syscallsp"),
         .syscallpc = g("syscallpc"),
         .stktopsp = g("stktopsp"),
         .atomicstatus = g("atomicstatus"),
         .goid = g("goid"),
         .preempt = g("preempt"),
         .throwsplit = g("throwsplit"),
         .stackAlloc = g("stackAlloc", /*required=*/false)};

  Resolver<rt::m> m(L.m, w);
  F.m = {.g0 = m("g0"),
         .gsignal = m("gsignal"),
         .curg = m("curg"),
         .p = m("p"),
         .mallocing = m("mallocing"),
         .locks = m("locks"),
         .morebuf = {m("morebuf.pc"), m("morebuf.sp"), m("morebuf.lr"), m("morebuf.g")}};

  Resolver<rt::p> p(L.p, w);
  F.p.status = p("status");

  Resolver<rt::gobuf> buf(L.gobuf, w);
  F.gobuf = {buf("sp"), buf("pc"), buf("g"), buf("ctxt"), buf("lr"), buf("bp")};

  return F;
}

ProbeFields ProbeFields::resolve(const StructLayout& closure, const StructLayout* env, int w) {
  ProbeFields F;
  Resolver<rt::closure> c(closure, w);
  F.closure = {c("fn"), c("x", env == nullptr), c("env", env != nullptr)};
  if (env) {
    Resolver<rt::env> e(*env, w);
    F.env = {e("k"), e("self")};
  }
  return F;
}

}  // namespace gotramp::model
