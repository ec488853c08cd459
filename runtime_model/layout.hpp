// Go 1.8 runtime data structures (runtime2.go field order), laid out for a given
// pointer and register width with Go's alignment rules. These layouts are the single
// source of truth: the assembler header that guest code includes is generated from
// them, so guest and host cannot disagree on an offset.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gotramp::emu {
struct ArchSpec;
}

namespace gotramp::model {

enum class Kind {
  Uintptr,   // uintptr: an integer, never scanned
  Pointer,   // unsafe.Pointer or *T: a heap pointer the GC scans
  Guintptr,  // guintptr/muintptr/puintptr: a pointer the GC does not see
  Uintreg,   // sys.Uintreg: register-sized integer
  Int32,
  Uint32,
  Int64,
  Bool,
  String,  // {ptr, len}
  Slice,   // {ptr, len, cap}
  Array,   // of uintptr-sized words, e.g. m.tls
  Bytes,   // opaque bytes (e.g. sigset)
  Struct,
};

struct StructLayout;

struct Field {
  std::string name;
  Kind kind = Kind::Uintptr;
  uint64_t offset = 0;
  uint64_t size = 0;
  const StructLayout* type = nullptr;  // for Kind::Struct
  bool is_pointer() const { return kind == Kind::Pointer; }
};

struct StructLayout {
  std::string name;
  uint64_t size = 0;
  uint64_t align = 1;
  std::vector<Field> fields;

  const Field& field(std::string_view name) const;  // throws std::out_of_range
  // The innermost field a dotted path such as "sched.ctxt" names, and its offset
  // from the start of this struct; nullopt when there is no such path.
  struct Found {
    const Field* field = nullptr;
    uint64_t offset = 0;
  };
  std::optional<Found> find(std::string_view path) const;
  // Offset of a dotted path (throws std::out_of_range).
  uint64_t offset(std::string_view path) const;
  // The innermost field covering byte offset off, as a dotted path ("sched.ctxt").
  struct At {
    std::string path;
    const Field* field = nullptr;
    uint64_t field_offset = 0;  // offset of that field from the struct start
  };
  std::optional<At> at(uint64_t off) const;
};

// The layouts of one pointer/register width. Not copyable: fields point at sibling
// layouts.
struct Layouts {
  int ptr_size;
  int reg_size;
  StructLayout stack, gobuf, g, m, p, funcval;

  // Go 1.8's runtime2.go, laid out for these widths.
  Layouts(int ptr_size, int reg_size, int sigset_bytes);
  // Empty layouts, for a reader that fills them from a binary (runtime_model/profile.cpp).
  Layouts(int ptr_size, int reg_size) : ptr_size(ptr_size), reg_size(reg_size) {}
  Layouts(const Layouts&) = delete;
  Layouts& operator=(const Layouts&) = delete;
};

// The layouts an ArchSpec row implies (cached; one per distinct width).
const Layouts& layouts_for(const emu::ArchSpec& spec);

// The assembler header guest code includes ("runtime_layout.h"): g_sched,
// gobuf_ctxt, m_morebuf ... and the ABI constants guest code needs.
std::string asm_header(const emu::ArchSpec& spec);

}  // namespace gotramp::model
