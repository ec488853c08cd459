// DwarfTypes: struct layouts read from an ELF's DWARF with libdw. It is told the
// names of the structs it wants ("runtime.gobuf") and knows nothing of what they
// mean: for each it returns the size and every member's name, offset, size and
// type name, and it resolves member paths through nested structs ("sched.ctxt").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gotramp::emu {

struct DwarfError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct DwarfMember {
  std::string name;
  uint64_t offset = 0;    // DW_AT_data_member_location
  uint64_t size = 0;      // of its type
  std::string type_name;  // "*runtime.g", "uintptr", "runtime.gobuf"; "" when unnamed
};

struct DwarfStruct {
  std::string name;
  uint64_t size = 0;  // DW_AT_byte_size
  std::vector<DwarfMember> members;
  const DwarfMember* member(std::string_view member_name) const;
};

// A member path resolved to one offset from the start of the outer struct.
struct DwarfField {
  uint64_t offset = 0;
  uint64_t size = 0;
  std::string type_name;
};

class DwarfTypes {
 public:
  // Reads the structs named in `names` from the ELF at path, and every struct that
  // their members hold by value (so nested paths resolve). Throws DwarfError when
  // the file is not an ELF or has no DWARF; a requested name that is absent is
  // not an error here (see missing()), only when asked for with get() or field().
  static DwarfTypes read(const std::string& path, std::span<const std::string> names);
  // The same, remembered in the file `cache`: written after a read from DWARF, and
  // used instead of DWARF while it names the same ELF (size and modification time)
  // and the same names. Reading compressed DWARF costs milliseconds; the cache, a
  // few kilobytes of text, microseconds. A cache that cannot be written is skipped.
  static DwarfTypes read_cached(const std::string& path, std::span<const std::string> names, const std::string& cache);
  // The same for an ELF image in memory; label names it in messages.
  static DwarfTypes read_memory(std::span<const uint8_t> image, const std::string& label,
                                std::span<const std::string> names);

  const std::string& file() const { return file_; }
  bool has(std::string_view struct_name) const { return structs_.find(struct_name) != structs_.end(); }
  // Throws DwarfError "FILE: DWARF has no struct runtime.p".
  const DwarfStruct& get(std::string_view struct_name) const;
  // A dotted member path, each step through a struct held by value. Throws
  // DwarfError "FILE: runtime.gobuf has no field ret" naming the struct at the
  // step that failed.
  DwarfField field(std::string_view struct_name, std::string_view path) const;
  // The requested names that the DWARF does not hold.
  const std::vector<std::string>& missing() const { return missing_; }

 private:
  std::string file_;
  std::map<std::string, DwarfStruct, std::less<>> structs_;
  std::vector<std::string> missing_;
  friend struct DwarfReader;
  std::string serialize(const std::string& key) const;
  static std::optional<DwarfTypes> deserialize(const std::string& text, const std::string& key);
};

}  // namespace gotramp::emu
