// Capstone disassembly of guest code, for reports and for counting instructions in
// variable-width instruction sets.
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

// The Capstone library's version, "5.0.9".
std::string capstone_version();

class Disasm {
 public:
  explicit Disasm(const ArchSpec& spec);
  ~Disasm();
  Disasm(const Disasm&) = delete;
  Disasm& operator=(const Disasm&) = delete;

  // The first instruction of code, decoded at address; nullopt if undecodable.
  std::optional<Insn> one(std::span<const uint8_t> code, uint64_t address) const;
  // How many instructions code holds (stops at the first undecodable byte).
  size_t count(std::span<const uint8_t> code, uint64_t address) const;

 private:
  size_t handle_ = 0;  // csh
};

}  // namespace gotramp::emu
