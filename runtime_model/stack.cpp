// The host half of Go 1.8's runtime/stack.go: newstack, copystack and the call of
// the guest's gogo. Names and order follow stack.go so that a runtime engineer can
// read one beside the other.
#include <fmt/format.h>

#include <cstring>

#include "emu/byte_order.hpp"
#include "runtime_model/machine.hpp"
#include "runtime_model/machine_run.hpp"
#include "runtime_model/stack_consts.hpp"

namespace gotramp::model {

// throw: Go prints "fatal error: <text>" and exits. The exception unwinds the
// hook, and the engine ends the run with the message.
void Machine::throw_(const std::string& text) {
  Run& r = *run_;
  if (!r.report.throw_text) r.report.throw_text = text;
  r.report.printed.push_back("fatal error: " + text);
  trace_host("newstack (host): throw(\"" + text + "\")");
  throw GoThrow("fatal error: " + text);
}

// call_guest calls a guest ABI0 function from the host, as Go code running on the
// current stack would: the arguments at the callee's first argument slot, the
// return address where CALL or the link register puts it.
void Machine::call_guest(uint64_t fn, std::initializer_list<uint64_t> args, uint64_t ret) {
  // newstack's own frame: the callee starts well below newstack's entry SP.
  constexpr uint64_t kNewstackFrame = 128;
  uint64_t sp = (engine_.sp() - kNewstackFrame) & ~uint64_t{15};
  uint64_t a = sp + spec_.arg0_offset();
  for (uint64_t v : args) engine_.write_ptr(a, v), a += spec_.ptr_size;
  if (spec_.has_link()) {
    engine_.write_ptr(sp, 0);  // the caller's saved-LR slot
    engine_.set_reg(spec_.link, ret);
  } else {
    engine_.write_uint(sp, spec_.call_pushes, ret);
  }
  engine_.set_sp(sp);
  engine_.set_pc(fn);
}

// gogo(&gp.sched): resume gp through the guest's own gogo. Every growth is then
// checked to restart f at its entry on the new stack with its context restored.
void Machine::gogo(Ptr<rt::gobuf> buf) {
  Run& r = *run_;
  const RuntimeFields& F = fields();
  // Resuming the goroutine is a safe point: a pointer the trampoline stored
  // without a barrier must have been shaded by now.
  for (const auto& w : r.wb.safe_point()) lost_write_barrier(w);
  r.resume = Run::Resume::AtSchedPc;
  r.resume_pc = buf[F.gobuf.pc].get();
  r.resume_sp = buf[F.gobuf.sp].get();
  r.resume_ctxt = buf[F.gobuf.ctxt].get();
  r.resume_growth = r.growth;
  // A real newstack is compiled Go: the context register holds nothing of f's by
  // now, and gogo alone must bring it back.
  if (prof_->newstack_clobbers_ctxt) engine_.set_reg(spec_.ctxt, kCtxtPoison & emu::width_mask(spec_.ptr_size));
  const emu::Symbol* f = image_.containing(r.resume_pc);
  r.resume_entry = f ? f->addr : 0;
  r.resume_stack = {r.gp[F.g.stack.lo].get(), r.gp[F.g.stack.hi].get()};
  engine_.watch_blocks(true);  // until the resume is checked
  call_guest(sym_.gogo.addr, {buf.addr()}, sym_.newstack.addr);
}

// writebarrierptr_prewrite(dst *uintptr, src uintptr): gogo's deletion barrier
// before it clears gobuf.ctxt.
void Machine::writebarrierptr_prewrite() {
  Run& r = *run_;
  uint64_t sp = engine_.sp() + spec_.arg0_offset();
  uint64_t dst = engine_.read_ptr(sp), src = engine_.read_ptr(sp + spec_.ptr_size);
  r.wb.prewrite(dst, src);
  trace_host(fmt::format("writebarrierptr_prewrite (host): dst {:#x} (*dst {:#x}), src {:#x}{}", dst,
                         engine_.read_ptr(dst), src, r.wb.enabled() ? ": both shaded" : ": GC off, nothing to shade"));
  engine_.return_to_caller();
}

// newstack is called from runtime·morestack when more stack is needed. Under the
// seed contract ctxt, the context register's value at morestack, arrives as the
// first argument; newstack writes it to g.sched.ctxt with a write barrier.
void Machine::newstack() {
  Run& r = *run_;
  const uint64_t sp = engine_.sp();
  const int growth = ++r.growth;
  check_newstack_entry(sp, growth);
  r.entry.reset();

  if (r.scenario.fault == Fault::NewstackReturns) {
    // A broken newstack that returns: the trampoline must not carry on.
    r.returned_to = spec_.has_link() ? engine_.reg(spec_.link) : engine_.read_uint(sp, spec_.call_pushes);
    trace_host(fmt::format("newstack (host, broken on purpose): returns to {}", code_name(r.returned_to)));
    engine_.return_to_caller();
    return;
  }

  const RuntimeFields& F = fields();
  Ptr<rt::m> m = r.m;  // getg().m: getg() is checked above to be m.g0
  uint64_t ctxt = r.contract.ctxt_is_argument ? engine_.read_ptr(sp + spec_.arg0_offset()) : r.gp[F.g.sched.ctxt].get();
  if (!r.report.ctxt_read) r.report.ctxt_read = ctxt;

  Ptr<rt::g> morebuf_g(engine_, m[F.m.morebuf.g].get());
  if (morebuf_g.addr() != 0 && morebuf_g[F.g.stackguard0].get() == stack_fork(spec_.ptr_size))
    throw_("stack growth after fork");
  if (morebuf_g.addr() != m[F.m.curg].get()) {
    r.report.printed.push_back(fmt::format("runtime: newstack called from g={:#x}\n\tm={:#x} m->curg={:#x} m->g0={:#x}",
                                           morebuf_g.addr(), m.addr(), m[F.m.curg].get(), m[F.m.g0].get()));
    throw_("runtime: wrong goroutine in newstack");
  }

  Ptr<rt::g> gp(engine_, m[F.m.curg].get());
  if (r.contract.ctxt_is_argument) {
    // Write ctxt to gp.sched here instead of in morestack so it has the
    // necessary write barrier.
    r.wb.write(gp[F.g.sched.ctxt].addr(), ctxt);
  }

  if (gp[F.g.throwsplit].get() != 0) {
    gp[F.g.syscallsp].set(m[F.m.morebuf.sp].get());
    gp[F.g.syscallpc].set(m[F.m.morebuf.pc].get());
    throw_("runtime: stack split at bad time");
  }

  m[F.m.morebuf.pc].set(0);
  m[F.m.morebuf.lr].set(0);
  m[F.m.morebuf.sp].set(0);
  m[F.m.morebuf.g].set(0);

  // Read stackguard0 just once: a preemption request may change it underfoot.
  const bool preempt = gp[F.g.stackguard0].get() == stack_preempt(spec_.ptr_size);

  // Be conservative about where we preempt: not while the M holds locks, is
  // allocating, or its P is not running. The goroutine keeps running for now.
  if (preempt && (m[F.m.locks].get() != 0 || m[F.m.mallocing].get() != 0 ||
                  Ptr<rt::p>(engine_, m[F.m.p].get())[F.p.status].get() != kPrunning)) {
    gp[F.g.stackguard0].set(gp[F.g.stack.lo].get() + prof_->stack_guard);
    return resume_preempted(gp, growth, ctxt);
  }

  if (gp[F.g.stack.lo].get() == 0) throw_("missing stack in newstack");
  uint64_t fsp = gp[F.g.sched.sp].get();
  // The call to morestack cost a word on x86 (the return address it pushed).
  fsp -= spec_.call_pushes;
  if (fsp < gp[F.g.stack.lo].get()) {
    r.report.printed.push_back(
        fmt::format("runtime: split stack overflow: {:#x} < {:#x}", fsp, gp[F.g.stack.lo].get()));
    throw_("runtime: split stack overflow");
  }

  if (r.contract.repairs_barrier && gp[F.g.sched.ctxt].get() != 0) {
    // morestack wrote sched.ctxt on its way in here, without a write barrier.
    // Run the write barrier now (writebarrierptr_nostore); there has been no
    // safe point since the store.
    r.wb.barrier(gp[F.g.sched.ctxt].addr(), gp[F.g.sched.ctxt].get());
  }

  if (preempt) {
    if (gp.addr() == m[F.m.g0].get()) throw_("runtime: preempt g0");
    // Act like the goroutine called runtime.Gosched: it is rescheduled and, the
    // request served, resumes at its entry with a normal stack guard.
    gp[F.g.stackguard0].set(gp[F.g.stack.lo].get() + prof_->stack_guard);
    return resume_preempted(gp, growth, ctxt);
  }

  // Allocate a bigger segment and move the stack.
  uint64_t oldsize =
      F.g.stackAlloc.present() ? gp[F.g.stackAlloc].get() : gp[F.g.stack.hi].get() - gp[F.g.stack.lo].get();
  uint64_t newsize = oldsize * 2;
  if (newsize > r.maxstacksize) {
    r.report.printed.push_back(fmt::format("runtime: goroutine stack exceeds {}-byte limit", r.maxstacksize));
    throw_("stack overflow");
  }

  Growth g;
  g.n = growth;
  g.ctxt_read = ctxt;
  g.sched_ctxt = gp[F.g.sched.ctxt].get();
  const emu::Symbol* f = image_.containing(gp[F.g.sched.pc].get());
  g.function = f ? image_.describe(f->addr) : "?";
  gp[F.g.atomicstatus].set(kGcopystack);
  copystack(gp, newsize, g);
  gp[F.g.atomicstatus].set(kGrunning);
  r.report.growths.push_back(g);
  trace_host(fmt::format(
      "newstack (host): growth {}: ctxt {:#x} from {}; gp.sched.ctxt = {:#x} (write barrier {}); stack [{:#x}, {:#x}) "
      "{} B -> [{:#x}, {:#x}) {} B, {} B copied{}; gogo(&gp.sched) resumes {}",
      growth, ctxt, r.report.arg_slot, g.sched_ctxt, gc_phase_name(r.wb.phase()), g.old_lo, g.old_hi,
      g.old_hi - g.old_lo, g.new_lo, g.new_hi, g.new_hi - g.new_lo, g.copied,
      fp().valid() ? fmt::format(", {} frame pointers fixed", g.fp_fixes) : "", code_name(gp[F.g.sched.pc].get())));
  gogo(gp[F.g.sched.buf]);
}

// A preemption request was served without growing: count it and resume gp.
void Machine::resume_preempted(Ptr<rt::g> gp, int n, uint64_t ctxt) {
  Run& r = *run_;
  const RuntimeFields& F = fields();
  r.report.preemptions++;
  trace_host(
      fmt::format("newstack (host): growth {}: a preemption request (stackguard0 == stackPreempt): served "
                  "without growing; stackguard0 = stack.lo + StackGuard; gogo(&gp.sched) resumes {}",
                  n, code_name(gp[F.g.sched.pc].get())));
  Growth g;
  g.n = n;
  g.preempted = true;
  g.ctxt_read = ctxt;
  g.sched_ctxt = gp[F.g.sched.ctxt].get();
  r.report.growths.push_back(g);
  gogo(gp[F.g.sched.buf]);
}

// adjustpointer: a pointer into the old stack moves with it.
static uint64_t adjusted(uint64_t p, const StackSpan& old, uint64_t delta) { return old.contains(p) ? p + delta : p; }

// copystack copies gp's stack to a new one of newsize bytes and fixes up every
// pointer into it that the model knows of.
void Machine::copystack(Ptr<rt::g> gp, uint64_t newsize, Growth& growth) {
  const RuntimeFields& F = fields();
  if (gp[F.g.syscallsp].get() != 0) throw_("stack growth not allowed in system call");
  StackSpan old{gp[F.g.stack.lo].get(), gp[F.g.stack.hi].get()};
  if (old.lo == 0) throw_("nil stackbase");
  const uint64_t used = old.hi - gp[F.g.sched.sp].get();

  StackSpan fresh = arena_.stackalloc(newsize);
  // The copy is aligned at the top: delta moves every address in the used part.
  const uint64_t delta = fresh.hi - old.hi;
  std::span<uint8_t> from = engine_.host_span(old.lo, old.size()), to = engine_.host_span(fresh.lo, fresh.size());
  if (from.empty() || to.empty()) throw GoThrow("copystack: goroutine stacks are not host memory");
  std::memmove(to.data() + to.size() - used, from.data() + from.size() - used, used);

  // adjustctxt: the context may point into the stack (a stack-allocated
  // closure), and so does the saved frame pointer.
  gp[F.g.sched.ctxt].set(adjusted(gp[F.g.sched.ctxt].get(), old, delta));
  if (fp().valid()) {
    const uint64_t oldfp = gp[F.g.sched.bp].get(), w = spec_.ptr_size;
    // arm64 saves the frame pointer one word below SP, where no frame is copied.
    if (spec_.fp_below_sp && oldfp == gp[F.g.sched.sp].get() - w && old.contains(oldfp))
      std::memmove(to.data() + (oldfp + delta - fresh.lo), from.data() + (oldfp - old.lo), w);
    gp[F.g.sched.bp].set(adjusted(oldfp, old, delta));
  }

  gp[F.g.stack.lo].set(fresh.lo);
  gp[F.g.stack.hi].set(fresh.hi);
  gp[F.g.stackguard0].set(fresh.lo + prof_->stack_guard);
  gp[F.g.sched.sp].set(fresh.hi - used);
  if (F.g.stackAlloc.present()) gp[F.g.stackAlloc].set(newsize);
  gp[F.g.stktopsp].set(gp[F.g.stktopsp].get() + delta);

  // adjustframe: on amd64 each frame saves its caller's BP just below its return
  // address, so the chain from gp.sched.bp walks every frame.
  if (fp().valid()) {
    const int w = spec_.ptr_size;
    for (uint64_t bp = gp[F.g.sched.bp].get(); fresh.contains(bp) && bp + w <= fresh.hi;) {
      uint8_t* slot = to.data() + (bp - fresh.lo);
      uint64_t saved = emu::load_uint(slot, w, spec_.order);
      if (old.contains(saved)) {
        saved += delta;
        emu::store_uint(slot, w, spec_.order, saved);
        growth.fp_fixes++;
      }
      if (saved <= bp) break;  // frames only go up; anything else ends the walk
      bp = saved;
    }
    check_frame_pointers(fresh, growth.n);
  }

  arena_.stackfree(old);
  growth.old_lo = old.lo, growth.old_hi = old.hi;
  growth.new_lo = fresh.lo, growth.new_hi = fresh.hi;
  growth.copied = used;
}

}  // namespace gotramp::model
