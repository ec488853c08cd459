// The state of one run on a Harness; private to the harness's .cpp files.
#pragma once

#include <memory>
#include <optional>

#include "runtime_model/harness.hpp"
#include "runtime_model/register_log.hpp"
#include "runtime_model/store_log.hpp"
#include "runtime_model/tracer.hpp"

namespace gotramp::model {

struct Harness::Run {
  Run(const Scenario& s, const Contract& c, const RunOptions& o, emu::Engine& e)
      : scenario(s), contract(c), opt(o), wb(e) {}

  const Scenario& scenario;
  const Contract& contract;
  RunOptions opt;
  RunReport report;
  CheckLog log;
  WriteBarrier wb;
  WorldObjects world;

  // The exercise: the closure it runs with (or none), and the call that entered it.
  Ptr<rt::closure> closure;
  uint64_t ctxt = 0;
  GuestCall exercise;

  // Episodes of the trampoline under test.
  bool episode_open = false;
  int episodes_done = 0;

  StoreLog stores;                           // RunOptions::log_stores
  RegisterLog regs;                          // RunOptions::log_stores
  std::unique_ptr<Tracer> tracer;            // RunOptions::trace
  std::optional<emu::Engine::HookId> audit;  // the write-barrier audit of heap stores
};

}  // namespace gotramp::model
