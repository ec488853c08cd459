// AsmcgocallSuite: runtime·asmcgocall(fn, arg), how Go calls C (cgocall, and the
// raw calls into libc): called on the goroutine m.curg, it saves the goroutine in
// g.sched as if in systemstack_switch (gosave_systemstack_switch), switches to m.g0
// and its stack at g0.sched.sp, and calls fn(arg) as the platform's C ABI wants the
// call (ArchSpec::c_abi: SP aligned, arg in its register or stack word, the words
// the callee owns reserved); then it finds its way back from the depth it saved
// (the goroutine's stack may have moved while C called back into Go), and returns
// fn's int32. Called on m.g0 or m.gsignal it calls fn on the current stack, with
// no switch (golang/go#36435: a switch from a signal handler overwrote g0.sched).
// The host plays the Go caller (a call of the ABI0 body, or of the ABIInternal one
// where the runtime has only that, from a frame with a frame record on rows that
// keep them) and fn (a C function at the arena's C address, which clobbers every
// register and reserved word the C ABI lets it); it checks what asmcgocall did
// against the CPU at its entry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "emu/elf_image.hpp"
#include "runtime_model/call_entry.hpp"
#include "runtime_model/call_frame.hpp"
#include "runtime_model/harness.hpp"
#include "runtime_model/morestack/g0_frame.hpp"
#include "runtime_model/suite.hpp"

namespace gotramp::model {

// The runtime functions the suite uses, by the names the runtime profile gives.
struct AsmcgocallSymbols {
  emu::Symbol asmcgocall;          // the trampoline under test: its ABI0 body, or its only (ABIInternal) one
  Abi abi = Abi::ABI0;             // how Go code calls that body
  emu::Symbol systemstack_switch;  // where g.sched.pc must point
  // What asmcgocall calls to save the goroutine, where the runtime has it by name.
  std::optional<emu::Symbol> gosave;
  emu::Symbol abort;  // instructions to lay under the C function's address
  static AsmcgocallSymbols resolve(const emu::ElfImage& image, const RuntimeProfile& profile);
};

// The CPU as the caller entered asmcgocall.
struct AsmcgocallEntry : CallEntry {
  uint64_t stack_hi = 0;  // g.stack.hi of the g that called
  // g0.sched as it was: a call that does not switch leaves it alone.
  uint64_t g0_sched_sp = 0, g0_sched_pc = 0, g0_sched_bp = 0;
};

class AsmcgocallSuite final : public Suite {
 public:
  void install(Harness& h) override;
  void uninstall(Harness& h) override;
  uint64_t enter(Harness& h) override;
  void finish(Harness& h, const emu::RunResult& stop) override;
  void abandon() override { s_ = State{}; }

  // The argument the caller passes fn, and the int32 fn returns (negative, so that
  // a result widened or stored as a word shows), with poison in the register's
  // upper half where it has one: C leaves those bits undefined.
  static constexpr uint64_t kArg = 0x5eed0a59;
  static constexpr uint32_t kResult = 0x8badf00d;
  // What the C function writes over the words its ABI reserves for it.
  static constexpr uint8_t kReservedPoison = 0xc5;
  // Where the C function's descriptor lies, for conventions that call through one
  // (on the exit pad's page, beside the function), and the TOC it holds.
  static constexpr uint64_t kDescriptor = Arena::kCFunction + 0x400;
  static constexpr uint64_t kToc = 0x40128000;

 private:
  struct State {
    std::optional<AsmcgocallEntry> entry;
    GuestCall call;
    bool c_entered = false;
    bool c_returned = false;
    uint64_t c_sp = 0;
    int64_t moved_by = 0;  // how far the goroutine's stack moved while C ran
    // asmcgocall's SP as it called gosave_systemstack_switch (what g.sched.sp saves).
    std::optional<uint64_t> gosave_sp;
  };

  bool switches() const;  // asmcgocall on m.curg: it must switch to g0
  // fn as asmcgocall's caller passes it: the C function's address, or its descriptor's.
  uint64_t fn_pointer() const { return cabi_->descriptors ? kDescriptor : Arena::kCFunction; }
  void on_entry(uint64_t pc);
  void c_function();
  void move_stack();
  void check_c_entry(uint64_t at);
  G0Frame frame_at_c(uint64_t sp) const;
  void check_returned(const emu::RunResult& stop);

  Harness* h_ = nullptr;
  AsmcgocallSymbols sym_;
  const emu::ArchSpec::CAbi* cabi_ = nullptr;  // the C ABI the binary is linked for
  uint32_t frame_ = 0;                         // asmcgocall's largest frame, from pclntab
  bool switch_has_frame_ = false;
  std::vector<Harness::HostId> hooks_;
  State s_;
};

}  // namespace gotramp::model
