// McallSuite: runtime·mcall(fn), the switch the scheduler parks goroutines with.
// Called on a goroutine, mcall saves the caller in g.sched (its SP and return PC,
// lr 0, its frame pointer), switches to m.g0 and its stack at g0.sched.sp, and
// calls fn(g) there; fn must never return. The host plays the caller (a Go call
// of mcall, as compiled code makes it) and fn (park_m, as gopark passes it,
// implemented by the host at park_m's own address and reached through a func
// value in the context register), checks what
// mcall did against the CPU at its entry, and resumes the goroutine through the
// guest's own gogo(&g.sched), as park_m's schedule does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "emu/elf_image.hpp"
#include "runtime_model/call_entry.hpp"
#include "runtime_model/harness.hpp"
#include "runtime_model/morestack/g0_frame.hpp"
#include "runtime_model/suite.hpp"

namespace gotramp::model {

// The runtime functions the suite uses, by the names the runtime profile gives.
struct McallSymbols {
  emu::Symbol mcall;                // the trampoline under test
  emu::Symbol badmcall, badmcall2;  // implemented by the host (Go code that throws)
  // Their other entry, where the binary has both (a Go function's ABI0 wrapper,
  // which assembly jumps to, beside its body): hooked as well.
  std::optional<emu::Symbol> badmcall_body, badmcall2_body;
  emu::Symbol gogo;  // the guest's own
  // Where fn's code is: park_m's body (what gopark passes mcall), implemented by the host.
  emu::Symbol fn;
  Abi abi = Abi::ABI0;  // how Go code calls mcall: ABIInternal where it is the body
  static McallSymbols resolve(const emu::ElfImage& image, const RuntimeProfile& profile);
};

// The CPU as the caller entered mcall: what g.sched must describe afterwards.
// ret_pc -> g.sched.pc, caller_sp -> g.sched.sp, g -> fn's argument.
struct McallEntry : CallEntry {
  uint64_t fn = 0;  // the func value (fn's funcval) -> the context register at fn
  // The frame pointer and the records up its chain: g.sched.bp is one of them
  // (the caller's own, or the record it points at, as the version saves it).
  std::vector<uint64_t> fp_chain;
};

class McallSuite final : public Suite {
 public:
  void install(Harness& h) override;
  void uninstall(Harness& h) override;
  uint64_t enter(Harness& h) override;
  void finish(Harness& h, const emu::RunResult& stop) override;
  void abandon() override { s_ = State{}; }
  std::optional<uint64_t> resuming_at() const override;

  // The word the closure scenario's fn captured (read through the context register).
  static constexpr uint64_t kCaptured = 0x6d63a11;

 private:
  struct State {
    std::optional<McallEntry> entry;
    bool fn_entered = false;
    uint64_t fn_sp = 0;     // SP at fn's entry
    uint64_t sched_bp = 0;  // g.sched.bp as mcall left it: what gogo restores
    bool resuming = false;  // the host handed the goroutine to gogo
    uint64_t captured = 0;  // what fn read through its context
  };

  void on_mcall(uint64_t pc);
  void fn();  // the host's fn(gp)
  void on_bad(const char* text);
  void check_fn_entry();
  G0Frame frame_at_fn(uint64_t sp) const;
  void check_resumed(const emu::RunResult& stop);
  void diagnose(const emu::RunResult& stop);
  void gogo();

  Harness* h_ = nullptr;
  McallSymbols sym_;
  std::vector<Harness::HostId> hooks_;
  uint64_t funcval_ = 0;  // the run's fn
  State s_;
};

}  // namespace gotramp::model
