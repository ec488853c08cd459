// The mcall suite's scenarios and its report columns.
#include <vector>

#include "runtime_model/mcall/mcall_suite.hpp"
#include "runtime_model/note_column.hpp"

namespace gotramp::model {
namespace {

std::vector<Scenario> build() {
  std::vector<Scenario> all;
  Scenario plain;
  plain.trampoline = "mcall";
  plain.name = "park";
  plain.description =
      "a goroutine calls mcall(fn), as gopark does: fn runs on g0 with the goroutine as its argument and resumes it "
      "through gogo(&g.sched)";
  all.push_back(plain);

  Scenario closure = plain;
  closure.name = "closure";
  closure.description =
      "fn is a closure: mcall calls it through its func value, which fn finds in the context register";
  closure.exercise.fn_closure = true;
  all.push_back(closure);

  Scenario on_g0 = plain;
  on_g0.name = "on-g0";
  on_g0.description = "scheduler code on m.g0 calls mcall: mcall must not switch, and calls badmcall";
  on_g0.world.runs = World::Runs::G0;
  on_g0.expect = "runtime: mcall called on m->g0 stack";
  all.push_back(on_g0);

  Scenario returns = plain;
  returns.name = "fn-returns";
  returns.description = "fn returns (a broken host on purpose): mcall must call badmcall2";
  returns.host = HostFault::FnReturns;
  returns.expect = "runtime: mcall function returned";
  all.push_back(returns);
  return all;
}

}  // namespace

std::span<const Scenario> mcall_scenarios() {
  static const std::vector<Scenario> all = build();
  return all;
}

std::vector<Column> mcall_columns() {
  return {
      note_column("fn arg"),
      note_column("g0 SP at fn"),
      note_column("sched.bp"),
      note_column("fn FP"),
  };
}

}  // namespace gotramp::model
