// What every growth is checked for (docs/DESIGN.md §4): the calling sequence as newstack sees
// it at its entry, and the resumption after gogo. Each failure is a Finding naming
// the slot or field in Go's terms and both values.
#include <fmt/format.h>

#include "emu/byte_order.hpp"
#include "runtime_model/g0_frame.hpp"
#include "runtime_model/layout.hpp"
#include "runtime_model/machine.hpp"
#include "runtime_model/machine_run.hpp"

namespace gotramp::model {

// The call into newstack: the last real instruction of the block before it.
static std::optional<emu::Insn> call_insn(emu::Engine& e, uint64_t addr, uint32_t size) {
  std::vector<uint8_t> code(size);
  if (size == 0 || !e.try_read(addr, code)) return std::nullopt;
  std::optional<emu::Insn> last;
  for (uint32_t off = 0; off < size;) {
    auto insn = e.disasm().one(std::span(code).subspan(off), addr + off);
    if (!insn || insn->size == 0) break;
    if (!insn->text.starts_with("nop")) last = insn;
    off += insn->size;
  }
  return last;
}

Finding Machine::finding(std::string check, std::string slot, std::string expected, std::string seen, int growth,
                         std::optional<uint64_t> pc) {
  Run& r = *run_;
  Finding f;
  f.check = std::move(check);
  f.goarch = spec_.goarch;
  f.contract = r.contract.name;
  f.scenario = r.scenario.name;
  f.growth = growth;
  f.slot = std::move(slot);
  f.expected = std::move(expected);
  f.seen = std::move(seen);
  if (pc) {
    f.pc = *pc;
    std::vector<uint8_t> code(16);
    if (engine_.try_read(*pc, code))
      if (auto insn = engine_.disasm().one(code, *pc)) f.insn = insn->text;
  }
  if (f.pc) f.where = image_.describe(f.pc);
  return f;
}

void Machine::check_newstack_entry(uint64_t sp, int growth) {
  Run& r = *run_;
  const RuntimeFields& F = fields();
  CheckLog& log = r.log;
  // Failures here point at the instruction that called newstack (decoded only
  // when something fails: disassembly costs more than every check together).
  const auto call_block = engine_.previous_block();
  std::optional<std::optional<uint64_t>> call_site;
  // A failure about guest memory (size > 0) is blamed on the store that made it,
  // when the run logs its stores.
  auto fail = [&](std::string name, std::string slot, std::string want, std::string got, uint64_t addr = 0,
                  int size = 0, std::optional<uint64_t> value = std::nullopt) {
    if (!call_site) {
      auto insn = call_insn(engine_, call_block.addr, call_block.size);
      call_site = insn ? std::optional<uint64_t>(insn->address) : std::nullopt;
    }
    const std::optional<uint64_t>& at = *call_site;
    Finding f = finding(name, std::move(slot), std::move(want), std::move(got), growth, at);
    f.addr = addr, f.size = size;
    if (log.keeps(name)) blame(f, value);
    log.fail(std::move(f));
  };
  // A field of g or m against the CPU's state at the trampoline's entry.
  auto expect = [&](const std::string& name, std::string slot, uint64_t want, const Slot& field) {
    const uint64_t got = field.get();
    if (want == got)
      log.pass(name);
    else
      fail(name, std::move(slot), hex(want), hex(got), field.addr(), field.width(), want);
  };

  // The frame the trampoline built on g0, as the emulator holds it now.
  G0Frame frame;
  frame.growth = growth;
  frame.sp = frame.base = sp;
  frame.g0_sched_sp = r.g0[F.g.sched.sp].get();
  const uint64_t top = frame.g0_sched_sp + Arena::kG0Reserved;
  if (arena_.g0_stack().contains(sp) && sp < top) {
    frame.bytes.resize(top - sp);
    engine_.try_read(sp, frame.bytes);
  }
  if (spec_.has_link()) frame.link = engine_.reg(spec_.link);
  frame.ctxt_reg = engine_.reg(spec_.ctxt) & emu::width_mask(spec_.ptr_size);
  frame.g = engine_.current_g();
  frame.g_slot = engine_.g_memory().value_or(0);
  {
    // The goroutine morestack interrupted, before newstack changes anything.
    auto& gp = frame.gp;
    Ptr<rt::g> curg(engine_, r.m[F.m.curg].get());
    gp.g = curg.addr();
    if (!curg.is_nil()) {
      gp.stack_lo = curg[F.g.stack.lo].get(), gp.stack_hi = curg[F.g.stack.hi].get();
      gp.sched_sp = curg[F.g.sched.sp].get(), gp.sched_pc = curg[F.g.sched.pc].get();
      gp.sched_lr = curg[F.g.sched.lr].get(), gp.sched_bp = curg[F.g.sched.bp].get();
      gp.sched_g = curg[F.g.sched.g].get(), gp.sched_ctxt = curg[F.g.sched.ctxt].get();
    }
    gp.morebuf_pc = r.m[F.m.morebuf.pc].get(), gp.morebuf_sp = r.m[F.m.morebuf.sp].get();
    gp.morebuf_g = r.m[F.m.morebuf.g].get();
    const uint64_t w = spec_.ptr_size;
    uint64_t lo = std::max(gp.stack_lo, gp.sched_sp - 2 * w), hi = std::min(gp.stack_hi, gp.sched_sp + 4 * w);
    if (gp.sched_sp >= gp.stack_lo && gp.sched_sp < gp.stack_hi && lo < hi) {
      gp.base = lo;
      gp.bytes.resize(hi - lo);
      if (!engine_.try_read(lo, gp.bytes)) gp.bytes.clear();
    }
  }
  SequenceExpect want;
  want.ctxt = r.ctxt_expected;
  want.trampoline = sym_.morestack;
  want.trampoline.name = prof_->names.morestack;
  want.g0_stack = arena_.g0_stack();
  want.g0 = r.g0.addr();
  want.describe_code = [this](uint64_t pc) { return code_name(pc); };
  // Kept before the checks run: blame names slots by this growth's frame.
  r.report.frames.push_back(std::move(frame));
  for (auto& c : check_calling_sequence(spec_, r.contract, r.report.frames.back(), want)) {
    if (c.ok)
      log.pass(c.check);
    else
      fail(c.check, c.slot, c.expected, c.seen, c.addr, c.size, c.want);
  }

  if (!r.entry) {
    fail("morestack-entered", "", "f calls main.morestack or main.morestack_noctxt",
         "newstack was reached without passing through either");
    return;
  }
  log.pass("morestack-entered");
  const MorestackEntry& e = *r.entry;

  // g.sched describes the interrupted f, m.morebuf its caller.
  Ptr<rt::g> gp = r.gp;
  expect("sched.g", "g.sched.g", gp.addr(), gp[F.g.sched.g]);
  expect("sched.sp", "g.sched.sp", e.f_sp, gp[F.g.sched.sp]);
  expect("sched.pc", "g.sched.pc", e.f_pc, gp[F.g.sched.pc]);
  expect("sched.lr", "g.sched.lr", spec_.has_link() ? e.f_caller_pc : 0, gp[F.g.sched.lr]);
  if (fp().valid()) expect("sched.bp", "g.sched.bp", e.bp, gp[F.g.sched.bp]);
  // Who writes g.sched.ctxt is the contract: the seed leaves it to newstack.
  if (r.contract.ctxt_via_sched)
    expect("sched.ctxt", "g.sched.ctxt (newstack's only source of the context)", r.ctxt_expected, gp[F.g.sched.ctxt]);
  else if (r.contract.trampoline_stores_ctxt)
    expect("sched.ctxt", "g.sched.ctxt", e.ctxt, gp[F.g.sched.ctxt]);
  else
    expect("sched.ctxt", "g.sched.ctxt (left to newstack)", e.sched_ctxt, gp[F.g.sched.ctxt]);
  expect("morebuf.g", "m.morebuf.g", gp.addr(), r.m[F.m.morebuf.g]);
  expect("morebuf.sp", "m.morebuf.sp", e.f_caller_sp, r.m[F.m.morebuf.sp]);
  expect("morebuf.pc", "m.morebuf.pc", e.f_caller_pc, r.m[F.m.morebuf.pc]);
}

// check_resumed follows the blocks after gogo: the first must be f's resume point
// g.sched.pc, with SP on the new stack and the context register restored; the next
// must be f's entry, where the split check runs again.
void Machine::check_resumed(uint64_t addr) {
  Run& r = *run_;
  CheckLog& log = r.log;
  const int n = r.resume_growth;
  if (r.resume == Run::Resume::AtSchedPc) {
    if (addr != r.resume_pc) return;  // still inside gogo
    uint64_t sp = engine_.sp();
    if (sp == r.resume_sp && r.resume_stack.contains(sp))
      log.pass("resume-sp");
    else
      log.fail(finding(
          "resume-sp", spec_.sp.name + " after gogo",
          fmt::format("{} on the new stack [{:#x}, {:#x})", hex(r.resume_sp), r.resume_stack.lo, r.resume_stack.hi),
          hex(sp), n, addr));
    uint64_t ctxt = engine_.reg(spec_.ctxt) & emu::width_mask(spec_.ptr_size);
    if (ctxt == r.resume_ctxt)
      log.pass("resume-ctxt");
    else
      log.fail(finding("resume-ctxt", spec_.ctxt.name + " after gogo", hex(r.resume_ctxt), hex(ctxt), n, addr));
    r.resume = Run::Resume::AtEntry;
    return;
  }
  trace_window_closes();
  if (addr == r.resume_entry)
    log.pass("resume-entry");
  else
    log.fail(finding("resume-entry", "PC after g.sched.pc", code_name(r.resume_entry), code_name(addr), n, addr));
  r.resume = Run::Resume::None;
  engine_.watch_blocks(false);
}

// After copystack on frame-pointer rows: every saved BP from g.sched.bp up lies in
// the new stack, and the chain ends at zero.
void Machine::check_frame_pointers(const StackSpan& stack, int growth) {
  Run& r = *run_;
  const RuntimeFields& F = fields();
  std::span<uint8_t> mem = engine_.host_span(stack.lo, stack.size());
  const int w = spec_.ptr_size;
  uint64_t bp = r.gp[F.g.sched.bp].get();
  int frames = 0;
  while (bp != 0) {
    if (!stack.contains(bp) || bp + w > stack.hi || mem.empty()) {
      r.log.fail(finding("fp-chain", fmt::format("saved BP in frame {} from g.sched.bp", frames),
                         fmt::format("0 or an address in the new stack [{:#x}, {:#x})", stack.lo, stack.hi), hex(bp),
                         growth, engine_.pc()));
      return;
    }
    uint64_t next = emu::load_uint(mem.data() + (bp - stack.lo), w, spec_.order);
    if (next != 0 && next <= bp) {
      r.log.fail(finding("fp-chain", fmt::format("saved BP at {:#x}", bp), "a frame further up the stack", hex(next),
                         growth, engine_.pc()));
      return;
    }
    bp = next;
    frames++;
  }
  r.log.pass("fp-chain", fmt::format("{} frames", frames));
}

}  // namespace gotramp::model
