// Every register a row names, for round trips at full width (engine tests, and the
// real toolchains' probes in a bare engine).
#pragma once

#include <vector>

#include "emu/arch_spec.hpp"
#include "emu/byte_order.hpp"

namespace gotramp::test {

// The row's general registers, then every register a field of it names: its SP,
// PC, link, context, g, the prologue's registers, the register ABI's and the
// frame pointers.
inline std::vector<emu::Reg> named_registers(const emu::ArchSpec& a) {
  std::vector<emu::Reg> out = a.regs;
  for (const emu::Reg* r : {&a.sp, &a.pc, &a.link, &a.ctxt, &a.g, &a.morestack_lr, &a.prologue_link, &a.frame_pointer,
                            &a.modern_frame_pointer, &a.regabi.g})
    if (r->valid()) out.push_back(*r);
  for (const auto& r : a.regabi.int_args) out.push_back(r);
  return out;
}

// Every byte distinct, low bits clear (a PC write must not switch ARM to Thumb).
inline uint64_t full_width_pattern(const emu::ArchSpec& a) {
  return 0x8877665544332210ULL & emu::width_mask(a.reg_size);
}

}  // namespace gotramp::test
