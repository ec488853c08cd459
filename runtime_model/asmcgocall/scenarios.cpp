// The asmcgocall suite's scenarios and its report columns.
#include <vector>

#include "runtime_model/asmcgocall/asmcgocall_suite.hpp"
#include "runtime_model/note_column.hpp"

namespace gotramp::model {
namespace {

std::vector<Scenario> build() {
  std::vector<Scenario> all;
  Scenario call;
  call.trampoline = "asmcgocall";
  call.name = "call";
  call.description =
      "the goroutine m.curg calls asmcgocall(fn, arg): it saves the goroutine in g.sched as if in systemstack_switch, "
      "calls fn on g0 as the C ABI wants, comes back to the depth it saved and returns fn's int32";
  all.push_back(call);

  Scenario moved = call;
  moved.name = "moved";
  moved.description =
      "while C runs, it calls back into Go and the goroutine's stack grows (moves): asmcgocall must come back to the "
      "new stack, at the depth it saved, not to the SP it left";
  moved.exercise.moves_stack = true;
  moved.exercise.aligned_sp = true;
  all.push_back(moved);

  Scenario on_g0 = call;
  on_g0.name = "on-g0";
  on_g0.description = "scheduler code on m.g0 calls asmcgocall: fn runs on g0's own stack, with no switch";
  on_g0.world.runs = World::Runs::G0;
  on_g0.exercise.aligned_sp = true;
  all.push_back(on_g0);

  Scenario on_gsignal = call;
  on_gsignal.name = "on-gsignal";
  on_gsignal.description =
      "a signal handler on m.gsignal calls asmcgocall: fn runs on the signal stack, with no switch and g0.sched "
      "untouched (golang/go#36435)";
  on_gsignal.world.runs = World::Runs::Gsignal;
  all.push_back(on_gsignal);
  return all;
}

}  // namespace

std::span<const Scenario> asmcgocall_scenarios() {
  static const std::vector<Scenario> all = build();
  return all;
}

std::vector<Column> asmcgocall_columns() {
  return {
      note_column("sched.pc"),
      note_column("C SP"),
      note_column("C align"),
      note_column("result"),
  };
}

}  // namespace gotramp::model
