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
  // World{} is the world a Go program's own goroutine runs in (what the probe's
  // main does under qemu-user; scripts/bench compares on those scenarios).
  bool operator==(const World&) const = default;
};

// What the goroutine does: a function of the probe program, by its role, recursing.
struct Exercise {
  std::string function = "closure";  // a ProbeProgram function role: "closure", "sum"
  uint64_t depth = 2000;             // recursion depth (the probe program may fix its own)
  int min_growths = 5;               // 2000 levels from a 2 KiB stack grow at least five times
};

// A host runtime broken on purpose, to see that the trampoline catches it.
enum class HostFault {
  None,
  NewstackReturns,  // newstack returns: the trampoline's crash-if-returns must catch it
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
