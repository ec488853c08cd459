#include "runtime_model/layout.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <tuple>

#include "emu/arch_spec.hpp"

namespace gotramp::model {
namespace {

// Appends fields with Go's alignment: a field is aligned to its own alignment, and
// the struct's size is rounded up to the largest alignment among its fields.
class Builder {
 public:
  Builder(StructLayout& s, std::string name, int ptr, int reg) : s_(s), ptr_(ptr), reg_(reg) {
    s_.name = std::move(name);
  }
  Builder& add(std::string name, Kind kind, const StructLayout* type = nullptr, uint64_t count = 1) {
    uint64_t size = 0, align = 1;
    switch (kind) {
      case Kind::Uintptr:
      case Kind::Pointer:
      case Kind::Guintptr:
        size = align = ptr_;
        break;
      case Kind::Uintreg:
        size = align = reg_;
        break;
      case Kind::Int32:
      case Kind::Uint32:
        size = align = 4;
        break;
      // 64-bit integers are 4-aligned on 32-bit ports (386, arm, mips) and 8-aligned where
      // registers are 8 bytes (including amd64p32).
      case Kind::Int64:
        size = 8, align = reg_;
        break;
      case Kind::Bool:
        size = align = 1;
        break;
      case Kind::String:
        size = 2 * ptr_, align = ptr_;
        break;
      case Kind::Slice:
        size = 3 * ptr_, align = ptr_;
        break;
      case Kind::Array:
        size = count * ptr_, align = ptr_;
        break;
      case Kind::Bytes:
        size = count, align = 4;
        break;
      case Kind::Struct:
        size = type->size, align = type->align;
        break;
    }
    uint64_t off = (s_.size + align - 1) / align * align;
    s_.fields.push_back({std::move(name), kind, off, size, type});
    s_.size = off + size;
    s_.align = std::max(s_.align, align);
    return *this;
  }
  ~Builder() { s_.size = (s_.size + s_.align - 1) / s_.align * s_.align; }

