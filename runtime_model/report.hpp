// What a run found: the checks of docs/DESIGN.md §4 per growth, Findings for the failures,
// and the facts a report prints (in Go's terms: registers, slots, fields).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "emu/engine.hpp"
#include "runtime_model/g0_frame.hpp"
#include "runtime_model/trace.hpp"
#include "runtime_model/write_barrier.hpp"

namespace gotramp::model {

// One failed check, with everything a porter needs to find the bug.
struct Finding {
  std::string check;  // "ctxt-argument"
  std::string goarch, contract, scenario;
  int growth = 0;     // 1-based; 0 when not tied to a growth
  uint64_t pc = 0;    // where it was detected
  std::string where;  // "main.morestack+0x5c"
  std::string insn;   // disassembly at pc
  std::string slot;   // "8(RSP) ctxt argument" or "g.sched.sp"
  std::string expected, seen;
  std::string message() const;
};

// A check's outcome over the whole run.
struct Check {
  std::string name;
  bool ok = true;
  int passed = 0;      // times it held
  std::string detail;  // first failure, or what held
};

// One call of newstack.
struct Growth {
  int n = 0;
  std::string function;  // the function that overflowed, e.g. "main.closure"
  uint64_t ctxt_read = 0;
  uint64_t sched_ctxt = 0;  // g.sched.ctxt as newstack left it for gogo
  uint64_t old_lo = 0, old_hi = 0, new_lo = 0, new_hi = 0;
  uint64_t copied = 0;     // bytes of used stack copied
  int fp_fixes = 0;        // saved frame pointers adjusted
  bool preempted = false;  // a preemption request, resumed without growing
};

struct RunReport {
  std::string goarch, contract, scenario;
  std::string ctxt_reg, arg_slot;
  uint64_t ctxt_set = 0;
  std::optional<uint64_t> ctxt_read;  // first value newstack read
  std::vector<Growth> growths;
  int preemptions = 0;
  std::vector<Check> checks;
  std::vector<Finding> findings;
  uint64_t result_expected = 0, result_got = 0;
  std::optional<std::string> throw_text;  // a Go throw the model raised
  std::vector<std::string> printed;       // what the runtime wrote to stderr
  std::vector<G0Frame> frames;            // the g0 frame at each newstack entry
  std::string gc_phase = "off";
  std::vector<UnbarrieredWrite> unbarriered;  // guest pointer stores no barrier covered
  std::vector<uint64_t> shaded;               // objects the barriers shaded
  std::vector<TraceStep> trace;               // traced runs only
  std::vector<TraceStep> trace_tail;          // traced runs: the steps before the first failure
  // Distinct store sites (PC and field) among the unbarriered writes.
  int unbarriered_sites() const;
  bool all_repaired() const;
  emu::RunResult stop;
  std::string verdict;  // "verified", "FAILED", "diagnosed", "not yet verified"
  bool passed() const { return verdict == "verified" || verdict == "diagnosed"; }
  // Growths that really grew the stack (not preemption requests).
  int grown() const {
    int n = 0;
    for (const auto& g : growths) n += !g.preempted;
    return n;
  }
};

// Records checks as growths happen, keeping the first few failures as Findings.
class CheckLog {
 public:
  std::function<void()> on_first_failure;  // called once, before the first failure is logged
  static constexpr int kMaxFindingsPerCheck = 3;
  void pass(const std::string& name, std::string detail = {});
  void fail(Finding f);
  std::vector<Check> checks() const;
  const std::vector<Finding>& findings() const { return findings_; }
  bool all_ok() const;

 private:
  std::vector<std::string> order_;
  std::map<std::string, Check> checks_;
  std::vector<Finding> findings_;
  Check& slot(const std::string& name);
};

}  // namespace gotramp::model
