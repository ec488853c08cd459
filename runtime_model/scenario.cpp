#include "runtime_model/scenario.hpp"

#include <vector>

namespace gotramp::model {

std::span<const Scenario> scenarios() {
  static const std::vector<Scenario> all = {
      {"closure",
       "a closure recurses 2000 deep from a 2 KiB stack, reading its captured word through the context register",
       "entry_closure", true, 2000, 5},
      {"noctxt", "the same recursion without a closure, through morestack_noctxt: newstack must read ctxt == 0",
       "entry_plain", false, 2000, 5},
  };
  return all;
}

const Scenario* find_scenario(std::string_view name) {
  for (const auto& s : scenarios())
    if (s.name == name) return &s;
  return nullptr;
}

std::string scenario_names() {
  std::string out;
  for (const auto& s : scenarios()) out += (out.empty() ? "" : ", ") + s.name;
  return out;
}

}  // namespace gotramp::model
