// What gosave_systemstack_switch leaves of a goroutine in g.sched when systemstack
// or asmcgocall switches to g0 (docs/checks.md, "systemstack"): the goroutine as if
// in runtime·systemstack_switch, called from the trampoline's frame, so that a
// traceback (the GC's stack scan) unwinds through the trampoline to its caller.
#pragma once

#include <cstdint>
#include <string>

#include "emu/elf_image.hpp"

namespace gotramp::model {

class Harness;

// The trampoline's caller, as the snapshot at the trampoline's entry saw it.
struct SwitchCaller {
  std::string trampoline;  // "systemstack"
  uint64_t sp = 0;         // SP at the trampoline's entry
  uint64_t g = 0;          // the goroutine
  uint64_t fp = 0;         // the caller's frame pointer; 0 where the row keeps none
  // The SP g.sched.sp must hold (the trampoline's, as it called gosave), and
  // where that comes from.
  uint64_t saved_sp = 0;
  std::string saved_sp_from;
};

// Whether fp is want, or a frame record whose chain reaches want within a few
// records; steps: records walked before it.
bool frame_chain_reaches(Harness& h, uint64_t fp, uint64_t want, int* steps = nullptr);

// Checks sched.pc (inside systemstack_switch, past its prologue when it has one),
// sched.sp, sched.lr, sched.ctxt and sched.bp against the caller; notes the
// report's "sched.pc" and "sched.bp" columns. at: the PC the checks are made at.
void check_switch_saved(Harness& h, const SwitchCaller& c, const emu::Symbol& systemstack_switch, bool switch_has_frame,
                        uint64_t at);

}  // namespace gotramp::model
