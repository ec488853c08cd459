// Pclntab: the function table a Go linker writes into every binary (.gopclntab), as
// the runtime reads it (runtime/symtab.go): which function a PC lies in, and the
// function's largest SP delta (its pcsp table), i.e. the frame its stack-split
// prologue checks for. Go 1.18 and 1.19 write it with magic 0xfffffff0, Go 1.20 and
// later with 0xfffffff1; both lay out the header, the function table and each
// function's _func entry the same way as far as this reader goes. The guest_asm
// transcriptions are linked by Go 1.19, the probes by the toolchain under test.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>

#include "emu/arch_spec.hpp"
#include "emu/elf_image.hpp"

namespace gotramp::model {

// A binary whose pclntab is missing or not one this reader knows.
struct PclntabError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Pclntab {
 public:
  static constexpr uint32_t kGo118Magic = 0xfffffff0;  // Go 1.18, 1.19
  static constexpr uint32_t kGo120Magic = 0xfffffff1;  // Go 1.20 and later

  // The table of image (which must outlive it). Throws PclntabError naming the file
  // and what is wrong.
  static Pclntab read(const emu::ElfImage& image);

  struct Func {
    std::string name;  // "main.medium"
    uint64_t entry = 0, end = 0;
    // funcMaxSPDelta: the largest SP delta of the function's pcsp table, in bytes
    // (its frame: locals, outgoing arguments, saved LR or BP).
    uint32_t max_sp_delta = 0;
  };
  // The function containing pc, or nullopt when pc lies in none.
  std::optional<Func> find(uint64_t pc) const;

  uint32_t magic() const { return magic_; }
  int quantum() const { return quantum_; }  // PCQuantum: the unit of pc deltas
  int ptr_size() const { return ptr_size_; }
  uint64_t functions() const { return nfunc_; }

 private:
  uint64_t word(std::span<const uint8_t> at) const;  // a ptr_size_ word in the table's byte order
  uint32_t u32(std::span<const uint8_t> at) const;
  std::span<const uint8_t> from(uint64_t off) const;  // the table from off on (empty past its end)

  std::string path_;
  std::span<const uint8_t> data_;  // the whole section
  emu::ByteOrder order_ = emu::ByteOrder::Little;
  uint32_t magic_ = 0;
  int quantum_ = 1, ptr_size_ = 8;
  uint64_t nfunc_ = 0;
  uint64_t text_ = 0;  // function entries are offsets from the start of .text (runtime.text)
  std::span<const uint8_t> funcnametab_, pctab_, functab_, funcdata_;
};

}  // namespace gotramp::model
