// What a run found: the checks of docs/DESIGN.md §4 per growth, Findings for the failures,
// and the facts a report prints (in Go's terms: registers, slots, fields).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "emu/engine.hpp"
#include "runtime_model/known_bugs.hpp"
#include "runtime_model/morestack/g0_frame.hpp"
#include "runtime_model/trace.hpp"
#include "runtime_model/write_barrier.hpp"

namespace gotramp::model {

// Why a slot, field or register holds a wrong value, found in the run's store log
// or register log (a failed run is re-run with them: runs are deterministic). The
// guilty instruction is named by PC, symbol, source line and the line as the porter
// wrote it.
struct Cause {
  enum class Kind {
    WrongStore,    // the last store since the trampoline was entered wrote the wrong value
    NeverStored,   // no instruction stored to it since the trampoline was entered
    ClobberedBy,   // the expected value was stored, then this later store overwrote it
    WrongWrite,    // a register: the last instruction that wrote it in the window wrote the wrong value
    NeverWritten,  // a register: no instruction wrote it in the window (pc: the window's last one)
    NeverCalled,   // a runtime function (reg: its name) nothing calls; pc: the trampoline that should
  };
  std::string reg;  // WrongWrite, NeverWritten: the register, by Plan 9 name; NeverCalled: the function
  // What went wrong, when the kind alone does not say ("runtime.morestack_noctxt
  // never writes R26: ..."); it leads describe().
  std::string summary;
  Kind kind = Kind::NeverStored;
  // The guilty store (WrongStore, ClobberedBy): its instruction and what it wrote.
  uint64_t pc = 0;
  std::string where;   // "main.morestack+0x5c"
  std::string source;  // "morestack.s:43"
  std::string text;    // "MOVD R26, 16(RSP) // one word off"
  uint64_t value = 0;
  // Another store of the expected value: to another slot (instead), or to this
  // one before the guilty store (overwritten).
  struct Elsewhere {
    uint64_t addr = 0, value = 0;
    std::string slot;  // "g0 stack 16(RSP) (newstack's caller frame)"
    uint64_t pc = 0;
    std::string where, source, text;
  };
  std::optional<Elsewhere> instead;
  // ClobberedBy: the earlier store of the right value into the slot itself.
  std::optional<Elsewhere> overwritten;
  // NeverStored, NeverWritten: the first instruction of the window it was looked
  // for in (pc, where, source and text then name its last: the one that left it).
  std::optional<Elsewhere> window_start;
  // "MOVD R26, 16(RSP) at morestack.s:43 (0x662cc main.morestack+0x5c) stored 0x400004d0"
  std::string describe() const;
};
const char* cause_kind_name(Cause::Kind k);  // "wrong-store", "never-stored", "clobbered-by"

// One failed check, with everything a porter needs to find the bug.
struct Finding {
  std::string check;  // "ctxt-argument"
  std::string goarch, trampoline, contract, scenario;
  int growth = 0;     // 1-based; 0 when not tied to a growth
  uint64_t pc = 0;    // where it was detected
  std::string where;  // "main.morestack+0x5c"
  std::string insn;   // disassembly at pc
  std::string slot;   // "8(RSP) ctxt argument" or "g.sched.sp"
  std::string expected, seen;
  // Where the expected value comes from ("R3 at morestack's entry: f's caller's PC"),
  // and the symbol each value points into when it is a code address
  // ("main.sum+0x5c"; empty otherwise).
  std::string expected_from, expected_symbol, seen_symbol;
  // The guest memory the slot or field lives in (size 0: a register or a property
  // of the run), and what blamed it.
  uint64_t addr = 0;
  int size = 0;
  // The register a Finding is about, by Plan 9 name (blame follows the guest
  // instructions that wrote it); empty when it is about memory or the run.
  std::string reg;
  std::optional<Cause> cause;
  // The known upstream bug it is (runtime_model/known_bugs.hpp), when the catalog
  // has it for the run's GOARCH, trampoline and runtime version.
  std::shared_ptr<const KnownBug> known;
  std::string message() const;
  // "0x881e8 (main.sum+0x5c; R3 at morestack's entry: f's caller's PC)", "0x88208 (main.sum+0x7c)".
  std::string expected_text() const;
  std::string seen_text() const;
};

// A check's outcome over the whole run.
struct Check {
  std::string name;
  bool ok = true;
  int passed = 0;      // times it held
  std::string detail;  // first failure, or what held
  int failed = 0;      // times it failed (each a Finding, listed or not)
  int known = 0;       // of those, failures a known upstream bug explains
  // Failed, and every failure is a known upstream bug.
  bool only_known() const { return !ok && failed > 0 && known == failed; }
};

// A run's verdict from its checks: "verified" when every check held ("diagnosed"
// when the scenario expects a failure: its own check caught it); "known" when every
// check that failed failed only by known upstream bugs; else "FAILED".
std::string verdict_of(const std::vector<Check>& checks, bool expects_failure);
// Whether a verdict passes: verified and diagnosed do; known does unless strict.
bool verdict_passes(const std::string& verdict, bool strict);

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
  std::string goarch, trampoline, contract, scenario;
  std::string ctxt_reg, arg_slot;
  uint64_t ctxt_set = 0;
  std::optional<uint64_t> ctxt_read;  // first value newstack read
  std::vector<Growth> growths;
  int preemptions = 0;
  std::vector<Check> checks;
  std::vector<Finding> findings;  // the first few of each check's
  int findings_omitted = 0;       // failures beyond them, counted in Check::failed
  // The known upstream bugs its failures are (listed or not), in the order first met.
  std::vector<std::shared_ptr<const KnownBug>> known_bugs;
  uint64_t result_expected = 0, result_got = 0;
  std::optional<std::string> throw_text;  // a Go throw the model raised
  std::vector<std::string> printed;       // what the runtime wrote to stderr
  std::vector<G0Frame> frames;            // the g0 frame at each callee entry (newstack, fn)
  int episodes = 0;                       // the trampoline's calls the run made (for morestack: its growths)
  std::string gc_phase = "off";
  std::vector<UnbarrieredWrite> unbarriered;  // guest pointer stores no barrier covered
  std::vector<uint64_t> shaded;               // objects the barriers shaded
  std::vector<TraceStep> trace;               // traced runs only
  std::vector<TraceStep> trace_tail;          // traced runs: the steps before the first failure
  // What a trampoline's suite noted for its report columns, by column ("fn arg": "AX").
  std::map<std::string, std::string> notes;
  // Distinct store sites (PC and field) among the unbarriered writes.
  int unbarriered_sites() const;
  bool all_repaired() const;
  emu::RunResult stop;
  // "verified", "diagnosed", "known", "FAILED", "not yet verified", or "error": the
  // binary lacks what the scenario needs (its Findings say what).
  std::string verdict;
  // Verified and diagnosed runs pass; known ones too, unless strict.
  bool passed(bool strict = false) const { return verdict_passes(verdict, strict); }
  // Growths that really grew the stack (not preemption requests).
  int grown() const {
    int n = 0;
    for (const auto& g : growths) n += !g.preempted;
    return n;
  }
};

