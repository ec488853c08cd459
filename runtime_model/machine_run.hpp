// The state of one run on a Machine; private to runtime_model's .cpp files.
#pragma once

#include <optional>

#include "runtime_model/machine.hpp"

namespace gotramp::model {

struct Machine::Run {
  Run(const Scenario& s, const Contract& c, const RunOptions& o, emu::Engine& e)
      : scenario(s), contract(c), opt(o), wb(e) {}

  const Scenario& scenario;
  const Contract& contract;
  RunOptions opt;
  RunReport report;
  CheckLog log;
  WriteBarrier wb;

  // The runtime's objects for this run.
  Ref m, p, g0, gsignal, gp, closure;
  uint64_t ctxt_expected = 0;  // the context newstack must receive
  uint64_t maxstacksize = 0;
  int growth = 0;  // newstack calls so far

  // The trampoline entry since the last growth.
  std::optional<MorestackEntry> entry;

  // newstack returned to the trampoline (Fault::NewstackReturns): where.
  uint64_t returned_to = 0;

  // After gogo the next blocks must be f's resume point (g.sched.pc) and then f's entry.
  enum class Resume { None, AtSchedPc, AtEntry } resume = Resume::None;
  uint64_t resume_pc = 0, resume_sp = 0, resume_ctxt = 0, resume_entry = 0;
  StackSpan resume_stack;
  int resume_growth = 0;
};

}  // namespace gotramp::model
