#include "runtime_model/systemstack/systemstack_suite.hpp"

#include <fmt/format.h>

#include "emu/byte_order.hpp"
#include "runtime_model/call_entry.hpp"
#include "runtime_model/expect.hpp"
#include "runtime_model/tracer.hpp"

namespace gotramp::model {

SystemstackSymbols SystemstackSymbols::resolve(const emu::ElfImage& image, const RuntimeProfile& profile) {
  const auto& n = profile.names;
  if (n.systemstack.empty())
    throw std::invalid_argument(fmt::format("the {} runtime has no systemstack the model knows of", profile.name));
  SystemstackSymbols s;
  // Go code reaches the ABI0 body (through the ABIInternal wrapper where there is one).
  s.systemstack = image.func(n.systemstack);
  s.systemstack_switch = image.func(n.systemstack_switch);
  s.badsystemstack = image.func(n.badsystemstack);
  if (auto b = image.symbol(n.badsystemstack); b && b->addr != s.badsystemstack.addr) s.badsystemstack_body = *b;
  // A func value points at a Go function's body (ABIInternal where there is one).
  if (auto b = image.symbol(n.systemstack_fn))
    s.fn = *b;
  else
    s.fn = image.func(n.systemstack_fn);
  return s;
}

void SystemstackSuite::install(Harness& h) {
  h_ = &h;
  sym_ = SystemstackSymbols::resolve(h.image(), h.profile());
  systemstack_frame_ = 0;
  switch_has_frame_ = false;
  try {
    pclntab_ = Pclntab::read(h.image());
    if (auto f = pclntab_->find(sym_.systemstack.addr)) systemstack_frame_ = f->max_sp_delta;
    if (auto f = pclntab_->find(sym_.systemstack_switch.addr)) switch_has_frame_ = f->max_sp_delta != 0;
  } catch (const PclntabError&) {
    pclntab_.reset();  // the checks that need frame sizes say so
  }
  hooks_.push_back(h.add_observer(sym_.systemstack.addr, [this](uint64_t pc) { on_systemstack(pc); }));
  hooks_.push_back(h.add_host_function(sym_.fn.addr, [this](uint64_t) { fn(); }));
  hooks_.push_back(h.add_host_function(sym_.badsystemstack.addr, [this](uint64_t) { on_bad(); }));
  if (sym_.badsystemstack_body)
    hooks_.push_back(h.add_host_function(sym_.badsystemstack_body->addr, [this](uint64_t) { on_bad(); }));
}

void SystemstackSuite::uninstall(Harness& h) {
  for (auto id : hooks_) h.remove_host_function(id);
  hooks_.clear();
}

bool SystemstackSuite::switches() const {
  const Scenario& sc = h_->scenario();
  return sc.world.runs == World::Runs::Curg && !sc.world.foreign_curg;
}

// enter: the runner (the goroutine, g0 or gsignal) calls systemstack(fn) as
// compiled Go code would, from a frame with a frame record on rows that keep them
// (on arm64 one word below the caller's SP, where Go keeps it).
uint64_t SystemstackSuite::enter(Harness& h) {
  s_ = State{};
  const emu::ArchSpec& spec = h.spec();
  const uint64_t word = spec.ptr_size;

  funcval_ = new_func_value(h, sym_.fn.addr,
                            h.scenario().exercise.fn_closure ? std::optional<uint64_t>(kCaptured) : std::nullopt);

  const uint64_t top = h.world().sp & ~uint64_t{15};
  const uint64_t caller_sp = (top - 16 * word) & ~uint64_t{15};
  const uint64_t entry_sp = caller_sp - spec.call_pushes;
  enter_as_go_caller(h, top, caller_sp);
  h.call(Abi::ABI0, sym_.systemstack.addr, {GuestArg::word(funcval_)}, entry_sp, Arena::kExitPad);

  RunReport& r = h.report();
  r.ctxt_reg = spec.ctxt.name;
  r.ctxt_set = funcval_;
  return sym_.systemstack.addr;
}

// on_systemstack takes the snapshot every check compares with: the CPU as the
// caller entered systemstack.
void SystemstackSuite::on_systemstack(uint64_t) {
  if (s_.entry) return;
  Harness& h = *h_;
  const emu::ArchSpec& spec = h.spec();
  emu::Engine& e = h.engine();
  const RuntimeFields& F = h.fields();
  h.episode_opens();
  h.register_window_opens();
  SystemstackEntry m;
  static_cast<CallEntry&>(m) = call_entry(h);
  m.fn = e.read_ptr(m.sp + spec.arg0_offset());
  Ptr<rt::g> g0 = h.world().g0;
  m.g0_sched_sp = g0[F.g.sched.sp].get();
  m.g0_sched_pc = g0[F.g.sched.pc].get();
  m.g0_sched_bp = g0[F.g.sched.bp].get();
  s_.entry = m;
  h.trace_host(
      fmt::format("systemstack (observed): called from {} with fn {:#x}, SP {:#x}", h.describe(m.ret_pc), m.fn, m.sp));
}

// fn: what gcResetMarkState would be. It checks the switch, then returns into
// systemstack as compiled Go does: every register a call may clobber poisoned, the
// frame pointer (which Go functions save and restore) as it was at its entry.
void SystemstackSuite::fn() {
  Harness& h = *h_;
  emu::Engine& e = h.engine();
  s_.fn_entered = true;
  if (h.in_episode()) h.episode_closes();
  if (h.scenario().world.foreign_curg) {
    // systemstack went on after badsystemstack returned: whatever g and SP it made
    // of it, fn must never run for a g that is not m.curg (diagnose says so).
    s_.fn_sp = e.sp();
    h.trace_host("fn (host): called for a g that is not m.curg; the run ends here");
    e.stop("systemstack called fn for a g that is not m.curg, after badsystemstack returned");
    return;
  }
  check_fn_entry();
  if (h.scenario().exercise.fn_closure && e.reg(h.spec().ctxt) == funcval_) {
    s_.captured = captured_word(h, funcval_);
    h.report().ctxt_read = s_.captured;
  }
  const std::optional<uint64_t> fp =
      h.fp().valid() ? std::optional<uint64_t>(e.reg(h.fp())) : std::optional<uint64_t>();
  h.trace_host("fn (host): returns into systemstack as compiled Go does");
  e.return_to_caller();
  h.clobber();
  if (fp) e.set_reg(h.fp(), *fp);
  s_.fn_returned = true;
  // The way back, the same call's: stores logged and registers followed until the
  // run ends.
  h.episode_continues();
  h.register_window_opens();
}

// badsystemstack (runtime/stubs.go) writes its line and returns; systemstack
// crashes itself after it.
void SystemstackSuite::on_bad() {
  Harness& h = *h_;
  if (h.in_episode()) h.episode_closes();
  s_.bad_called = true;
  const emu::ArchSpec& spec = h.spec();
  s_.bad_return = spec.has_link() ? h.engine().reg(spec.link) & emu::width_mask(spec.ptr_size)
                                  : h.engine().read_uint(h.engine().sp(), spec.call_pushes);
  h.report().printed.push_back(kBadText);
  h.trace_host(fmt::format("badsystemstack (host): prints \"{}\" and returns", kBadText));
  h.engine().return_to_caller();
}

}  // namespace gotramp::model
