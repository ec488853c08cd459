// Suite: one trampoline under test on the harness (runtime_model/harness.hpp): the
// host functions that answer it, the exercise a scenario makes it run, and the
// checks of what it did. Jobs are GOARCH x trampoline x contract x scenario; each
// trampoline has its own scenarios and its own report columns.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "emu/arch_spec.hpp"
#include "emu/engine.hpp"
#include "runtime_model/report.hpp"
#include "runtime_model/scenario.hpp"

namespace gotramp::model {

class Harness;

class Suite {
 public:
  virtual ~Suite() = default;
  // Hooks its host functions and observers into the harness; undone by uninstall.
  virtual void install(Harness& h) = 0;
  virtual void uninstall(Harness& h) = 0;
  // A run begins on a freshly built world: the suite's per-run state is reset and
  // the scenario's exercise entered. Returns the PC the run starts at.
  virtual uint64_t enter(Harness& h) = 0;
  // The run ended (at the exit pad, or not): checks what it produced.
  virtual void finish(Harness& h, const emu::RunResult& stop) = 0;
  // The run was abandoned (the engine threw): forget its state.
  virtual void abandon() {}

  // Once the host has handed the guest to code that resumes it, and until it does:
  // where it resumes (a debugger steps over both as one).
  virtual std::optional<uint64_t> resuming_at() const { return std::nullopt; }
  // A guest store into a heap object's pointer field that the contract expects to
  // be made without a write barrier (the trampoline's own, under its contract).
  virtual bool expected_unbarriered(const std::string& field_path) const {
    (void)field_path;
    return false;
  }
  // A runtime function scenario s needs that the binary lacks
  // (RuntimeProfile::absent): the run would not reach it.
  struct Absent {
    std::string symbol;   // "runtime.badmorestackgsignal"
    uint64_t caller = 0;  // the trampoline that should call it
    std::string why;      // "morestack calls it on m.gsignal, to refuse to grow a signal stack"
  };
  virtual std::optional<Absent> absent_for(const Harness& h, const Scenario& s) const {
    (void)h, (void)s;
    return std::nullopt;
  }
  // What an address on the g0 stack is in the frames this suite's episodes built,
  // for a store made in `episode` ("" when it knows nothing of it).
  virtual std::string g0_slot_meaning(uint64_t addr, int episode) const {
    (void)addr, (void)episode;
    return "";
  }
};

// A column of the verify table for a trampoline's runs: its heading and its cell,
// from the run's report (nullptr when the run produced none). Columns come before
// the table's count of checks, or after it.
struct Column {
  std::string heading;
  std::function<std::string(const RunReport* r, const emu::ArchSpec& spec)> cell;
  bool after_checks = false;
};

// A trampoline the harness can test: its suite, scenarios and columns.
struct Trampoline {
  std::string name;  // "morestack"
  std::string description;
  std::span<const Scenario> (*scenarios)();
  std::unique_ptr<Suite> (*make)();
  std::vector<Column> (*columns)();
  // Runs only on a real toolchain's runtime (--go): Go 1.8's transcriptions carry
  // morestack alone.
  bool real_only = false;
  // The function the trampoline switches to g0 to call, whose entry frame diagrams
  // show; and what a run's episodes (the trampoline's calls) are called.
  std::string callee = "newstack";
  std::string episode = "growth";
};

std::span<const Trampoline> trampolines();
const Trampoline* find_trampoline(std::string_view name);
// "morestack": the names a user may give (without "all").
std::string trampoline_names();

// A trampoline's scenarios, by name (morestack's unless another is named).
std::span<const Scenario> scenarios(std::string_view trampoline = "morestack");
const Scenario* find_scenario(std::string_view name, std::string_view trampoline = "morestack");
std::string scenario_names(std::string_view trampoline = "morestack");

}  // namespace gotramp::model
