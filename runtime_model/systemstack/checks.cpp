// What every systemstack is checked for (docs/checks.md, "systemstack"): the call
// of fn as fn sees it at its entry, what systemstack saved of the goroutine in
// g.sched when it switched, and the caller's state once systemstack returned. Each
// expected value comes from the snapshot taken as the caller entered systemstack,
// and from the binary's own function table, never from a constant of one Go
// version.
#include <fmt/format.h>

#include "emu/byte_order.hpp"
#include "runtime_model/expect.hpp"
#include "runtime_model/frame_pointer.hpp"
#include "runtime_model/g0_snapshot.hpp"
#include "runtime_model/switch_saved.hpp"
#include "runtime_model/systemstack/systemstack_suite.hpp"

namespace gotramp::model {

void SystemstackSuite::check_fn_entry() {
  Harness& h = *h_;
  emu::Engine& e = h.engine();
  const emu::ArchSpec& spec = h.spec();
  const RuntimeFields& F = h.fields();
  const WorldObjects& w = h.world();
  CheckLog& log = h.log();
  RunReport& report = h.report();
  // Findings point at the instruction that called (or jumped to) fn.
  const auto call = e.last_insn(e.previous_block());
  const uint64_t at = call ? call->address : 0;
  const uint64_t sp = e.sp();
  s_.fn_sp = sp;
  if (!s_.entry) {
    log.fail(h.finding("fn-entered", "", "fn is called from systemstack",
                       "fn was reached without passing through systemstack", h.episode(), at));
    return;
  }
  const SystemstackEntry& m = *s_.entry;
  const uint64_t g0 = w.m[F.m.g0].get();
  // The frame diagram: the g0 frame systemstack built for fn, and the goroutine it
  // saved (on g0 or gsignal nothing is switched or saved: no diagram).
  if (switches())
    report.frames.push_back(g0_frame_at_entry(
        h, sp, m.g,
        {"fn", "systemstack", "systemstack's caller", "call", false, true, "gosave_systemstack_switch", {}}));
  expect_register(h, "fn-ctxt", spec.ctxt, "the context register at fn's entry", funcval_,
                  "the func value passed to systemstack", at);

  if (!switches()) {
    // On g0 or gsignal: fn runs on the current stack, g unchanged, g0.sched untouched.
    expect_g(h, "fn-g", "at fn's entry", m.g, "the g that called systemstack (no switch)", at);
    const uint64_t lo = m.sp - systemstack_frame_;
    if (sp <= m.sp && sp >= lo) {
      log.pass("fn-sp");
    } else {
      Finding f = h.finding("fn-sp", fmt::format("{} (SP at fn's entry)", spec.sp.name),
                            fmt::format("{} .. {}", h.hex(lo), h.hex(m.sp)), h.describe_value(sp), h.episode(), at);
      f.expected_from =
          fmt::format("SP at systemstack's entry, less at most systemstack's frame of {} bytes", systemstack_frame_);
      if (log.keeps("fn-sp"))
        h.blame_register(f, spec.sp);
      else
        f.reg = spec.sp.name;
      log.fail(std::move(f));
    }
    report.notes["g0 SP at fn"] = sp == m.sp ? "entry SP" : fmt::format("entry SP-{}", m.sp - sp);
    if (h.fp().valid()) check_fn_fp(at, sp);
    Ptr<rt::g> g0p = w.g0;
    const std::string from = "as it was at systemstack's entry: no switch, nothing saved";
    expect_field(h, "g0-sched-intact", "g0.sched.sp", m.g0_sched_sp, g0p[F.g.sched.sp], from, at);
    expect_field(h, "g0-sched-intact", "g0.sched.pc", m.g0_sched_pc, g0p[F.g.sched.pc], from, at);
    expect_field(h, "g0-sched-intact", "g0.sched.bp", m.g0_sched_bp, g0p[F.g.sched.bp], from, at);
    return;
  }

  // g is m.g0: in its register or TLS slot, and in the register ABI's g register.
  expect_g(h, "fn-g", "at fn's entry", g0, "m.g0", at);
  if (h.profile().regabi && spec.regabi.g.valid() && spec.regabi.g.uc != spec.g.uc)
    expect_register(h, "fn-g", spec.regabi.g, "g at fn's entry, register ABI", g0, "m.g0", at);

  // SP: on g0 at g0.sched.sp, less what the call to fn pushed (the return PC on x86).
  const uint64_t g0_sp = w.g0[F.g.sched.sp].get();
  expect_register(h, "fn-sp", spec.sp, "SP at fn's entry", g0_sp - spec.call_pushes,
                  spec.call_pushes ? fmt::format("g0.sched.sp {} less the {}-byte return PC CALL pushed", h.hex(g0_sp),
                                                 spec.call_pushes)
                                   : fmt::format("g0.sched.sp {}", h.hex(g0_sp)),
                  at);
  report.notes["g0 SP at fn"] = sp <= g0_sp ? fmt::format("sched.sp-{}", g0_sp - sp) : h.hex(sp);
  if (h.fp().valid()) check_fn_fp(at, sp);
  check_switch_saved(
      h,
      {"systemstack", m.sp, m.g, m.fp, m.sp - systemstack_frame_,
       fmt::format("SP at systemstack's entry less its frame of {} bytes (pclntab)", systemstack_frame_)},
      sym_.systemstack_switch, switch_has_frame_, at);
}

// The frame pointer at fn's entry: 0, a frame record on g0 at or above SP, or a
// chain that leads back to systemstack's caller (Go 1.21+ on amd64 and Go 1.25+ on
// arm64 keep systemstack's own frame on the goroutine stack, so that unwinding
// walks fn -> systemstack -> caller). Anything else is a frame pointer an unwinder
// must not follow: a dead g0 frame (golang/go#63630), or garbage.
void SystemstackSuite::check_fn_fp(uint64_t at, uint64_t sp) {
  Harness& h = *h_;
  const emu::ArchSpec& spec = h.spec();
  CheckLog& log = h.log();
  RunReport& report = h.report();
  const uint64_t fp = h.engine().reg(h.fp()) & emu::width_mask(spec.ptr_size);
  int steps = -1;
  const bool chain = frame_chain_reaches(h, fp, s_.entry->fp, &steps);
  const std::string problem = chain ? "" : g0_frame_pointer_problem(h, fp, sp);
  report.notes["fn FP"] = fp == 0                                     ? "0"
                          : chain && steps == 0                       ? "caller's"
                          : chain                                     ? fmt::format("caller+{}", steps)
                          : problem.empty()                           ? "g0 frame"
                          : problem.find("dead") != std::string::npos ? "stale g0"
                                                                      : "bad";
  if (chain || problem.empty()) return log.pass("fn-fp");
  Finding f = h.finding("fn-fp", fmt::format("{} (frame pointer) at fn's entry", h.fp().name),
                        fmt::format("0, a frame record on the g0 stack at or above SP {}, or a chain of frame records "
                                    "reaching the caller's frame pointer {}",
                                    h.hex(sp), h.hex(s_.entry->fp)),
                        problem, h.episode(), at);
  f.expected_from = fmt::format("{} at systemstack's entry", h.fp().name);
  if (h.log().keeps("fn-fp"))
    h.blame_register(f, h.fp());
  else
    f.reg = h.fp().name;
  log.fail(std::move(f));
}

// At the caller's return PC (the exit pad): the caller's SP, g and frame pointer,
// as a plain return leaves them; and g.sched.sp cleared once the goroutine runs.
void SystemstackSuite::check_returned(const emu::RunResult& stop) {
  Harness& h = *h_;
  emu::Engine& e = h.engine();
  const emu::ArchSpec& spec = h.spec();
  const RuntimeFields& F = h.fields();
  const SystemstackEntry& m = *s_.entry;
  h.register_window_settles();
  const uint64_t at = stop.pc;
  expect_register(h, "return-sp", spec.sp, "SP after systemstack returned", m.caller_sp,
                  spec.call_pushes ? fmt::format("SP at systemstack's entry + {}: the caller's SP", spec.call_pushes)
                                   : "SP at systemstack's entry: the caller's SP",
                  at);
  expect_g(h, "return-g", "after systemstack returned", m.g, "the g that called systemstack", at);
  if (h.fp().valid())
    expect_register(h, "return-fp", h.fp(), "frame pointer after systemstack returned", m.fp,
                    fmt::format("{} at systemstack's entry: the caller's", h.fp().name), at);
  if (switches()) {
    Ptr<rt::g> gp(e, m.g);
    expect_field(h, "sched.sp-cleared", "g.sched.sp", 0, gp[F.g.sched.sp],
                 "zero: the goroutine runs again, its g.sched no longer describes it", at);
  }
  h.register_window_closes();
}

void SystemstackSuite::finish(Harness& h, const emu::RunResult& stop) {
  const Scenario& sc = h.scenario();
  CheckLog& log = h.log();
  if (h.in_episode()) h.episode_closes();
  if (sc.expects_failure()) return diagnose(stop);
  if (!s_.fn_entered)
    log.fail(h.finding("fn-entered", "", "systemstack calls fn", "fn was never called", h.episode(), stop.pc));
  if (stop.reason == emu::StopReason::Until && s_.fn_returned && s_.entry) {
    log.pass("run-completed");
    check_returned(stop);
  } else {
    log.fail(h.finding("run-completed", "",
                       fmt::format("systemstack returns to its caller at {}",
                                   s_.entry ? h.describe(s_.entry->ret_pc) : std::string("its return PC")),
                       fmt::format("{}: {}", emu::stop_reason_name(stop.reason), stop.detail), h.episode(), stop.pc));
  }
  if (sc.exercise.fn_closure) {
    if (s_.captured == kCaptured)
      log.pass("fn-closure", fmt::format("read {} through the context register", h.hex(s_.captured)));
    else {
      Finding f =
          h.finding("fn-closure", "the word fn's closure captured", h.hex(kCaptured), h.hex(s_.captured), h.episode());
      f.expected_from = "the closure the host built";
      log.fail(std::move(f));
    }
  }
}

// The foreign-goroutine scenario passes when badsystemstack printed its line, fn
// was never called, and systemstack crashed rather than returning.
void SystemstackSuite::diagnose(const emu::RunResult& stop) {
  Harness& h = *h_;
  const Scenario& sc = h.scenario();
  const RunReport& report = h.report();
  bool printed = false;
  for (const auto& line : report.printed) printed = printed || line == sc.expect;
  const bool crashed = stop.reason == emu::StopReason::Fault || stop.reason == emu::StopReason::Interrupt ||
                       stop.reason == emu::StopReason::InvalidInsn;
  std::string seen = printed ? sc.expect : "badsystemstack never printed";
  if (s_.fn_entered)
    seen += fmt::format("; then systemstack went on from {} and called fn (SP {})", h.describe(s_.bad_return),
                        h.hex(s_.fn_sp));
  else if (crashed)
    seen += fmt::format("; then {}: {}", emu::stop_reason_name(stop.reason), stop.detail);
  else
    seen += fmt::format("; then no crash ({}: {})", emu::stop_reason_name(stop.reason), stop.detail);
  if (printed && crashed && !s_.fn_entered)
    h.log().pass("diagnosis", seen);
  else
    h.log().fail(h.finding("diagnosis", "", sc.expect + ", then a crash; fn never called", seen, h.episode(),
                           s_.bad_return ? s_.bad_return : stop.pc));
}

}  // namespace gotramp::model
