// The morestack suite's scenarios (docs/DESIGN.md §3) and its report columns.
#include <fmt/format.h>

#include <vector>

#include "runtime_model/morestack/morestack_suite.hpp"

namespace gotramp::model {
namespace {

std::vector<Scenario> build() {
  std::vector<Scenario> all;
  Scenario closure;
  closure.trampoline = "morestack";
  closure.name = "closure";
  closure.description =
      "a closure recurses 2000 deep from a 2 KiB stack, reading its captured word through the context register";
  closure.exercise.function = "closure";
  all.push_back(closure);

  Scenario noctxt = closure;
  noctxt.name = "noctxt";
  noctxt.description = "the same recursion without a closure, through morestack_noctxt: newstack must read ctxt == 0";
  noctxt.exercise.function = "sum";
  all.push_back(noctxt);

  Scenario gc = closure;
  gc.name = "closure-gc";
  gc.description =
      "the closure while the GC is marking: every guest store into a pointer slot of g, m or p is "
      "audited against Go 1.8's hybrid write barrier";
  gc.world.gc = GcPhase::Marking;
  all.push_back(gc);

  Scenario preempt = closure;
  preempt.name = "preempt";
  preempt.description =
      "a preemption request (stackguard0 == stackPreempt): newstack resumes the goroutine "
      "without growing, then it grows as usual";
  preempt.world.preempt = true;
  all.push_back(preempt);

  // Every prologue shape (the probe's; the transcriptions have the closure alone).
  auto shape = [&](std::string name, std::string function, std::string description) {
    Scenario s = closure;
    s.name = std::move(name);
    s.exercise.function = std::move(function);
    s.description = std::move(description);
    return s;
  };
  const std::vector<Scenario> shapes = {
      shape("medium", "medium",
            "a recursion with a frame between StackSmall and StackBig: the prologue compares SP - (frame - "
            "StackSmall) with the guard"),
      shape("huge", "huge",
            "a recursion with a frame beyond StackBig: the overflow-safe prologue, and newstack sizes the new stack "
            "to fit the frame"),
      shape("closure-huge", "closure-huge",
            "the closure with a frame beyond StackBig: morestack from the overflow-safe prologue with the context "
            "register live"),
      shape("regargs", "regargs",
            "a recursion taking 16 integer and 16 float arguments: every argument register of the register ABI "
            "spilled before morestack and reloaded after"),
  };
  for (const auto& s : shapes) all.push_back(s);
  // The high-stack world: the closure and every shape on stacks across 0x80000000.
  Scenario high = closure;
  high.name = "high-stack";
  high.description =
      "the closure on stacks across 0x80000000, guard below and SP above, by turns with stacks above it: a signed "
      "compare in a 32-bit prologue calls morestack with room to spare";
  high.world.stacks = World::Stacks::AcrossSignBit;
  all.push_back(high);
  for (Scenario s : shapes) {
    s.name = "high-stack-" + s.name;
    s.description = "the " + s.exercise.function + " shape on stacks across 0x80000000, by turns with stacks above it";
    s.world.stacks = World::Stacks::AcrossSignBit;
    all.push_back(s);
  }

  // A run that must end in the runtime's own words.
  auto fault = [&](std::string name, std::string description, std::string expect) {
    Scenario s = closure;
    s.name = std::move(name);
    s.description = std::move(description);
    s.expect = std::move(expect);
    s.exercise.min_growths = 0;
    return s;
  };
  Scenario g0 = fault("g0", "the closure runs on m.g0: morestack must refuse to grow the scheduler stack",
                      "fatal: morestack on g0");
  g0.world.runs = World::Runs::G0;
  all.push_back(g0);
  Scenario gsignal = fault("gsignal",
                           "the closure runs on m.gsignal, as a signal handler would: morestack must refuse to grow "
                           "the signal stack",
                           "fatal: morestack on gsignal");
  gsignal.world.runs = World::Runs::Gsignal;
  all.push_back(gsignal);
  Scenario throwsplit =
      fault("throwsplit", "gp.throwsplit is set: the stack must not split now", "runtime: stack split at bad time");
  throwsplit.world.throwsplit = true;
  all.push_back(throwsplit);
  Scenario wrong =
      fault("wrong-g", "m.curg is not the goroutine that called morestack", "runtime: wrong goroutine in newstack");
  wrong.world.foreign_curg = true;
  all.push_back(wrong);
  Scenario overflow = fault("overflow", "debug.SetMaxStack(16384): the growth past 16 KiB must fail", "stack overflow");
  overflow.world.max_stack = 16384;
  all.push_back(overflow);
  Scenario ret = fault("newstack-returns",
                       "newstack returns to its caller: the trampoline's crash-if-returns instruction must catch it",
                       "newstack returned into the trampoline");
  ret.host = HostFault::NewstackReturns;
  ret.budget = 200'000;  // arm's "crash" is a RET to itself: a loop the budget ends
  all.push_back(ret);
  return all;
}

std::string ptr(uint64_t v, int ptr_size) { return fmt::format("{:#0{}x}", v, 2 + 2 * ptr_size); }

// For runs while the GC marks: the guest's pointer stores no barrier covered.
std::string barrier_summary(const RunReport& r) {
  if (r.gc_phase != "marking") return "-";
  int sites = r.unbarriered_sites();
  if (sites == 0) return "clean";
  int lost = 0;
  for (const auto& w : r.unbarriered) lost += w.lost;
  return fmt::format("{} unbarriered, {}", sites, lost ? fmt::format("{} lost", lost) : std::string("repaired"));
}

}  // namespace

std::span<const Scenario> morestack_scenarios() {
  static const std::vector<Scenario> all = build();
  return all;
}

std::vector<Column> morestack_columns() {
  // A run that did not run (no report, or an error before it began) has no cells.
  auto if_run = [](std::function<std::string(const RunReport&, const emu::ArchSpec&)> f) {
    return [f = std::move(f)](const RunReport* r, const emu::ArchSpec& spec) {
      return r && r->verdict != "error" ? f(*r, spec) : "-";
    };
  };
  return {
      {"ctxt reg", [](const RunReport*, const emu::ArchSpec& spec) { return spec.ctxt.name; }},
      {"ctxt from", if_run([](const RunReport& r, const emu::ArchSpec&) { return r.arg_slot; })},
      {"ctxt set",
       if_run([](const RunReport& r, const emu::ArchSpec& spec) { return ptr(r.ctxt_set, spec.ptr_size); })},
      {"ctxt read", if_run([](const RunReport& r, const emu::ArchSpec& spec) {
         return r.ctxt_read ? ptr(*r.ctxt_read, spec.ptr_size) : "-";
       })},
      {"growths", if_run([](const RunReport& r, const emu::ArchSpec&) { return std::to_string(r.grown()); })},
      {"barrier", if_run([](const RunReport& r, const emu::ArchSpec&) { return barrier_summary(r); }), true},
  };
}

}  // namespace gotramp::model
