#include "runtime_model/scenario.hpp"

#include <vector>

namespace gotramp::model {
namespace {

std::vector<Scenario> build() {
  std::vector<Scenario> all;
  Scenario closure;
  closure.name = "closure";
  closure.description =
      "a closure recurses 2000 deep from a 2 KiB stack, reading its captured word through the context register";
  all.push_back(closure);

  Scenario noctxt = closure;
  noctxt.name = "noctxt";
  noctxt.description = "the same recursion without a closure, through morestack_noctxt: newstack must read ctxt == 0";
  noctxt.closure = false;
  all.push_back(noctxt);

  Scenario gc = closure;
  gc.name = "closure-gc";
  gc.description =
      "the closure while the GC is marking: every guest store into a pointer slot of g, m or p is "
      "audited against Go 1.8's hybrid write barrier";
  gc.gc = GcPhase::Marking;
  all.push_back(gc);

  Scenario preempt = closure;
  preempt.name = "preempt";
  preempt.description =
      "a preemption request (stackguard0 == stackPreempt): newstack resumes the goroutine "
      "without growing, then it grows as usual";
  preempt.fault = Fault::Preempt;
  all.push_back(preempt);

  auto fault = [&](std::string name, std::string description, Fault f, std::string expect) {
    Scenario s = closure;
    s.name = std::move(name);
    s.description = std::move(description);
    s.fault = f;
    s.expect = std::move(expect);
    s.min_growths = 0;
    return s;
  };
  all.push_back(fault("g0", "the closure runs on m.g0: morestack must refuse to grow the scheduler stack", Fault::OnG0,
                      "fatal: morestack on g0"));
  all.push_back(fault("gsignal",
                      "the closure runs on m.gsignal, as a signal handler would: morestack must refuse to grow "
                      "the signal stack",
                      Fault::OnGsignal, "fatal: morestack on gsignal"));
  all.push_back(fault("throwsplit", "gp.throwsplit is set: the stack must not split now", Fault::ThrowSplit,
                      "runtime: stack split at bad time"));
  all.push_back(fault("wrong-g", "m.curg is not the goroutine that called morestack", Fault::WrongGoroutine,
                      "runtime: wrong goroutine in newstack"));
  Scenario overflow = fault("overflow", "debug.SetMaxStack(16384): the growth past 16 KiB must fail", Fault::Overflow,
                            "stack overflow");
  overflow.max_stack = 16384;
  all.push_back(overflow);
  Scenario ret = fault("newstack-returns",
                       "newstack returns to its caller: the trampoline's crash-if-returns instruction must catch it",
                       Fault::NewstackReturns, "newstack returned into the trampoline");
  ret.budget = 200'000;  // arm's "crash" is a RET to itself: a loop the budget ends
  all.push_back(ret);
  return all;
}

}  // namespace

std::span<const Scenario> scenarios() {
  static const std::vector<Scenario> all = build();
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
