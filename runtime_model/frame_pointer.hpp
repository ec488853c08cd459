// The frame pointer a trampoline hands the function it calls on g0 (newstack,
// mcall's fn, systemstack's fn): 0, or a frame record on the g0 stack at or above
// the callee's SP, so that an unwinder walking from the callee never reads a
// frame that is dead (below SP on g0) or on a goroutine stack another M may be
// running or moving (golang/go#63630).
#pragma once

#include <cstdint>
#include <string>

namespace gotramp::model {

class Harness;

// "" when fp is such a frame pointer at a callee's entry with SP sp; otherwise
// what it is instead, in the runtime's terms.
std::string g0_frame_pointer_problem(Harness& h, uint64_t fp, uint64_t sp);

}  // namespace gotramp::model
