// What every growth is checked for (docs/DESIGN.md §4): the calling sequence as newstack sees
// it at its entry, and the resumption after gogo. Each failure is a Finding naming
// the slot or field in Go's terms and both values.
#include <fmt/format.h>

#include "emu/byte_order.hpp"
#include "runtime_model/frame_pointer.hpp"
#include "runtime_model/g0_snapshot.hpp"
#include "runtime_model/layout.hpp"
#include "runtime_model/morestack/g0_frame.hpp"
#include "runtime_model/morestack/morestack_suite.hpp"
#include "runtime_model/tracer.hpp"

namespace gotramp::model {

void MorestackSuite::check_newstack_entry(uint64_t sp, int growth) {
  Harness& h = *h_;
  emu::Engine& e = h.engine();
  const emu::ArchSpec& spec = h.spec();
  const RuntimeFields& F = h.fields();
  const WorldObjects& w = h.world();
  CheckLog& log = h.log();
  // Failures here point at the instruction that called newstack (decoded only
  // when something fails: disassembly costs more than every check together).
  const auto call_block = e.previous_block();
  std::optional<std::optional<uint64_t>> call_site;
  // A failure about guest memory (size > 0) is blamed on the store that made it,
  // when the run logs its stores.
  auto fail = [&](std::string name, std::string slot, std::string want, std::string got, uint64_t addr = 0,
                  int size = 0, std::optional<uint64_t> value = std::nullopt, std::string from = {},
                  std::optional<uint64_t> seen_value = std::nullopt) {
    if (!call_site) {
      auto insn = e.last_insn(call_block);
      call_site = insn ? std::optional<uint64_t>(insn->address) : std::nullopt;
    }
    const std::optional<uint64_t>& at = *call_site;
    Finding f = h.finding(name, std::move(slot), std::move(want), std::move(got), growth, at);
    f.addr = addr, f.size = size;
    f.expected_from = std::move(from);
    if (value) f.expected_symbol = h.code_symbol(*value);
    if (seen_value) f.seen_symbol = h.code_symbol(*seen_value);
    if (log.keeps(name)) h.blame(f, value);
    if (f.cause && value == 0u && (name == "sched.ctxt" || name == "ctxt-argument")) blame_noctxt(f);
    log.fail(std::move(f));
  };
  // A field of g or m against the CPU's state at the trampoline's entry (from: where
  // that value was, in Go's terms, written only when the field is wrong).
  auto expect = [&](const std::string& name, const char* slot, uint64_t want, const Slot& field, const auto& from) {
    const uint64_t got = field.get();
    if (want == got)
      log.pass(name);
    else
      fail(name, slot, h.hex(want), h.hex(got), field.addr(), field.width(), want, from(), got);
  };

  // The frame the trampoline built on g0, as the emulator holds it now, and the
  // goroutine morestack interrupted (m.curg) with m.morebuf, before newstack
  // changes anything.
  G0Frame frame = g0_frame_at_entry(h, sp, w.m[F.m.curg].get(), G0Frame::Roles{});
  frame.growth = growth;
  frame.gp.morebuf_pc = w.m[F.m.morebuf.pc].get(), frame.gp.morebuf_sp = w.m[F.m.morebuf.sp].get();
  frame.gp.morebuf_g = w.m[F.m.morebuf.g].get();
  SequenceExpect want = frame_expectations(h, h.report());
  want.ctxt = s_.ctxt_expected;
  want.g0 = w.g0.addr();
  // Kept before the checks run: blame names slots by this growth's frame.
  RunReport& report = h.report();
  report.frames.push_back(std::move(frame));
  for (auto& c : check_calling_sequence(spec, h.contract(), report.frames.back(), want)) {
    if (c.ok)
      log.pass(c.check);
    else
      fail(c.check, c.slot, c.expected, c.seen, c.addr, c.size, c.want, c.expected_from);
  }

  if (!s_.entry) {
    fail("morestack-entered", "", "f calls main.morestack or main.morestack_noctxt",
         "newstack was reached without passing through either");
    return;
  }
  log.pass("morestack-entered");
  check_newstack_fp(sp, growth, [&]() -> std::optional<uint64_t> {
    auto insn = e.last_insn(call_block);
    return insn ? std::optional<uint64_t>(insn->address) : std::nullopt;
  });
  const MorestackEntry& m = *s_.entry;
  const Contract& c = h.contract();

  // g.sched describes the interrupted f, m.morebuf its caller: each against where
  // the CPU held it as f entered the trampoline.
  std::optional<EntryPlaces> places;
  auto at = [&]() -> const EntryPlaces& { return places ? *places : places.emplace(entry_places(h, m)); };
  Ptr<rt::g> gp = w.gp;
  auto curg = [] { return std::string("m.curg: the goroutine whose f overflowed"); };
  expect("sched.g", "g.sched.g", gp.addr(), gp[F.g.sched.g], curg);
  expect("sched.sp", "g.sched.sp", m.f_sp, gp[F.g.sched.sp], [&] { return at().f_sp; });
  expect("sched.pc", "g.sched.pc", m.f_pc, gp[F.g.sched.pc], [&] { return at().f_pc; });
  expect("sched.lr", "g.sched.lr", spec.has_link() ? m.f_caller_pc : 0, gp[F.g.sched.lr],
         [&] { return spec.has_link() ? at().f_caller_pc : "zero: no link register on " + spec.goarch; });
  if (h.fp().valid()) expect("sched.bp", "g.sched.bp", m.bp, gp[F.g.sched.bp], [&] { return at().bp; });
  // Who writes g.sched.ctxt is the contract: the seed leaves it to newstack.
  if (c.newstack.ctxt_via_sched)
    expect("sched.ctxt", "g.sched.ctxt (newstack's only source of the context)", s_.ctxt_expected, gp[F.g.sched.ctxt],
           [&] {
             return s_.ctxt_expected ? "the closure f ran with, in " + spec.ctxt.name
                                     : "zero: f needs no context, so morestack_noctxt clears " + spec.ctxt.name;
           });
  else if (c.trampoline.stores_ctxt)
    expect("sched.ctxt", "g.sched.ctxt", m.ctxt, gp[F.g.sched.ctxt], [&] { return at().ctxt; });
  else
    expect("sched.ctxt", "g.sched.ctxt (left to newstack)", m.sched_ctxt, gp[F.g.sched.ctxt],
           [] { return std::string("g.sched.ctxt before the trampoline ran: the seed's morestack leaves it alone"); });
  expect("morebuf.g", "m.morebuf.g", gp.addr(), w.m[F.m.morebuf.g], curg);
  expect("morebuf.sp", "m.morebuf.sp", m.f_caller_sp, w.m[F.m.morebuf.sp], [&] { return at().f_caller_sp; });
  expect("morebuf.pc", "m.morebuf.pc", m.f_caller_pc, w.m[F.m.morebuf.pc], [&] { return at().f_caller_pc; });
}

// Where each value of a MorestackEntry was as f entered the trampoline, in Go's
// terms: "R3 at runtime.morestack's entry: f's caller's PC".
MorestackSuite::EntryPlaces MorestackSuite::entry_places(const Harness& h, const MorestackEntry& m) {
  const emu::ArchSpec& spec = h.spec();
  const std::string entry =
      fmt::format("at {}'s entry", h.code_symbol(m.pc).empty() ? "the trampoline" : h.code_symbol(m.pc));
  auto place = [&](const std::string& where, const char* what) { return fmt::format("{} {}: {}", where, entry, what); };
  EntryPlaces p;
  const int slot = spec.entry_slot_size();
  if (spec.has_link()) {
    p.f_pc = place(spec.morestack_link().name, "f's PC, where f resumes");
    p.f_sp = place(spec.sp.name, "f's SP");
    p.f_caller_pc = place(spec.morestack_lr.name, "f's caller's PC, as f's prologue passed it");
    p.f_caller_sp = place(spec.sp.name, "f's caller's SP (f has built no frame yet)");
  } else {
    p.f_pc = place(spec.slot(0), "the return PC into f that f's CALL pushed");
    p.f_sp = place(fmt::format("{}+{}", spec.sp.name, slot), "f's SP before its CALL");
    p.f_caller_pc = place(spec.slot(slot), "f's caller's PC (f's return address)");
    p.f_caller_sp = place(fmt::format("{}+{}", spec.sp.name, 2 * slot), "f's caller's SP");
  }
  if (h.fp().valid()) p.bp = place(h.fp().name, "f's frame pointer");
  p.ctxt = place(spec.ctxt.name, "the context register");
  return p;
}

// morestack_noctxt zeroes the context register and jumps to morestack, which
// stores or passes it as it is. When morestack was entered with it still set, the
// context it handed newstack is morestack_noctxt's fault, not its own store's.
void MorestackSuite::blame_noctxt(Finding& f) {
  const auto& m = s_.entry;
  if (!m || !m->via_noctxt || !m->noctxt_exit || m->ctxt == 0) return;
  Harness& h = *h_;
  const emu::ArchSpec& spec = h.spec();
  auto jump = h.engine().last_insn(*m->noctxt_exit);
  const std::string& noctxt = h.profile().names.morestack_noctxt;
  f.cause = h.register_never_written(
      spec.ctxt, m->pc, jump ? jump->address : m->pc,
      fmt::format("{} never writes {}: it must zero the context register before it jumps to {}, which found {}", noctxt,
                  spec.ctxt.name, h.profile().names.morestack, h.describe_value(m->ctxt)));
}

// check_resumed follows the blocks after gogo: the first must be f's resume point
// g.sched.pc, with SP on the new stack and the context register restored; the next
// must be f's entry, where the split check runs again.
void MorestackSuite::check_resumed(uint64_t addr) {
  if (s_.resume == State::Resume::AtSchedPc) {
    if (addr != s_.resume_pc) return;  // still inside gogo
    check_resumed_state(addr);
    s_.resume = State::Resume::AtEntry;
    return;
  }
  Harness& h = *h_;
  const int n = s_.resume_growth;
  // The code after g.sched.pc (reloading f's arguments) may span several blocks
  // when the emulator splits it: follow it to its jump.
  const emu::Engine::Block prev = h.engine().previous_block();
  if (addr != s_.resume_entry && addr == prev.addr + prev.size) return;
  if (Tracer* t = h.tracer()) t->episode_resumed(n);
  if (addr == s_.resume_entry) {
    h.log().pass("resume-entry");
    check_args_reloaded(addr);
  } else {
    h.log().fail(
        h.finding("resume-entry", "PC after g.sched.pc", h.describe(s_.resume_entry), h.describe(addr), n, addr));
  }
  h.register_window_closes();
  s_.resume = State::Resume::None;
  h.engine().watch_blocks(false);
}

// At f's resume point, g.sched.pc: the whole state gogo restored, against the gobuf
// newstack handed it (copystack's adjustments included).
void MorestackSuite::check_resumed_state(uint64_t addr) {
  Harness& h = *h_;
  emu::Engine& e = h.engine();
  const emu::ArchSpec& spec = h.spec();
  CheckLog& log = h.log();
  const int n = s_.resume_growth;
  h.register_window_settles();
  uint64_t sp = e.sp();
  if (sp == s_.resume_sp && s_.resume_stack.contains(sp))
    log.pass("resume-sp");
  else
    log.fail(h.finding(
        "resume-sp", spec.sp.name + " after gogo",
        fmt::format("{} on the new stack [{:#x}, {:#x})", h.hex(s_.resume_sp), s_.resume_stack.lo, s_.resume_stack.hi),
        h.hex(sp), n, addr));
  // A register against the gobuf's value; a failure is blamed on the instruction of
  // gogo that wrote the register last, or on none.
  auto reg = [&](const std::string& check, const emu::Reg& r, const std::string& what, uint64_t want,
                 const std::string& from) {
    const uint64_t got = e.reg(r) & emu::width_mask(spec.reg_size);
    if (got == (want & emu::width_mask(spec.reg_size))) return log.pass(check);
    Finding f =
        h.finding(check, fmt::format("{} ({}) after gogo", r.name, what), h.hex(want), h.describe_value(got), n, addr);
    f.expected_from = from;
    f.expected_symbol = h.code_symbol(want);
    f.seen_symbol = h.code_symbol(got);
    if (log.keeps(check))
      h.blame_register(f, r);
    else
      f.reg = r.name;
    log.fail(std::move(f));
  };
  reg("resume-ctxt", spec.ctxt, "the context register", s_.resume_ctxt, "g.sched.ctxt");
  // g: in its register, or in its TLS slot, and in the register ABI's g register.
  if (spec.g.valid()) {
    reg("resume-g", spec.g, "g", s_.resume_g, "g.sched.g");
  } else {
    const uint64_t got = e.current_g();
    if (got == s_.resume_g) {
      log.pass("resume-g");
    } else {
      Finding f = h.finding("resume-g", "g in TLS after gogo", h.hex(s_.resume_g), h.hex(got), n, addr);
      f.expected_from = "g.sched.g";
      f.addr = *e.g_memory(), f.size = spec.ptr_size;
      if (log.keeps("resume-g")) h.blame(f, s_.resume_g);
      log.fail(std::move(f));
    }
  }
  if (h.profile().regabi && spec.regabi.g.valid())
    reg("resume-g", spec.regabi.g, "g, register ABI", s_.resume_g, "g.sched.g");
  if (spec.has_link()) reg("resume-lr", spec.link, "link register", s_.resume_lr, "g.sched.lr");
  if (h.fp().valid()) reg("resume-fp", h.fp(), "frame pointer", s_.resume_bp, "g.sched.bp as copystack adjusted it");
  // From here f's prologue runs again: what it writes until f's entry is its reload.
  h.register_window_opens();
}

// At f's entry once more, after its prologue ran from g.sched.pc: under the
// register ABI, every argument in a register holds what it held when f called
// morestack (the prologue spilled them before the call and must reload them after).
void MorestackSuite::check_args_reloaded(uint64_t addr) {
  Harness& h = *h_;
  const emu::ArchSpec& spec = h.spec();
  if (!h.profile().regabi) return;
  const ProbeFunction* fn = nullptr;
  for (const auto& f : h.program().functions)
    if (h.program_symbols().functions.at(f.role).addr == addr) fn = &f;
  if (!fn) return;
  CheckLog& log = h.log();
  h.register_window_settles();
  auto check = [&](const std::vector<emu::Reg>& regs, const std::vector<uint64_t>& want, int count, const char* kind) {
    const size_t n = std::min({static_cast<size_t>(count), regs.size(), want.size()});
    for (size_t i = 0; i < n; i++) {
      const uint64_t got = h.engine().reg(regs[i]) & emu::width_mask(spec.reg_size);
      if (got == want[i]) {
        log.pass("arg-reload");
        continue;
      }
      Finding f = h.finding("arg-reload",
                            fmt::format("{} ({}'s {} argument {}, in its register after the prologue's reload)",
                                        regs[i].name, fn->symbol, kind, i + 1),
                            fmt::format("{} (as f called morestack; its prologue reloads it after)", h.hex(want[i])),
                            h.describe_value(got), s_.resume_growth, addr);
      if (log.keeps("arg-reload"))
        h.blame_register(f, regs[i]);
      else
        f.reg = regs[i].name;
      log.fail(std::move(f));
    }
  };
  check(spec.regabi.int_args, s_.resume_int_args, fn->int_args(), "integer");
  check(spec.regabi.float_args, s_.resume_float_args, fn->float_args(), "float");
}

// newstack's frame pointer (modern contract): 0, or a frame record on the g0 stack
// at or above SP; never the stale g0.sched.bp of a frame that has returned, nor the
// goroutine's (its stack is about to be copied and freed).
void MorestackSuite::check_newstack_fp(uint64_t sp, int growth,
                                       const std::function<std::optional<uint64_t>()>& call_site) {
  Harness& h = *h_;
  if (!h.contract().trampoline.frame_pointer_on_g0 || !h.fp().valid()) return;
  const uint64_t fp = h.engine().reg(h.fp()) & emu::width_mask(h.spec().ptr_size);
  const std::string seen = g0_frame_pointer_problem(h, fp, sp);
  if (seen.empty()) return h.log().pass("newstack-fp");
  Finding f = h.finding("newstack-fp", fmt::format("{} (frame pointer) at newstack's entry", h.fp().name),
                        fmt::format("0, or a frame record on the g0 stack at or above SP {}", h.hex(sp)), seen, growth,
                        call_site());
  if (h.log().keeps("newstack-fp"))
    h.blame_register(f, h.fp());
  else
    f.reg = h.fp().name;
  h.log().fail(std::move(f));
}

// After copystack on frame-pointer rows: every saved BP from g.sched.bp up lies in
// the new stack, and the chain ends at zero.
void MorestackSuite::check_frame_pointers(const StackSpan& stack, int growth) {
  Harness& h = *h_;
  emu::Engine& e = h.engine();
  const RuntimeFields& F = h.fields();
  std::span<uint8_t> mem = e.host_span(stack.lo, stack.size());
  const int w = h.spec().ptr_size;
  uint64_t bp = h.world().gp[F.g.sched.bp].get();
  int frames = 0;
  while (bp != 0) {
    if (!stack.contains(bp) || bp + w > stack.hi || mem.empty()) {
      h.log().fail(h.finding("fp-chain", fmt::format("saved BP in frame {} from g.sched.bp", frames),
                             fmt::format("0 or an address in the new stack [{:#x}, {:#x})", stack.lo, stack.hi),
                             h.hex(bp), growth, e.pc()));
      return;
    }
    uint64_t next = emu::load_uint(mem.data() + (bp - stack.lo), w, h.spec().order);
    if (next != 0 && next <= bp) {
      h.log().fail(h.finding("fp-chain", fmt::format("saved BP at {:#x}", bp), "a frame further up the stack",
                             h.hex(next), growth, e.pc()));
      return;
    }
    bp = next;
    frames++;
  }
  h.log().pass("fp-chain", fmt::format("{} frames", frames));
}

}  // namespace gotramp::model
