// SystemstackSuite: runtime·systemstack(fn), how runtime code runs fn on the
// scheduler stack. Called on the goroutine m.curg, systemstack saves it in g.sched
// as if it were in runtime·systemstack_switch (gosave_systemstack_switch),
// switches to m.g0 and its stack at g0.sched.sp, calls fn there, then switches
// back: g is m.curg again, SP the goroutine's, g.sched.sp cleared, and it returns
// to its caller. Called on m.g0 or m.gsignal it calls fn on the current stack;
// called on any other g it calls badsystemstack, which prints, and crashes.
// The host plays the caller (a Go call of systemstack's ABI0 body, from a frame
// with a frame record on rows that keep them) and fn (gcResetMarkState, which
// gcStart passes systemstack, implemented by the host at its own address and
// reached through a func value in the context register, returning as compiled
// Go does); it checks what systemstack did against the CPU at its entry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "emu/elf_image.hpp"
#include "runtime_model/call_entry.hpp"
#include "runtime_model/harness.hpp"
#include "runtime_model/pclntab.hpp"
#include "runtime_model/suite.hpp"

namespace gotramp::model {

// The runtime functions the suite uses, by the names the runtime profile gives.
struct SystemstackSymbols {
  emu::Symbol systemstack;                         // the trampoline under test (its ABI0 body)
  emu::Symbol systemstack_switch;                  // where g.sched.pc must point
  emu::Symbol badsystemstack;                      // implemented by the host (Go code that prints)
  std::optional<emu::Symbol> badsystemstack_body;  // the Go body beside its ABI0 wrapper
  emu::Symbol fn;                                  // gcResetMarkState's body, implemented by the host
  static SystemstackSymbols resolve(const emu::ElfImage& image, const RuntimeProfile& profile);
};

// The CPU as the caller entered systemstack.
struct SystemstackEntry : CallEntry {
  uint64_t fn = 0;  // the func value: the context register at fn
  // g0.sched as it was: a call that does not switch leaves it alone.
  uint64_t g0_sched_sp = 0, g0_sched_pc = 0, g0_sched_bp = 0;
};

class SystemstackSuite final : public Suite {
 public:
  void install(Harness& h) override;
  void uninstall(Harness& h) override;
  uint64_t enter(Harness& h) override;
  void finish(Harness& h, const emu::RunResult& stop) override;
  void abandon() override { s_ = State{}; }

  // The word the closure scenario's fn captured (read through the context register).
  static constexpr uint64_t kCaptured = 0x5757ac4;
  // What badsystemstack writes (runtime/stubs.go, Go 1.19 and later).
  static constexpr const char* kBadText = "fatal: systemstack called from unexpected goroutine";

 private:
  struct State {
    std::optional<SystemstackEntry> entry;
    bool fn_entered = false;
    bool fn_returned = false;
    uint64_t fn_sp = 0;
    uint64_t captured = 0;
    bool bad_called = false;
    uint64_t bad_return = 0;  // where badsystemstack returned to: what must crash
  };

  bool switches() const;  // the run's g is m.curg: systemstack must switch
  void on_systemstack(uint64_t pc);
  void fn();
  void on_bad();
  void check_fn_entry();
  void check_fn_fp(uint64_t at, uint64_t sp);
  void check_returned(const emu::RunResult& stop);
  void diagnose(const emu::RunResult& stop);

  Harness* h_ = nullptr;
  SystemstackSymbols sym_;
  std::optional<Pclntab> pclntab_;
  // systemstack's frame and whether systemstack_switch has one, from pclntab (0,
  // false without one).
  uint32_t systemstack_frame_ = 0;
  bool switch_has_frame_ = false;
  std::vector<Harness::HostId> hooks_;
  uint64_t funcval_ = 0;
  State s_;
};

}  // namespace gotramp::model
