// Every name a check can be reported under. docs/checks.md explains each (what it
// asserts, which contracts run it, what a failure usually means); a test keeps the
// two equal, and CheckLog refuses a name that is not here, so a new check cannot
// reach a report without its glossary entry.
#pragma once

#include <string>
#include <vector>

namespace gotramp::model {

// The checks' names: the suite's own, each contract's names for the word at
// newstack's SP (Contract::Names), and "<check>-caught" for each check an
// expected-failure contract must fail.
const std::vector<std::string>& check_names();
bool is_check_name(const std::string& name);

}  // namespace gotramp::model
