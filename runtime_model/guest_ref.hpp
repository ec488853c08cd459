// Ref: a typed view of a Go runtime structure in guest memory, so that host code
// reads like the runtime: gp["sched.ctxt"].set(ctxt), gp["stackguard0"].get().
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "emu/engine.hpp"
#include "runtime_model/layout.hpp"

namespace gotramp::model {

class Ref {
 public:
  Ref() = default;
  Ref(emu::Engine& e, const StructLayout& type, uint64_t addr) : e_(&e), type_(&type), addr_(addr) {}

  uint64_t addr() const { return addr_; }
  const StructLayout* type() const { return type_; }
  bool is_nil() const { return addr_ == 0; }

  // A field by dotted path: a struct field gives a struct Ref, a scalar field a
  // scalar Ref that get()/set() read and write at the field's width.
  Ref operator[](std::string_view path) const {
    Ref r = *this;
    for (;;) {
      if (!r.type_) throw std::out_of_range(std::string("field path goes through a scalar: ") + std::string(path));
      auto dot = path.find('.');
      const Field& f = r.type_->field(path.substr(0, dot));
      r.addr_ += f.offset;
      r.field_ = &f;
      r.type_ = f.type;  // nullptr for a scalar
      if (dot == std::string_view::npos) return r;
      path = path.substr(dot + 1);
    }
  }
  uint64_t get() const { return e_->read_uint(addr_, width()); }
  void set(uint64_t v) const { e_->write_uint(addr_, width(), v); }
  // The width of the scalar this Ref names (a pointer-sized word for structs).
  int width() const {
    return field_ && !field_->type ? static_cast<int>(std::min<uint64_t>(field_->size, 8)) : e_->spec().ptr_size;
  }

 private:
  emu::Engine* e_ = nullptr;
  const StructLayout* type_ = nullptr;
  const Field* field_ = nullptr;
  uint64_t addr_ = 0;
};

}  // namespace gotramp::model
