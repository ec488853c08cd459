// Machine: one guest ELF loaded into one engine, with the host half of the Go runtime
// hooked where the guest calls it. A Machine runs scenarios one after another on the
// same engine (its translation cache stays warm); each run starts from fresh g, m and
// stacks.
//
// The host half lives in stack.cpp (newstack, copystack, gogo, as in runtime/stack.go)
// and checks.cpp (what every growth is checked for, docs/DESIGN.md §4).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "emu/arch_spec.hpp"
#include "emu/elf_image.hpp"
#include "emu/engine.hpp"
#include "emu/line_table.hpp"
#include "runtime_model/arena.hpp"
#include "runtime_model/contract.hpp"
#include "runtime_model/fields.hpp"
#include "runtime_model/profile.hpp"
#include "runtime_model/report.hpp"
#include "runtime_model/scenario.hpp"
#include "runtime_model/trace.hpp"
#include "runtime_model/write_barrier.hpp"

namespace gotramp::model {

// The guest functions and variables the harness uses (guest_asm/README.md), by the
// names the runtime profile gives; a symbol the profile has no use for is empty.
struct GuestSymbols {
  emu::Symbol morestack, morestack_noctxt;          // the trampoline under test
  emu::Symbol newstack, writebarrierptr_prewrite;   // implemented by the host
  emu::Symbol badmorestackg0, badmorestackgsignal;  // implemented by the host
  emu::Symbol gogo, abort;                          // the guest's own
  emu::Symbol closure, sum;                         // functions with a split prologue
  emu::Symbol entry_closure, entry_plain, harness_exit;
  emu::Symbol depth, result;  // variables
  static GuestSymbols resolve(const emu::ElfImage& image, const RuntimeProfile& profile);
  const emu::Symbol& entry(const Scenario& s) const;
};

// A Go throw raised by the host runtime; it ends the run.
struct GoThrow : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct RunOptions {
  // Guest instructions per run (unless the scenario sets one): 35x the longest
  // scenario (closure-gc and preempt, about 56,000), so that a runaway trampoline
  // is stopped in about 0.1 s rather than seconds.
  uint64_t budget = 2'000'000;
  uint64_t initial_stack = 0;  // the goroutine's first stack, a power of 2 (0: _StackMin)
  TraceOptions trace;          // off the fast path: hooks exist only for traced runs
  // Called as a host-implemented function (newstack...) is entered, before the host
  // changes anything: the CPU as the call left it (tests compare traces with it).
  std::function<void(uint64_t pc)> host_entered;
  // Log every guest store, to blame Findings on the store that caused them. Off the
  // fast path: run() re-runs a failed run with it (runs are deterministic).
  bool log_stores = false;
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
  uint64_t sched_ctxt = 0;  // gp.sched.ctxt before the trampoline ran
};

class Machine {
 public:
  // A guest ELF of guest_asm/ (the Go 1.8 transcription profile).
  Machine(const emu::ArchSpec& spec, const std::string& elf_path);
  // A loaded image under a runtime profile.
  Machine(const emu::ArchSpec& spec, emu::ElfImage image, std::shared_ptr<const RuntimeProfile> profile);
  // The probe (probe/main.go) as a real toolchain built it: its own runtime's
  // morestack, gogo and prologues under a profile read from its DWARF.
  static std::unique_ptr<Machine> for_probe(const emu::ArchSpec& spec, const std::string& elf_path,
                                            const std::string& toolchain, const std::filesystem::path& goroot = {});
  ~Machine();

  // One run of a scenario under a contract. A run with Findings about guest memory
  // is run again with a store log, so that each names its cause.
  RunReport run(const Scenario& s, const Contract& c, const RunOptions& opt = {});

  const emu::ArchSpec& spec() const { return spec_; }
  emu::Engine& engine() { return engine_; }
  const emu::ElfImage& image() const { return image_; }
  const GuestSymbols& symbols() const { return sym_; }
  const RuntimeProfile& profile() const { return *prof_; }
  // "0x66204 (main.closure+0x34)"
  std::string describe(uint64_t pc) const { return code_name(pc); }
  // What newstack's checks of a g0 frame expect (for frame diagrams).
  SequenceExpect frame_expectations(const RunReport& r) const;
  // Once newstack has handed the goroutine to gogo and until gogo jumps: the PC it
  // resumes at (g.sched.pc). A debugger steps over newstack and gogo as one.
  std::optional<uint64_t> resuming_at() const;

