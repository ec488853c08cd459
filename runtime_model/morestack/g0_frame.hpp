// The calling sequence as newstack sees it: a snapshot of the frame the trampoline
// built on the g0 stack, taken at newstack's first instruction, and the checks of
// that frame (docs/DESIGN.md §4) as a pure function of the snapshot and the row. Frame
// diagrams are drawn from the same snapshot, so they show what the emulator saw.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "emu/arch_spec.hpp"
#include "emu/elf_image.hpp"
#include "runtime_model/arena.hpp"
#include "runtime_model/contract.hpp"

namespace gotramp::model {

struct G0Frame {
  int growth = 0;
  uint64_t sp = 0;             // SP at newstack's entry
  uint64_t g0_sched_sp = 0;    // where the trampoline switched to: above it, the scheduler's frame
  uint64_t base = 0;           // address of bytes[0] (== sp)
  std::vector<uint8_t> bytes;  // guest memory [sp, g0_sched_sp + Arena::kG0Reserved)
  uint64_t link = 0;           // link register (newstack's return address); 0 on x86
  uint64_t ctxt_reg = 0;       // the context register
  uint64_t g = 0;              // the current g
  uint64_t g_slot = 0;         // where g lives in memory (TLS); 0 when in a register

  // The interrupted goroutine as morestack described it, read at the same moment.
  struct Goroutine {
    uint64_t g = 0;  // m.curg
    uint64_t stack_lo = 0, stack_hi = 0;
    uint64_t sched_sp = 0, sched_pc = 0, sched_lr = 0, sched_bp = 0, sched_g = 0, sched_ctxt = 0;
    uint64_t morebuf_pc = 0, morebuf_sp = 0, morebuf_g = 0;
    uint64_t base = 0;           // address of bytes[0]
    std::vector<uint8_t> bytes;  // the goroutine stack around g.sched.sp
  } gp;

  // Whose frame this is, in the words diagrams use: the snapshot is taken at the
  // callee's entry (newstack, mcall's fn), the trampoline built the frame, and it
  // saved the goroutine's function `interrupted` in g.sched.
  struct Roles {
    std::string callee = "newstack";
    std::string trampoline = "morestack";
    std::string interrupted = "f";
    std::string episode = "growth";  // what the snapshots are numbered by
    bool morebuf = true;             // m.morebuf describes interrupted's caller
    bool returns = false;            // the callee returns into the trampoline (systemstack, asmcgocall)
    // The function that saved g.sched, when not the trampoline itself
    // ("gosave_systemstack_switch": g.sched.sp is then the trampoline's own SP).
    std::string saver;
    // The callee's argument words in the frame (and other words the trampoline
    // put there), by offset from SP, beyond 0(SP).
    std::vector<std::pair<int64_t, std::string>> args;
  } roles;
  // The width-byte word at SP+off, decoded in the given byte order.
  std::optional<uint64_t> word(int64_t off, int width, emu::ByteOrder order) const;
};

struct SequenceExpect {
  uint64_t ctxt = 0;       // what newstack's argument must hold
  emu::Symbol trampoline;  // newstack's return address must point into it
  StackSpan g0_stack;
  uint64_t g0 = 0;  // m.g0
  uint8_t g0_poison = Arena::kG0Poison;
  std::function<std::string(uint64_t)> describe_code;  // "0x... (main.morestack+0x44)"
};

struct SlotCheck {
  std::string check;  // "ctxt-argument"
  bool ok = true;
  // What a failing check says (a passing one leaves them empty).
  std::string slot;  // "8(RSP) ctxt argument"
  std::string expected, seen;
  std::string expected_from;  // where the expected value comes from
  // The slot's guest memory (size 0: a register), and the value it must hold when
  // that is one value (to find where it went instead).
  uint64_t addr = 0;
  int size = 0;
  std::optional<uint64_t> want;
};

// One slot of a frame diagram.
struct FrameSlot {
  enum class Role { ReturnPc, SavedLr, CtxtArgument, Argument, FixedFrame, Padding, Scheduler, GoroutineWord };
  uint64_t addr = 0;
  std::string slot;  // "8(RSP)", or "g.sched.sp+8" on the goroutine side
  int size = 0;
  uint64_t value = 0;
  Role role = Role::Padding;
  std::string meaning;
};
const char* role_name(FrameSlot::Role r);

// The g0 frame at newstack's entry, slot by slot, as the emulator saw it: what the
// trampoline built below g0.sched.sp, and the scheduler's frame above it.
std::vector<FrameSlot> g0_frame_slots(const emu::ArchSpec& spec, const Contract& contract, const G0Frame& f,
                                      const SequenceExpect& want);
// The words of the goroutine stack around g.sched.sp, with what each is.
std::vector<FrameSlot> goroutine_slots(const emu::ArchSpec& spec, const G0Frame& f,
                                       const std::function<std::string(uint64_t)>& describe_code);

// The frame the trampoline built, checked slot by slot against the row and contract.
std::vector<SlotCheck> check_calling_sequence(const emu::ArchSpec& spec, const Contract& contract, const G0Frame& f,
                                              const SequenceExpect& want);

}  // namespace gotramp::model
