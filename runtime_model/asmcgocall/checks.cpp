// What every asmcgocall is checked for (docs/checks.md, "asmcgocall"): the C call
// as fn sees it at its entry (g, SP, the C ABI's alignment, argument, entry
// register and reserved words), what asmcgocall saved of the goroutine when it
// switched, g0.sched untouched when it did not, and the caller's state and fn's
// result once asmcgocall returned. Each expected value comes from the snapshot
// taken as the caller entered asmcgocall and from the row's C ABI.
#include <fmt/format.h>

#include <optional>
#include <utility>
#include <vector>

#include "emu/byte_order.hpp"
#include "runtime_model/asmcgocall/asmcgocall_suite.hpp"
#include "runtime_model/expect.hpp"
#include "runtime_model/g0_snapshot.hpp"
#include "runtime_model/switch_saved.hpp"

namespace gotramp::model {

namespace {
// How far below where it starts a C call's SP may lie: asmcgocall's few words,
// aligned.
constexpr uint64_t kMaxCFrame = 512;
}  // namespace

// The g0 frame at the C function's entry, for frame diagrams: its words named by
// what they hold (what asmcgocall keeps to come back by, fn's stack argument, the
// words the C ABI gives the callee), and the goroutine asmcgocall saved.
G0Frame AsmcgocallSuite::frame_at_c(uint64_t sp) const {
  Harness& h = *h_;
  emu::Engine& e = h.engine();
  const emu::ArchSpec& spec = h.spec();
  const emu::ArchSpec::CAbi& c = *cabi_;
  const AsmcgocallEntry& m = *s_.entry;
  G0Frame::Roles roles{"fn", "asmcgocall", "asmcgocall's caller", "call", false, true, "gosave_systemstack_switch", {}};
  const int64_t at_call = spec.call_pushes;  // SP at the call, from SP at fn's entry
  const uint64_t top = h.world().g0[h.fields().g.sched.sp].get();
  // 0(SP) is the return PC on x86; on link machines a word the trampoline may use.
  for (int64_t off = spec.has_link() ? 0 : spec.ptr_size; sp + off + spec.ptr_size <= top; off += spec.ptr_size) {
    const uint64_t v = e.read_ptr(sp + off);
    const bool reserved = off >= at_call + c.reserved_lo && off < at_call + c.reserved_hi;
    // The depth is g.stack.hi less asmcgocall's SP where it takes it: near its entry SP.
    const bool depth = v > 0 && v < m.stack_hi && m.stack_hi - v + 4 * spec.ptr_size >= m.sp &&
                       m.stack_hi - v <= m.sp + 4 * spec.ptr_size;
    std::string what;
    if (!c.arg.valid() && off == at_call) {
      what = fmt::format("fn's argument arg ({}: on the stack)", c.name);
    } else if (v == m.g || depth) {
      what = v == m.g ? "the old g, kept by asmcgocall to come back to"
                      : fmt::format("the depth below g.stack.hi ({:#x} - {:#x}), kept by asmcgocall to come back to",
                                    m.stack_hi, m.stack_hi - v);
      if (reserved) what += fmt::format(", in a word the {} gives fn", c.name);
    } else if (reserved) {
      what = fmt::format("reserved for fn by the {}", c.name);
    }
    if (!what.empty()) roles.args.push_back({off, std::move(what)});
  }
  return g0_frame_at_entry(h, sp, m.g, std::move(roles));
}

void AsmcgocallSuite::check_c_entry(uint64_t at) {
  Harness& h = *h_;
  emu::Engine& e = h.engine();
  const emu::ArchSpec& spec = h.spec();
  const emu::ArchSpec::CAbi& c = *cabi_;
  const RuntimeFields& F = h.fields();
  const WorldObjects& w = h.world();
  CheckLog& log = h.log();
  RunReport& report = h.report();
  const uint64_t sp = e.sp();
  const uint64_t sp_at_call = sp + spec.call_pushes;
  s_.c_sp = sp;
  if (!s_.entry) {
    log.fail(h.finding("c-entered", "", "fn is called from asmcgocall",
                       "fn was reached without passing through asmcgocall", h.episode(), at));
    return;
  }
  const AsmcgocallEntry& m = *s_.entry;
  const bool sw = switches();
  const uint64_t g0 = w.m[F.m.g0].get();
  const std::string who = "asmcgocall";
  if (sw) report.frames.push_back(frame_at_c(sp));

  // g: m.g0 after a switch; else the caller's, untouched.
  if (sw)
    expect_g(h, "c-g", "at fn's entry", g0, "m.g0: C runs on the scheduler stack", at);
  else
    expect_g(h, "c-g", "at fn's entry", m.g, fmt::format("the g that called {} (no switch)", who), at);

  // SP: on g0 below g0.sched.sp after a switch, else below the caller's frame.
  const uint64_t bound = sw ? m.g0_sched_sp : m.sp;
  const std::string bound_text = sw ? fmt::format("g0.sched.sp {}", h.hex(bound))
                                    : fmt::format("SP at {}'s entry {} (no switch)", who, h.hex(bound));
  if (sp < bound && sp + kMaxCFrame >= bound) {
    log.pass("c-sp");
  } else {
    Finding f = h.finding("c-sp", fmt::format("{} (SP at fn's entry)", spec.sp.name),
                          fmt::format("{} .. {}", h.hex(bound - kMaxCFrame), h.hex(bound - 1)), h.describe_value(sp),
                          h.episode(), at);
    f.expected_from = fmt::format("below {}, by at most {} bytes", bound_text, kMaxCFrame);
    if (log.keeps("c-sp"))
      h.blame_register(f, spec.sp);
    else
      f.reg = spec.sp.name;
    log.fail(std::move(f));
  }
  report.notes["C SP"] =
      sp_at_call <= bound ? fmt::format("{}-{}", sw ? "sched.sp" : "entry", bound - sp_at_call) : h.hex(sp_at_call);

  // The C ABI's alignment of SP at the call.
  const uint64_t mis = sp_at_call % c.stack_align;
  report.notes["C align"] = mis == 0 ? fmt::format("{}", c.stack_align) : fmt::format("{}+{}", c.stack_align, mis);
  if (mis == 0) {
    log.pass("c-align");
  } else {
    Finding f = h.finding(
        "c-align", fmt::format("{} (SP at fn's entry, {} alignment)", spec.sp.name, c.name),
        spec.call_pushes ? fmt::format("a multiple of {} plus the {}-byte return PC", c.stack_align, spec.call_pushes)
                         : fmt::format("a multiple of {}", c.stack_align),
        fmt::format("{} ({} mod {} at the call)", h.hex(sp), mis, c.stack_align), h.episode(), at);
    f.expected_from = fmt::format("the {}: SP {}-byte aligned at a call", c.name, c.stack_align);
    if (log.keeps("c-align"))
      h.blame_register(f, spec.sp);
    else
      f.reg = spec.sp.name;
    log.fail(std::move(f));
  }

  // arg: in the C ABI's first argument register, or its stack word.
  if (c.arg.valid()) {
    expect_register(h, "c-arg", c.arg, fmt::format("fn's argument, {}", c.name), kArg,
                    fmt::format("the arg passed to {}", who), at);
  } else {
    const uint64_t got = e.read_ptr(sp_at_call);
    if (got == kArg) {
      log.pass("c-arg");
    } else {
      Finding f = h.finding("c-arg", fmt::format("{} (fn's argument, {})", spec.slot(spec.call_pushes), c.name),
                            h.hex(kArg), h.describe_value(got), h.episode(), at);
      f.addr = sp_at_call, f.size = spec.ptr_size;
      f.expected_from = fmt::format("the arg passed to {}", who);
      if (log.keeps("c-arg")) h.blame(f, kArg);
      log.fail(std::move(f));
    }
  }
  if (c.entry.valid() && c.descriptors)
    expect_register(h, "c-entry", c.entry, fmt::format("fn's TOC, {}", c.name), kToc,
                    "the TOC word of the function descriptor passed as fn", at);
  else if (c.entry.valid())
    expect_register(h, "c-entry", c.entry, fmt::format("fn's own address, {}", c.name), Arena::kCFunction,
                    "the fn passed: a position-independent callee finds itself through it", at);

  // The words above SP the C ABI gives the callee: in asmcgocall's own frame, never
  // in the frame above it (the scheduler's on g0, the caller's without a switch).
  if (c.reserved_hi > c.reserved_lo) {
    const uint64_t lo = sp_at_call + c.reserved_lo, hi = sp_at_call + c.reserved_hi;
    // What asmcgocall needs back after the call, which it must not keep there.
    const std::vector<std::pair<uint64_t, std::string>> own = {
        {m.g, "the old g"}, {m.stack_hi - m.sp, "the depth below g.stack.hi"}, {m.sp, "the entry SP"}};
    std::optional<std::pair<uint64_t, std::string>> kept;  // the first such word: its address, what
    for (uint64_t a = (lo + spec.ptr_size - 1) / spec.ptr_size * spec.ptr_size; a + spec.ptr_size <= hi && !kept;
         a += spec.ptr_size)
      for (const auto& [v, what] : own)
        if (e.read_ptr(a) == v) kept = {a, what};
    if (hi <= bound && !kept) {
      log.pass("c-reserved");
    } else if (kept) {
      const int64_t off = static_cast<int64_t>(kept->first - sp_at_call) + spec.call_pushes;
      Finding f = h.finding("c-reserved", fmt::format("{} (a word the callee owns, {})", spec.slot(off), c.name),
                            fmt::format("none of {}'s own values: the callee may overwrite [{}, {}) above SP", who,
                                        c.reserved_lo, c.reserved_hi),
                            fmt::format("{} {}", kept->second, h.hex(e.read_ptr(kept->first))), h.episode(), at);
      f.addr = kept->first, f.size = spec.ptr_size;
      f.expected_from = fmt::format("the {}: the words the callee may overwrite", c.name);
      if (log.keeps("c-reserved")) h.blame(f, std::nullopt);
      log.fail(std::move(f));
    } else {
      Finding f = h.finding("c-reserved",
                            fmt::format("{}..{} (the callee's words, {})", spec.slot(c.reserved_lo + spec.call_pushes),
                                        spec.slot(c.reserved_hi + spec.call_pushes), c.name),
                            fmt::format("below {}", h.hex(bound)),
                            fmt::format("[{}, {}): {} bytes above {}", h.hex(lo), h.hex(hi), hi - bound, h.hex(bound)),
                            h.episode(), at);
      f.expected_from = fmt::format("{}'s own frame: below {}", who, bound_text);
      f.reg = spec.sp.name;
      if (log.keeps("c-reserved")) h.blame_register(f, spec.sp);
      log.fail(std::move(f));
    }
  }

  if (!sw) {
    // No switch: g0.sched is the scheduler's, never asmcgocall's to save into.
    Ptr<rt::g> g0p = w.g0;
    const std::string from = fmt::format("as it was at {}'s entry: no switch, nothing saved", who);
    expect_field(h, "g0-sched-intact", "g0.sched.sp", m.g0_sched_sp, g0p[F.g.sched.sp], from, at);
    expect_field(h, "g0-sched-intact", "g0.sched.pc", m.g0_sched_pc, g0p[F.g.sched.pc], from, at);
    expect_field(h, "g0-sched-intact", "g0.sched.bp", m.g0_sched_bp, g0p[F.g.sched.bp], from, at);
    return;
  }
  // g.sched.sp: asmcgocall's SP as it called gosave_systemstack_switch, where the
  // runtime names it; else its entry SP less its largest frame (pclntab).
  const uint64_t saved_sp = s_.gosave_sp.value_or(m.sp - frame_);
  check_switch_saved(
      h,
      {"asmcgocall", m.sp, m.g, m.fp, saved_sp,
       s_.gosave_sp ? fmt::format("asmcgocall's SP as it called gosave_systemstack_switch ({}-{})", h.spec().sp.name,
                                  m.sp - saved_sp)
                    : fmt::format("SP at asmcgocall's entry less its frame of {} bytes (pclntab)", frame_)},
      sym_.systemstack_switch, switch_has_frame_, at);
}

// At the caller's return PC (the exit pad): the caller's SP (moved with its stack),
// g and frame pointer as a plain return leaves them, and fn's result where the
// caller reads it.
void AsmcgocallSuite::check_returned(const emu::RunResult& stop) {
  Harness& h = *h_;
  emu::Engine& e = h.engine();
  const emu::ArchSpec& spec = h.spec();
  const AsmcgocallEntry& m = *s_.entry;
  const std::string who = "asmcgocall";
  h.register_window_settles();
  const uint64_t at = stop.pc;
  const uint64_t want_sp = m.caller_sp + s_.moved_by;
  expect_register(h, "return-sp", spec.sp, fmt::format("SP after {} returned", who), want_sp,
                  s_.moved_by ? fmt::format("the caller's SP, at the same depth ({} bytes) below the moved stack's hi",
                                            m.stack_hi - m.caller_sp)
                              : fmt::format("SP at {}'s entry{}: the caller's SP", who,
                                            spec.call_pushes ? fmt::format(" + {}", spec.call_pushes) : ""),
                  at);
  expect_g(h, "return-g", fmt::format("after {} returned", who), m.g, fmt::format("the g that called {}", who), at);
  // A moved stack leaves the caller's frame pointer in the register C saved and
  // restored, as it was: copystack adjusts frame records, not C's saved registers.
  if (h.fp().valid() && !s_.moved_by)
    expect_register(h, "return-fp", h.fp(), fmt::format("frame pointer after {} returned", who), m.fp,
                    fmt::format("{} at {}'s entry: the caller's", h.fp().name, who), at);

  // fn's int32, as Go reads it: the low 32 bits of the result register, or the
  // 4-byte ret slot (at its distance below the stack's hi, which may have moved).
  CheckLog& log = h.log();
  RunReport& report = h.report();
  const ArgPlace& place = s_.call.frame.result;
  uint64_t got = 0;
  std::string slot;
  std::optional<uint64_t> addr;
  if (place.in_register()) {
    got = e.reg(place.reg) & 0xffffffff;
    slot = fmt::format("{} (fn's int32 result, register ABI)", place.reg.name);
  } else {
    addr = s_.call.entry_sp + spec.arg0_offset() + place.offset + s_.moved_by;
    got = e.read_uint(*addr, 4);
    slot = fmt::format("ret+{}(FP) (fn's int32 result)", place.offset);
  }
  report.notes["result"] = got == kResult ? "exact" : h.hex(got);
  if (got == kResult) {
    log.pass("result");
  } else {
    Finding f = h.finding("result", slot, h.hex(kResult), h.describe_value(got), h.episode(), at);
    f.expected_from = fmt::format("what fn returned in {}, as an int32", cabi_->result.name);
    if (addr) {
      f.addr = *addr, f.size = 4;
      if (log.keeps("result")) h.blame(f, kResult);
    } else if (log.keeps("result")) {
      h.blame_register(f, place.reg);
    } else {
      f.reg = place.reg.name;
    }
    log.fail(std::move(f));
  }
  h.register_window_closes();
}

void AsmcgocallSuite::finish(Harness& h, const emu::RunResult& stop) {
  CheckLog& log = h.log();
  if (h.in_episode()) h.episode_closes();
  const std::string who = "asmcgocall";
  if (!s_.c_entered)
    log.fail(h.finding("c-entered", "", fmt::format("{} calls fn", who), "fn was never called", h.episode(), stop.pc));
  if (stop.reason == emu::StopReason::Until && s_.c_returned && s_.entry) {
    log.pass("run-completed");
    check_returned(stop);
  } else {
    log.fail(h.finding("run-completed", "",
                       fmt::format("{} returns to its caller at {}", who,
                                   s_.entry ? h.describe(s_.entry->ret_pc) : std::string("its return PC")),
                       fmt::format("{}: {}", emu::stop_reason_name(stop.reason), stop.detail), h.episode(), stop.pc));
  }
}

}  // namespace gotramp::model
