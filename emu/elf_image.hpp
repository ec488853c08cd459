// ElfImage: a guest ELF read with libelf: its PT_LOAD segments and its symbols.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "emu/arch_spec.hpp"

namespace gotramp::emu {

struct ElfError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Segment {
  uint64_t vaddr = 0;
  uint64_t memsz = 0;
  uint64_t offset = 0;  // of the file-backed part in the file
  uint64_t filesz = 0;  // the rest, up to memsz, is zero
  uint32_t flags = 0;   // PF_R | PF_W | PF_X
};

// A section of the file, by its ELF name (".gopclntab", ".text").
struct Section {
  std::string name;
  uint64_t addr = 0;               // where it is loaded (0 if it is not)
  std::span<const uint8_t> bytes;  // its contents in the file (empty for SHT_NOBITS)
};

struct Symbol {
  std::string name;
  uint64_t addr = 0;
  uint64_t size = 0;
  bool contains(uint64_t a) const { return a >= addr && a < addr + size; }
};

class ElfImage {
 public:
  // Reads path; throws ElfError naming the file and what is wrong with it. Only
  // symbols whose names start with symbol_prefix are indexed (all when empty):
  // a Go binary carries thousands of runtime symbols a guest never runs.
  static ElfImage load(const std::string& path, std::string_view symbol_prefix = {});

  const std::string& path() const { return path_; }
  uint16_t machine() const { return machine_; }
  uint32_t e_flags() const { return e_flags_; }  // the header's processor flags (ppc64: its ELF ABI version)
  int word_bytes() const { return word_bytes_; }
  ByteOrder order() const { return order_; }
  const std::vector<Segment>& segments() const { return segments_; }
  // The bytes of the file (mapped read-only), and a segment's file-backed part.
  std::span<const uint8_t> file() const { return {file_->data, file_->size}; }
  std::span<const uint8_t> bytes(const Segment& s) const { return file().subspan(s.offset, s.filesz); }

  // A section by name (".gopclntab"), viewing the mapped file: valid while this
  // image (or a copy of it) lives.
  std::optional<Section> section(std::string_view name) const;

  std::optional<Symbol> symbol(std::string_view name) const;
  // A function by its qualified Go name ("main.morestack", "runtime.gogo"). On
  // register-ABI ports an assembly body is "NAME.abi0" beside a generated wrapper
  // "NAME"; the body is what callers in assembly reach, so it is preferred.
  std::optional<Symbol> find_func(std::string_view name) const;
  Symbol func(std::string_view name) const;  // throws ElfError when absent
  // A data symbol by its qualified Go name ("main.result").
  Symbol var(std::string_view name) const;
  // The function symbol containing addr, or nullptr. The pointer stays valid as
  // long as the image (or a copy of it) does.
  const Symbol* containing(uint64_t addr) const;
  // "main.morestack+0x14", or the bare address.
  std::string describe(uint64_t addr) const;

 private:
  struct MappedFile {
    const uint8_t* data = nullptr;
    size_t size = 0;
    ~MappedFile();
  };
  std::shared_ptr<MappedFile> file_;
  std::string path_;
  uint16_t machine_ = 0;
  uint32_t e_flags_ = 0;
  int word_bytes_ = 8;
  ByteOrder order_ = ByteOrder::Little;
  std::vector<Segment> segments_;
  std::vector<Section> sections_;
  // The symbols, read once at load without copying a name: a Go binary has a few
  // thousand, and a run looks up about twenty by name and a few by address.
  // Names point into the symbol table's string section, which lives with the
  // mapped file; a Symbol is made only for what a lookup returns.
  struct Index;
  std::shared_ptr<Index> index_;
};

}  // namespace gotramp::emu
