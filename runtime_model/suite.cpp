#include "runtime_model/suite.hpp"

#include <stdexcept>

#include "runtime_model/asmcgocall/asmcgocall_suite.hpp"
#include "runtime_model/mcall/mcall_suite.hpp"
#include "runtime_model/morestack/morestack_suite.hpp"
#include "runtime_model/systemstack/systemstack_suite.hpp"

namespace gotramp::model {

// runtime_model/morestack/scenarios.cpp
std::span<const Scenario> morestack_scenarios();
std::vector<Column> morestack_columns();
// runtime_model/mcall/scenarios.cpp
std::span<const Scenario> mcall_scenarios();
std::vector<Column> mcall_columns();
// runtime_model/systemstack/scenarios.cpp
std::span<const Scenario> systemstack_scenarios();
std::vector<Column> systemstack_columns();
// runtime_model/asmcgocall/scenarios.cpp
std::span<const Scenario> asmcgocall_scenarios();
std::vector<Column> asmcgocall_columns();

std::span<const Trampoline> trampolines() {
  static const std::vector<Trampoline> all = {
      {"morestack",
       "stack growth: a stack-split prologue calls morestack, which switches to g0 and calls newstack; the "
       "goroutine resumes through gogo",
       &morestack_scenarios, [] { return std::unique_ptr<Suite>(std::make_unique<MorestackSuite>()); },
       &morestack_columns},
      {"mcall",
       "the scheduler's switch: a goroutine calls mcall(fn), which saves it in g.sched, switches to g0 and calls "
       "fn(g), which must not return; the goroutine resumes through gogo",
       &mcall_scenarios, [] { return std::unique_ptr<Suite>(std::make_unique<McallSuite>()); }, &mcall_columns, true,
       "fn", "call"},
      {"systemstack",
       "running fn on the scheduler stack: a goroutine calls systemstack(fn), which saves it in g.sched as if in "
       "systemstack_switch, calls fn on g0 and switches back; on g0 or gsignal fn runs where it is, on any other g "
       "systemstack crashes",
       &systemstack_scenarios, [] { return std::unique_ptr<Suite>(std::make_unique<SystemstackSuite>()); },
       &systemstack_columns, true, "fn", "call"},
      {"asmcgocall",
       "calling C: a goroutine calls asmcgocall(fn, arg), which saves it in g.sched as if in systemstack_switch and "
       "calls fn(arg) on g0 as the platform's C ABI wants, then comes back to the depth it saved; on g0 or gsignal "
       "fn runs where it is",
       &asmcgocall_scenarios, [] { return std::unique_ptr<Suite>(std::make_unique<AsmcgocallSuite>()); },
       &asmcgocall_columns, true, "fn", "call"},
  };
  return all;
}

const Trampoline* find_trampoline(std::string_view name) {
  for (const auto& t : trampolines())
    if (t.name == name) return &t;
  return nullptr;
}

std::string trampoline_names() {
  std::string out;
  for (const auto& t : trampolines()) out += (out.empty() ? "" : ", ") + t.name;
  return out;
}

std::span<const Scenario> scenarios(std::string_view trampoline) {
  const Trampoline* t = find_trampoline(trampoline);
  if (!t) throw std::invalid_argument("no trampoline named " + std::string(trampoline));
  return t->scenarios();
}

const Scenario* find_scenario(std::string_view name, std::string_view trampoline) {
  for (const auto& s : scenarios(trampoline))
    if (s.name == name) return &s;
  return nullptr;
}

std::string scenario_names(std::string_view trampoline) {
  std::string out;
  for (const auto& s : scenarios(trampoline)) out += (out.empty() ? "" : ", ") + s.name;
  return out;
}

}  // namespace gotramp::model
