// Scenarios (DESIGN §3): what the harness sets up, and what must come out.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace gotramp::model {

struct Scenario {
  std::string name;
  std::string description;
  std::string entry;      // guest entry stub the harness calls
  bool closure = true;    // a funcval in the context register (else morestack_noctxt)
  uint64_t depth = 2000;  // recursion depth
  int min_growths = 5;    // 2000 levels from a 2 KiB stack grow at least five times
};

std::span<const Scenario> scenarios();
const Scenario* find_scenario(std::string_view name);
std::string scenario_names();

}  // namespace gotramp::model
