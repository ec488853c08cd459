// Findings, their causes (blame), and the write-barrier audit of guest stores.
#include "runtime_model/harness.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "emu/byte_order.hpp"
#include "runtime_model/harness_run.hpp"
#include "runtime_model/stack_consts.hpp"
#include "runtime_model/suite.hpp"

namespace gotramp::model {

// ---- Findings and blame.

Finding Harness::finding(std::string check, std::string slot, std::string expected, std::string seen, int episode,
                         std::optional<uint64_t> pc) {
  Run& run = r();
  Finding f;
  f.check = std::move(check);
  f.goarch = spec_.goarch;
  f.trampoline = run.scenario.trampoline;
  f.contract = run.contract.name;
  f.scenario = run.scenario.name;
  f.growth = episode;
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

// The instruction at pc as a porter reads it: symbol, source line and its text.
void Harness::describe_store(uint64_t pc, std::string& where, std::string& source, std::string& text) {
  where = image_.describe(pc);
  if (auto line = lines()->at(pc)) {
    source = lines()->place(*line);
    text = lines()->text(*line).value_or("");
  }
}

RunReport Harness::absent_report(const Scenario& s, const Contract& c, const Suite::Absent& absent) {
  RunReport report;
  report.goarch = spec_.goarch;
  report.trampoline = s.trampoline;
  report.contract = c.name;
  report.scenario = s.name;
  Finding f;
  f.check = "check-reached";
  f.goarch = spec_.goarch, f.trampoline = s.trampoline, f.contract = c.name, f.scenario = s.name;
  f.slot = absent.symbol;
  f.expected = "in the binary: " + absent.why;
  f.seen = "absent";
  Cause cause;
  cause.kind = Cause::Kind::NeverCalled;
  cause.reg = absent.symbol;
  cause.pc = absent.caller;
  describe_store(absent.caller, cause.where, cause.source, cause.text);
  f.cause = std::move(cause);
  report.checks.push_back(Check{f.check, false, 0, f.expected, 1, 0});
  report.findings.push_back(std::move(f));
  report.verdict = "error";
  return report;
}

Cause Harness::store_cause(uint64_t pc, uint64_t value) {
  Cause c;
  c.kind = Cause::Kind::WrongStore;
  c.pc = pc;
  c.value = value;
  describe_store(pc, c.where, c.source, c.text);
  return c;
}

Cause::Elsewhere Harness::elsewhere(const StoreLog::Store& s, uint64_t value, int episode) {
  Cause::Elsewhere e;
  e.addr = s.addr;
  e.value = value;
  e.slot = store_meaning(s.addr, episode, s.sp);
  if (e.slot.empty()) e.slot = fmt::format("{:#x}", s.addr);
  e.pc = s.pc;
  describe_store(s.pc, e.where, e.source, e.text);
  return e;
}

// Blame: among the stores made since the Finding's episode began, the last one
// that touched the slot, and where the expected value went instead.
void Harness::blame(Finding& f, std::optional<uint64_t> want) {
  Run& run = r();
  if (!run.opt.log_stores || f.size <= 0) return;
  const auto& log = run.stores.stores();
  auto overlaps = [&](const StoreLog::Store& s) { return s.addr < f.addr + f.size && f.addr < s.addr + s.size; };
  // The first `size` bytes a store wrote, as a value: its high bytes on big-endian rows.
  auto leading = [&](const StoreLog::Store& s, int size) {
    const uint64_t v = spec_.order == emu::ByteOrder::Big ? s.value >> (8 * (s.size - size)) : s.value;
    return v & emu::width_mask(size);
  };
  auto right = [&](const StoreLog::Store& s) {
    return s.addr == f.addr && s.size >= f.size && want && leading(s, f.size) == *want;
  };

  Cause c;
  auto last = std::find_if(log.rbegin(), log.rend(), overlaps);
  if (last == log.rend() && run.stores.dropped()) return;  // it may have been stored before the log starts
  if (last == log.rend() && run.regs.in_window()) {
    // Never stored: the window's last instruction is where it should have been by.
    run.regs.settle();
    window_ends(c, run.regs.first_pc(), run.regs.last_pc());
  }
  if (last != log.rend()) {
    c = store_cause(last->pc, last->value);
    auto right_first = std::find_if(last + 1, log.rend(), right);
    if (right_first != log.rend()) {
      c.kind = Cause::Kind::ClobberedBy;
      c.overwritten = elsewhere(*right_first, *want, f.growth);
    }
  }
  // Where the expected value went: a word-sized store of it to another slot. Zero
  // is every cleared word's value, so it tells nothing; and fields of g, m and p
  // are checked on their own (g.sched.lr rightly holds what m.morebuf.pc should).
  if (want && *want != 0 && c.kind != Cause::Kind::ClobberedBy) {
    auto went = std::find_if(log.begin(), log.end(), [&](const StoreLog::Store& s) {
      return s.addr != f.addr && s.size >= spec_.ptr_size && leading(s, spec_.ptr_size) == *want &&
             !arena_.field_at(s.addr);
    });
    if (went != log.end()) c.instead = elsewhere(*went, *want, f.growth);
  }
  f.cause = std::move(c);
}

// A store in Go's terms: a field of g, m or p; a slot of a frame the suite knows on
// g0; a goroutine stack slot relative to SP after the store; the g slot in TLS; or
// one of the harness's variables.
std::string Harness::store_meaning(uint64_t addr, int episode, uint64_t sp_after) const {
  if (auto at = arena_.field_at(addr)) return at->path;
  if (sym_.result.addr && addr == sym_.result.addr) return "main.result";
  if (arena_.g0_stack().contains(addr)) {
    std::string m = suite_ ? suite_->g0_slot_meaning(addr, episode) : "";
    return m.empty() ? fmt::format("g0 stack {:#x}", addr) : m;
  }
  if (arena_.stack_containing(addr))
    return fmt::format("goroutine stack {}", spec_.slot(static_cast<int64_t>(addr - sp_after)));
  if (addr >= Arena::kHeapBase && addr < Arena::kHeapBase + Arena::kTlsSize) return "TLS (g)";
  return "";
}

// ---- The write-barrier audit.

void Harness::safe_point() {
  for (const auto& w : r().wb.safe_point()) lost_write_barrier(w);
}

// An unbarriered pointer write whose value was still unshaded at a safe point.
void Harness::lost_write_barrier(const UnbarrieredWrite& w) {
  Run& run = r();
  Finding f =
      finding("lost-write-barrier", w.field,
              fmt::format("{} shaded by a write barrier, or by newstack's repair, before a safe point", hex(w.value)),
              fmt::format("stored without a barrier over {} and never shaded: the GC can free it while {} "
                          "still points to it",
                          hex(w.old), w.field),
              w.growth, w.pc);
  // The audit saw the guilty store itself.
  if (run.log.keeps(f.check)) f.cause = store_cause(w.pc, w.value);
  run.log.fail(std::move(f));
}

// on_heap_write audits a guest store into the model's heap objects.
void Harness::on_heap_write(uint64_t addr, int size, uint64_t value) {
  Run& run = r();
  if (!run.wb.enabled() || size != spec_.ptr_size) return;
  auto at = arena_.field_at(addr);
  if (!at || !at->field || !at->field->is_pointer() || at->addr != addr) return;
  // Since Go 1.10 the GC scans gobuf.ctxt with the goroutine's stack: a store
  // there needs no barrier (golang/go#22385).
  if (prof_->sched_ctxt_is_root && at->path == "g.sched.ctxt") return;
  UnbarrieredWrite w;
  w.pc = engine_.pc();
  w.field = at->path;
  w.old = engine_.read_ptr(addr);
  // Inside the trampoline the episode in progress has not reached the host yet.
  w.growth = episode();
  value &= emu::width_mask(spec_.ptr_size);
  if (run.wb.guest_store(addr, value, w)) return;
  auto& last = const_cast<UnbarrieredWrite&>(run.wb.unbarriered().back());
  last.where = image_.describe(w.pc);
  std::vector<uint8_t> code(16);
  if (engine_.try_read(w.pc, code))
    if (auto insn = engine_.disasm().one(code, w.pc)) last.insn = insn->text;
  // A store the contract expects to be made without a barrier (morestack's own,
  // under a contract whose trampoline stores the context) is not a defect of itself.
  if (!(suite_ && suite_->expected_unbarriered(at->path))) {
    Finding f = finding("unbarriered-pointer-write", at->path, "no pointer store without a barrier",
                        fmt::format("{} written by {} `{}`", hex(value), last.where, last.insn), episodes_done(), w.pc);
    if (run.log.keeps(f.check)) f.cause = store_cause(w.pc, value);
    run.log.fail(std::move(f));
  }
}

// A cause for something nothing wrote: the window it was looked for in, from its
// first instruction to its last, the one that left it (the place).
void Harness::window_ends(Cause& c, uint64_t first, uint64_t last) {
  c.pc = last;
  describe_store(last, c.where, c.source, c.text);
  Cause::Elsewhere start;
  start.pc = first;
  describe_store(first, start.where, start.source, start.text);
  c.window_start = std::move(start);
}

// ---- Registers: poison, and blame.

void Harness::clobber() {
  if (clobbered_.empty())
    for (const auto& r : spec_.call_clobbered(prof_->regabi)) clobbered_.emplace_back(r, poison(r));
  for (const auto& [r, value] : clobbered_) engine_.set_reg(r, value);
}

// One poison per register: a recognisable pattern whose low byte is the register's
// index among the row's general and floating-point registers.
namespace {
constexpr uint64_t kPoison64 = 0xbadd00d0bad00000ULL, kPoison32 = 0xbad00000ULL;
}

uint64_t Harness::poison(const emu::Reg& r) const {
  uint64_t i = 0;
  for (const auto* set : {&spec_.regs, &spec_.float_regs})
    for (const auto& x : *set) {
      if (x.uc == r.uc) return (spec_.reg_size == 8 ? kPoison64 : kPoison32) | i;
      i++;
    }
  throw std::logic_error("no poison for a register the row does not name: " + r.name);
}

std::optional<std::string> Harness::poisoned(uint64_t value) const {
  const uint64_t base = spec_.reg_size == 8 ? kPoison64 : kPoison32;
  if ((value & ~uint64_t{0xff}) != base) return std::nullopt;
  uint64_t i = value & 0xff;
  for (const auto* set : {&spec_.regs, &spec_.float_regs}) {
    if (i < set->size()) return (*set)[i].name;
    i -= set->size();
  }
  return std::nullopt;
}

std::string Harness::describe_value(uint64_t value) const {
  if (auto reg = poisoned(value)) return fmt::format("{:#x} (the host's poison for {})", value, *reg);
  return hex(value);
}

void Harness::register_window_opens() {
  if (!r().regs.active()) return;
  r().regs.open_window();
  // The window's stores are what a Finding about memory in it can be blamed on.
  r().stores.restart();
}

void Harness::register_window_settles() {
  if (r().regs.active()) r().regs.settle();
}

void Harness::register_window_closes() {
  if (r().regs.active()) r().regs.close_window();
}

Cause Harness::register_never_written(const emu::Reg& reg, uint64_t first, uint64_t last, std::string summary) {
  Cause c;
  window_ends(c, first, last);
  c.kind = Cause::Kind::NeverWritten;
  c.reg = reg.name;
  c.summary = std::move(summary);
  return c;
}

void Harness::blame_register(Finding& f, const emu::Reg& reg) {
  Run& run = r();
  f.reg = reg.name;
  if (!run.regs.active() || !run.regs.in_window()) return;
  run.regs.settle();
  Cause c;
  c.reg = reg.name;
  if (auto w = run.regs.last_write(reg.uc)) {
    c = store_cause(w->pc, w->value);
    c.kind = Cause::Kind::WrongWrite;
    c.reg = reg.name;
  } else {
    // Nothing wrote it: name the window's ends, the last instruction (the one that
    // left it) as the place.
    window_ends(c, run.regs.first_pc(), run.regs.last_pc());
    c.kind = Cause::Kind::NeverWritten;
    c.reg = reg.name;
  }
  f.cause = std::move(c);
}

}  // namespace gotramp::model
