#include "runtime_model/g0_snapshot.hpp"

#include <algorithm>

#include "emu/byte_order.hpp"

namespace gotramp::model {

G0Frame g0_frame_at_entry(Harness& h, uint64_t sp, uint64_t goroutine, G0Frame::Roles roles) {
  emu::Engine& e = h.engine();
  const emu::ArchSpec& spec = h.spec();
  const RuntimeFields& F = h.fields();
  G0Frame f;
  f.growth = h.episode();
  f.sp = f.base = sp;
  f.g0_sched_sp = h.world().g0[F.g.sched.sp].get();
  const uint64_t top = f.g0_sched_sp + Arena::kG0Reserved;
  if (h.arena().g0_stack().contains(sp) && sp < top) {
    f.bytes.resize(top - sp);
    e.try_read(sp, f.bytes);
  }
  if (spec.has_link()) f.link = e.reg(spec.link);
  f.ctxt_reg = e.reg(spec.ctxt) & emu::width_mask(spec.ptr_size);
  f.g = e.current_g();
  f.g_slot = e.g_memory().value_or(0);
  f.roles = std::move(roles);
  auto& gp = f.gp;
  Ptr<rt::g> g(e, goroutine);
  gp.g = g.addr();
  if (g.is_nil()) return f;  // no goroutine (morestack's m.curg on a bare m)
  gp.stack_lo = g[F.g.stack.lo].get(), gp.stack_hi = g[F.g.stack.hi].get();
  gp.sched_sp = g[F.g.sched.sp].get(), gp.sched_pc = g[F.g.sched.pc].get();
  gp.sched_lr = g[F.g.sched.lr].get(), gp.sched_bp = g[F.g.sched.bp].get();
  gp.sched_g = g[F.g.sched.g].get(), gp.sched_ctxt = g[F.g.sched.ctxt].get();
  // A few words either side of g.sched.sp: what the goroutine's saved SP points at.
  const uint64_t word = spec.ptr_size;
  const uint64_t lo = std::max(gp.stack_lo, gp.sched_sp - 2 * word), hi = std::min(gp.stack_hi, gp.sched_sp + 4 * word);
  if (gp.sched_sp >= gp.stack_lo && gp.sched_sp < gp.stack_hi && lo < hi) {
    gp.base = lo;
    gp.bytes.resize(hi - lo);
    if (!e.try_read(lo, gp.bytes)) gp.bytes.clear();
  }
  return f;
}

}  // namespace gotramp::model
