// The state of one run on a Machine; private to runtime_model's .cpp files.
#pragma once

#include <deque>
#include <optional>
#include <vector>

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
  Ptr<rt::m> m;
  Ptr<rt::p> p;
  Ptr<rt::g> g0, gsignal, gp;
  Ptr<rt::closure> closure;
  uint64_t ctxt_expected = 0;  // the context newstack must receive
  uint64_t maxstacksize = 0;
  uint64_t depth = 0;           // levels the recursion runs
  uint64_t result_from_hi = 0;  // a host-made call's result slot, from stack.hi (stack ABI)
  int growth = 0;               // newstack calls so far

  // The trampoline entry since the last growth.
  std::optional<MorestackEntry> entry;

  // The store log (RunOptions::log_stores): the guest stores made since the
  // current growth's trampoline was entered (none between growths), at most
  // kMaxStores of the latest (a trampoline that runs away stores without end).
  static constexpr size_t kMaxStores = 1 << 20;
  std::vector<LoggedStore> stores;
  bool stores_dropped = false;  // the oldest were dropped: "never stored" cannot be said
  std::optional<emu::Engine::HookId> store_hook;

  // newstack returned to the trampoline (Fault::NewstackReturns): where.
  uint64_t returned_to = 0;

  // After gogo the next blocks must be f's resume point (g.sched.pc) and then f's entry.
  enum class Resume { None, AtSchedPc, AtEntry } resume = Resume::None;
  uint64_t resume_pc = 0, resume_sp = 0, resume_ctxt = 0, resume_entry = 0;
  StackSpan resume_stack;
  int resume_growth = 0;

  // Tracing (RunOptions::trace), once trace_start ran.
  bool tracing = false;
  bool trace_open = false, trace_closed = false;
  int trace_after = 0;  // instructions still kept after the window's growth resumed
  uint64_t trace_count = 0;
  std::vector<uint64_t> trace_regs;  // register values after the last instruction
  std::optional<emu::Engine::HookId> trace_code_hook, trace_write_hook;
  TraceStep* trace_current = nullptr;       // the step the running instruction fills in
  TraceStep* trace_ring_current = nullptr;  // its copy in the ring
  TraceStep* trace_last_host = nullptr;     // the host step register changes go to
  std::deque<TraceStep> trace_ring;         // the last steps, for failure reports
  std::deque<TraceStep> trace_before;       // steps before a --growth window opens
  std::string trace_stack;                  // the stack SP was on
};

}  // namespace gotramp::model
