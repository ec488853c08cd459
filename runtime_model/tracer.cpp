#include "runtime_model/tracer.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "emu/byte_order.hpp"
#include "runtime_model/harness.hpp"

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

Tracer::Tracer(Harness& h, const TraceOptions& opt, RunReport& report) : h_(h), opt_(opt), report_(report) {}

Tracer::~Tracer() {
  // A run that throws leaves none of its hooks behind to write into the next run.
  if (write_hook_) h_.engine().remove_hook(*write_hook_);
  if (code_hook_) h_.engine().remove_hook(*code_hook_);
}

void Tracer::start(uint64_t first) {
  emu::Engine& e = h_.engine();
  h_.lines();
  count_ = first;
  open_ = opt_.growth == 0;
  regs_.clear();
  for (const auto& reg : h_.spec().regs) regs_.push_back(e.reg(reg));
  code_hook_ = e.on_code_range(1, 0, [this](uint64_t pc) { insn(pc); });
  write_hook_ = e.on_write(1, 0, [this](uint64_t addr, int size, uint64_t value) {
    if (!current_) return;
    current_->writes.push_back({addr, size, value & emu::width_mask(size), ""});
  });
}

void Tracer::stop() {
  if (!started()) return;
  settle();
  h_.engine().remove_hook(*write_hook_);
  h_.engine().remove_hook(*code_hook_);
  write_hook_.reset();
  code_hook_.reset();
  // A store in Go's terms, with SP as the storing instruction left it.
  auto annotate = [&](TraceStep& s) {
    uint64_t sp_after = s.sp;
    for (const auto& reg : s.regs)
      if (reg.name == h_.spec().sp.name) sp_after = reg.after;
    for (auto& w : s.writes) w.meaning = h_.store_meaning(w.addr, s.growth, sp_after);
  };
  for (auto& s : report_.trace) annotate(s);
  for (auto& s : report_.trace_tail) annotate(s);
}

// The registers the last step changed: the last instruction's, or the host's when
// a host step stands in for a guest function.
void Tracer::settle() {
  const emu::ArchSpec& spec = h_.spec();
  TraceStep* to = current_;
  if (!to && last_host_) to = last_host_;
  for (size_t i = 0; i < spec.regs.size(); i++) {
    uint64_t v = h_.engine().reg(spec.regs[i]);
    if (v != regs_[i] && to) to->regs.push_back({spec.regs[i].name, regs_[i], v});
    regs_[i] = v;
  }
  if (to && opt_.all_regs) {
    to->all_regs.clear();
    for (size_t i = 0; i < spec.regs.size(); i++) to->all_regs.push_back({spec.regs[i].name, regs_[i]});
    to->reg_digits = 2 * spec.reg_size;
  }
}

// Which stack an address is on, for stack-switch lines.
std::string Tracer::stack_name(uint64_t sp) const {
  const Arena& arena = h_.arena();
  if (arena.g0_stack().contains(sp))
    return fmt::format("g0 stack [{:#x}, {:#x})", arena.g0_stack().lo, arena.g0_stack().hi);
  if (auto s = arena.stack_containing(sp)) return fmt::format("goroutine stack [{:#x}, {:#x})", s->lo, s->hi);
  return fmt::format("SP {:#x}, on no stack", sp);
}

void Tracer::push(TraceStep s) {
  const bool insn = s.kind == TraceStep::Kind::Insn;
  ring_.push_back(s);
  if (ring_.size() > opt_.tail) ring_.pop_front();
  TraceStep* ring_back = &ring_.back();
  if (!opt_.keep) {
    current_ = insn ? ring_back : nullptr;
    ring_current_ = nullptr;
    return;
  }
  if (open_) {
    report_.trace.push_back(std::move(s));
    current_ = insn ? &report_.trace.back() : nullptr;
  } else {
    before_.push_back(std::move(s));
    if (before_.size() > opt_.context) before_.pop_front();
    current_ = insn ? &before_.back() : nullptr;
  }
  ring_current_ = insn ? ring_back : nullptr;
}

// The ring's copy of the step in progress gets its effects too.
void Tracer::effects_to_ring() {
  if (!ring_current_ || !current_) return;
  ring_current_->regs = current_->regs;
  ring_current_->writes = current_->writes;
  ring_current_->all_regs = current_->all_regs;
  ring_current_->reg_digits = current_->reg_digits;
}

void Tracer::insn(uint64_t pc) {
  settle();
  effects_to_ring();
  if (closed_) {
    current_ = last_host_ = nullptr;
    return;
  }
  // The host ran in place of this function's first instruction: its step says so.
  if (h_.host_implemented(pc)) {
    current_ = nullptr;
    return;
  }
  last_host_ = nullptr;
  emu::Engine& e = h_.engine();
  const uint64_t sp = e.sp();
  const std::string stack = stack_name(sp);
  if (!stack_.empty() && stack != stack_) {
    TraceStep sw;
    sw.kind = TraceStep::Kind::StackSwitch;
    sw.growth = h_.episode();
    sw.text = stack_ + " -> " + stack;
    push(std::move(sw));
  }
  stack_ = stack;

  TraceStep s;
  s.n = ++count_;
  s.growth = h_.episode();
  s.pc = pc;
  s.sp = sp;
  s.where = h_.image().describe(pc);
  if (auto line = h_.lines()->at(pc)) {
    s.source = fmt::format("{}:{}", line->short_name(), line->line);
    s.source_text = h_.lines()->code(*line);
  }
  std::vector<uint8_t> code(16);
  if (e.try_read(pc, code)) {
    auto i = e.disasm().one(code, pc);
    s.insn = i ? i->text : "(undecodable: traps)";
  }
  push(std::move(s));
  if (open_ && after_ > 0 && --after_ == 0) closed_ = true;
}

void Tracer::host(std::string text) {
  if (!started() || closed_) return;
  settle();
  TraceStep s;
  s.kind = TraceStep::Kind::Host;
  s.growth = h_.episodes_done();
  s.text = std::move(text);
  push(std::move(s));
  // Register changes the host makes from here on belong to this step.
  if (!opt_.keep)
    last_host_ = &ring_.back();
  else
    last_host_ = open_ ? &report_.trace.back() : &before_.back();
}

void Tracer::episode_opens(int episode) {
  if (!started() || !opt_.keep || open_ || episode != opt_.growth) return;
  open_ = true;
  for (auto& s : before_) report_.trace.push_back(std::move(s));
  before_.clear();
  current_ = nullptr;
  for (auto it = report_.trace.rbegin(); it != report_.trace.rend(); ++it)
    if (it->kind == TraceStep::Kind::Insn) {
      current_ = &*it;
      break;
    }
}

void Tracer::episode_resumed(int episode) {
  if (started() && opt_.growth == episode && open_ && after_ == 0) after_ = 8;
}

void Tracer::first_failure() {
  if (!started() || !report_.trace_tail.empty()) return;
  // The instruction before the check has run: its register changes are its own,
  // in the tail as in the whole trace (the same run reads the same everywhere).
  settle();
  effects_to_ring();
  report_.trace_tail.assign(ring_.begin(), ring_.end());
}

}  // namespace gotramp::model
