// What a run report says, for test failure messages and assertions: its Findings
// (and how the run stopped, when not at its end) as text, and the checks that failed.
#pragma once

#include <set>
#include <string>

#include "runtime_model/report.hpp"

namespace gotramp::test {

inline std::string findings_text(const model::RunReport& r) {
  std::string out;
  for (const auto& f : r.findings) out += "\n  " + f.message();
  if (r.stop.reason != emu::StopReason::Until) out += "\n  stop: " + r.stop.detail;
  return out;
}

inline std::set<std::string> failing_checks(const model::RunReport& r) {
  std::set<std::string> out;
  for (const auto& c : r.checks)
    if (!c.ok) out.insert(c.name);
  return out;
}

}  // namespace gotramp::test
