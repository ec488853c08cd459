#include "runtime_model/frame_pointer.hpp"

#include <fmt/format.h>

#include "runtime_model/harness.hpp"

namespace gotramp::model {

std::string g0_frame_pointer_problem(Harness& h, uint64_t fp, uint64_t sp) {
  if (fp == 0) return "";
  const StackSpan g0 = h.arena().g0_stack();
  const int word = h.spec().ptr_size;
  if (g0.contains(fp) && fp >= sp && fp + word <= g0.hi) {
    const uint64_t saved = h.engine().read_ptr(fp);
    if (saved == 0 || (saved > fp && g0.contains(saved))) return "";
    return fmt::format("{}: on the g0 stack at or above SP, but no frame record (its saved frame pointer is {})",
                       h.hex(fp), h.hex(saved));
  }
  if (g0.contains(fp))
    return fmt::format("{}: a dead frame on the g0 stack, {} bytes below SP{}", h.hex(fp), sp - fp,
                       fp == h.world().g0[h.fields().g.sched.bp].get() ? " (g0.sched.bp)" : "");
  if (auto s = h.arena().stack_containing(fp))
    return fmt::format("{}: on the goroutine stack [{:#x}, {:#x}), which another M may run or the runtime may move",
                       h.hex(fp), s->lo, s->hi);
  return h.describe_value(fp);
}

}  // namespace gotramp::model
