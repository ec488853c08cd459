// Tracer: one traced run (RunOptions::trace), instruction by instruction. A hook on
// every instruction and every store, made only for traced runs. Steps are kept by
// episode (for morestack, a growth: the trampoline's entry until the goroutine
// restarted on its new stack); stores are named in Go's terms after the run, when
// each episode's frame is known.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "emu/engine.hpp"
#include "runtime_model/trace.hpp"

namespace gotramp::model {

class Harness;
struct RunReport;

class Tracer {
 public:
  Tracer(Harness& h, const TraceOptions& opt, RunReport& report);
  ~Tracer();
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;

  // Hooks every instruction and store from here on; `first` numbers the next step.
  // Until then (a run traced from an instruction on) the tracer does nothing.
  void start(uint64_t first = 0);
  bool started() const { return code_hook_.has_value(); }
  // Unhooks, and names every kept store in Go's terms.
  void stop();
  // A host step: what the host runtime did in place of a guest function.
  void host(std::string text);
  // A --growth/--episode window opens as its episode's trampoline is entered, and
  // closes a few instructions after that episode's goroutine resumed.
  void episode_opens(int episode);
  void episode_resumed(int episode);
  // The first failing check freezes the last steps before it, for the report.
  void first_failure();

 private:
  void insn(uint64_t pc);
  void settle();
  void effects_to_ring();
  void push(TraceStep s);
  std::string stack_name(uint64_t sp) const;

  Harness& h_;
  const TraceOptions& opt_;
  RunReport& report_;
  bool open_ = false, closed_ = false;
  int after_ = 0;  // instructions still kept after the window's episode resumed
  uint64_t count_ = 0;
  std::vector<uint64_t> regs_;  // register values after the last instruction
  std::optional<emu::Engine::HookId> code_hook_, write_hook_;
  TraceStep* current_ = nullptr;       // the step the running instruction fills in
  TraceStep* ring_current_ = nullptr;  // its copy in the ring
  TraceStep* last_host_ = nullptr;     // the host step register changes go to
  std::deque<TraceStep> ring_;         // the last steps, for failure reports
  std::deque<TraceStep> before_;       // steps before a window opens
  std::string stack_;                  // the stack SP was on
};

}  // namespace gotramp::model
