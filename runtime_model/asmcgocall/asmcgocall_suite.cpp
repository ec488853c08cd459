#include "runtime_model/asmcgocall/asmcgocall_suite.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "emu/byte_order.hpp"
#include "runtime_model/call_entry.hpp"
#include "runtime_model/pclntab.hpp"
#include "runtime_model/tracer.hpp"

namespace gotramp::model {

namespace {
// How Go code calls an assembly body: through its ABIInternal wrapper, which calls
// the .abi0 body, where there is one; the body itself where it is ABIInternal.
Abi body_abi(const RuntimeProfile& profile, const emu::Symbol& body) {
  return profile.regabi && !body.name.ends_with(".abi0") ? Abi::ABIInternal : Abi::ABI0;
}
}  // namespace

AsmcgocallSymbols AsmcgocallSymbols::resolve(const emu::ElfImage& image, const RuntimeProfile& profile) {
  const auto& n = profile.names;
  if (n.asmcgocall.empty())
    throw std::invalid_argument(fmt::format("the {} runtime has no asmcgocall the model knows of", profile.name));
  AsmcgocallSymbols s;
  s.asmcgocall = image.func(n.asmcgocall);
  s.abi = body_abi(profile, s.asmcgocall);
  s.systemstack_switch = image.func(n.systemstack_switch);
  s.gosave = image.find_func("gosave_systemstack_switch");
  s.abort = image.func(n.abort);
  return s;
}

void AsmcgocallSuite::install(Harness& h) {
  h_ = &h;
  sym_ = AsmcgocallSymbols::resolve(h.image(), h.profile());
  frame_ = 0;
  switch_has_frame_ = false;
  try {
    const Pclntab tab = Pclntab::read(h.image());
    if (auto f = tab.find(sym_.asmcgocall.addr)) frame_ = f->max_sp_delta;
    if (auto f = tab.find(sym_.systemstack_switch.addr)) switch_has_frame_ = f->max_sp_delta != 0;
  } catch (const PclntabError&) {
    // sched.sp then expects a frameless asmcgocall, as every port's is.
  }
  // Instructions the CPU can decode under the C function's address (they never run:
  // the host implements the function there). runtime.abort's crash at worst.
  const uint64_t n = std::min<uint64_t>(sym_.abort.size ? sym_.abort.size : 16, 64);
  h.engine().write(Arena::kCFunction, h.engine().read(sym_.abort.addr, n));
  cabi_ = &h.spec().c_abi_for(h.image().e_flags());
  if (cabi_->descriptors) {
    const int w = h.spec().ptr_size;
    h.engine().write_ptr(kDescriptor, Arena::kCFunction);
    h.engine().write_ptr(kDescriptor + w, kToc);
    h.engine().write_ptr(kDescriptor + 2 * w, 0);  // no environment
  }
  hooks_.push_back(h.add_observer(sym_.asmcgocall.addr, [this](uint64_t pc) { on_entry(pc); }));
  hooks_.push_back(h.add_host_function(Arena::kCFunction, [this](uint64_t) { c_function(); }));
  if (sym_.gosave)
    hooks_.push_back(h.add_observer(sym_.gosave->addr, [this](uint64_t) {
      if (s_.entry && !s_.c_entered && !s_.gosave_sp) s_.gosave_sp = h_->engine().sp() + h_->spec().call_pushes;
    }));
}

void AsmcgocallSuite::uninstall(Harness& h) {
  for (auto id : hooks_) h.remove_host_function(id);
  hooks_.clear();
}

bool AsmcgocallSuite::switches() const {
  const Scenario& sc = h_->scenario();
  return sc.world.runs == World::Runs::Curg;
}

// enter: the runner (the goroutine, g0 or gsignal) calls asmcgocall(fn, arg) as
// compiled Go code would, from a frame with a frame record on rows that keep them,
// with SP at the worst alignment Go allows (goarch.StackAlign, PtrSize on most
// rows) or, in the scenarios that ask, 16-byte aligned: C's alignment is
// asmcgocall's to make from either. g0.sched.sp, where a switch lands, is a Go SP
// as well, and aligned alike.
uint64_t AsmcgocallSuite::enter(Harness& h) {
  s_ = State{};
  const emu::ArchSpec& spec = h.spec();
  const WorldObjects& w = h.world();
  const RuntimeFields& F = h.fields();
  const uint64_t word = spec.ptr_size;
  // Go's alignment short of 16 bytes, unless the scenario wants SPs aligned.
  const uint64_t skew = h.scenario().exercise.aligned_sp ? 0 : spec.stack_align % 16;

  const uint64_t top = w.sp & ~uint64_t{15};
  const uint64_t caller_sp = ((top - 16 * word) & ~uint64_t{15}) - skew;
  const uint64_t entry_sp = caller_sp - spec.call_pushes;
  enter_as_go_caller(h, top, caller_sp);
  if (skew) {
    Slot sched_sp = w.g0[F.g.sched.sp];
    sched_sp.set(sched_sp.get() - skew);
  }
  s_.call = h.call(sym_.abi, sym_.asmcgocall.addr, {GuestArg::word(fn_pointer()), GuestArg::word(kArg)}, entry_sp,
                   Arena::kExitPad);
  h.report().ctxt_reg = spec.ctxt.name;
  return sym_.asmcgocall.addr;
}

// on_entry takes the snapshot every check compares with: the CPU as the caller
// entered asmcgocall.
void AsmcgocallSuite::on_entry(uint64_t) {
  if (s_.entry) return;
  Harness& h = *h_;
  emu::Engine& e = h.engine();
  const RuntimeFields& F = h.fields();
  h.episode_opens();
  h.register_window_opens();
  AsmcgocallEntry m;
  static_cast<CallEntry&>(m) = call_entry(h);
  m.stack_hi = Ptr<rt::g>(e, m.g)[F.g.stack.hi].get();
  Ptr<rt::g> g0 = h.world().g0;
  m.g0_sched_sp = g0[F.g.sched.sp].get();
  m.g0_sched_pc = g0[F.g.sched.pc].get();
  m.g0_sched_bp = g0[F.g.sched.bp].get();
  s_.entry = m;
  h.trace_host(fmt::format("asmcgocall (observed): called from {} with fn {:#x}, arg {:#x}, SP {:#x}",
                           h.describe(m.ret_pc), fn_pointer(), kArg, m.sp));
}

// The C function: checks the call as its ABI defines it, then does what C may do
// (and what a callback into Go does, in the moved-stack scenario) and returns:
// every register and reserved word it may change, changed; its int32 result with
// the register's upper half undefined.
void AsmcgocallSuite::c_function() {
  Harness& h = *h_;
  emu::Engine& e = h.engine();
  const emu::ArchSpec& spec = h.spec();
  const emu::ArchSpec::CAbi& c = *cabi_;
  s_.c_entered = true;
  if (h.in_episode()) h.episode_closes();
  const auto call = e.last_insn(e.previous_block());
  check_c_entry(call ? call->address : 0);
  if (h.scenario().exercise.moves_stack && switches()) move_stack();

  const uint64_t sp_at_call = e.sp() + spec.call_pushes;
  h.trace_host(fmt::format("fn (host C function): clobbers what the {} lets it and returns {:#x}", c.name, kResult));
  if (c.reserved_hi > c.reserved_lo) e.fill(sp_at_call + c.reserved_lo, c.reserved_hi - c.reserved_lo, kReservedPoison);
  e.return_to_caller();
  for (const auto& r : c.clobbered) e.set_reg(r, h.poison(r));
  const uint64_t upper = spec.reg_size == 8 ? (h.poison(c.result) & ~uint64_t{0xffffffff}) : 0;
  e.set_reg(c.result, upper | kResult);
  s_.c_returned = true;
  // The way back, the same call's: stores logged and registers followed until the
  // run ends.
  h.episode_continues();
  h.register_window_opens();
}

// move_stack: a callback into Go grew the goroutine's stack while C ran (copystack):
// the goroutine's frames now lie at the same distance below a new stack.hi, the old
// stack is freed (and poisoned), and asmcgocall must come back to the new one.
void AsmcgocallSuite::move_stack() {
  Harness& h = *h_;
  emu::Engine& e = h.engine();
  const RuntimeFields& F = h.fields();
  const AsmcgocallEntry& m = *s_.entry;
  Ptr<rt::g> gp(e, m.g);
  const StackSpan old{gp[F.g.stack.lo].get(), gp[F.g.stack.hi].get()};
  const StackSpan now = h.arena().stackalloc(old.size());
  // Everything from well below asmcgocall's entry SP (gosave's call) to the top.
  const uint64_t from = std::max(old.lo, m.sp - 256);
  e.write(now.hi - (old.hi - from), e.read(from, old.hi - from));
  s_.moved_by = static_cast<int64_t>(now.hi) - static_cast<int64_t>(old.hi);
  // The frame records the caller's chain keeps, as adjustframe moves them.
  if (h.fp().valid() && m.fp) {
    uint64_t fp = m.fp;
    for (int i = 0; i < 8 && fp >= from && fp < old.hi; i++) {
      const uint64_t moved = fp + s_.moved_by;
      const uint64_t next = e.read_ptr(moved);
      if (next >= from && next < old.hi) e.write_ptr(moved, next + s_.moved_by);
      fp = next;
    }
  }
  gp[F.g.stack.lo].set(now.lo);
  gp[F.g.stack.hi].set(now.hi);
  gp[F.g.stackguard0].set(now.lo + h.profile().stack_guard);
  h.arena().stackfree(old);
  h.trace_host(
      fmt::format("fn (host C function): calls back into Go, whose stack moves from [{:#x}, {:#x}) to [{:#x}, "
                  "{:#x})",
                  old.lo, old.hi, now.lo, now.hi));
}

}  // namespace gotramp::model
