#include "runtime_model/mcall/mcall_suite.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "emu/byte_order.hpp"
#include "runtime_model/expect.hpp"
#include "runtime_model/tracer.hpp"

namespace gotramp::model {

McallSymbols McallSymbols::resolve(const emu::ElfImage& image, const RuntimeProfile& profile) {
  const auto& n = profile.names;
  if (n.mcall.empty())
    throw std::invalid_argument(fmt::format("the {} runtime has no mcall the model knows of", profile.name));
  McallSymbols s;
  s.mcall = image.func(n.mcall);
  // Declared <ABIInternal> (register-ABI ports): Go code calls the body itself.
  s.abi = profile.regabi && !s.mcall.name.ends_with(".abi0") ? Abi::ABIInternal : Abi::ABI0;
  s.badmcall = image.func(n.badmcall);
  s.badmcall2 = image.func(n.badmcall2);
  // Go functions: assembly jumps to their ABI0 wrapper; hook the body too.
  if (auto b = image.symbol(n.badmcall); b && b->addr != s.badmcall.addr) s.badmcall_body = *b;
  if (auto b = image.symbol(n.badmcall2); b && b->addr != s.badmcall2.addr) s.badmcall2_body = *b;
  s.gogo = image.func(n.gogo);
  // A func value points at a Go function's body (ABIInternal where there is one).
  if (auto b = image.symbol(n.park_m))
    s.fn = *b;
  else
    s.fn = image.func(n.park_m);
  return s;
}

void McallSuite::install(Harness& h) {
  h_ = &h;
  sym_ = McallSymbols::resolve(h.image(), h.profile());
  hooks_.push_back(h.add_observer(sym_.mcall.addr, [this](uint64_t pc) { on_mcall(pc); }));
  hooks_.push_back(h.add_host_function(sym_.fn.addr, [this](uint64_t) { fn(); }));
  auto bad = [&](const emu::Symbol& s, const char* text) {
    hooks_.push_back(h.add_host_function(s.addr, [this, text](uint64_t) { on_bad(text); }));
  };
  // runtime/proc.go's throws, word for word.
  bad(sym_.badmcall, "runtime: mcall called on m->g0 stack");
  bad(sym_.badmcall2, "runtime: mcall function returned");
  if (sym_.badmcall_body) bad(*sym_.badmcall_body, "runtime: mcall called on m->g0 stack");
  if (sym_.badmcall2_body) bad(*sym_.badmcall2_body, "runtime: mcall function returned");
}

void McallSuite::uninstall(Harness& h) {
  for (auto id : hooks_) h.remove_host_function(id);
  hooks_.clear();
}

std::optional<uint64_t> McallSuite::resuming_at() const {
  if (!s_.resuming || !s_.entry) return std::nullopt;
  return s_.entry->ret_pc;
}

// enter: the runner (the goroutine, or g0 for on-g0) calls mcall(fn) as compiled
// Go code would, from a frame with a frame-pointer record on rows that keep them.
uint64_t McallSuite::enter(Harness& h) {
  s_ = State{};
  const emu::ArchSpec& spec = h.spec();
  emu::Engine& e = h.engine();
  const WorldObjects& w = h.world();
  const uint64_t word = spec.ptr_size;

  // fn: a func value whose code is the host's; the closure's carries a word.
  funcval_ = new_func_value(h, sym_.fn.addr,
                            h.scenario().exercise.fn_closure ? std::optional<uint64_t>(kCaptured) : std::nullopt);

  uint64_t top = w.sp & ~uint64_t{15};
  if (h.fp().valid()) {
    // The caller's frame record, and its caller's, where the chain ends.
    const uint64_t outer = top - 2 * word, inner = top - 8 * word;
    e.write_ptr(outer, 0);
    e.write_ptr(inner, outer);
    e.set_reg(h.fp(), inner);
    top = inner;
  }
  e.set_reg(spec.ctxt, Harness::kCtxtPoison & emu::width_mask(spec.ptr_size));
  e.set_current_g(w.runner);
  if (h.profile().regabi && spec.regabi.g.valid()) e.set_reg(spec.regabi.g, w.runner);
  const uint64_t entry_sp = ((top - 16 * word) & ~uint64_t{15}) - spec.call_pushes;
  h.call(sym_.abi, sym_.mcall.addr, {GuestArg::word(funcval_)}, entry_sp, Arena::kExitPad);

  RunReport& r = h.report();
  r.ctxt_reg = spec.ctxt.name;
  r.ctxt_set = funcval_;
  r.arg_slot = h.profile().regabi ? spec.regabi.int_args.front().name : spec.slot(spec.arg0_offset());
  r.notes["fn arg"] = r.arg_slot;
  return sym_.mcall.addr;
}

// on_mcall takes the snapshot every check compares with: the CPU as the caller
// entered mcall.
void McallSuite::on_mcall(uint64_t) {
  if (s_.entry) return;
  Harness& h = *h_;
  const emu::ArchSpec& spec = h.spec();
  emu::Engine& e = h.engine();
  h.episode_opens();
  h.register_window_opens();
  McallEntry m;
  static_cast<CallEntry&>(m) = call_entry(h);
  m.fn = sym_.abi == Abi::ABIInternal ? e.reg(spec.regabi.int_args.front()) & emu::width_mask(spec.ptr_size)
                                      : e.read_ptr(m.sp + spec.arg0_offset());
  if (h.fp().valid()) {
    uint64_t fp = m.fp;
    std::vector<uint8_t> buf(spec.ptr_size);
    for (int i = 0; fp != 0 && i < 8; i++) {
      m.fp_chain.push_back(fp);
      if (!e.try_read(fp, buf)) break;
      fp = emu::load_uint(buf.data(), spec.ptr_size, spec.order);
    }
  }
  s_.entry = m;
  h.trace_host(
      fmt::format("mcall (observed): called from {} with fn {:#x}, SP {:#x}", h.describe(m.ret_pc), m.fn, m.sp));
}

// fn(gp): what park_m or goexit0 would be. It checks the switch, then resumes gp
// through gogo(&gp.sched), as schedule() eventually does.
void McallSuite::fn() {
  Harness& h = *h_;
  emu::Engine& e = h.engine();
  s_.fn_entered = true;
  h.episode_closes();
  check_fn_entry();
  // The captured word, through the context register (the closure's only way to it).
  if (h.scenario().exercise.fn_closure && e.reg(h.spec().ctxt) == funcval_) {
    s_.captured = captured_word(h, funcval_);
    h.report().ctxt_read = s_.captured;
  }
  if (h.scenario().host == HostFault::FnReturns) {
    h.trace_host("fn (host, broken on purpose): returns into mcall");
    e.return_to_caller();
    h.clobber();
    return;
  }
  gogo();
}

void McallSuite::gogo() {
  Harness& h = *h_;
  emu::Engine& e = h.engine();
  const RuntimeFields& F = h.fields();
  Ptr<rt::g> gp = h.world().gp;
  h.safe_point();
  s_.sched_bp = gp[F.g.sched.bp].get();
  s_.resuming = true;
  h.trace_host(fmt::format("fn (host): gogo(&gp.sched) resumes the goroutine at g.sched.pc {}",
                           h.describe(gp[F.g.sched.pc].get())));
  // fn is compiled Go: by now every register a call may clobber holds its own
  // poison, and gogo alone must bring back what the goroutine needs.
  h.clobber();
  const uint64_t sp = (e.sp() - 128) & ~uint64_t{15};
  h.call(Abi::ABI0, sym_.gogo.addr, {GuestArg::word(gp[F.g.sched.buf].addr())}, sp, sym_.fn.addr);
  h.register_window_opens();
}

void McallSuite::on_bad(const char* text) {
  Harness& h = *h_;
  if (h.in_episode()) h.episode_closes();
  h.throw_(text, s_.fn_entered ? "badmcall2" : "badmcall");
}

}  // namespace gotramp::model
