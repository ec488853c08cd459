#include "runtime_model/machine.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "emu/byte_order.hpp"
#include "runtime_model/layout.hpp"
#include "runtime_model/machine_run.hpp"
#include "runtime_model/stack_consts.hpp"

namespace gotramp::model {

GuestSymbols GuestSymbols::resolve(const emu::ElfImage& image, const RuntimeProfile& profile) {
  GuestSymbols s;
  const auto& n = profile.names;
  s.morestack = image.func(n.morestack);
  s.morestack_noctxt = image.func(n.morestack_noctxt);
  // On register-ABI ports morestack calls newstack's ABI0 wrapper (.abi0): the
  // host takes over there, before any instruction of the real newstack runs.
  s.newstack = image.func(n.newstack);
  if (!n.writebarrierptr_prewrite.empty()) s.writebarrierptr_prewrite = image.func(n.writebarrierptr_prewrite);
  s.badmorestackg0 = image.func(n.badmorestackg0);
  s.badmorestackgsignal = image.func(n.badmorestackgsignal);
  s.gogo = image.func(n.gogo);
  s.abort = image.func(n.abort);
  s.closure = image.func(n.closure);
  s.sum = image.func(n.sum);
  if (profile.entry == RuntimeProfile::Entry::GuestStub) {
    s.entry_closure = image.func("main.entry_closure");
    s.entry_plain = image.func("main.entry_plain");
    s.harness_exit = image.func("main.harness_exit");
    s.depth = image.var("main.depth");
    s.result = image.var("main.result");
  } else {
    // The host calls the function itself.
    s.entry_closure = s.closure;
    s.entry_plain = s.sum;
    s.harness_exit = {"harness exit", Arena::kExitPad, 4};
  }
  return s;
}

const emu::Symbol& GuestSymbols::entry(const Scenario& s) const { return s.closure ? entry_closure : entry_plain; }

Machine::Machine(const emu::ArchSpec& spec, const std::string& elf_path)
    : Machine(spec, emu::ElfImage::load(elf_path, "main."), transcription_profile(spec)) {}

std::unique_ptr<Machine> Machine::for_probe(const emu::ArchSpec& spec, const std::string& elf_path,
                                            const std::string& toolchain, const std::filesystem::path& goroot) {
  emu::ElfImage image = emu::ElfImage::load(elf_path);
  auto profile = probe_profile(spec, image, toolchain, goroot);
  return std::make_unique<Machine>(spec, std::move(image), std::move(profile));
}

Machine::Machine(const emu::ArchSpec& spec, emu::ElfImage image, std::shared_ptr<const RuntimeProfile> profile)
    : spec_(spec), image_(std::move(image)), prof_(std::move(profile)), engine_(spec), arena_(engine_) {
  engine_.load(image_);
  sym_ = GuestSymbols::resolve(image_, *prof_);
  // The host half of the runtime, hooked where the guest calls it.
  engine_.on_code(sym_.morestack.addr, [this](uint64_t pc) { on_morestack(pc); });
  engine_.on_code(sym_.morestack_noctxt.addr, [this](uint64_t pc) { on_morestack(pc); });
  engine_.on_code(sym_.newstack.addr, [this](uint64_t pc) { host_entry(pc), newstack(); });
  if (sym_.writebarrierptr_prewrite.addr)
    engine_.on_code(sym_.writebarrierptr_prewrite.addr,
                    [this](uint64_t pc) { host_entry(pc), writebarrierptr_prewrite(); });
  engine_.on_code(sym_.badmorestackg0.addr,
                  [this](uint64_t pc) { host_entry(pc), on_badmorestack("morestack on g0"); });
  engine_.on_code(sym_.badmorestackgsignal.addr,
                  [this](uint64_t pc) { host_entry(pc), on_badmorestack("morestack on gsignal"); });
  engine_.on_block([this](uint64_t addr, uint32_t size) { on_block(addr, size); });
}

Machine::~Machine() = default;

void Machine::host_entry(uint64_t pc) {
  if (run_ && run_->opt.host_entered) run_->opt.host_entered(pc);
}

SequenceExpect Machine::frame_expectations(const RunReport& r) const {
  SequenceExpect want;
  want.ctxt = r.ctxt_set;
  want.trampoline = sym_.morestack;
  want.trampoline.name = prof_->names.morestack;
  want.g0_stack = arena_.g0_stack();
  want.describe_code = [this](uint64_t pc) { return code_name(pc); };
  return want;
}

std::optional<uint64_t> Machine::resuming_at() const {
  if (!run_ || run_->resume != Run::Resume::AtSchedPc) return std::nullopt;
  return run_->resume_pc;
}

std::string Machine::hex(uint64_t v) const { return fmt::format("{:#x}", v); }

std::string Machine::code_name(uint64_t pc) const { return fmt::format("{:#x} ({})", pc, image_.describe(pc)); }

// setup builds the world a goroutine runs in: m with its g0 (scheduler stack) and
// gsignal, a p in _Prunning, and the goroutine gp on a fresh _StackMin stack.
void Machine::setup(const Scenario& s, const RunOptions& opt) {
  Run& r = *run_;
  const RuntimeProfile& P = *prof_;
  arena_.reset();
  const RuntimeFields& F = P.fields;
  r.m = {engine_, arena_.alloc(L().m, "m")};
  r.p = {engine_, arena_.alloc(L().p, "p")};
  r.g0 = {engine_, arena_.alloc(L().g, "g0")};
  r.gsignal = {engine_, arena_.alloc(L().g, "gsignal")};
  r.gp = {engine_, arena_.alloc(L().g, "g")};

  StackSpan g0s = arena_.g0_stack();
  r.g0[F.g.stack.lo].set(g0s.lo);
  r.g0[F.g.stack.hi].set(g0s.hi);
  r.g0[F.g.stackguard0].set(g0s.lo + P.stack_guard);
  r.g0[F.g.stackguard1].set(g0s.lo + P.stack_guard);
  r.g0[F.g.m].set(r.m.addr());
  // Where the scheduler was when it switched to gp: morestack resumes g0 here.
  r.g0[F.g.sched.sp].set(g0s.hi - Arena::kG0Reserved);
  r.gsignal[F.g.m].set(r.m.addr());

  r.m[F.m.g0].set(r.g0.addr());
  r.m[F.m.gsignal].set(r.gsignal.addr());
  r.m[F.m.curg].set(r.gp.addr());
  r.m[F.m.p].set(r.p.addr());
  r.p[F.p.status].set(kPrunning);

  const uint64_t stack_size = opt.initial_stack ? opt.initial_stack : P.stack_min;
  StackSpan stk = arena_.stackalloc(stack_size);
  r.gp[F.g.stack.lo].set(stk.lo);
  r.gp[F.g.stack.hi].set(stk.hi);
  r.gp[F.g.stackguard0].set(stk.lo + P.stack_guard);
  r.gp[F.g.stackguard1].set(uintptr_mask(spec_.ptr_size));
  if (F.g.stackAlloc.present()) r.gp[F.g.stackAlloc].set(stack_size);
  r.gp[F.g.m].set(r.m.addr());
  r.gp[F.g.sched.g].set(r.gp.addr());  // newproc sets it once; only x86 morestack rewrites it
  r.gp[F.g.atomicstatus].set(kGrunning);
  r.gp[F.g.goid].set(1);
  r.maxstacksize = s.max_stack ? s.max_stack : default_max_stack(spec_.ptr_size);
  r.depth = P.depth ? P.depth : s.depth;

  uint64_t ctxt = kCtxtPoison & emu::width_mask(spec_.ptr_size);
  r.ctxt_expected = 0;
  if (s.closure) {
    r.closure = {engine_, arena_.alloc(*P.closure, "closure")};
    r.closure[F.closure.fn].set(sym_.closure.addr);
    if (P.env) {
      // The closure captured a pointer to its environment, which holds the word
      // and the closure itself (for the recursive call).
      Ptr<rt::env> env(engine_, arena_.alloc(*P.env, "env"));
      env[F.env.k].set(P.captured);
      env[F.env.self].set(r.closure.addr());
      r.closure[F.closure.env].set(env.addr());
    } else {
      r.closure[F.closure.x].set(P.captured);
    }
    ctxt = r.ctxt_expected = r.closure.addr();
  }

  // The entry runs at the top of the goroutine stack, as goexit's frame would.
  uint64_t g = r.gp.addr(), sp = stk.hi - 32;
  switch (s.fault) {
    case Fault::None:
    case Fault::Overflow:
    case Fault::NewstackReturns:
      break;
    case Fault::OnG0:
      // Scheduler code deep in g0's stack: its next prologue calls morestack.
      g = r.g0.addr();
      sp = g0s.lo + P.stack_guard / 2;
      break;
    case Fault::OnGsignal: {
      // A signal handler deep in m.gsignal's signal stack: its next prologue calls morestack.
      StackSpan sig = arena_.stackalloc(kSignalStack);
      r.gsignal[F.g.stack.lo].set(sig.lo);
      r.gsignal[F.g.stack.hi].set(sig.hi);
      r.gsignal[F.g.stackguard0].set(sig.lo + P.stack_guard);
      r.gsignal[F.g.stackguard1].set(sig.lo + P.stack_guard);
      g = r.gsignal.addr();
      sp = sig.lo + P.stack_guard / 2;
      break;
    }
    case Fault::ThrowSplit:
      r.gp[F.g.throwsplit].set(1);
      break;
    case Fault::WrongGoroutine:
      r.m[F.m.curg].set(arena_.alloc(L().g, "g2"));
      break;
    case Fault::Preempt:
      r.gp[F.g.stackguard0].set(stack_preempt(spec_.ptr_size));
      r.gp[F.g.preempt].set(1);
      break;
  }

  engine_.set_reg(spec_.ctxt, ctxt);
  if (fp().valid()) engine_.set_reg(fp(), 0);  // end of the frame-pointer chain
  engine_.set_current_g(g);
  if (P.regabi && spec_.regabi.g.valid()) engine_.set_reg(spec_.regabi.g, g);
  if (P.entry == RuntimeProfile::Entry::GuestStub) {
    engine_.write_ptr(sym_.depth.addr, r.depth);
    engine_.write_ptr(sym_.result.addr, 0);
    engine_.set_sp(sp);
  } else if (s.closure) {
    call_entry(sp, {r.depth});  // f(n)
  } else {
    call_entry(sp, {P.captured, r.depth});  // sum(k, n)
  }
  r.report.ctxt_set = r.ctxt_expected;
}

// call_entry sets up the host's call of the scenario's function, as a Go caller
// would make it: the arguments in the ABI's registers or at the callee's argument
// slots, and a return address at the exit pad, where the run ends.
void Machine::call_entry(uint64_t sp, std::initializer_list<uint64_t> args) {
  Run& r = *run_;
  const RuntimeFields& F = fields();
  const int w = spec_.ptr_size;
  // Room above the callee's entry SP for its fixed frame, arguments, result and
  // the spill slots of register arguments.
  sp = (sp - 16 * static_cast<uint64_t>(w)) & ~uint64_t{15};
  const uint64_t entry_sp = sp - spec_.call_pushes;
  uint64_t slot = entry_sp + spec_.arg0_offset();
  size_t i = 0;
  for (uint64_t v : args) {
    engine_.write_ptr(slot, v);
    if (prof_->regabi) engine_.set_reg(spec_.regabi.int_args.at(i++), v);
    slot += w;
  }
  r.result_from_hi = r.gp[F.g.stack.hi].get() - slot;  // the stack ABI's result slot
  if (spec_.has_link()) {
    engine_.write_ptr(entry_sp, 0);  // the caller's saved-LR word
    engine_.set_reg(spec_.link, Arena::kExitPad);
  } else {
    engine_.write_uint(entry_sp, spec_.call_pushes, Arena::kExitPad);
  }
  engine_.set_sp(entry_sp);
}

// The scenario function's result once it returned to the exit pad.
uint64_t Machine::entry_result() {
  Run& r = *run_;
  const RuntimeFields& F = fields();
  if (prof_->entry == RuntimeProfile::Entry::GuestStub) return engine_.read_ptr(sym_.result.addr);
  if (prof_->regabi) return engine_.reg(spec_.regabi.int_args.front()) & emu::width_mask(spec_.ptr_size);
  // The stack moved with every growth; the slot kept its distance from the top.
  return engine_.read_ptr(r.gp[F.g.stack.hi].get() - r.result_from_hi);
}

RunReport Machine::run(const Scenario& s, const Contract& c, const RunOptions& opt) {
  // A traced run takes the slow path anyway: it logs its stores at once.
  RunOptions first = opt;
  first.log_stores = opt.log_stores || opt.trace.enabled;
  RunReport report = run_once(s, c, first);
  if (first.log_stores) return report;
  const bool blameable = std::any_of(report.findings.begin(), report.findings.end(),
                                     [](const Finding& f) { return f.size > 0 && !f.cause; });
  if (!blameable) return report;
  RunOptions again = opt;
  again.log_stores = true;
  again.host_entered = nullptr;  // the caller has seen this run once
  return run_once(s, c, again);
}

RunReport Machine::run_once(const Scenario& s, const Contract& c, const RunOptions& opt) {
  run_ = std::make_unique<Run>(s, c, opt, engine_);
  Run& r = *run_;
  r.wb.set_phase(s.gc);
  r.report.goarch = spec_.goarch;
  r.report.contract = c.name;
  r.report.scenario = s.name;
  r.report.ctxt_reg = spec_.ctxt.name;
  // Where newstack takes the context from: its argument, or (parent) g.sched.ctxt.
  r.report.arg_slot = c.ctxt_is_argument ? spec_.slot(spec_.arg0_offset()) : "g.sched.ctxt";
  setup(s, opt);
  engine_.watch_blocks(false);
  // Guest stores into the model's heap objects are audited while the GC is marking.
  if (opt.trace.enabled) r.log.on_first_failure = [this] { trace_first_failure(); };
  std::optional<emu::Engine::HookId> audit;
  if (r.wb.enabled())
    audit = engine_.on_write(Arena::kHeapBase, Arena::kHeapBase + Arena::kHeapSize - 1,
                             [this](uint64_t addr, int size, uint64_t value) { on_heap_write(addr, size, value); });
  const uint64_t budget = s.budget ? s.budget : opt.budget, entry = sym_.entry(s).addr, until = sym_.harness_exit.addr;
  emu::RunResult stop;
  try {
    if (opt.log_stores) log_stores_start();
    if (opt.trace.enabled && opt.trace.from_insn > 0 && opt.trace.from_insn < budget) {
      // Untraced up to the window, then traced (runs are deterministic).
      stop = engine_.run(entry, until, opt.trace.from_insn);
      if (stop.reason == emu::StopReason::Budget) {
        r.trace_count = stop.insns;
        trace_start();
        stop = engine_.resume(until, budget);
      }
    } else {
      if (opt.trace.enabled) trace_start();
      stop = engine_.run(entry, until, budget);
    }
  } catch (...) {
    // A run that throws (an engine that cannot run again) leaves none of its hooks
    // behind to write into the next run.
    for (auto id : {r.store_hook, r.trace_code_hook, r.trace_write_hook})
      if (id) engine_.remove_hook(*id);
    if (audit) engine_.remove_hook(*audit);
    run_.reset();
    throw;
  }
  if (opt.log_stores) log_stores_stop();
  if (audit) engine_.remove_hook(*audit);
  finish(stop);
  if (r.tracing) trace_stop();
  RunReport out = std::move(r.report);
  run_.reset();
  return out;
}

// finish checks what the run produced once it ended.
void Machine::finish(const emu::RunResult& stop) {
  Run& r = *run_;
  r.report.stop = stop;
  const int last = r.growth;
  for (const auto& w : r.wb.safe_point()) lost_write_barrier(w);  // the goroutine ran to completion
  if (r.resume != Run::Resume::None)
    r.log.fail(finding("resume", "", fmt::format("gogo resumes f at g.sched.pc {}", hex(r.resume_pc)),
                       "the run ended first", r.resume_growth));

  if (r.scenario.expects_failure()) {
    diagnose(stop);
  } else {
    if (stop.reason == emu::StopReason::Until) {
      r.log.pass("run-completed");
    } else {
      r.log.fail(finding("run-completed", "",
                         prof_->entry == RuntimeProfile::Entry::GuestStub
                             ? "the entry stub reaches main.harness_exit"
                             : fmt::format("{} returns to the host", image_.describe(sym_.entry(r.scenario).addr)),
                         fmt::format("{}: {}", emu::stop_reason_name(stop.reason), stop.detail), last, stop.pc));
    }
    const uint64_t n = r.depth;
    r.report.result_expected = prof_->result(n, prof_->captured, r.scenario.closure);
    r.report.result_got = stop.reason == emu::StopReason::Until ? entry_result() : 0;
    if (stop.reason == emu::StopReason::Until && r.report.result_got == r.report.result_expected)
      r.log.pass("result", fmt::format("{} levels sum to {}", n, hex(r.report.result_got)));
    else
      r.log.fail(finding("result",
                         prof_->entry == RuntimeProfile::Entry::GuestStub ? "main.result" : "the function's result",
                         hex(r.report.result_expected), hex(r.report.result_got), 0));

    int grown = r.report.grown();
    // The scenario's growth count holds from its own 2 KiB start.
    const int min_growths = r.opt.initial_stack ? 0 : r.scenario.min_growths;
    if (grown >= min_growths)
      r.log.pass("growths", fmt::format("{} growths", grown));
    else
      r.log.fail(
          finding("growths", "", fmt::format(">= {} growths", min_growths), fmt::format("{} growths", grown), 0));
    if (r.scenario.fault == Fault::Preempt) {
      if (r.report.preemptions == 1)
        r.log.pass("preemption", "served once, without growing");
      else
        r.log.fail(finding("preemption", "g.stackguard0 == stackPreempt", "1 preemption served",
                           fmt::format("{}", r.report.preemptions), 0));
    }
  }

  r.report.gc_phase = gc_phase_name(r.wb.phase());
  r.report.unbarriered = r.wb.unbarriered();
  r.report.shaded.assign(r.wb.shaded().begin(), r.wb.shaded().end());
  r.report.checks = r.log.checks();
  r.report.findings = r.log.findings();
  r.report.findings_omitted = r.log.omitted();
  set_verdict();
}

// An expected-failure scenario passes when the model produced the runtime's own
// words for the failure, and nothing else went wrong on the way.
void Machine::diagnose(const emu::RunResult& stop) {
  Run& r = *run_;
  const std::string want = expected_words(r.scenario);
  std::string seen;
  bool ok = false;
  auto in_trampoline = [&](uint64_t pc) {
    return sym_.morestack.contains(pc) || sym_.morestack_noctxt.contains(pc) || sym_.abort.contains(pc);
  };
  const bool threw = r.report.throw_text.has_value();
  switch (r.scenario.fault) {
    case Fault::OnG0:
    case Fault::OnGsignal: {
      if (threw) {  // a runtime whose badmorestackg0 throws (profile)
        ok = *r.report.throw_text == want && r.growth == 0;
        seen = "fatal error: " + *r.report.throw_text;
        break;
      }
      bool printed = std::find(r.report.printed.begin(), r.report.printed.end(), want) != r.report.printed.end();
      bool crashed =
          stop.reason != emu::StopReason::Until && (in_trampoline(stop.pc) || in_trampoline(stop.block_addr));
      ok = printed && crashed && r.growth == 0;
      seen = fmt::format("{}; {} in {}{}", printed ? want : "nothing printed", emu::stop_reason_name(stop.reason),
                         in_trampoline(stop.pc) ? code_name(stop.pc) : code_name(stop.block_addr),
                         r.growth ? fmt::format("; {} growths", r.growth) : "");
      break;
    }
    case Fault::NewstackReturns: {
      // The run must end right where newstack returned: the crash-if-returns
      // instruction faults, traps, or (arm's RET to itself) spins until the budget.
      // A crash-if-returns that calls abort ends the run in abort.
      bool at_return = r.returned_to != 0 && (stop.pc == r.returned_to || stop.block_addr == r.returned_to ||
                                              (sym_.abort.contains(stop.pc) && stop.reason != emu::StopReason::Budget));
      ok = at_return && stop.reason != emu::StopReason::Until;
      std::string insn;
      std::vector<uint8_t> code(16);
      if (r.returned_to && engine_.try_read(r.returned_to, code)) {
        auto i = engine_.disasm().one(code, r.returned_to);
        insn = i ? i->text : "(no instruction: it traps)";
      }
      seen = r.returned_to ? fmt::format("{} to {} `{}`; the run ended there ({}: {})", want, code_name(r.returned_to),
                                         insn, emu::stop_reason_name(stop.reason), stop.detail)
                           : "newstack was never reached";
      if (!at_return && r.returned_to) seen += fmt::format(", not at {}", code_name(stop.pc));
      break;
    }
    default:
      ok = r.report.throw_text && *r.report.throw_text == want;
      seen = r.report.throw_text ? "fatal error: " + *r.report.throw_text
                                 : fmt::format("no throw ({}: {})", emu::stop_reason_name(stop.reason), stop.detail);
      break;
  }
  if (ok)
    r.log.pass("diagnosis", seen);
  else
    r.log.fail(finding("diagnosis", "", want, seen, r.growth, stop.pc));
}

// The runtime's own words for a fault scenario's failure, in this profile's Go.
std::string Machine::expected_words(const Scenario& s) const {
  if (s.fault == Fault::OnG0 && prof_->badmorestackg0_throws) return "morestack on g0";
  return s.expect;
}

// verified: every check held. diagnosed: an expected failure (a fault scenario, or
// a contract that must be caught) was caught exactly, and nothing else failed.
void Machine::set_verdict() {
  Run& r = *run_;
  const std::string& must_fail = r.contract.expect_failure;
  if (!must_fail.empty() && r.wb.enabled() && !r.scenario.expects_failure()) {
    bool caught = false, other = false;
    for (const auto& c : r.report.checks) {
      if (c.name == must_fail)
        caught = !c.ok;
      else
        other = other || !c.ok;
    }
    r.report.verdict = caught && !other ? "diagnosed" : "FAILED";
    if (!caught) {
      r.report.findings.push_back(finding(must_fail, "", "the contract's defect caught", "no Finding", 0));
      r.report.checks.push_back({must_fail + "-caught", false, 0, "expected " + must_fail + " to fail", 1});
    }
    return;
  }
  bool all_ok = std::all_of(r.report.checks.begin(), r.report.checks.end(), [](const Check& c) { return c.ok; });
  r.report.verdict = !all_ok ? "FAILED" : r.scenario.expects_failure() ? "diagnosed" : "verified";
}

// An unbarriered pointer write whose value was still unshaded at a safe point.
void Machine::lost_write_barrier(const UnbarrieredWrite& w) {
  Run& r = *run_;
  Finding f =
      finding("lost-write-barrier", w.field,
              fmt::format("{} shaded by a write barrier, or by newstack's repair, before a safe point", hex(w.value)),
              fmt::format("stored without a barrier over {} and never shaded: the GC can free it while {} "
                          "still points to it",
                          hex(w.old), w.field),
              w.growth, w.pc);
  // The audit saw the guilty store itself.
  if (r.log.keeps(f.check)) f.cause = store_cause(w.pc, w.value);
  r.log.fail(std::move(f));
}

// on_heap_write audits a guest store into the model's heap objects.
void Machine::on_heap_write(uint64_t addr, int size, uint64_t value) {
  Run& r = *run_;
  if (!r.wb.enabled() || size != spec_.ptr_size) return;
  auto at = arena_.field_at(addr);
  if (!at || !at->field || !at->field->is_pointer() || at->addr != addr) return;
  // Since Go 1.10 the GC scans gobuf.ctxt with the goroutine's stack: a store
  // there needs no barrier (golang/go#22385).
  if (prof_->sched_ctxt_is_root && at->path == "g.sched.ctxt") return;
  UnbarrieredWrite w;
  w.pc = engine_.pc();
  w.field = at->path;
  w.old = engine_.read_ptr(addr);
  // Inside the trampoline the growth in progress has not reached newstack yet.
  w.growth = r.entry ? r.growth + 1 : r.growth;
  value &= emu::width_mask(spec_.ptr_size);
  if (r.wb.guest_store(addr, value, w)) return;
  auto& last = const_cast<UnbarrieredWrite&>(r.wb.unbarriered().back());
  last.where = image_.describe(w.pc);
  std::vector<uint8_t> code(16);
  if (engine_.try_read(w.pc, code))
    if (auto insn = engine_.disasm().one(code, w.pc)) last.insn = insn->text;
  // Under a contract whose trampoline stores the context itself this is the store
  // it is expected to make; anything else is a defect on its own.
  if (!(r.contract.trampoline_stores_ctxt && at->path == "g.sched.ctxt")) {
    Finding f = finding("unbarriered-pointer-write", at->path, "no pointer store without a barrier",
                        fmt::format("{} written by {} `{}`", hex(value), last.where, last.insn), r.growth, w.pc);
    if (r.log.keeps(f.check)) f.cause = store_cause(w.pc, value);
    r.log.fail(std::move(f));
  }
}

// on_morestack records the CPU state as f enters the trampoline.
void Machine::on_morestack(uint64_t pc) {
  Run& r = *run_;
  const RuntimeFields& F = fields();
  if (r.resume != Run::Resume::None)
    r.log.fail(finding("resume", "", fmt::format("gogo resumes f at g.sched.pc {}", hex(r.resume_pc)),
                       fmt::format("f re-entered the trampoline at {}", code_name(pc)), r.resume_growth, pc));
  r.resume = Run::Resume::None;
  MorestackEntry e;
  e.pc = pc;
  e.sp = engine_.sp();
  const int slot = spec_.entry_slot_size();
  if (spec_.has_link()) {
    // f branched here with the link register pointing into f, and its prologue
    // passed f's own return address in morestack_lr.
    e.f_pc = engine_.reg(spec_.morestack_link());
    e.f_sp = e.sp;
    e.f_caller_pc = engine_.reg(spec_.morestack_lr);
    e.f_caller_sp = e.sp;
  } else {
    // CALL pushed the return address into f; above it is f's own return address.
    e.f_pc = engine_.read_uint(e.sp, slot);
    e.f_sp = e.sp + slot;
    e.f_caller_pc = engine_.read_uint(e.sp + slot, slot);
    e.f_caller_sp = e.sp + 2 * slot;
  }
  if (fp().valid()) e.bp = engine_.reg(fp());
  e.ctxt = engine_.reg(spec_.ctxt) & emu::width_mask(spec_.ptr_size);
  e.g = engine_.current_g();
  if (!r.entry) trace_window_opens();
  // morestack_noctxt then morestack: keep what f handed over. The store log
  // starts again with each trampoline entry.
  if (!r.entry) {
    r.stores.clear();
    r.stores_dropped = false;
    e.sched_ctxt = e.g == r.gp.addr() ? r.gp[F.g.sched.ctxt].get() : 0;
    r.entry = e;
  } else {
    r.entry->ctxt = e.ctxt;
  }
  // Each growth starts from a clean g0 stack below the scheduler's frame, so a slot
  // the trampoline forgets to write holds poison, never a previous growth's value.
  uint64_t g0sp = r.g0[F.g.sched.sp].get();
  engine_.fill(g0sp - 1024, 1024, Arena::kG0Poison);
}

void Machine::on_block(uint64_t addr, uint32_t) {
  if (run_->resume != Run::Resume::None) check_resumed(addr);
}

// badmorestackg0/badmorestackgsignal: Go 1.8 writes "fatal: morestack on g0" (or
// "on gsignal") and returns; the trampoline then crashes itself.
void Machine::on_badmorestack(const char* what) {
  Run& r = *run_;
  if (prof_->badmorestackg0_throws && std::string_view(what) == "morestack on g0") {
    // Go 1.23+: on the crash stack, print where g0 was and throw.
    const RuntimeFields& F = fields();
    Ptr<rt::g> g0 = r.g0;
    r.report.printed.push_back(fmt::format("runtime: morestack on g0, stack [{:#x} {:#x}], sp={:#x}, called from",
                                           g0[F.g.stack.lo].get(), g0[F.g.stack.hi].get(), g0[F.g.sched.sp].get()));
    throw_(what);
  }
  r.report.printed.push_back(fmt::format("fatal: {}", what));
  trace_host(fmt::format("badmorestack (host): prints \"fatal: {}\" and returns", what));
  engine_.return_to_caller();
}

}  // namespace gotramp::model