  // Value the harness stores in the closure (funcval.x).
  static constexpr uint64_t kCaptured = kTranscriptionCaptured;
  // What the harness leaves in the context register when there is no closure, so
  // that a morestack_noctxt which forgets to clear it is caught.
  static constexpr uint64_t kCtxtPoison = 0xbadc7c7dbadc7c7dULL;

 private:
  struct Run;

  // Hooks (machine.cpp).
  void on_morestack(uint64_t pc);
  void on_block(uint64_t addr, uint32_t size);
  void on_badmorestack(const char* what);
  void on_heap_write(uint64_t addr, int size, uint64_t value);
  void host_entry(uint64_t pc);
  void diagnose(const emu::RunResult& stop);
  void set_verdict();
  void lost_write_barrier(const UnbarrieredWrite& w);
  RunReport run_once(const Scenario& s, const Contract& c, const RunOptions& opt);
  void setup(const Scenario& s, const RunOptions& opt);
  void finish(const emu::RunResult& stop);

  // runtime/stack.go (stack.cpp).
  void newstack();
  void copystack(Ptr<rt::g> gp, uint64_t newsize, Growth& growth);
  void gogo(Ptr<rt::gobuf> buf);
  void writebarrierptr_prewrite();
  [[noreturn]] void throw_(const std::string& text);
  void resume_preempted(Ptr<rt::g> gp, int n, uint64_t ctxt);
  void call_guest(uint64_t fn, std::initializer_list<uint64_t> args, uint64_t ret);
  void call_entry(uint64_t sp, std::initializer_list<uint64_t> args);
  uint64_t entry_result();
  const Layouts& L() const { return *prof_->layouts; }
  const RuntimeFields& fields() const { return prof_->fields; }
  const emu::Reg& fp() const { return prof_->frame_pointer(spec_); }
  std::string expected_words(const Scenario& s) const;

  // Tracing (tracer.cpp).
  void trace_start();
  void trace_stop();
  void trace_settle();
  void trace_insn(uint64_t pc);
  void trace_host(std::string text);
  void trace_push(TraceStep s);
  void trace_window_opens();
  void trace_window_closes();
  void trace_first_failure();
  void annotate(TraceStep& s) const;
  std::string store_meaning(uint64_t addr, int growth, uint64_t sp_after) const;
  const emu::LineTable* lines();  // the ELF's line table, loaded once; empty without DWARF
  std::string stack_name(uint64_t sp) const;
  bool host_implemented(uint64_t pc) const;

  // docs/DESIGN.md §4 (checks.cpp).
  void check_newstack_entry(uint64_t sp, int growth);
  void check_resumed(uint64_t addr);
  void check_frame_pointers(const StackSpan& stack, int growth);
  Finding finding(std::string check, std::string slot, std::string expected, std::string seen, int growth,
                  std::optional<uint64_t> pc = std::nullopt);
  // Blame (blame.cpp): the store log, and the cause of a Finding about memory.
  void log_stores_start();
  void log_stores_stop();
  void blame(Finding& f, std::optional<uint64_t> want);
  Cause store_cause(uint64_t pc, uint64_t value);  // a known guilty store (write-barrier audit)
  struct LoggedStore {
    uint64_t pc = 0, sp = 0, addr = 0;
    int size = 0;
    uint64_t value = 0;
  };
  Cause::Elsewhere elsewhere(const LoggedStore& s, uint64_t value, int growth);
  void describe_store(uint64_t pc, std::string& where, std::string& source, std::string& text);
  std::string hex(uint64_t v) const;
  std::string code_name(uint64_t pc) const;

  const emu::ArchSpec& spec_;
  emu::ElfImage image_;
  std::shared_ptr<const RuntimeProfile> prof_;
  emu::Engine engine_;
  Arena arena_;
  GuestSymbols sym_;
  std::unique_ptr<emu::LineTable> lines_;  // loaded for the first traced run
  std::unique_ptr<Run> run_;
};

}  // namespace gotramp::model
