#include "runtime_model/morestack/morestack_suite.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "emu/byte_order.hpp"

namespace gotramp::model {

MorestackSymbols MorestackSymbols::resolve(const emu::ElfImage& image, const RuntimeProfile& profile) {
  MorestackSymbols s;
  const auto& n = profile.names;
  s.morestack = image.func(n.morestack);
  s.morestack_noctxt = image.func(n.morestack_noctxt);
  // On register-ABI ports morestack calls newstack's ABI0 wrapper (.abi0): the
  // host takes over there, before any instruction of the real newstack runs.
  s.newstack = image.func(n.newstack);
  if (!n.writebarrierptr_prewrite.empty()) s.writebarrierptr_prewrite = image.func(n.writebarrierptr_prewrite);
  // Absent when the trampoline no longer calls them (RuntimeProfile::absent).
  if (!profile.lacks(n.badmorestackg0)) s.badmorestackg0 = image.func(n.badmorestackg0);
  if (!profile.lacks(n.badmorestackgsignal)) s.badmorestackgsignal = image.func(n.badmorestackgsignal);
  s.gogo = image.func(n.gogo);
  s.abort = image.func(n.abort);
  return s;
}

void MorestackSuite::install(Harness& h) {
  h_ = &h;
  sym_ = MorestackSymbols::resolve(h.image(), h.profile());
  try {
    pclntab_ = Pclntab::read(h.image());
  } catch (const PclntabError& e) {
    pclntab_.reset();
    pclntab_error_ = e.what();
  }
  // The host half of the runtime, hooked where the guest calls it; and the
  // trampoline's entries, observed.
  hooks_.push_back(h.add_observer(sym_.morestack.addr, [this](uint64_t pc) { on_morestack(pc); }));
  hooks_.push_back(h.add_observer(sym_.morestack_noctxt.addr, [this](uint64_t pc) { on_morestack(pc); }));
  hooks_.push_back(h.add_host_function(sym_.newstack.addr, [this](uint64_t) { newstack(); }));
  if (sym_.writebarrierptr_prewrite.addr)
    hooks_.push_back(
        h.add_host_function(sym_.writebarrierptr_prewrite.addr, [this](uint64_t) { writebarrierptr_prewrite(); }));
  if (sym_.badmorestackg0.addr)
    hooks_.push_back(
        h.add_host_function(sym_.badmorestackg0.addr, [this](uint64_t) { on_badmorestack("morestack on g0"); }));
  if (sym_.badmorestackgsignal.addr)
    hooks_.push_back(h.add_host_function(sym_.badmorestackgsignal.addr,
                                         [this](uint64_t) { on_badmorestack("morestack on gsignal"); }));
  block_hook_ = h.engine().on_block([this](uint64_t addr, uint32_t) { on_block(addr); });
}

void MorestackSuite::uninstall(Harness& h) {
  for (auto id : hooks_) h.remove_host_function(id);
  hooks_.clear();
  if (block_hook_) h.engine().remove_block_hook(*block_hook_);
  block_hook_.reset();
}

uint64_t MorestackSuite::enter(Harness& h) {
  const Scenario& sc = h.scenario();
  const Contract& c = h.contract();
  s_ = State{};
  RunReport& report = h.report();
  report.ctxt_reg = h.spec().ctxt.name;
  // Where newstack takes the context from: its argument, or g.sched.ctxt.
  report.arg_slot = c.newstack.ctxt_is_argument ? h.spec().slot(h.spec().arg0_offset()) : "g.sched.ctxt";
  const ProbeFunction& fn = h.program().function(sc.exercise.function);
  s_.depth = h.program().depth_of(fn, sc.exercise.depth);
  const uint64_t entry = h.enter_exercise(fn, s_.depth);
  s_.ctxt_expected = h.exercise_ctxt();
  report.ctxt_set = s_.ctxt_expected;
  return entry;
}

void MorestackSuite::abandon() { s_ = State{}; }

std::optional<uint64_t> MorestackSuite::resuming_at() const {
  if (s_.resume != State::Resume::AtSchedPc) return std::nullopt;
  return s_.resume_pc;
}

bool MorestackSuite::expected_unbarriered(const std::string& field_path) const {
  // Under a contract whose trampoline stores the context itself this is the store
  // it is expected to make; anything else is a defect on its own.
  return h_->contract().trampoline.stores_ctxt && field_path == "g.sched.ctxt";
}

SequenceExpect MorestackSuite::frame_expectations(const Harness& h, const RunReport& r) const {
  SequenceExpect want;
  want.ctxt = r.ctxt_set;
  want.trampoline = sym_.morestack;
  want.trampoline.name = h.profile().names.morestack;
  want.g0_stack = h.arena().g0_stack();
  want.describe_code = [&h](uint64_t pc) { return h.describe(pc); };
  return want;
}

// A run on g0 or m.gsignal needs the check morestack calls there; a binary without
// it has a morestack that never calls it.
std::optional<Suite::Absent> MorestackSuite::absent_for(const Harness& h, const Scenario& s) const {
  const auto& n = h.profile().names;  // sym_: resolved when the harness installed the suite
  if (s.world.runs == World::Runs::G0 && h.profile().lacks(n.badmorestackg0))
    return Absent{n.badmorestackg0, sym_.morestack.addr,
                  "morestack calls it on m.g0, to refuse to grow the scheduler stack"};
  if (s.world.runs == World::Runs::Gsignal && h.profile().lacks(n.badmorestackgsignal))
    return Absent{n.badmorestackgsignal, sym_.morestack.addr,
                  "morestack calls it on m.gsignal, to refuse to grow a signal stack"};
  return std::nullopt;
}

// A g0 stack slot named as newstack sees it at its entry, in the growth's frame.
std::string MorestackSuite::g0_slot_meaning(uint64_t addr, int growth) const {
  const auto& frames = h_->report().frames;
  const emu::ArchSpec& spec = h_->spec();
  const G0Frame* f = nullptr;
  if (growth >= 1 && growth <= static_cast<int>(frames.size())) f = &frames[growth - 1];
  if (!f) return "";
  const int64_t off = static_cast<int64_t>(addr - f->sp);
  const uint64_t frame_top = f->g0_sched_sp;
  if (addr >= frame_top) return fmt::format("g0 stack g0.sched.sp+{} (the scheduler's frame)", addr - frame_top);
  if (off < 0) return fmt::format("g0 stack, {} bytes below newstack's SP (newstack's and gogo's frames)", -off);
  if (h_->contract().newstack.ctxt_is_argument && off == spec.arg0_offset())
    return fmt::format("g0 stack {} = ctxt argument", spec.slot(off));
  if (off == 0) {
    const Contract::Names& n = h_->contract().names;
    return fmt::format("g0 stack {} = {}", spec.slot(0), spec.has_link() ? n.saved_lr_slot : n.return_pc_slot);
  }
  return fmt::format("g0 stack {} (newstack's caller frame)", spec.slot(off));
}

// on_morestack records the CPU state as f enters the trampoline.
void MorestackSuite::on_morestack(uint64_t pc) {
  Harness& h = *h_;
  const emu::ArchSpec& spec = h.spec();
  emu::Engine& e = h.engine();
  const RuntimeFields& F = h.fields();
  const WorldObjects& w = h.world();
  if (s_.resume != State::Resume::None)
    h.log().fail(h.finding("resume", "", fmt::format("gogo resumes f at g.sched.pc {}", h.hex(s_.resume_pc)),
                           fmt::format("f re-entered the trampoline at {}", h.describe(pc)), s_.resume_growth, pc));
  s_.resume = State::Resume::None;
  MorestackEntry m;
  m.pc = pc;
  m.sp = e.sp();
  const int slot = spec.entry_slot_size();
  if (spec.has_link()) {
    // f branched here with the link register pointing into f, and its prologue
    // passed f's own return address in morestack_lr.
    m.f_pc = e.reg(spec.morestack_link());
    m.f_sp = m.sp;
    m.f_caller_pc = e.reg(spec.morestack_lr);
    m.f_caller_sp = m.sp;
  } else {
    // CALL pushed the return address into f; above it is f's own return address.
    m.f_pc = e.read_uint(m.sp, slot);
    m.f_sp = m.sp + slot;
    m.f_caller_pc = e.read_uint(m.sp + slot, slot);
    m.f_caller_sp = m.sp + 2 * slot;
  }
  if (h.fp().valid()) m.bp = e.reg(h.fp());
  m.ctxt = e.reg(spec.ctxt) & emu::width_mask(spec.ptr_size);
  m.g = e.current_g();
  // morestack_noctxt then morestack: keep what f handed over. The store log
  // starts again with each trampoline entry.
  if (!s_.entry) {
    h.episode_opens();
    h.register_window_opens();
    m.sched_ctxt = m.g == w.gp.addr() ? w.gp[F.g.sched.ctxt].get() : 0;
    if (h.profile().regabi) {
      // f's arguments, in the registers its prologue called morestack with.
      for (const auto& r : spec.regabi.int_args) m.int_args.push_back(e.reg(r) & emu::width_mask(spec.reg_size));
      for (const auto& r : spec.regabi.float_args) m.float_args.push_back(e.reg(r));
      // All but the one the prologue passes f's caller's LR in (arm64 R3, ppc64 and
      // s390x R5): that argument it spilled first, to its slot in f's caller's frame.
      const ProbeFunction& fn = h.program().function(h.scenario().exercise.function);
      const CallFrame frame = assign_call(spec, Abi::ABIInternal, fn.arguments(0, 0));
      for (size_t i = 0; i < spec.regabi.int_args.size() && spec.morestack_lr.valid(); i++)
        if (spec.regabi.int_args[i].name == spec.morestack_lr.name)
          for (const auto& at : frame.args)
            if (at.in_register() && at.reg.name == spec.morestack_lr.name)
              m.int_args[i] = e.read_ptr(m.f_sp + spec.arg0_offset() + at.offset) & emu::width_mask(spec.reg_size);
    }
    m.stackguard0 = Ptr<rt::g>(e, m.g)[F.g.stackguard0].get();
    m.prologue = e.block_before_previous();
    m.via_noctxt = sym_.morestack_noctxt.addr != 0 && pc == sym_.morestack_noctxt.addr;
    s_.entry = m;
  } else {
    s_.entry->ctxt = m.ctxt;
    if (s_.entry->via_noctxt) s_.entry->noctxt_exit = e.previous_block();
  }
  // Each growth starts from a clean g0 stack below the scheduler's frame, so a slot
  // the trampoline forgets to write holds poison, never a previous growth's value.
  uint64_t g0sp = w.g0[F.g.sched.sp].get();
  e.fill(g0sp - 1024, 1024, Arena::kG0Poison);
}

void MorestackSuite::on_block(uint64_t addr) {
  if (s_.resume != State::Resume::None) check_resumed(addr);
}

// badmorestackg0/badmorestackgsignal: Go 1.8 writes "fatal: morestack on g0" (or
// "on gsignal") and returns; the trampoline then crashes itself.
void MorestackSuite::on_badmorestack(const char* what) {
  Harness& h = *h_;
  RunReport& report = h.report();
  if (h.profile().badmorestackg0_throws && std::string_view(what) == "morestack on g0") {
    // Go 1.23+: on the crash stack, print where g0 was and throw.
    const RuntimeFields& F = h.fields();
    Ptr<rt::g> g0 = h.world().g0;
    report.printed.push_back(fmt::format("runtime: morestack on g0, stack [{:#x} {:#x}], sp={:#x}, called from",
                                         g0[F.g.stack.lo].get(), g0[F.g.stack.hi].get(), g0[F.g.sched.sp].get()));
    h.throw_(what);
  }
  report.printed.push_back(fmt::format("fatal: {}", what));
  h.trace_host(fmt::format("badmorestack (host): prints \"fatal: {}\" and returns", what));
  h.engine().return_to_caller();
}

// finish checks what the run produced once it ended.
void MorestackSuite::finish(Harness& h, const emu::RunResult& stop) {
  const Scenario& sc = h.scenario();
  RunReport& report = h.report();
  CheckLog& log = h.log();
  const int last = s_.growth;
  if (s_.resume != State::Resume::None)
    log.fail(h.finding("resume", "", fmt::format("gogo resumes f at g.sched.pc {}", h.hex(s_.resume_pc)),
                       "the run ended first", s_.resume_growth));

  if (sc.expects_failure()) {
    diagnose(stop);
    return;
  }
  const bool guest_stub = h.program().entry == ProbeProgram::Entry::GuestStub;
  const ProbeFunction& fn = h.program().function(sc.exercise.function);
  if (stop.reason == emu::StopReason::Until) {
    log.pass("run-completed");
  } else {
    log.fail(h.finding("run-completed", "",
                       guest_stub ? "the entry stub reaches main.harness_exit"
                                  : fmt::format("{} returns to the host",
                                                h.image().describe(h.program_symbols().functions.at(fn.role).addr)),
                       fmt::format("{}: {}", emu::stop_reason_name(stop.reason), stop.detail), last, stop.pc));
  }
  const uint64_t n = s_.depth;
  report.result_expected = fn.result(n, h.program().captured) & emu::width_mask(h.spec().ptr_size);
  report.result_got = stop.reason == emu::StopReason::Until ? h.exercise_result() : 0;
  if (stop.reason == emu::StopReason::Until && report.result_got == report.result_expected)
    log.pass("result", fmt::format("{} levels sum to {}", n, h.hex(report.result_got)));
  else {
    Finding f = h.finding("result", guest_stub ? "main.result" : "the function's result", h.hex(report.result_expected),
                          h.hex(report.result_got), 0);
    f.expected_from = fmt::format("{} levels of the recursion, summed by the host", n);
    log.fail(std::move(f));
  }

  int grown = report.grown();
  // The scenario's growth count holds from its own 2 KiB start.
  const int min_growths = h.options().initial_stack ? 0 : sc.exercise.min_growths;
  if (grown >= min_growths)
    log.pass("growths", fmt::format("{} growths", grown));
  else {
    Finding f =
        h.finding("growths", "", fmt::format(">= {} growths", min_growths), fmt::format("{} growths", grown), 0);
    f.expected_from = "the scenario: its recursion outgrows each stack from 2 KiB up";
    log.fail(std::move(f));
  }
  if (sc.world.preempt) {
    if (report.preemptions == 1)
      log.pass("preemption", "served once, without growing");
    else
      log.fail(h.finding("preemption", "g.stackguard0 == stackPreempt", "1 preemption served",
                         fmt::format("{}", report.preemptions), 0));
  }
}

// An expected-failure scenario passes when the model produced the runtime's own
// words for the failure, and nothing else went wrong on the way.
void MorestackSuite::diagnose(const emu::RunResult& stop) {
  Harness& h = *h_;
  const Scenario& sc = h.scenario();
  RunReport& report = h.report();
  emu::Engine& e = h.engine();
  const std::string want = expected_words();
  std::string seen;
  bool ok = false;
  auto in_trampoline = [&](uint64_t pc) {
    return sym_.morestack.contains(pc) || sym_.morestack_noctxt.contains(pc) || sym_.abort.contains(pc);
  };
  const bool threw = report.throw_text.has_value();
  if (sc.world.runs != World::Runs::Curg) {
    if (threw) {  // a runtime whose badmorestackg0 throws (profile)
      ok = *report.throw_text == want && s_.growth == 0;
      seen = "fatal error: " + *report.throw_text;
    } else {
      bool printed = std::find(report.printed.begin(), report.printed.end(), want) != report.printed.end();
      bool crashed =
          stop.reason != emu::StopReason::Until && (in_trampoline(stop.pc) || in_trampoline(stop.block_addr));
      ok = printed && crashed && s_.growth == 0;
      seen = fmt::format("{}; {} in {}{}", printed ? want : "nothing printed", emu::stop_reason_name(stop.reason),
                         in_trampoline(stop.pc) ? h.describe(stop.pc) : h.describe(stop.block_addr),
                         s_.growth ? fmt::format("; {} growths", s_.growth) : "");
    }
  } else if (sc.host == HostFault::NewstackReturns) {
    // The run must end right where newstack returned: the crash-if-returns
    // instruction faults, traps, or (arm's RET to itself) spins until the budget.
    // A crash-if-returns that calls abort ends the run in abort.
    bool at_return = s_.returned_to != 0 && (stop.pc == s_.returned_to || stop.block_addr == s_.returned_to ||
                                             (sym_.abort.contains(stop.pc) && stop.reason != emu::StopReason::Budget));
    ok = at_return && stop.reason != emu::StopReason::Until;
    std::string insn;
    std::vector<uint8_t> code(16);
    if (s_.returned_to && e.try_read(s_.returned_to, code)) {
      auto i = e.disasm().one(code, s_.returned_to);
      insn = i ? i->text : "(no instruction: it traps)";
    }
    seen = s_.returned_to ? fmt::format("{} to {} `{}`; the run ended there ({}: {})", want, h.describe(s_.returned_to),
                                        insn, emu::stop_reason_name(stop.reason), stop.detail)
                          : "newstack was never reached";
    if (!at_return && s_.returned_to) seen += fmt::format(", not at {}", h.describe(stop.pc));
  } else {
    ok = report.throw_text && *report.throw_text == want;
    seen = report.throw_text ? "fatal error: " + *report.throw_text
                             : fmt::format("no throw ({}: {})", emu::stop_reason_name(stop.reason), stop.detail);
  }
  if (ok)
    h.log().pass("diagnosis", seen);
  else
    h.log().fail(h.finding("diagnosis", "", want, seen, s_.growth, stop.pc));
}

// The runtime's own words for a fault scenario's failure, in this profile's Go.
std::string MorestackSuite::expected_words() const {
  const Scenario& sc = h_->scenario();
  if (sc.world.runs == World::Runs::G0 && h_->profile().badmorestackg0_throws) return "morestack on g0";
  return sc.expect;
}

}  // namespace gotramp::model
