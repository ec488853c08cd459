#include "runtime_model/switch_saved.hpp"

#include <fmt/format.h>

#include <vector>

#include "emu/byte_order.hpp"
#include "runtime_model/expect.hpp"
#include "runtime_model/harness.hpp"

namespace gotramp::model {

bool frame_chain_reaches(Harness& h, uint64_t fp, uint64_t want, int* steps) {
  const emu::ArchSpec& spec = h.spec();
  if (want == 0) return false;
  std::vector<uint8_t> buf(spec.ptr_size);
  for (int i = 0; i < 4 && fp != 0; i++) {
    if (fp == want) {
      if (steps) *steps = i;
      return true;
    }
    if (!h.engine().try_read(fp, buf)) return false;
    fp = emu::load_uint(buf.data(), spec.ptr_size, spec.order);
  }
  return false;
}

void check_switch_saved(Harness& h, const SwitchCaller& c, const emu::Symbol& sw, bool switch_has_frame, uint64_t at) {
  emu::Engine& e = h.engine();
  const emu::ArchSpec& spec = h.spec();
  const RuntimeFields& F = h.fields();
  CheckLog& log = h.log();
  RunReport& report = h.report();
  Ptr<rt::g> gp(e, c.g);

  // g.sched.pc: inside systemstack_switch, past its prologue where it has one.
  {
    const Slot slot = gp[F.g.sched.pc];
    const uint64_t pc = slot.get();
    const bool inside = sw.contains(pc) || (sw.size == 0 && pc == sw.addr);
    const bool past = !switch_has_frame || pc > sw.addr;
    report.notes["sched.pc"] = inside                      ? fmt::format("systemstack_switch+{}", pc - sw.addr)
                               : h.code_symbol(pc).empty() ? h.hex(pc)
                                                           : h.code_symbol(pc);
    if (inside && past) {
      log.pass("sched.pc");
    } else {
      Finding f = h.finding("sched.pc", "g.sched.pc",
                            fmt::format("inside {} [{}, {}){}", sw.name, h.hex(sw.addr), h.hex(sw.addr + sw.size),
                                        switch_has_frame ? ", past its prologue" : ""),
                            h.describe_value(pc), h.episode(), at);
      f.addr = slot.addr(), f.size = slot.width();
      f.expected_from = "gosave_systemstack_switch: the goroutine looks as if in systemstack_switch";
      f.seen_symbol = h.code_symbol(pc);
      if (log.keeps("sched.pc")) h.blame(f, std::nullopt);
      log.fail(std::move(f));
    }
  }
  // g.sched.sp: the trampoline's SP in the frame systemstack_switch appears called from.
  expect_field(h, "sched.sp", "g.sched.sp", c.saved_sp, gp[F.g.sched.sp], c.saved_sp_from, at);
  if (spec.has_link())
    expect_field(h, "sched.lr", "g.sched.lr", 0, gp[F.g.sched.lr], "zero: the goroutine is resumed at g.sched.pc", at);
  expect_field(h, "sched.ctxt", "g.sched.ctxt", 0, gp[F.g.sched.ctxt], "zero: systemstack_switch has no closure", at);
  if (h.fp().valid() && c.fp != 0) {
    const Slot bp = gp[F.g.sched.bp];
    const uint64_t got = bp.get();
    int steps = -1;
    const bool chain = frame_chain_reaches(h, got, c.fp, &steps);
    report.notes["sched.bp"] = !chain ? h.hex(got) : steps == 0 ? "caller's" : fmt::format("caller+{}", steps);
    if (chain) {
      log.pass("sched.bp");
    } else {
      Finding f =
          h.finding("sched.bp", "g.sched.bp",
                    fmt::format("the caller's frame pointer {}, or a frame record whose chain reaches it", h.hex(c.fp)),
                    h.describe_value(got), h.episode(), at);
      f.addr = bp.addr(), f.size = bp.width();
      f.expected_from = fmt::format("{} at {}'s entry", h.fp().name, c.trampoline);
      if (log.keeps("sched.bp")) h.blame(f, c.fp);
      log.fail(std::move(f));
    }
  }
}

}  // namespace gotramp::model