// Records checks as growths happen, keeping the first few failures of each check
// as Findings and counting the rest. Every failure, kept or not, is matched against
// the known upstream bugs as it is logged.
class CheckLog {
 public:
  std::function<void()> on_first_failure;  // called once, before the first failure is logged
  // The catalog's entries for the run (none: no failure is a known bug).
  KnownBugMatcher known_bugs;
  static constexpr int kMaxFindingsPerCheck = 3;
  void pass(const std::string& name, std::string detail = {});
  // Whether a failure of this check would be kept as a Finding (blame only those).
  bool keeps(const std::string& check) const;
  void fail(Finding f);
  std::vector<Check> checks() const;
  const std::vector<Finding>& findings() const { return findings_; }
  int omitted() const { return omitted_; }
  // The known upstream bugs the failures were, in the order first met.
  const std::vector<std::shared_ptr<const KnownBug>>& matched() const { return matched_; }
  bool all_ok() const;

 private:
  std::vector<std::string> order_;
  std::unordered_map<std::string, Check> checks_;  // by name; order_ keeps the order met
  std::vector<Finding> findings_;
  std::vector<std::shared_ptr<const KnownBug>> matched_;
  int omitted_ = 0;
  Check& slot(const std::string& name);
};

}  // namespace gotramp::model
