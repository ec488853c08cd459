// What every mcall is checked for (docs/checks.md, "mcall"): the switch as fn sees
// it at its entry, what mcall saved of its caller in g.sched, and the goroutine as
// gogo resumes it. Each expected value comes from the snapshot taken as the caller
// entered mcall, never from a constant of one Go version.
#include <fmt/format.h>

#include <algorithm>

#include "emu/byte_order.hpp"
#include "runtime_model/expect.hpp"
#include "runtime_model/frame_pointer.hpp"
#include "runtime_model/g0_snapshot.hpp"
#include "runtime_model/mcall/mcall_suite.hpp"
#include "runtime_model/morestack/g0_frame.hpp"

namespace gotramp::model {

// The g0 frame at fn's entry and the goroutine mcall saved, for frame diagrams.
G0Frame McallSuite::frame_at_fn(uint64_t sp) const {
  Harness& h = *h_;
  const emu::ArchSpec& spec = h.spec();
  G0Frame::Roles roles{"fn", "mcall", "mcall's caller", "call", false, false, "", {}};
  roles.args.push_back({spec.arg0_offset(), h.profile().regabi
                                                ? fmt::format("fn's argument's spill slot (gp itself is in {})",
                                                              spec.regabi.int_args.front().name)
                                                : std::string("fn's argument gp: the g that called mcall")});
  return g0_frame_at_entry(h, sp, s_.entry ? s_.entry->g : h.world().gp.addr(), std::move(roles));
}

void McallSuite::check_fn_entry() {
  Harness& h = *h_;
  emu::Engine& e = h.engine();
  const emu::ArchSpec& spec = h.spec();
  const RuntimeFields& F = h.fields();
  const WorldObjects& w = h.world();
  CheckLog& log = h.log();
  RunReport& report = h.report();
  // Findings point at the instruction that called fn.
  const auto call = e.last_insn(e.previous_block());
  const uint64_t at = call ? call->address : 0;
  const uint64_t sp = e.sp();
  s_.fn_sp = sp;
  if (!s_.entry) {
    log.fail(h.finding("fn-entered", "", "fn is called from mcall", "fn was reached without passing through mcall",
                       h.episode(), at));
    return;
  }
  const McallEntry& m = *s_.entry;
  const uint64_t g0 = w.m[F.m.g0].get();
  report.frames.push_back(frame_at_fn(sp));

  // g is m.g0: in its register or TLS slot, and in the register ABI's g register.
  expect_g(h, "fn-g", "at fn's entry", g0, "m.g0", at);
  if (h.profile().regabi && spec.regabi.g.valid())
    expect_register(h, "fn-g", spec.regabi.g, "g at fn's entry, register ABI", g0, "m.g0", at);

  // SP: on g0 at g0.sched.sp, less the frame of fn's call (its argument word and
  // what lies below it at a callee's entry: the return PC or the fixed frame).
  const uint64_t g0_sp = w.g0[F.g.sched.sp].get();
  const uint64_t frame = spec.arg0_offset() + spec.ptr_size;
  expect_register(h, "fn-sp", spec.sp, "SP at fn's entry", g0_sp - frame,
                  fmt::format("g0.sched.sp {} less fn's call frame of {} bytes", h.hex(g0_sp), frame), at);
  report.notes["g0 SP at fn"] = sp <= g0_sp ? fmt::format("sched.sp-{}", g0_sp - sp) : h.hex(sp);

  // fn's argument is the goroutine that called mcall.
  if (h.profile().regabi) {
    expect_register(h, "fn-arg", spec.regabi.int_args.front(), "fn's argument gp", m.g, "the g that called mcall", at);
  } else {
    const uint64_t slot = sp + spec.arg0_offset();
    const uint64_t got = e.read_ptr(slot);
    if (got == m.g) {
      log.pass("fn-arg");
    } else {
      Finding f = h.finding("fn-arg", fmt::format("g0 stack {} (fn's argument gp)", spec.slot(spec.arg0_offset())),
                            h.hex(m.g), h.describe_value(got), h.episode(), at);
      f.expected_from = "the g that called mcall";
      f.addr = slot, f.size = spec.ptr_size;
      if (log.keeps("fn-arg")) h.blame(f, m.g);
      log.fail(std::move(f));
    }
  }
  // The context register holds the func value fn was called through.
  expect_register(h, "fn-ctxt", spec.ctxt, "the context register at fn's entry", funcval_,
                  "the func value passed to mcall", at);

  // The frame pointer: 0 or a frame record on g0 (rows that keep frame pointers).
  if (h.profile().modern_frame_pointers && h.fp().valid()) {
    const uint64_t fp = e.reg(h.fp()) & emu::width_mask(spec.ptr_size);
    const std::string problem = g0_frame_pointer_problem(h, fp, sp);
    report.notes["fn FP"] = fp == 0                                     ? "0"
                            : problem.empty()                           ? "g0 frame"
                            : problem.find("dead") != std::string::npos ? "stale g0"
                                                                        : "not on g0";
    if (problem.empty()) {
      log.pass("fn-fp");
    } else {
      Finding f = h.finding("fn-fp", fmt::format("{} (frame pointer) at fn's entry", h.fp().name),
                            fmt::format("0, or a frame record on the g0 stack at or above SP {}", h.hex(sp)), problem,
                            h.episode(), at);
      if (log.keeps("fn-fp"))
        h.blame_register(f, h.fp());
      else
        f.reg = h.fp().name;
      log.fail(std::move(f));
    }
  }

  // g.sched describes mcall's caller, for gogo to resume it as if mcall returned.
  Ptr<rt::g> gp(e, m.g);
  const std::string ret_from = spec.has_link()
                                   ? fmt::format("{} at mcall's entry: the caller's return PC", spec.link.name)
                                   : fmt::format("{} at mcall's entry: the return PC CALL pushed", spec.slot(0));
  expect_field(h, "sched.pc", "g.sched.pc", m.ret_pc, gp[F.g.sched.pc], ret_from, at);
  expect_field(h, "sched.sp", "g.sched.sp", m.caller_sp, gp[F.g.sched.sp],
               spec.call_pushes ? fmt::format("SP at mcall's entry + {}: the caller's SP", spec.call_pushes)
                                : "SP at mcall's entry: the caller's SP",
               at);
  expect_field(h, "sched.lr", "g.sched.lr", 0, gp[F.g.sched.lr], "zero: gogo resumes at g.sched.pc", at);
  if (h.fp().valid() && !m.fp_chain.empty()) {
    const Slot bp = gp[F.g.sched.bp];
    const uint64_t got = bp.get();
    const auto it = std::find(m.fp_chain.begin(), m.fp_chain.end(), got);
    report.notes["sched.bp"] = it == m.fp_chain.end() ? h.hex(got)
                               : it == m.fp_chain.begin()
                                   ? h.fp().name
                                   : fmt::format("{}({})", std::string(it - m.fp_chain.begin(), '*'), h.fp().name);
    if (it != m.fp_chain.end()) {
      log.pass("sched.bp");
    } else {
      std::string chain;
      for (uint64_t a : m.fp_chain) chain += (chain.empty() ? "" : " -> ") + h.hex(a);
      Finding f = h.finding("sched.bp", "g.sched.bp", fmt::format("a frame record of the caller's chain ({})", chain),
                            h.describe_value(got), h.episode(), at);
      f.addr = bp.addr(), f.size = bp.width();
      f.expected_from = fmt::format("{} at mcall's entry and the records it links", h.fp().name);
      if (log.keeps("sched.bp")) h.blame(f, m.fp_chain.front());
      log.fail(std::move(f));
    }
  }
}

// At the caller's return PC, where gogo(&gp.sched) resumed it: the goroutine's
// SP, g and frame pointer, as if mcall had returned.
void McallSuite::check_resumed(const emu::RunResult& stop) {
  Harness& h = *h_;
  const emu::ArchSpec& spec = h.spec();
  const McallEntry& m = *s_.entry;
  h.register_window_settles();
  const uint64_t at = stop.pc;
  expect_register(h, "resume-sp", spec.sp, "SP after gogo", m.caller_sp, "the caller's SP as it called mcall", at);
  expect_g(h, "resume-g", "after gogo", m.g, "the g that called mcall", at);
  if (h.profile().regabi && spec.regabi.g.valid())
    expect_register(h, "resume-g", spec.regabi.g, "g after gogo, register ABI", m.g, "the g that called mcall", at);
  if (h.fp().valid())
    expect_register(h, "resume-fp", h.fp(), "frame pointer after gogo", s_.sched_bp, "g.sched.bp as mcall saved it",
                    at);
  h.register_window_closes();
}

void McallSuite::finish(Harness& h, const emu::RunResult& stop) {
  const Scenario& sc = h.scenario();
  CheckLog& log = h.log();
  if (sc.expects_failure()) return diagnose(stop);
  if (stop.reason == emu::StopReason::Until && s_.resuming) {
    log.pass("run-completed");
    check_resumed(stop);
  } else {
    log.fail(h.finding("run-completed", "",
                       fmt::format("gogo resumes mcall's caller at {}",
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

// An expected-failure scenario passes when the host threw the runtime's own words
// (badmcall, badmcall2) and fn ran as the scenario says it must.
void McallSuite::diagnose(const emu::RunResult& stop) {
  Harness& h = *h_;
  const Scenario& sc = h.scenario();
  const RunReport& report = h.report();
  const bool fn_must_run = sc.host == HostFault::FnReturns;
  const bool threw = report.throw_text && *report.throw_text == sc.expect;
  std::string seen = report.throw_text
                         ? "fatal error: " + *report.throw_text
                         : fmt::format("no throw ({}: {})", emu::stop_reason_name(stop.reason), stop.detail);
  if (s_.fn_entered != fn_must_run)
    seen += s_.fn_entered ? "; fn was called on g0's own stack" : "; fn was never called";
  if (threw && s_.fn_entered == fn_must_run)
    h.log().pass("diagnosis", seen);
  else
    h.log().fail(h.finding("diagnosis", "", "fatal error: " + sc.expect, seen, h.episode(), stop.pc));
}

}  // namespace gotramp::model
