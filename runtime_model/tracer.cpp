// Tracing a run (RunOptions::trace): a hook on every instruction and every store,
// switched on only for traced runs. Stores are named in Go's terms after the run,
// when each growth's frame at newstack's entry is known.
#include <fmt/format.h>

#include <algorithm>

#include "emu/byte_order.hpp"
#include "runtime_model/machine.hpp"
#include "runtime_model/machine_run.hpp"

namespace gotramp::model {

namespace {

// "    AX=0x00000000400004d0  BX=..." lines, as many registers a line as fit in a
// terminal's width.
std::string format_all_regs(const TraceStep& s) {
  size_t name_w = 0;
  for (const auto& r : s.all_regs) name_w = std::max(name_w, r.name.size());
  const size_t cell = name_w + 1 + 2 + static_cast<size_t>(s.reg_digits) + 2;
  const size_t per_line = std::max<size_t>(1, 120 / cell);
  std::string out;
  for (size_t i = 0; i < s.all_regs.size(); i++) {
    out += i % per_line == 0 ? "\n       " : "  ";
    out += fmt::format("{:>{}}={:#0{}x}", s.all_regs[i].name, name_w, s.all_regs[i].value, s.reg_digits + 2);
  }
  return out;
}

}  // namespace

std::string format_step(const TraceStep& s, const TraceFormat& how) {
  switch (s.kind) {
    case TraceStep::Kind::StackSwitch:
      return fmt::format("       ---- stack switch: {}", s.text);
    case TraceStep::Kind::Host: {
      std::string line = fmt::format("       ==== {}", s.text);
      if (!s.regs.empty()) {
        line += " |";
        for (const auto& r : s.regs) line += fmt::format(" {}={:#x}", r.name, r.after);
      }
      return line + format_all_regs(s);
    }
    case TraceStep::Kind::Insn:
      break;
  }
  std::string line = fmt::format("{:>6} {:#010x} {:<18} {:<26} {:<34}", s.n, s.pc, s.source, s.where, s.source_text);
  if (!how.plan9) line += fmt::format(" {:<34}", s.insn);
  std::string effects;
  for (const auto& r : s.regs) effects += fmt::format(" {}={:#x}", r.name, r.after);
  for (const auto& w : s.writes) {
    effects += fmt::format(" [{:#x}]={:#x}", w.addr, w.value);
    if (!w.meaning.empty()) effects += " " + w.meaning;
  }
  if (!effects.empty()) line += " |" + effects;
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line + format_all_regs(s);
}

void Machine::trace_start() {
  Run& r = *run_;
  lines();
  r.tracing = true;
  r.trace_open = r.opt.trace.growth == 0;
  r.trace_regs.clear();
  for (const auto& reg : spec_.regs) r.trace_regs.push_back(engine_.reg(reg));
  r.trace_code_hook = engine_.on_code_range(1, 0, [this](uint64_t pc) { trace_insn(pc); });
  r.trace_write_hook = engine_.on_write(1, 0, [this](uint64_t addr, int size, uint64_t value) {
    Run& run = *run_;
    if (!run.trace_current) return;
    run.trace_current->writes.push_back({addr, size, value & emu::width_mask(size), ""});
  });
}

void Machine::trace_stop() {
  Run& r = *run_;
  trace_settle();
  engine_.remove_hook(*r.trace_write_hook);
  engine_.remove_hook(*r.trace_code_hook);
  for (auto& s : r.report.trace) annotate(s);
  for (auto& s : r.report.trace_tail) annotate(s);
}

// The registers the last step changed: the last instruction's, or the host's when
// a host step stands in for a guest function.
void Machine::trace_settle() {
  Run& r = *run_;
  TraceStep* to = r.trace_current;
  if (!to && r.trace_last_host) to = r.trace_last_host;
  for (size_t i = 0; i < spec_.regs.size(); i++) {
    uint64_t v = engine_.reg(spec_.regs[i]);
    if (v != r.trace_regs[i] && to) to->regs.push_back({spec_.regs[i].name, r.trace_regs[i], v});
    r.trace_regs[i] = v;
  }
  if (to && r.opt.trace.all_regs) {
    to->all_regs.clear();
    for (size_t i = 0; i < spec_.regs.size(); i++) to->all_regs.push_back({spec_.regs[i].name, r.trace_regs[i]});
    to->reg_digits = 2 * spec_.reg_size;
  }
}

bool Machine::host_implemented(uint64_t pc) const {
  return pc == sym_.newstack.addr || pc == sym_.writebarrierptr_prewrite.addr || pc == sym_.badmorestackg0.addr ||
         pc == sym_.badmorestackgsignal.addr;
}

// Which stack an address is on, for stack-switch lines.
std::string Machine::stack_name(uint64_t sp) const {
  if (arena_.g0_stack().contains(sp))
    return fmt::format("g0 stack [{:#x}, {:#x})", arena_.g0_stack().lo, arena_.g0_stack().hi);
  if (auto s = arena_.stack_containing(sp)) return fmt::format("goroutine stack [{:#x}, {:#x})", s->lo, s->hi);
  return fmt::format("SP {:#x}, on no stack", sp);
}

void Machine::trace_push(TraceStep s) {
  Run& r = *run_;
  const bool insn = s.kind == TraceStep::Kind::Insn;
  r.trace_ring.push_back(s);
  if (r.trace_ring.size() > r.opt.trace.tail) r.trace_ring.pop_front();
  TraceStep* ring_back = &r.trace_ring.back();
  if (!r.opt.trace.keep) {
    r.trace_current = insn ? ring_back : nullptr;
    r.trace_ring_current = nullptr;
    return;
  }
  std::deque<TraceStep>* before = &r.trace_before;
  if (r.trace_open) {
    r.report.trace.push_back(std::move(s));
    r.trace_current = insn ? &r.report.trace.back() : nullptr;
  } else {
    before->push_back(std::move(s));
    if (before->size() > r.opt.trace.context) before->pop_front();
    r.trace_current = insn ? &before->back() : nullptr;
  }
  r.trace_ring_current = insn ? ring_back : nullptr;
}

void Machine::trace_insn(uint64_t pc) {
  Run& r = *run_;
  trace_settle();
  // The ring's copy of the previous step gets its effects too.
  if (r.trace_ring_current && r.trace_current) {
    r.trace_ring_current->regs = r.trace_current->regs;
    r.trace_ring_current->writes = r.trace_current->writes;
    r.trace_ring_current->all_regs = r.trace_current->all_regs;
    r.trace_ring_current->reg_digits = r.trace_current->reg_digits;
  }
  if (r.trace_closed) {
    r.trace_current = r.trace_last_host = nullptr;
    return;
  }
  // The host ran in place of this function's first instruction: its step says so.
  if (host_implemented(pc)) {
    r.trace_current = nullptr;
    return;
  }
  r.trace_last_host = nullptr;
  const uint64_t sp = engine_.sp();
  const std::string stack = stack_name(sp);
  if (!r.trace_stack.empty() && stack != r.trace_stack) {
    TraceStep sw;
    sw.kind = TraceStep::Kind::StackSwitch;
    sw.growth = r.growth;
    sw.text = r.trace_stack + " -> " + stack;
    trace_push(std::move(sw));
  }
  r.trace_stack = stack;

  TraceStep s;
  s.n = ++r.trace_count;
  s.growth = r.growth + (r.entry ? 1 : 0);
  s.pc = pc;
  s.sp = sp;
  s.where = image_.describe(pc);
  if (auto line = lines_->at(pc)) {
    s.source = fmt::format("{}:{}", line->short_name(), line->line);
    s.source_text = lines_->code(*line);
  }
  std::vector<uint8_t> code(16);
  if (engine_.try_read(pc, code)) {
    auto insn = engine_.disasm().one(code, pc);
    s.insn = insn ? insn->text : "(undecodable: traps)";
  }
  trace_push(std::move(s));
  if (r.trace_open && r.trace_after > 0 && --r.trace_after == 0) r.trace_closed = true;
}

// A host step: what the host runtime did in place of a guest function.
void Machine::trace_host(std::string text) {
  Run& r = *run_;
  if (!r.tracing || r.trace_closed) return;
  trace_settle();
  TraceStep s;
  s.kind = TraceStep::Kind::Host;
  s.growth = r.growth;
  s.text = std::move(text);
  trace_push(std::move(s));
  // Register changes the host makes from here on belong to this step.
  if (!r.opt.trace.keep)
    r.trace_last_host = &r.trace_ring.back();
  else
    r.trace_last_host = r.trace_open ? &r.report.trace.back() : &r.trace_before.back();
}

// Opens the window of a --growth N trace when growth N's trampoline is entered.
void Machine::trace_window_opens() {
  Run& r = *run_;
  if (!r.tracing || !r.opt.trace.keep || r.trace_open || r.growth + 1 != r.opt.trace.growth) return;
  r.trace_open = true;
  for (auto& s : r.trace_before) r.report.trace.push_back(std::move(s));
  r.trace_before.clear();
  r.trace_current = nullptr;
  for (auto it = r.report.trace.rbegin(); it != r.report.trace.rend(); ++it)
    if (it->kind == TraceStep::Kind::Insn) {
      r.trace_current = &*it;
      break;
    }
}

// And closes it a few instructions after the goroutine restarted at f's entry.
void Machine::trace_window_closes() {
  Run& r = *run_;
  if (r.tracing && r.opt.trace.growth == r.resume_growth && r.trace_open && r.trace_after == 0) r.trace_after = 8;
}

// The first failing check freezes the last steps before it, for the report.
void Machine::trace_first_failure() {
  Run& r = *run_;
  if (!r.tracing || !r.report.trace_tail.empty()) return;
  r.report.trace_tail.assign(r.trace_ring.begin(), r.trace_ring.end());
}

// A store in Go's terms: a field of g, m or p; a slot of the g0 frame named as
// newstack sees it at its entry; a goroutine stack slot relative to SP after the
// store; the g slot in TLS; or one of the harness's variables.
void Machine::annotate(TraceStep& s) const {
  uint64_t sp_after = s.sp;
  for (const auto& reg : s.regs)
    if (reg.name == spec_.sp.name) sp_after = reg.after;
  for (auto& w : s.writes) w.meaning = store_meaning(w.addr, s.growth, sp_after);
}

// What the memory at addr is, in Go's terms, for a store made during `growth`
// with SP at sp_after once the storing instruction is done.
std::string Machine::store_meaning(uint64_t addr, int growth, uint64_t sp_after) const {
  const Run& r = *run_;
  if (auto at = arena_.field_at(addr)) return at->path;
  if (addr == sym_.result.addr) return "main.result";
  if (arena_.g0_stack().contains(addr)) {
    const G0Frame* f = nullptr;
    if (growth >= 1 && growth <= static_cast<int>(r.report.frames.size())) f = &r.report.frames[growth - 1];
    if (!f) return fmt::format("g0 stack {:#x}", addr);
    const int64_t off = static_cast<int64_t>(addr - f->sp);
    const uint64_t frame_top = f->g0_sched_sp;
    if (addr >= frame_top) return fmt::format("g0 stack g0.sched.sp+{} (the scheduler's frame)", addr - frame_top);
    if (off < 0) return fmt::format("g0 stack, {} bytes below newstack's SP (newstack's and gogo's frames)", -off);
    if (r.contract.ctxt_is_argument && off == spec_.arg0_offset())
      return fmt::format("g0 stack {} = ctxt argument", spec_.slot(off));
    if (off == 0)
      return fmt::format("g0 stack {} = {}", spec_.slot(0), spec_.has_link() ? "saved LR (zero)" : "return PC");
    return fmt::format("g0 stack {} (newstack's caller frame)", spec_.slot(off));
  }
  if (arena_.stack_containing(addr))
    return fmt::format("goroutine stack {}", spec_.slot(static_cast<int64_t>(addr - sp_after)));
  if (addr >= Arena::kHeapBase && addr < Arena::kHeapBase + Arena::kTlsSize) return "TLS (g)";
  return "";
}

}  // namespace gotramp::model
