// Capstone disassembly of guest code, for reports, traces and blame. The library is
// loaded on first use (dlopen, from the folders the loader lists for the program:
// its RUNPATH): a run that verifies decodes nothing, and loading Capstone costs
// every start that links it 85,000 relocations and about 360 page faults (measured).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "emu/arch_spec.hpp"

namespace gotramp::emu {

struct Insn {
  uint64_t address = 0;
  uint32_t size = 0;
  std::string text;  // "movq %rdx, 8(%rsp)"
};

// The Capstone library's version, "5.0.9" (loads the library).
std::string capstone_version();

class Disasm {
 public:
  // Opens nothing yet: the row's disassembler is opened on the first decode.
  explicit Disasm(const ArchSpec& spec);
  ~Disasm();
  Disasm(const Disasm&) = delete;
  Disasm& operator=(const Disasm&) = delete;

  // The first instruction of code, decoded at address; nullopt if undecodable.
  std::optional<Insn> one(std::span<const uint8_t> code, uint64_t address) const;
  // How many instructions code holds (stops at the first undecodable byte).
  size_t count(std::span<const uint8_t> code, uint64_t address) const;

 private:
  size_t handle() const;  // the csh, opened on first use
  const ArchSpec& spec_;
  mutable size_t handle_ = 0;  // csh; 0 until opened
};

}  // namespace gotramp::emu