 private:
  StructLayout& s_;
  int ptr_, reg_;
};

}  // namespace

const Field& StructLayout::field(std::string_view n) const {
  for (const auto& f : fields)
    if (f.name == n) return f;
  throw std::out_of_range(fmt::format("{} has no field {}", name, n));
}

std::optional<StructLayout::Found> StructLayout::find(std::string_view path) const {
  const StructLayout* t = this;
  Found at;
  for (;;) {
    auto dot = path.find('.');
    auto it = std::find_if(t->fields.begin(), t->fields.end(),
                           [n = path.substr(0, dot)](const Field& f) { return f.name == n; });
    if (it == t->fields.end()) return std::nullopt;
    at.field = &*it;
    at.offset += it->offset;
    if (dot == std::string_view::npos) return at;
    if (!it->type) return std::nullopt;  // a path through a scalar
    t = it->type;
    path = path.substr(dot + 1);
  }
}

uint64_t StructLayout::offset(std::string_view path) const {
  if (auto at = find(path)) return at->offset;
  throw std::out_of_range(fmt::format("{} has no field {}", name, path));
}

std::optional<StructLayout::At> StructLayout::at(uint64_t off) const {
  for (const auto& f : fields) {
    if (off < f.offset || off >= f.offset + f.size) continue;
    if (f.type) {
      if (auto inner = f.type->at(off - f.offset))
        return At{f.name + "." + inner->path, inner->field, f.offset + inner->field_offset};
    }
    return At{f.name, &f, f.offset};
  }
  return std::nullopt;
}

Layouts::Layouts(int ptr, int reg, int sigset_bytes) : ptr_size(ptr), reg_size(reg) {
  {
    Builder b(stack, "stack", ptr, reg);
    b.add("lo", Kind::Uintptr).add("hi", Kind::Uintptr);
  }
  {
    Builder b(gobuf, "gobuf", ptr, reg);
    // Only ctxt is a pointer: g is a guintptr, and the others are integers.
    b.add("sp", Kind::Uintptr)
        .add("pc", Kind::Uintptr)
        .add("g", Kind::Guintptr)
        .add("ctxt", Kind::Pointer)
        .add("ret", Kind::Uintreg)
        .add("lr", Kind::Uintptr)
        .add("bp", Kind::Uintptr);
  }
  {
    Builder b(g, "g", ptr, reg);
    b.add("stack", Kind::Struct, &stack)
        .add("stackguard0", Kind::Uintptr)
        .add("stackguard1", Kind::Uintptr)
        .add("_panic", Kind::Pointer)
        .add("_defer", Kind::Pointer)
        .add("m", Kind::Pointer)
        .add("stackAlloc", Kind::Uintptr)
        .add("sched", Kind::Struct, &gobuf)
        .add("syscallsp", Kind::Uintptr)
        .add("syscallpc", Kind::Uintptr)
        .add("stkbar", Kind::Slice)
        .add("stkbarPos", Kind::Uintptr)
        .add("stktopsp", Kind::Uintptr)
        .add("param", Kind::Pointer)
        .add("atomicstatus", Kind::Uint32)
        .add("stackLock", Kind::Uint32)
        .add("goid", Kind::Int64)
        .add("waitsince", Kind::Int64)
        .add("waitreason", Kind::String)
        .add("schedlink", Kind::Guintptr)
        .add("preempt", Kind::Bool)
        .add("paniconfault", Kind::Bool)
        .add("preemptscan", Kind::Bool)
        .add("gcscandone", Kind::Bool)
        .add("gcscanvalid", Kind::Bool)
        .add("throwsplit", Kind::Bool);
  }
  {
    Builder b(p, "p", ptr, reg);
    b.add("lock", Kind::Uintptr).add("id", Kind::Int32).add("status", Kind::Uint32).add("link", Kind::Guintptr);
  }
  {
    Builder b(m, "m", ptr, reg);
    b.add("g0", Kind::Pointer)
        .add("morebuf", Kind::Struct, &gobuf)
        .add("divmod", Kind::Uint32)
        .add("procid", Kind::Int64)
        .add("gsignal", Kind::Pointer)
        .add("sigmask", Kind::Bytes, nullptr, sigset_bytes)
        .add("tls", Kind::Array, nullptr, 6)
        .add("mstartfn", Kind::Pointer)
        .add("curg", Kind::Pointer)
        .add("caughtsig", Kind::Guintptr)
        .add("p", Kind::Guintptr)
        .add("nextp", Kind::Guintptr)
        .add("id", Kind::Int32)
        .add("mallocing", Kind::Int32)
        .add("throwing", Kind::Int32)
        .add("preemptoff", Kind::String)
        .add("locks", Kind::Int32);
  }
  {
    // A closure: the code pointer, then what it captured (one word here).
    Builder b(funcval, "funcval", ptr, reg);
    b.add("fn", Kind::Uintptr).add("x", Kind::Uintptr);
  }
}

const Layouts& layouts_for(const emu::ArchSpec& spec) {
  static std::mutex mu;
  static std::map<std::tuple<int, int, int>, std::unique_ptr<Layouts>> cache;
  std::lock_guard lock(mu);
  auto key = std::make_tuple(spec.ptr_size, spec.reg_size, spec.sigset_bytes);
  auto& slot = cache[key];
  if (!slot) slot = std::make_unique<Layouts>(spec.ptr_size, spec.reg_size, spec.sigset_bytes);
  return *slot;
}

std::string asm_header(const emu::ArchSpec& spec) {
  const Layouts& L = layouts_for(spec);
  std::string out = fmt::format(
      "// Generated by gotramp from runtime_model/layout.cpp for GOARCH={}. Do not edit.\n"
      "// Go 1.8 runtime2.go layouts with PtrSize={} RegSize={}.\n\n",
      spec.goarch, spec.ptr_size, spec.reg_size);
  for (const StructLayout* s : {&L.stack, &L.gobuf, &L.g, &L.m, &L.p, &L.funcval}) {
    for (const auto& f : s->fields) out += fmt::format("#define {}_{} {}\n", s->name, f.name, f.offset);
    out += fmt::format("#define {}__size {}\n\n", s->name, s->size);
  }
  out += fmt::format("#define FIXED_FRAME {}\n", spec.min_frame);
  return out;
}

}  // namespace gotramp::model
