// Contract: what newstack expects of the trampoline that calls it. The model is
// given a contract; it never assumes one. The seed (Go commit bf9c71cb) passes the
// context register as newstack's argument; its parent stored it into g.sched.ctxt
// from assembly and repaired the missing write barrier in newstack; since Go 1.10
// (the modern contract) morestack stores it again and the GC scans g.sched.ctxt as
// a root. A contract is a value of named parts: what the trampoline does, and what
// newstack does with what it was handed.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gotramp::model {

struct Contract {
  std::string name;         // "seed" | "parent" | "parent-norepair" | "modern"
  std::string description;  // one line for reports

  // What the trampoline (morestack) does before it calls newstack.
  struct Trampoline {
    // Stores the context register into g.sched.ctxt itself (a store no write
    // barrier covers).
    bool stores_ctxt = false;
    // On link-register machines, builds newstack a frame on g0 whose saved-LR word
    // is zero (the seed, to pass the argument; modern Go, to keep tracebacks sane).
    // The parent called newstack right at g0.sched.sp.
    bool builds_g0_frame = true;
    // newstack runs with a frame pointer that is 0 or a frame record on the g0
    // stack at or above its SP, never a stale g0 frame or the goroutine's (modern
    // Go since go1.25, golang/go#63630; on rows that keep frame pointers).
    bool frame_pointer_on_g0 = false;
  } trampoline;

  // What newstack does with the context.
  struct Newstack {
    // newstack(ctxt unsafe.Pointer): the context arrives as the first argument, in
    // the frame the trampoline built, and newstack stores it into gp.sched.ctxt
    // with a barriered write.
    bool ctxt_is_argument = false;
    // Runs writebarrierptr_nostore(&gp.sched.ctxt, gp.sched.ctxt), repairing the
    // trampoline's unbarriered store.
    bool repairs_barrier = false;
    // Finds the context in g.sched.ctxt and nowhere else: it must hold the closure
    // as f's prologue had it, 0 through morestack_noctxt (modern Go).
    bool ctxt_via_sched = false;
  } newstack;

  // What reports call the word at newstack's SP, the check of it and the slot, in
  // this contract's own terms (docs/checks.md). Under the seed and its parent it
  // lies below newstack's argument slot; newstack() takes no argument since Go
  // 1.10, so the modern contract names it for what it is: the saved LR of the g0
  // frame morestack built, or on x86 the return PC CALL pushed.
  struct Names {
    std::string saved_lr_check = "slot-below-arg0";  // link-register rows
    std::string saved_lr_slot = "saved LR (zero)";
    std::string return_pc_check = "slot-below-arg0";  // x86 rows
    std::string return_pc_slot = "return PC";
  } names;

  // The guest file holding this contract's morestack in the GOARCH's guest folder;
  // empty for a contract only real toolchains keep (no transcription).
  std::string transcription;
  // An expected-failure contract names the check it must fail; it passes, as
  // "diagnosed", when that check fails.
  std::string expect_failure;

  bool transcribed() const { return !transcription.empty(); }
};

std::span<const Contract> contracts();
const Contract* find_contract(std::string_view name);
// "seed, parent, parent-norepair, both": the names a user may give, with the groups
// unless with_groups is false (where one run is looked at).
std::string contract_names(bool with_groups = true);
// "both" is seed and parent, the pair the seed commit is about.
std::vector<const Contract*> contract_group(std::string_view name);

}  // namespace gotramp::model
