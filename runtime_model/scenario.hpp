// Scenarios (docs/DESIGN.md §3): what a run sets up and what must come out. A
// scenario is three things kept apart: the world the goroutine runs in (which g,
// the GC phase, the runtime's flags), the exercise (which probe function runs, how
// deep), and the host runtime's behaviour (correct, or broken on purpose). Each
// trampoline suite has its own list.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "emu/arch_spec.hpp"
#include "runtime_model/write_barrier.hpp"

namespace gotramp::model {

// The world a run starts from: which g calls the probe function, and the state of
// the runtime around it.
struct World {
  // Which g runs the exercise: the goroutine m.curg (its own 2 KiB stack), or a
  // function deep in the scheduler stack m.g0, or in a signal handler on m.gsignal.
  enum class Runs { Curg, G0, Gsignal };
  Runs runs = Runs::Curg;
  GcPhase gc = GcPhase::Off;
  bool throwsplit = false;    // gp.throwsplit: the stack must not split now
  bool preempt = false;       // a preemption request: gp.preempt, stackguard0 == stackPreempt
  bool foreign_curg = false;  // m.curg is another goroutine than the one that runs
  uint64_t max_stack = 0;     // debug.SetMaxStack; 0 for the default
  // Where goroutine stacks lie: anywhere in the arena's stack region, or (the
  // high-stack world) by turns across 0x80000000, guard below and SP above, and
  // wholly above it, so that a signed compare in a 32-bit prologue shows.
  enum class Stacks { Region, AcrossSignBit };
  Stacks stacks = Stacks::Region;
  // World{} is the world a Go program's own goroutine runs in (what the probe's
  // main does under qemu-user; scripts/bench compares on those scenarios).
  bool operator==(const World&) const = default;
};

// Why a row cannot have this world ("" when it can): linux/mips's user space ends
// below 0x80000000, so no stack of it lies across that address.
std::string world_unavailable(const World& w, const emu::ArchSpec& spec);

// What the goroutine does: a function of the probe program, by its role, recursing.
struct Exercise {
  std::string function = "closure";  // a ProbeProgram function role: "closure", "sum"
  uint64_t depth = 2000;             // recursion depth (the probe program may fix its own)
  int min_growths = 5;               // 2000 levels from a 2 KiB stack grow at least five times
  // mcall: fn is a closure, reading a captured word through the context register
  // (else a plain func value).
  bool fn_closure = false;
  // asmcgocall: the C function calls back into Go, whose stack grows (moves) before
  // C returns.
  bool moves_stack = false;
  // asmcgocall: the caller's SP and g0.sched.sp 16-byte aligned, where otherwise
  // they are at the worst alignment Go allows (goarch.StackAlign): a trampoline
  // that aligns by a fixed offset is right for one of the two only.
  bool aligned_sp = false;
};

// A host runtime broken on purpose, to see that the trampoline catches it.
enum class HostFault {
  None,
  NewstackReturns,  // newstack returns: the trampoline's crash-if-returns must catch it
  FnReturns,        // mcall's fn returns: mcall must call badmcall2
};

struct Scenario {
  std::string trampoline;  // the suite it belongs to: "morestack"
  std::string name;
  std::string description;
  World world;
  Exercise exercise;
  HostFault host = HostFault::None;
  // For a run that must fail: the Go runtime's own words for it (a throw text or a
  // line the runtime prints). The scenario passes, as "diagnosed", when the model
  // produces exactly that.
  std::string expect;
  uint64_t budget = 0;  // instruction budget; 0 for the default
  bool expects_failure() const { return !expect.empty(); }
};

}  // namespace gotramp::model
