// How the switch suites (systemstack, asmcgocall, mcall) stand in for a Go caller
// of the trampoline under test, and the snapshot their checks compare with: the
// CPU at the trampoline's first instruction.
#pragma once

#include <cstdint>

namespace gotramp::model {

class Harness;

// The CPU as a Go caller entered a function, read at its first instruction.
struct CallEntry {
  uint64_t sp = 0;         // SP at the callee's entry
  uint64_t ret_pc = 0;     // the caller's return PC (in the link register, or at 0(SP) on x86)
  uint64_t caller_sp = 0;  // the caller's SP once the call has returned
  uint64_t g = 0;          // the current g
  uint64_t fp = 0;         // the frame pointer; 0 where the row keeps none
};
CallEntry call_entry(Harness& h);

// The world's runner about to call from a Go frame below top, whose SP at the call
// is caller_sp: on rows that keep frame pointers, the caller's frame record (one
// word below caller_sp where the row keeps it there, arm64) and its caller's, where
// the chain ends, with the frame pointer at the first; g current (and in the
// register ABI's g register); the context register poisoned.
void enter_as_go_caller(Harness& h, uint64_t top, uint64_t caller_sp);

}  // namespace gotramp::model
