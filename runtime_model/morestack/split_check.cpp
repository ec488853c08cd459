// split-needed (docs/DESIGN.md §4): every growth must have been needed. A function's
// stack-split prologue (cmd/internal/obj's stacksplit, on every GOARCH) compares the
// SP it was entered with against the stackguard0 it loaded, by its frame's class:
//
//   frame <= StackSmall               SP <= stackguard0
//   StackSmall < frame <= StackBig    SP - (frame - StackSmall) <= stackguard0
//   frame > StackBig                  the same, an underflow of the subtraction first
//                                     counting as needed
//
// all unsigned, and calls morestack when the compare holds. A preemption request
// (stackguard0 = stackPreempt, near the top of the address space) makes every compare
// hold. So at newstack's entry, with f's frame from the binary's pclntab (its largest
// SP delta, rounded up to the stack alignment: a larger frame only errs towards
// "needed") and the stackguard0 snapshot taken as f entered the trampoline, the
// compare must hold; when it does not, f's prologue called morestack for nothing: a
// signed compare on a stack across 0x80000000 (arm, c2eb89af92), reversed operands
// (ppc64, f375c0eb0d), the wrong class's compare for the frame (arm, 231fcea7e6).
#include <fmt/format.h>

#include "runtime_model/morestack/morestack_suite.hpp"

namespace gotramp::model {

namespace {

// The instructions of a block the engine ran, in order.
std::vector<emu::Insn> block_insns(emu::Engine& e, const emu::Engine::Block& b) {
  std::vector<emu::Insn> out;
  std::vector<uint8_t> code(b.size);
  if (b.size == 0 || !e.try_read(b.addr, code)) return out;
  for (uint32_t off = 0; off < b.size;) {
    auto insn = e.disasm().one(std::span(code).subspan(off), b.addr + off);
    if (!insn || insn->size == 0) break;
    out.push_back(*insn);
    off += insn->size;
  }
  return out;
}

}  // namespace

void MorestackSuite::check_split_needed(int growth) {
  Harness& h = *h_;
  if (!s_.entry) return;  // newstack reached without the trampoline: morestack-entered fails
  const MorestackEntry& m = *s_.entry;
  const RuntimeProfile& P = h.profile();
  const emu::ArchSpec& spec = h.spec();
  CheckLog& log = h.log();
  const auto f = pclntab_ ? pclntab_->find(m.f_pc) : std::nullopt;
  if (!f) {
    log.fail(h.finding("split-needed", "f's frame size (pclntab)",
                       fmt::format("the function holding g.sched.pc {} in the binary's pclntab", h.hex(m.f_pc)),
                       pclntab_ ? "no function there" : pclntab_error_, growth, m.f_pc));
    return;
  }
  const uint64_t align = spec.stack_align;
  const uint64_t frame = (f->max_sp_delta + align - 1) / align * align;
  const ProbeFunction::Frame cls = frame_class(frame, P.stack_small, P.stack_big);
  const uint64_t sp = m.f_sp, guard = m.stackguard0;
  const uint64_t off = frame > P.stack_small ? frame - P.stack_small : 0;
  const std::string frame_text = fmt::format("{} frame, {} bytes", frame_class_name(cls), frame);
  // SP - off underflows: needed (the huge-frame prologue checks this first).
  if (sp < off || sp - off <= guard) {
    log.pass("split-needed", fmt::format("{}: {}", f->name, frame_text));
    return;
  }

  // A spurious growth: named at the prologue's compare, in the block that ended in
  // its conditional branch (where the compare is the branch, or the instruction
  // before it; a MIPS delay slot after the branch is skipped).
  std::vector<emu::Insn> insns;
  if (m.prologue.addr >= f->entry && m.prologue.addr < f->end) insns = block_insns(h.engine(), m.prologue);
  while (!insns.empty() && insns.back().text.starts_with("nop")) insns.pop_back();
  uint64_t place = f->entry;
  std::string seq;
  if (!insns.empty()) {
    const size_t branch = insns.size() - 1;
    const size_t cmp = spec.split_branch_compares || branch == 0 ? branch : branch - 1;
    place = insns[cmp].address;
    for (size_t i = cmp; i <= branch; i++) seq += fmt::format("{}`{}`", i == cmp ? "" : " then ", insns[i].text);
  }
  const std::string lhs = off ? fmt::format("SP {} - {} = {}", h.hex(sp), off, h.hex(sp - off)) : "SP " + h.hex(sp);
  log.fail(h.finding("split-needed", fmt::format("{}'s stack-split prologue ({})", f->name, frame_text),
                     fmt::format("{} <= stackguard0 {} (unsigned) when it calls morestack", lhs, h.hex(guard)),
                     fmt::format("{} > {}: morestack called with {} bytes to spare{}", h.hex(sp - off), h.hex(guard),
                                 sp - off - guard, seq.empty() ? "" : ", by the prologue's compare " + seq),
                     growth, place));
}

}  // namespace gotramp::model
