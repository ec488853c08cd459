// The systemstack suite's scenarios and its report columns.
#include <vector>

#include "runtime_model/note_column.hpp"
#include "runtime_model/systemstack/systemstack_suite.hpp"

namespace gotramp::model {
namespace {

std::vector<Scenario> build() {
  std::vector<Scenario> all;
  Scenario plain;
  plain.trampoline = "systemstack";
  plain.name = "switch";
  plain.description =
      "the goroutine m.curg calls systemstack(fn): systemstack saves it in g.sched as if in systemstack_switch, "
      "calls fn on g0 and switches back, clearing g.sched.sp, and returns";
  all.push_back(plain);

  Scenario closure = plain;
  closure.name = "closure";
  closure.description =
      "fn is a closure: systemstack calls it through its func value, which fn finds in the context register";
  closure.exercise.fn_closure = true;
  all.push_back(closure);

  Scenario on_g0 = plain;
  on_g0.name = "on-g0";
  on_g0.description = "scheduler code on m.g0 calls systemstack: fn runs on g0's own stack, with no switch";
  on_g0.world.runs = World::Runs::G0;
  all.push_back(on_g0);

  Scenario on_gsignal = plain;
  on_gsignal.name = "on-gsignal";
  on_gsignal.description = "a signal handler on m.gsignal calls systemstack: fn runs on the signal stack, no switch";
  on_gsignal.world.runs = World::Runs::Gsignal;
  all.push_back(on_gsignal);

  Scenario foreign = plain;
  foreign.name = "foreign";
  foreign.description =
      "a goroutine that is not m.curg calls systemstack: it must call badsystemstack, which prints, and crash";
  foreign.world.foreign_curg = true;
  foreign.expect = SystemstackSuite::kBadText;
  all.push_back(foreign);
  return all;
}

}  // namespace

std::span<const Scenario> systemstack_scenarios() {
  static const std::vector<Scenario> all = build();
  return all;
}

std::vector<Column> systemstack_columns() {
  return {
      note_column("sched.pc"),
      note_column("g0 SP at fn"),
      note_column("sched.bp"),
      note_column("fn FP"),
  };
}

}  // namespace gotramp::model
