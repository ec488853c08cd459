// MorestackSuite: stack growth. A function's stack-split prologue calls
// runtime·morestack (or morestack_noctxt), which switches to g0 and calls newstack;
// the host implements newstack as Go's runtime/stack.go does (stack.cpp), and
// resumes the goroutine through the guest's own gogo. Every growth is checked at
// newstack's entry and as the goroutine resumes (checks.cpp, docs/DESIGN.md §4).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emu/elf_image.hpp"
#include "runtime_model/arena.hpp"
#include "runtime_model/fields.hpp"
#include "runtime_model/harness.hpp"
#include "runtime_model/morestack/g0_frame.hpp"
#include "runtime_model/pclntab.hpp"
#include "runtime_model/suite.hpp"

namespace gotramp::model {

// The runtime functions the suite uses, by the names the runtime profile gives
// (a symbol the profile has no use for is empty).
struct MorestackSymbols {
  emu::Symbol morestack, morestack_noctxt;          // the trampoline under test
  emu::Symbol newstack, writebarrierptr_prewrite;   // implemented by the host
  emu::Symbol badmorestackg0, badmorestackgsignal;  // implemented by the host
  emu::Symbol gogo, abort;                          // the guest's own
  static MorestackSymbols resolve(const emu::ElfImage& image, const RuntimeProfile& profile);
};

// What the CPU looked like when f called the trampoline: the ground truth the
// trampoline's stores into g.sched and m.morebuf are checked against.
struct MorestackEntry {
  uint64_t pc = 0;  // the trampoline entered (morestack or morestack_noctxt)
  uint64_t sp = 0;
  uint64_t f_pc = 0;         // return address into f                -> g.sched.pc
  uint64_t f_sp = 0;         // f's SP at the call                   -> g.sched.sp
  uint64_t f_caller_pc = 0;  // f's caller's PC                       -> m.morebuf.pc (and g.sched.lr)
  uint64_t f_caller_sp = 0;  // f's caller's SP                       -> m.morebuf.sp
  uint64_t bp = 0;           // frame pointer (amd64)                 -> g.sched.bp
  uint64_t ctxt = 0;         // context register
  uint64_t g = 0;
  uint64_t sched_ctxt = 0;   // gp.sched.ctxt before the trampoline ran
  uint64_t stackguard0 = 0;  // the running g's stackguard0: what f's prologue compared SP with
  // The block that ended in the prologue's conditional branch: the one before the
  // block that calls the trampoline.
  emu::Engine::Block prologue;
  // Entered through morestack_noctxt; once it jumped on to morestack, the block that
  // did (its last instruction is the jump), and ctxt is the context register there.
  bool via_noctxt = false;
  std::optional<emu::Engine::Block> noctxt_exit;
  // The register ABI's argument registers as f's prologue left them (f's arguments,
  // which it must reload after morestack returns), in the row's order.
  std::vector<uint64_t> int_args, float_args;
};

class MorestackSuite final : public Suite {
 public:
  void install(Harness& h) override;
  void uninstall(Harness& h) override;
  uint64_t enter(Harness& h) override;
  void finish(Harness& h, const emu::RunResult& stop) override;
  void abandon() override;
  std::optional<uint64_t> resuming_at() const override;
  bool expected_unbarriered(const std::string& field_path) const override;
  std::string g0_slot_meaning(uint64_t addr, int episode) const override;
  std::optional<Absent> absent_for(const Harness& h, const Scenario& s) const override;

  const MorestackSymbols& symbols() const { return sym_; }
  // What newstack's checks of a g0 frame expect (for frame diagrams).
  SequenceExpect frame_expectations(const Harness& h, const RunReport& r) const;

 private:
  // The run in progress.
  struct State {
    uint64_t ctxt_expected = 0;  // the context newstack must receive
    uint64_t depth = 0;          // levels the recursion runs
    int growth = 0;              // newstack calls so far
    // The trampoline entry since the last growth.
    std::optional<MorestackEntry> entry;
    // newstack returned to the trampoline (HostFault::NewstackReturns): where.
    uint64_t returned_to = 0;
    // After gogo the next blocks must be f's resume point (g.sched.pc) and then f's entry.
    enum class Resume { None, AtSchedPc, AtEntry } resume = Resume::None;
    uint64_t resume_pc = 0, resume_sp = 0, resume_ctxt = 0, resume_entry = 0;
    uint64_t resume_g = 0, resume_lr = 0, resume_bp = 0;
    // f's register arguments as it called morestack (MorestackEntry's).
    std::vector<uint64_t> resume_int_args, resume_float_args;
    StackSpan resume_stack;
    int resume_growth = 0;
  };

  // Hooks.
  void on_morestack(uint64_t pc);
  void on_block(uint64_t addr);
  void on_badmorestack(const char* what);
  void diagnose(const emu::RunResult& stop);
  std::string expected_words() const;

  // runtime/stack.go (stack.cpp).
  void newstack();
  void copystack(Ptr<rt::g> gp, uint64_t newsize, Growth& growth);
  void gogo(Ptr<rt::gobuf> buf);
  void writebarrierptr_prewrite();
  void resume_preempted(Ptr<rt::g> gp, int n, uint64_t ctxt);
  void call_guest(uint64_t fn, std::initializer_list<uint64_t> args, uint64_t ret);

  // docs/DESIGN.md §4 (checks.cpp).
  struct EntryPlaces {
    std::string f_pc, f_sp, f_caller_pc, f_caller_sp, bp, ctxt;
  };
  static EntryPlaces entry_places(const Harness& h, const MorestackEntry& m);
  void check_newstack_entry(uint64_t sp, int growth);
  void check_resumed(uint64_t addr);
  void check_resumed_state(uint64_t addr);
  void check_args_reloaded(uint64_t addr);
  // call_site: the instruction that called newstack (decoded only when a check fails).
  void check_newstack_fp(uint64_t sp, int growth, const std::function<std::optional<uint64_t>()>& call_site);
  // A context morestack stored or passed that morestack_noctxt should have zeroed.
  void blame_noctxt(Finding& f);
  void check_frame_pointers(const StackSpan& stack, int growth);
  // split_check.cpp: the growth was needed, as f's prologue class says.
  void check_split_needed(int growth);

  Harness* h_ = nullptr;
  MorestackSymbols sym_;
  std::optional<Pclntab> pclntab_;  // the binary's function table (frame sizes)
  std::string pclntab_error_;       // why there is none
  std::vector<Harness::HostId> hooks_;
  std::optional<size_t> block_hook_;
  State s_;
};

}  // namespace gotramp::model
