// The calling sequence as newstack sees it: a snapshot of the frame the trampoline
// built on the g0 stack, taken at newstack's first instruction, and the checks of
// that frame (DESIGN §4) as a pure function of the snapshot and the row. Frame
// diagrams are drawn from the same snapshot, so they show what the emulator saw.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "emu/arch_spec.hpp"
#include "emu/elf_image.hpp"
#include "runtime_model/arena.hpp"
#include "runtime_model/contract.hpp"

namespace gotramp::model {

struct G0Frame {
  int growth = 0;
  uint64_t sp = 0;             // SP at newstack's entry
  uint64_t g0_sched_sp = 0;    // where the trampoline switched to: above it, the scheduler's frame
  uint64_t base = 0;           // address of bytes[0] (== sp)
  std::vector<uint8_t> bytes;  // guest memory [sp, g0_sched_sp + Arena::kG0Reserved)
  uint64_t link = 0;           // link register (newstack's return address); 0 on x86
  uint64_t ctxt_reg = 0;       // the context register
  uint64_t g = 0;              // the current g

  // The width-byte word at SP+off, decoded in the given byte order.
  std::optional<uint64_t> word(int64_t off, int width, emu::ByteOrder order) const;
};

struct SequenceExpect {
  uint64_t ctxt = 0;       // what newstack's argument must hold
  emu::Symbol trampoline;  // newstack's return address must point into it
  StackSpan g0_stack;
  uint64_t g0 = 0;  // m.g0
  uint8_t g0_poison = Arena::kG0Poison;
  std::function<std::string(uint64_t)> describe_code;  // "0x... (main.morestack+0x44)"
};

struct SlotCheck {
  std::string check;  // "ctxt-argument"
  bool ok = true;
  std::string slot;  // "8(RSP) ctxt argument"
  std::string expected, seen;
};

// The frame the trampoline built, checked slot by slot against the row and contract.
std::vector<SlotCheck> check_calling_sequence(const emu::ArchSpec& spec, const Contract& contract, const G0Frame& f,
                                              const SequenceExpect& want);

}  // namespace gotramp::model
