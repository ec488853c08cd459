// The world a run starts from, and the host's calls into guest code.
#include "runtime_model/harness.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "emu/byte_order.hpp"
#include "runtime_model/harness_run.hpp"
#include "runtime_model/stack_consts.hpp"
#include "runtime_model/suite.hpp"

namespace gotramp::model {

// ---- The world.

// build_world makes what a goroutine runs in: m with its g0 (scheduler stack) and
// gsignal, a p in _Prunning, and the goroutine gp on a fresh _StackMin stack; then
// bends it as the scenario's world says.
std::string world_unavailable(const World& w, const emu::ArchSpec& spec) {
  if (w.stacks == World::Stacks::AcrossSignBit && spec.user_top < Arena::kHighRegionEnd)
    return fmt::format("linux/{} gives user space only up to {:#x}: no goroutine stack lies across 0x80000000",
                       spec.goarch, spec.user_top);
  return "";
}

void Harness::build_world(const World& w, const RunOptions& opt) {
  Run& run = r();
  const RuntimeProfile& P = *prof_;
  const Layouts& L = *P.layouts;
  const RuntimeFields& F = P.fields;
  arena_.reset();
  WorldObjects& o = run.world;
  o.m = {engine_, arena_.alloc(L.m, "m")};
  o.p = {engine_, arena_.alloc(L.p, "p")};
  o.g0 = {engine_, arena_.alloc(L.g, "g0")};
  o.gsignal = {engine_, arena_.alloc(L.g, "gsignal")};
  o.gp = {engine_, arena_.alloc(L.g, "g")};

  StackSpan g0s = arena_.g0_stack();
  o.g0[F.g.stack.lo].set(g0s.lo);
  o.g0[F.g.stack.hi].set(g0s.hi);
  o.g0[F.g.stackguard0].set(g0s.lo + P.stack_guard);
  o.g0[F.g.stackguard1].set(g0s.lo + P.stack_guard);
  o.g0[F.g.m].set(o.m.addr());
  // Where the scheduler was when it switched to gp: morestack resumes g0 here.
  o.g0[F.g.sched.sp].set(g0s.hi - Arena::kG0Reserved);
  // A g0 that has run before: its sched.bp still names a frame of scheduler code
  // that has since returned, below g0.sched.sp. A trampoline that loads it hands
  // newstack a stale frame pointer (golang/go#63630).
  o.g0[F.g.sched.bp].set(g0s.hi - Arena::kG0Reserved - Arena::kG0DeadFrameBelow);
  o.gsignal[F.g.m].set(o.m.addr());

  o.m[F.m.g0].set(o.g0.addr());
  o.m[F.m.gsignal].set(o.gsignal.addr());
  o.m[F.m.curg].set(o.gp.addr());
  o.m[F.m.p].set(o.p.addr());
  o.p[F.p.status].set(kPrunning);

  if (w.stacks == World::Stacks::AcrossSignBit) arena_.place_stacks_across_sign_bit(P.stack_guard);
  const uint64_t stack_size = opt.initial_stack ? opt.initial_stack : P.stack_min;
  StackSpan stk = arena_.stackalloc(stack_size);
  o.gp[F.g.stack.lo].set(stk.lo);
  o.gp[F.g.stack.hi].set(stk.hi);
  o.gp[F.g.stackguard0].set(stk.lo + P.stack_guard);
  o.gp[F.g.stackguard1].set(uintptr_mask(spec_.ptr_size));
  if (F.g.stackAlloc.present()) o.gp[F.g.stackAlloc].set(stack_size);
  o.gp[F.g.m].set(o.m.addr());
  o.gp[F.g.sched.g].set(o.gp.addr());  // newproc sets it once; only x86 morestack rewrites it
  o.gp[F.g.atomicstatus].set(kGrunning);
  o.gp[F.g.goid].set(1);
  o.maxstacksize = w.max_stack ? w.max_stack : default_max_stack(spec_.ptr_size);

  // The exercise runs at the top of the goroutine stack, as goexit's frame would.
  o.runner = o.gp.addr();
  o.sp = stk.hi - 32;
  switch (w.runs) {
    case World::Runs::Curg:
      break;
    case World::Runs::G0:
      // Scheduler code deep in g0's stack: its next prologue calls morestack.
      o.runner = o.g0.addr();
      o.sp = g0s.lo + P.stack_guard / 2;
      break;
    case World::Runs::Gsignal: {
      // A signal handler deep in m.gsignal's signal stack: its next prologue calls morestack.
      StackSpan sig = arena_.stackalloc(kSignalStack);
      o.gsignal[F.g.stack.lo].set(sig.lo);
      o.gsignal[F.g.stack.hi].set(sig.hi);
      o.gsignal[F.g.stackguard0].set(sig.lo + P.stack_guard);
      o.gsignal[F.g.stackguard1].set(sig.lo + P.stack_guard);
      o.runner = o.gsignal.addr();
      o.sp = sig.lo + P.stack_guard / 2;
      break;
    }
  }
  if (w.throwsplit) o.gp[F.g.throwsplit].set(1);
  if (w.foreign_curg) o.m[F.m.curg].set(arena_.alloc(L.g, "g2"));
  if (w.preempt) {
    o.gp[F.g.stackguard0].set(stack_preempt(spec_.ptr_size));
    o.gp[F.g.preempt].set(1);
  }
}

// ---- Calls.

GuestCall Harness::call(Abi abi, uint64_t fn, const std::vector<GuestArg>& args, uint64_t entry_sp, uint64_t ret) {
  GuestCall c{abi, fn, entry_sp, assign_call(spec_, abi, args), 0};
  const uint64_t base = entry_sp + spec_.arg0_offset();
  for (size_t i = 0; i < args.size(); i++) {
    const ArgPlace& at = c.frame.args[i];
    // A register argument's value goes to its spill slot too, as a caller that
    // spilled it would leave it; a stack one only there.
    if (args[i].cls == GuestArg::Class::Float64)
      engine_.write_uint(base + at.offset, 8, args[i].bits);
    else
      engine_.write_ptr(base + at.offset, args[i].bits);
    if (at.in_register()) engine_.set_reg(at.reg, args[i].bits);
  }
  if (abi == Abi::ABI0 && run_ && !run_->world.gp.is_nil()) {
    const uint64_t hi = run_->world.gp[fields().g.stack.hi].get(), slot = base + c.frame.result.offset;
    if (slot < hi) c.result_from_hi = hi - slot;  // the stack ABI's result slot
  }
  if (spec_.has_link()) {
    engine_.write_ptr(entry_sp, 0);  // the caller's saved-LR word
    engine_.set_reg(spec_.link, ret);
  } else {
    engine_.write_uint(entry_sp, spec_.call_pushes, ret);
  }
  engine_.set_sp(entry_sp);
  engine_.set_pc(fn);
  return c;
}

uint64_t Harness::result(const GuestCall& c) {
  if (c.abi == Abi::ABIInternal) return engine_.reg(spec_.regabi.int_args.front()) & emu::width_mask(spec_.ptr_size);
  // The stack moved with every growth; the slot kept its distance from the top.
  return engine_.read_ptr(r().world.gp[fields().g.stack.hi].get() - c.result_from_hi);
}

uint64_t Harness::enter_exercise(const ProbeFunction& fn, uint64_t depth) {
  Run& run = r();
  const ProbeFields& PF = program_->fields;
  uint64_t ctxt = kCtxtPoison & emu::width_mask(spec_.ptr_size);
  run.ctxt = 0;
  if (fn.closure) {
    run.closure = {engine_, arena_.alloc(*program_->closure, "closure")};
    run.closure[PF.closure.fn].set(sym_.functions.at(fn.role).addr);
    if (program_->env) {
      // The closure captured a pointer to its environment, which holds the word
      // and the closure itself (for the recursive call).
      Ptr<rt::env> env(engine_, arena_.alloc(*program_->env, "env"));
      env[PF.env.k].set(program_->captured);
      env[PF.env.self].set(run.closure.addr());
      run.closure[PF.closure.env].set(env.addr());
    } else {
      run.closure[PF.closure.x].set(program_->captured);
    }
    ctxt = run.ctxt = run.closure.addr();
  }
  engine_.set_reg(spec_.ctxt, ctxt);
  if (fp().valid()) engine_.set_reg(fp(), 0);  // end of the frame-pointer chain
  engine_.set_current_g(run.world.runner);
  if (prof_->regabi && spec_.regabi.g.valid()) engine_.set_reg(spec_.regabi.g, run.world.runner);

  if (program_->entry == ProbeProgram::Entry::GuestStub) {
    // The stub reads the depth, calls the function and stores main.result.
    engine_.write_ptr(sym_.depth.addr, depth);
    engine_.write_ptr(sym_.result.addr, 0);
    engine_.set_sp(run.world.sp);
    return sym_.entry_stubs.at(fn.role).addr;
  }
  // The entry runs at the top of the goroutine stack, as goexit's frame would:
  // room above the callee's entry SP for its fixed frame, arguments, result and
  // the spill slots of register arguments.
  const uint64_t args_size =
      assign_call(spec_, prof_->regabi ? Abi::ABIInternal : Abi::ABI0, fn.arguments(depth, program_->captured)).size;
  const uint64_t sp = (run.world.sp - args_size - 16 * static_cast<uint64_t>(spec_.ptr_size)) & ~uint64_t{15};
  const uint64_t entry_sp = sp - spec_.call_pushes;
  const Abi abi = prof_->regabi ? Abi::ABIInternal : Abi::ABI0;
  const uint64_t f = sym_.functions.at(fn.role).addr;
  run.exercise = call(abi, f, fn.arguments(depth, program_->captured), entry_sp, Arena::kExitPad);
  return f;
}

uint64_t Harness::exercise_result() {
  if (program_->entry == ProbeProgram::Entry::GuestStub) return engine_.read_ptr(sym_.result.addr);
  return result(r().exercise);
}

uint64_t Harness::exercise_ctxt() const { return r().ctxt; }

}  // namespace gotramp::model
