// Arena: the guest memory the model owns, below 4 GiB for every GOARCH: a small heap
// for g, m, p and closure objects, a TLS block, the g0 (scheduler) stack, and a region
// from which goroutine stacks are allocated and freed. Stacks live in slots of their
// power-of-two size with an unmapped page between slots, mapped once and reused by
// later runs; a freed stack is filled with 0xfc, as Go's stackPoisonCopy does, so a
// stale pointer into it reads garbage that faults when used as an address. A stack
// is allocated zeroed, fresh slot or reused, so that a run's memory never depends on
// the runs before it on the engine (runs are deterministic).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "emu/engine.hpp"
#include "runtime_model/layout.hpp"

namespace gotramp::model {

struct StackSpan {
  uint64_t lo = 0, hi = 0;  // [lo, hi), as in Go's stack struct
  uint64_t size() const { return hi - lo; }
  bool contains(uint64_t a) const { return a >= lo && a < hi; }
};

struct HeapObject {
  std::string name;  // "g", "g0", "m", "closure", ...
  const StructLayout* type;
  uint64_t addr;
};

class Arena {
 public:
  static constexpr uint64_t kHeapBase = 0x40000000;
  static constexpr uint64_t kHeapSize = 0x40000;  // room for a real runtime's p (its run queue alone is 2 KiB)
  static constexpr uint64_t kTlsSize = 0x100;
  // Where a host-made call returns to: reaching it ends the run (nothing runs there).
  static constexpr uint64_t kExitPad = 0x40120000;
  // Where the host's C function lives (asmcgocall's fn), on the exit pad's page:
  // the host implements it, and lays a copy of real instructions under it so that
  // the CPU can decode what it fetches there.
  static constexpr uint64_t kCFunction = kExitPad + 0x800;
  static constexpr uint64_t kG0StackBase = 0x40140000;
  static constexpr uint64_t kG0StackSize = 0x4000;
  static constexpr uint64_t kStackRegion = 0x402a0000;
  static constexpr uint64_t kStackRegionSize = 0x10000000;
  // The high-stack world's region around the sign bit of a 32-bit address: stacks
  // across 0x80000000 start just below it, stacks wholly above it from kAboveSignBit.
  static constexpr uint64_t kSignBit = 0x80000000;
  static constexpr uint64_t kAboveSignBit = kSignBit + 0x01000000;
  static constexpr uint64_t kHighRegionEnd = kAboveSignBit + 0x04000000;
  // Mapped at once on first use (host_span needs a stack in one mapping): room below
  // 0x80000000 for any guard, and up to kAboveSignBit.
  static constexpr uint64_t kAcrossWindow = kSignBit - 0x10000;
  // Bytes the g0 stack holds above g0.sched.sp: the scheduler's own frames, which a
  // trampoline must never touch. Filled with kG0Poison.
  static constexpr uint64_t kG0Reserved = 64;
  // How far below g0.sched.sp the dead frame lies that g0.sched.bp names when a run
  // starts (a frame of scheduler code that has returned).
  static constexpr uint64_t kG0DeadFrameBelow = 256;
  static constexpr uint8_t kG0Poison = 0xd0;

  explicit Arena(emu::Engine& e);

  // Forgets every object and stack: zeroes the heap, re-poisons the g0 stack and
  // frees goroutine stacks, ready for the next run on the same engine (their slots
  // are not poisoned: the run is over, and a slot is initialised whole when it is
  // allocated again).
  void reset();

  uint64_t tls_block() const { return kHeapBase; }
  StackSpan g0_stack() const { return {kG0StackBase, kG0StackBase + kG0StackSize}; }

  // A zeroed heap object of the given type: its address.
  uint64_t alloc(const StructLayout& type, std::string name);
  // The object and field an address falls in, if any.
  struct FieldRef {
    std::string path;    // "g.sched.ctxt"
    const Field* field;  // the innermost field (nullptr for padding)
    uint64_t addr;       // where that field starts
  };
  std::optional<FieldRef> field_at(uint64_t addr) const;
  const std::vector<HeapObject>& objects() const { return objects_; }

  static constexpr uint8_t kFreedStackPoison = 0xfc;

  // Go's stackalloc/stackfree for power-of-two sizes. stackalloc's stack reads as
  // zeroed memory. copystack's holds kFreedStackPoison, as Go's debug
  // stackPoisonCopy fills a new stack before copying into it (the caller copies the
  // old stack's used part to its top at once).
  StackSpan stackalloc(uint64_t n);
  StackSpan stackalloc_for_copy(uint64_t n);
  // Until reset(), stackalloc places stacks by turns across 0x80000000 (its guard,
  // stack.lo + guard bytes, just below that address: SP above it, the guard below)
  // and wholly above it, starting across: so a goroutine's first stack, and every
  // other one it grows into, straddles the sign bit of a 32-bit address.
  void place_stacks_across_sign_bit(uint64_t guard);
  void stackfree(StackSpan s);
  // The live goroutine stack containing addr, or the g0 stack.
  std::optional<StackSpan> stack_containing(uint64_t addr) const;

 private:
  emu::Engine& e_;
  uint64_t heap_next_ = kHeapBase + kTlsSize;
  struct Slot {
    StackSpan span;
    bool live = false;
    bool across = false;  // the high-stack world's slot across 0x80000000
  };
  StackSpan take_slot(uint64_t n);
  StackSpan map_slot(uint64_t n, uint64_t& next, uint64_t end);
  StackSpan alloc_across(uint64_t n);
  uint64_t stack_next_ = kStackRegion;  // where the next slot is mapped
  // The high-stack world: its guard size (0: off), whether the next stack goes
  // across, the next slot above, and how far the pages from below 0x80000000 up
  // are mapped for the stacks across it.
  uint64_t high_guard_ = 0;
  bool next_across_ = true;
  uint64_t above_next_ = kAboveSignBit;
  bool across_mapped_ = false;
  std::vector<HeapObject> objects_;
  std::vector<Slot> slots_;
};

}  // namespace gotramp::model
