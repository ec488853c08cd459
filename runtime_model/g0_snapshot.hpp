// The g0 frame a stack switch built, as the function it calls sees it at its entry
// (mcall's fn, systemstack's fn, asmcgocall's C function): one snapshot for frame
// diagrams, whichever suite takes it.
#pragma once

#include <cstdint>

#include "runtime_model/harness.hpp"
#include "runtime_model/morestack/g0_frame.hpp"

namespace gotramp::model {

// The CPU at the callee's entry with SP at sp; the g0 stack from SP up to the
// scheduler's words above g0.sched.sp (when SP is on it); and the goroutine at
// `goroutine` (when not nil) as the switch left its g.sched and its stack around
// g.sched.sp. The frame belongs to the episode open now (or the last one).
G0Frame g0_frame_at_entry(Harness& h, uint64_t sp, uint64_t goroutine, G0Frame::Roles roles);

}  // namespace gotramp::model
