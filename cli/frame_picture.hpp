// The frame picture (gotramp frame --svg): the g0 frame at newstack's entry beside
// the interrupted goroutine, drawn so that a porter sees at a glance what is wrong:
// a heading with the verdict, a legend of the slot roles, SP and g0.sched.sp
// marked, absolute addresses beside SP offsets, the goroutine stack's bounds, and
// every slot or field a Finding names drawn in red with the Finding's text.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runtime_model/morestack/g0_frame.hpp"
#include "runtime_model/report.hpp"

namespace gotramp::cli {

struct InspectedRun;

// The findings of a growth that name a slot of the g0 frame ("8(RSP) ctxt
// argument" names 8(RSP); "g0 stack at g0.sched.sp+0 (...)" names that scheduler
// word), or a field of the goroutine side ("m.morebuf.pc").
std::vector<const model::Finding*> findings_naming_slot(const std::vector<model::Finding>& findings, int growth,
                                                        const model::FrameSlot& slot, const model::G0Frame& f);
std::vector<const model::Finding*> findings_naming_field(const std::vector<model::Finding>& findings, int growth,
                                                         const std::string& field);
// "ctxt-argument: expected 0x400004d0, seen 0xd0d0d0d0d0d0d0d0"
std::string finding_text(const model::Finding& f);

// The picture of a growth (1-based); nullopt if that growth never reached newstack.
std::optional<std::string> frame_svg(const InspectedRun& run, int growth);

}  // namespace gotramp::cli
