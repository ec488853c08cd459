// Scenarios (docs/DESIGN.md §3): what the harness sets up, and what must come out.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "runtime_model/write_barrier.hpp"

namespace gotramp::model {

// How a scenario bends the world the goroutine runs in.
enum class Fault {
  None,
  OnG0,             // the function runs on m.g0: morestack must refuse to grow it
  OnGsignal,        // the function runs on m.gsignal (a signal handler): likewise
  ThrowSplit,       // gp.throwsplit is set: newstack must throw
  WrongGoroutine,   // m.curg is another goroutine: newstack must throw
  Preempt,          // stackguard0 == stackPreempt: newstack serves the request, no growth
  Overflow,         // SetMaxStack(16 KiB): the growth past it must throw
  NewstackReturns,  // newstack returns: the trampoline's crash-if-returns must catch it
};

struct Scenario {
  std::string name;
  std::string description;
  bool closure = true;    // a funcval in the context register (else morestack_noctxt): which entry runs
  uint64_t depth = 2000;  // recursion depth
  int min_growths = 5;    // 2000 levels from a 2 KiB stack grow at least five times
  GcPhase gc = GcPhase::Off;
  Fault fault = Fault::None;
  // For a fault that must end the run: the Go runtime's own words for it (a throw
  // text or a line the runtime prints). The scenario passes, as "diagnosed", when
  // the model produces exactly that.
  std::string expect;
  uint64_t max_stack = 0;  // debug.SetMaxStack; 0 for the default
  uint64_t budget = 0;     // instruction budget; 0 for the default
  bool expects_failure() const { return !expect.empty(); }
};

std::span<const Scenario> scenarios();
const Scenario* find_scenario(std::string_view name);
std::string scenario_names();

}  // namespace gotramp::model
