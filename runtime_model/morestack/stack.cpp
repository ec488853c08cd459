// The host half of Go 1.8's runtime/stack.go: newstack, copystack and the call of
// the guest's gogo. Names and order follow stack.go so that a runtime engineer can
// read one beside the other.
#include <fmt/format.h>

#include <cstring>

#include "emu/byte_order.hpp"
#include "runtime_model/morestack/morestack_suite.hpp"
#include "runtime_model/stack_consts.hpp"

namespace gotramp::model {

// call_guest calls a guest ABI0 function from the host, as Go code running on the
// current stack would: the arguments at the callee's first argument slot, the
// return address where CALL or the link register puts it.
void MorestackSuite::call_guest(uint64_t fn, std::initializer_list<uint64_t> args, uint64_t ret) {
  // newstack's own frame: the callee starts well below newstack's entry SP.
  constexpr uint64_t kNewstackFrame = 128;
  const uint64_t sp = (h_->engine().sp() - kNewstackFrame) & ~uint64_t{15};
  std::vector<GuestArg> words;
  for (uint64_t v : args) words.push_back(GuestArg::word(v));
  h_->call(Abi::ABI0, fn, words, sp, ret);
}

// gogo(&gp.sched): resume gp through the guest's own gogo. Every growth is then
// checked to restart f at its entry on the new stack with its context restored.
void MorestackSuite::gogo(Ptr<rt::gobuf> buf) {
  Harness& h = *h_;
  const RuntimeFields& F = h.fields();
  // Resuming the goroutine is a safe point: a pointer the trampoline stored
  // without a barrier must have been shaded by now.
  h.safe_point();
  // The gobuf as newstack hands it to gogo: what the goroutine must resume with.
  s_.resume = State::Resume::AtSchedPc;
  s_.resume_pc = buf[F.gobuf.pc].get();
  s_.resume_sp = buf[F.gobuf.sp].get();
  s_.resume_ctxt = buf[F.gobuf.ctxt].get();
  s_.resume_g = buf[F.gobuf.g].get();
  s_.resume_lr = buf[F.gobuf.lr].get();
  s_.resume_bp = buf[F.gobuf.bp].get();
  s_.resume_growth = s_.growth;
  const emu::Symbol* f = h.image().containing(s_.resume_pc);
  s_.resume_entry = f ? f->addr : 0;
  const WorldObjects& w = h.world();
  s_.resume_stack = {w.gp[F.g.stack.lo].get(), w.gp[F.g.stack.hi].get()};
  // newstack is compiled Go: by now every register a call may clobber holds
  // something of its own, and gogo (then f's prologue) alone must bring back what
  // the goroutine needs.
  h.clobber();
  h.engine().watch_blocks(true);  // until the resume is checked
  call_guest(sym_.gogo.addr, {buf.addr()}, sym_.newstack.addr);
  h.register_window_opens();
}

// writebarrierptr_prewrite(dst *uintptr, src uintptr): gogo's deletion barrier
// before it clears gobuf.ctxt.
void MorestackSuite::writebarrierptr_prewrite() {
  Harness& h = *h_;
  emu::Engine& e = h.engine();
  uint64_t sp = e.sp() + h.spec().arg0_offset();
  uint64_t dst = e.read_ptr(sp), src = e.read_ptr(sp + h.spec().ptr_size);
  h.wb().prewrite(dst, src);
  h.trace_host(fmt::format("writebarrierptr_prewrite (host): dst {:#x} (*dst {:#x}), src {:#x}{}", dst, e.read_ptr(dst),
                           src, h.wb().enabled() ? ": both shaded" : ": GC off, nothing to shade"));
  // A Go call: it returns, leaving every register a call may clobber clobbered
  // (the link register too, once it has been returned through); the caller (gogo)
  // reloads what it needs after it.
  e.return_to_caller();
  h.clobber();
}

// newstack is called from runtime·morestack when more stack is needed. Under the
// seed contract ctxt, the context register's value at morestack, arrives as the
// first argument; newstack writes it to g.sched.ctxt with a write barrier.
void MorestackSuite::newstack() {
  Harness& h = *h_;
  emu::Engine& e = h.engine();
  const emu::ArchSpec& spec = h.spec();
  const Contract& contract = h.contract();
  RunReport& report = h.report();
  const uint64_t sp = e.sp();
  const int growth = ++s_.growth;
  h.episode_closes();
  check_newstack_entry(sp, growth);
  if (s_.entry) s_.resume_int_args = s_.entry->int_args, s_.resume_float_args = s_.entry->float_args;
  check_split_needed(growth);
  s_.entry.reset();

  if (h.scenario().host == HostFault::NewstackReturns) {
    // A broken newstack that returns: the trampoline must not carry on.
    s_.returned_to = spec.has_link() ? e.reg(spec.link) : e.read_uint(sp, spec.call_pushes);
    h.trace_host(fmt::format("newstack (host, broken on purpose): returns to {}", h.describe(s_.returned_to)));
    e.return_to_caller();
    return;
  }

  const RuntimeFields& F = h.fields();
  const uint64_t stack_guard = h.profile().stack_guard;
  Ptr<rt::m> m = h.world().m;  // getg().m: getg() is checked above to be m.g0
  uint64_t ctxt =
      contract.newstack.ctxt_is_argument ? e.read_ptr(sp + spec.arg0_offset()) : h.world().gp[F.g.sched.ctxt].get();
  if (!report.ctxt_read) report.ctxt_read = ctxt;

  Ptr<rt::g> morebuf_g(e, m[F.m.morebuf.g].get());
  if (morebuf_g.addr() != 0 && morebuf_g[F.g.stackguard0].get() == stack_fork(spec.ptr_size))
    h.throw_("stack growth after fork");
  if (morebuf_g.addr() != m[F.m.curg].get()) {
    report.printed.push_back(fmt::format("runtime: newstack called from g={:#x}\n\tm={:#x} m->curg={:#x} m->g0={:#x}",
                                         morebuf_g.addr(), m.addr(), m[F.m.curg].get(), m[F.m.g0].get()));
    h.throw_("runtime: wrong goroutine in newstack");
  }

  Ptr<rt::g> gp(e, m[F.m.curg].get());
  if (contract.newstack.ctxt_is_argument) {
    // Write ctxt to gp.sched here instead of in morestack so it has the
    // necessary write barrier.
    h.wb().write(gp[F.g.sched.ctxt].addr(), ctxt);
  }

  if (gp[F.g.throwsplit].get() != 0) {
    gp[F.g.syscallsp].set(m[F.m.morebuf.sp].get());
    gp[F.g.syscallpc].set(m[F.m.morebuf.pc].get());
    h.throw_("runtime: stack split at bad time");
  }

  m[F.m.morebuf.pc].set(0);
  m[F.m.morebuf.lr].set(0);
  m[F.m.morebuf.sp].set(0);
  m[F.m.morebuf.g].set(0);

  // Read stackguard0 just once: a preemption request may change it underfoot.
  const bool preempt = gp[F.g.stackguard0].get() == stack_preempt(spec.ptr_size);

  // Be conservative about where we preempt: not while the M holds locks, is
  // allocating, or its P is not running. The goroutine keeps running for now.
  if (preempt && (m[F.m.locks].get() != 0 || m[F.m.mallocing].get() != 0 ||
                  Ptr<rt::p>(e, m[F.m.p].get())[F.p.status].get() != kPrunning)) {
    gp[F.g.stackguard0].set(gp[F.g.stack.lo].get() + stack_guard);
    return resume_preempted(gp, growth, ctxt);
  }

  if (gp[F.g.stack.lo].get() == 0) h.throw_("missing stack in newstack");
  uint64_t fsp = gp[F.g.sched.sp].get();
  // The call to morestack cost a word on x86 (the return address it pushed).
  fsp -= spec.call_pushes;
  if (fsp < gp[F.g.stack.lo].get()) {
    report.printed.push_back(fmt::format("runtime: split stack overflow: {:#x} < {:#x}", fsp, gp[F.g.stack.lo].get()));
    h.throw_("runtime: split stack overflow");
  }

  if (contract.newstack.repairs_barrier && gp[F.g.sched.ctxt].get() != 0) {
    // morestack wrote sched.ctxt on its way in here, without a write barrier.
    // Run the write barrier now (writebarrierptr_nostore); there has been no
    // safe point since the store.
    h.wb().barrier(gp[F.g.sched.ctxt].addr(), gp[F.g.sched.ctxt].get());
  }

  if (preempt) {
    if (gp.addr() == m[F.m.g0].get()) h.throw_("runtime: preempt g0");
    // Act like the goroutine called runtime.Gosched: it is rescheduled and, the
    // request served, resumes at its entry with a normal stack guard.
    gp[F.g.stackguard0].set(gp[F.g.stack.lo].get() + stack_guard);
    return resume_preempted(gp, growth, ctxt);
  }

  // Allocate a bigger segment and move the stack.
  uint64_t oldsize =
      F.g.stackAlloc.present() ? gp[F.g.stackAlloc].get() : gp[F.g.stack.hi].get() - gp[F.g.stack.lo].get();
  uint64_t newsize = oldsize * 2;
  // Make sure we grow at least as much as needed to fit the new frame (Go 1.19+).
  if (h.profile().newstack_fits_frame && pclntab_)
    if (auto f = pclntab_->find(gp[F.g.sched.pc].get())) {
      const uint64_t needed = f->max_sp_delta + stack_guard, used = gp[F.g.stack.hi].get() - gp[F.g.sched.sp].get();
      while (newsize - used < needed) newsize *= 2;
    }
  if (newsize > h.world().maxstacksize) {
    report.printed.push_back(fmt::format("runtime: goroutine stack exceeds {}-byte limit", h.world().maxstacksize));
    h.throw_("stack overflow");
  }

  Growth g;
  g.n = growth;
  g.ctxt_read = ctxt;
  g.sched_ctxt = gp[F.g.sched.ctxt].get();
  const emu::Symbol* f = h.image().containing(gp[F.g.sched.pc].get());
  g.function = f ? h.image().describe(f->addr) : "?";
  gp[F.g.atomicstatus].set(kGcopystack);
  copystack(gp, newsize, g);
  gp[F.g.atomicstatus].set(kGrunning);
  report.growths.push_back(g);
  if (h.tracing())
    h.trace_host(
        fmt::format("newstack (host): growth {}: ctxt {:#x} from {}; gp.sched.ctxt = {:#x} (write barrier {}); "
                    "stack [{:#x}, {:#x}) {} B -> [{:#x}, {:#x}) {} B, {} B copied{}; gogo(&gp.sched) resumes {}",
                    growth, ctxt, report.arg_slot, g.sched_ctxt, gc_phase_name(h.wb().phase()), g.old_lo, g.old_hi,
                    g.old_hi - g.old_lo, g.new_lo, g.new_hi, g.new_hi - g.new_lo, g.copied,
                    h.fp().valid() ? fmt::format(", {} frame pointers fixed", g.fp_fixes) : "",
                    h.describe(gp[F.g.sched.pc].get())));
  gogo(gp[F.g.sched.buf]);
}

// A preemption request was served without growing: count it and resume gp.
void MorestackSuite::resume_preempted(Ptr<rt::g> gp, int n, uint64_t ctxt) {
  Harness& h = *h_;
  const RuntimeFields& F = h.fields();
  h.report().preemptions++;
  h.trace_host(
      fmt::format("newstack (host): growth {}: a preemption request (stackguard0 == stackPreempt): served "
                  "without growing; stackguard0 = stack.lo + StackGuard; gogo(&gp.sched) resumes {}",
                  n, h.describe(gp[F.g.sched.pc].get())));
  Growth g;
  g.n = n;
  g.preempted = true;
  g.ctxt_read = ctxt;
  g.sched_ctxt = gp[F.g.sched.ctxt].get();
  h.report().growths.push_back(g);
  gogo(gp[F.g.sched.buf]);
}

// adjustpointer: a pointer into the old stack moves with it.
static uint64_t adjusted(uint64_t p, const StackSpan& old, uint64_t delta) { return old.contains(p) ? p + delta : p; }

// copystack copies gp's stack to a new one of newsize bytes and fixes up every
// pointer into it that the model knows of.
void MorestackSuite::copystack(Ptr<rt::g> gp, uint64_t newsize, Growth& growth) {
  Harness& h = *h_;
  emu::Engine& e = h.engine();
  const emu::ArchSpec& spec = h.spec();
  const RuntimeFields& F = h.fields();
  if (gp[F.g.syscallsp].get() != 0) h.throw_("stack growth not allowed in system call");
  StackSpan old{gp[F.g.stack.lo].get(), gp[F.g.stack.hi].get()};
  if (old.lo == 0) h.throw_("nil stackbase");
  const uint64_t used = old.hi - gp[F.g.sched.sp].get();

  StackSpan fresh = h.arena().stackalloc_for_copy(newsize);
  // The copy is aligned at the top: delta moves every address in the used part.
  const uint64_t delta = fresh.hi - old.hi;
  std::span<uint8_t> from = e.host_span(old.lo, old.size()), to = e.host_span(fresh.lo, fresh.size());
  if (from.empty() || to.empty()) throw GoThrow("copystack: goroutine stacks are not host memory");
  std::memmove(to.data() + to.size() - used, from.data() + from.size() - used, used);

  // adjustctxt: the context may point into the stack (a stack-allocated
  // closure), and so does the saved frame pointer.
  gp[F.g.sched.ctxt].set(adjusted(gp[F.g.sched.ctxt].get(), old, delta));
  if (h.fp().valid()) {
    const uint64_t oldfp = gp[F.g.sched.bp].get(), w = spec.ptr_size;
    // arm64 saves the frame pointer one word below SP, where no frame is copied.
    if (spec.fp_below_sp && oldfp == gp[F.g.sched.sp].get() - w && old.contains(oldfp))
      std::memmove(to.data() + (oldfp + delta - fresh.lo), from.data() + (oldfp - old.lo), w);
    gp[F.g.sched.bp].set(adjusted(oldfp, old, delta));
  }

  gp[F.g.stack.lo].set(fresh.lo);
  gp[F.g.stack.hi].set(fresh.hi);
  gp[F.g.stackguard0].set(fresh.lo + h.profile().stack_guard);
  gp[F.g.sched.sp].set(fresh.hi - used);
  if (F.g.stackAlloc.present()) gp[F.g.stackAlloc].set(newsize);
  gp[F.g.stktopsp].set(gp[F.g.stktopsp].get() + delta);

  // adjustframe: on amd64 each frame saves its caller's BP just below its return
  // address, so the chain from gp.sched.bp walks every frame.
  if (h.fp().valid()) {
    const int w = spec.ptr_size;
    for (uint64_t bp = gp[F.g.sched.bp].get(); fresh.contains(bp) && bp + w <= fresh.hi;) {
      uint8_t* slot = to.data() + (bp - fresh.lo);
      uint64_t saved = emu::load_uint(slot, w, spec.order);
      if (old.contains(saved)) {
        saved += delta;
        emu::store_uint(slot, w, spec.order, saved);
        growth.fp_fixes++;
      }
      if (saved <= bp) break;  // frames only go up; anything else ends the walk
      bp = saved;
    }
    check_frame_pointers(fresh, growth.n);
  }

  h.arena().stackfree(old);
  growth.old_lo = old.lo, growth.old_hi = old.hi;
  growth.new_lo = fresh.lo, growth.new_hi = fresh.hi;
  growth.copied = used;
}

}  // namespace gotramp::model
