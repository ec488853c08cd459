// Harness: one guest ELF loaded into one engine, with the host half of the Go
// runtime hooked where the guest calls it. It owns what every trampoline suite
// shares: the engine, the runtime profile, the probe program and the arena; the
// world a run starts from (m, g0, gsignal, p and the goroutine); a registry of
// host-implemented functions; one way to call guest code (call); the check log,
// blame and the run loop. What is checked, and how the host answers the
// trampoline under test, is a Suite's (runtime_model/suite.hpp).
//
// A Harness runs scenarios one after another on the same engine (its translation
// cache stays warm); each run starts from fresh g, m and stacks.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "emu/arch_spec.hpp"
#include "emu/elf_image.hpp"
#include "emu/engine.hpp"
#include "emu/line_table.hpp"
#include "runtime_model/arena.hpp"
#include "runtime_model/call_frame.hpp"
#include "runtime_model/contract.hpp"
#include "runtime_model/fields.hpp"
#include "runtime_model/known_bugs.hpp"
#include "runtime_model/probe_program.hpp"
#include "runtime_model/profile.hpp"
#include "runtime_model/register_log.hpp"
#include "runtime_model/report.hpp"
#include "runtime_model/scenario.hpp"
#include "runtime_model/store_log.hpp"
#include "runtime_model/suite.hpp"
#include "runtime_model/trace.hpp"
#include "runtime_model/write_barrier.hpp"

namespace gotramp::model {

class Suite;
class Tracer;

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
  // The known upstream bugs a failure may be (runtime_model/known_bugs.hpp), for the
  // profile's toolchain version; nullptr: the catalog gotramp was built with.
  const KnownBugs* known_bugs = nullptr;
};

// A call the host made into guest code, and where its results will be.
struct GuestCall {
  Abi abi = Abi::ABI0;
  uint64_t fn = 0;
  uint64_t entry_sp = 0;
  CallFrame frame;  // where its arguments and result went
  // ABI0: the result's slot, as its distance below the top of the goroutine
  // stack it was made on (the stack may move before the callee returns).
  uint64_t result_from_hi = 0;
};

// The runtime's objects of one run, as the world made them.
struct WorldObjects {
  Ptr<rt::m> m;
  Ptr<rt::p> p;
  Ptr<rt::g> g0, gsignal, gp;
  uint64_t runner = 0;        // the g that runs the exercise (gp, g0 or gsignal)
  uint64_t sp = 0;            // where on its stack the exercise starts
  uint64_t maxstacksize = 0;  // debug.SetMaxStack
};

// Whether a run of s is likely to leave the engine without its translations: a GC
// phase audits stores with a hook, and a run with Findings is run again with its
// stores logged (Harness::run); removing those hooks drops every translated block,
// so the run after it translates the runtime again. Runs are independent, so a
// caller with several runs each to do does these last.
bool drops_translations(const Scenario& s);

// The guest program's entry points, as the probe program names them.
struct ProgramSymbols {
  std::map<std::string, emu::Symbol> functions, entry_stubs;  // by role
  emu::Symbol harness_exit;                                   // where a run ends
  emu::Symbol depth, result;                                  // GuestStub programs' variables
};

class Harness {
 public:
  // A loaded image under a runtime profile, running a probe program.
  Harness(const emu::ArchSpec& spec, emu::ElfImage image, std::shared_ptr<const RuntimeProfile> profile,
          std::shared_ptr<const ProbeProgram> program);
  // A guest ELF of guest_asm/ (the Go 1.8 transcription profile and program).
  static std::unique_ptr<Harness> for_transcription(const emu::ArchSpec& spec, const std::string& elf_path);
  // The probe (probe/main.go) as a real toolchain built it: its own runtime's
  // morestack, gogo and prologues under a profile read from its DWARF.
  static std::unique_ptr<Harness> for_probe(const emu::ArchSpec& spec, const std::string& elf_path,
                                            const std::string& toolchain, const std::filesystem::path& goroot = {});
  ~Harness();
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  // One run of a scenario under a contract. A run with Findings about guest memory
  // is run again with a store log, so that each names its cause.
  RunReport run(const Scenario& s, const Contract& c, const RunOptions& opt = {});
  // Installs the scenario's suite (its host functions and observers) ahead of a run,
  // for a debugger that hooks every instruction after the suite's own hooks.
  Suite& prepare(const Scenario& s);

  const emu::ArchSpec& spec() const { return spec_; }
  emu::Engine& engine() { return engine_; }
  const emu::Engine& engine() const { return engine_; }
  const emu::ElfImage& image() const { return image_; }
  const RuntimeProfile& profile() const { return *prof_; }
  const ProbeProgram& program() const { return *program_; }
  const RuntimeFields& fields() const { return prof_->fields; }
  const Arena& arena() const { return arena_; }
  Arena& arena() { return arena_; }
  const ProgramSymbols& program_symbols() const { return sym_; }
  // "0x66204 (main.closure+0x34)"
  std::string describe(uint64_t pc) const;
  std::string hex(uint64_t v) const;
  // The symbol a code address points into ("main.sum+0x5c"); empty for any other value.
  std::string code_symbol(uint64_t v) const;
  // Where the frame pointer is kept under this profile (invalid where it is not).
  const emu::Reg& fp() const { return prof_->frame_pointer(spec_); }
  // The ELF's line table, loaded once; empty without DWARF.
  const emu::LineTable* lines();

  // Host-implemented functions: a hook at addr runs body in place of the guest
  // code there (body ends by returning to the caller, or by redirecting the PC).
  using HostId = size_t;
  HostId add_host_function(uint64_t addr, std::function<void(uint64_t pc)> body);
  void remove_host_function(HostId id);
  bool host_implemented(uint64_t pc) const;
  // An observer: a hook at addr that looks and lets the guest go on.
  HostId add_observer(uint64_t addr, std::function<void(uint64_t pc)> fn);
  // The suite the current or last run used (nullptr before any).
  Suite* suite() { return suite_; }
  // Once a host function has handed the guest to code that resumes it (newstack to
  // gogo) and until it does: the PC it resumes at. A debugger steps over both as one.
  std::optional<uint64_t> resuming_at() const;

  // ---- During a run: for suites and the host functions they install.
  const Scenario& scenario() const;
  const Contract& contract() const;
  const RunOptions& options() const;
  RunReport& report();
  CheckLog& log();
  WriteBarrier& wb();
  const WorldObjects& world() const;
  // The trace of the run, when traced (nullptr otherwise).
  Tracer* tracer();

  // Calls fn from the host with the callee's entry SP at entry_sp, as Go code would:
  // the arguments in the ABI's registers and at the callee's argument slots, the
  // return address where CALL or the link register puts it. Sets SP and PC.
  GuestCall call(Abi abi, uint64_t fn, const std::vector<GuestArg>& args, uint64_t entry_sp, uint64_t ret);
  // The first result of a call that returned (to the exit pad).
  uint64_t result(const GuestCall& c);
  // The exercise a scenario asks for, entered at the world's runner and SP: the
  // closure built and put in the context register (else the register poisoned), and
  // the function called (or its entry stub readied). Returns the entry PC.
  uint64_t enter_exercise(const ProbeFunction& fn, uint64_t depth);
  // The exercise's result once the run reached the exit pad.
  uint64_t exercise_result();
  // Where the exercise's run ends.
  uint64_t exit_pc() const { return sym_.harness_exit.addr; }
  // The context register as the exercise was entered (the closure, or 0).
  uint64_t exercise_ctxt() const;

  // Episodes: a call of the trampoline under test, from its entry until the host
  // takes over. Guest stores are logged (for blame) only inside one; traces and
  // Findings are numbered by it (for morestack: the growth).
  void episode_opens();
  void episode_closes();
  // The way back of the episode that closed last (a trampoline that calls a host
  // function and returns: systemstack, asmcgocall): it opens again under its own
  // number, its stores logged afresh, so that one call is one episode.
  void episode_continues();
  bool in_episode() const;
  // The episode open now, else the last one (0 before the first).
  int episode() const;
  // Episodes closed so far (for morestack: newstack's calls).
  int episodes_done() const;

  // A Finding of the current run, at pc (disassembled) when given.
  Finding finding(std::string check, std::string slot, std::string expected, std::string seen, int episode,
                  std::optional<uint64_t> pc = std::nullopt);
  // The cause of a Finding about guest memory, from the store log (when logged).
  void blame(Finding& f, std::optional<uint64_t> want);
  // A known guilty store (the write-barrier audit saw it).
  Cause store_cause(uint64_t pc, uint64_t value);
  // The cause of a Finding about a register (f.reg), from the register log (when
  // logged): the last instruction of the window that wrote it, or none.
  void blame_register(Finding& f, const emu::Reg& reg);
  // A register no instruction from first to last wrote, though one of them should
  // have (summary: which, in Go's terms).
  Cause register_never_written(const emu::Reg& reg, uint64_t first, uint64_t last, std::string summary);
  // Register windows (blamed re-runs log the registers each instruction writes in
  // them): from where the host hands the guest on (gogo) until its checks are done.
  void register_window_opens();
  void register_window_settles();
  void register_window_closes();

  // A host function returns (or hands on) as compiled Go would: every register a
  // Go call may clobber (ArchSpec::call_clobbered, under the profile's ABI) holds
  // a poison of its own, so that guest code which relies on one shows.
  void clobber();
  // The poison clobber() leaves in a register, and the register a value is the
  // poison of ("R3"), if it is one.
  uint64_t poison(const emu::Reg& r) const;
  std::optional<std::string> poisoned(uint64_t value) const;
  // "0xbadd00d0bad00003 (newstack's poison for R3)", or the value alone.
  std::string describe_value(uint64_t value) const;
  // What the memory at addr is in Go's terms, for a store in `episode` with SP at
  // sp_after once the store is done ("g.sched.ctxt", "goroutine stack 8(RSP)").
  std::string store_meaning(uint64_t addr, int episode, uint64_t sp_after) const;
  // A safe point (the goroutine resumes, or ran to completion): every pointer stored
  // without a write barrier must have been shaded by now, or it is lost.
  void safe_point();
  // A host step in the trace (no-op unless traced).
  void trace_host(std::string text);
  // Whether this run is traced: a host function's trace line costs formatting that
  // an untraced run need not pay.
  bool tracing() const;
  // throw: Go prints "fatal error: <text>" and exits. The exception unwinds the
  // hook, and the engine ends the run with the message.
  // who: the host function that throws, for the trace.
  [[noreturn]] void throw_(const std::string& text, const std::string& who = "newstack");

  // What the harness leaves in the context register when there is no closure, so
  // that a morestack_noctxt which forgets to clear it is caught.
  static constexpr uint64_t kCtxtPoison = 0xbadc7c7dbadc7c7dULL;

 private:
  struct Run;
  RunReport run_once(const Scenario& s, const Contract& c, const RunOptions& opt);
  // The report of a run that cannot reach what it checks: verdict "error", one
  // Finding naming the absent function and the trampoline that should call it.
  RunReport absent_report(const Scenario& s, const Contract& c, const Suite::Absent& absent);
  void build_world(const World& w, const RunOptions& opt);
  void set_verdict();
  void lost_write_barrier(const UnbarrieredWrite& w);
  void on_heap_write(uint64_t addr, int size, uint64_t value);
  Cause::Elsewhere elsewhere(const StoreLog::Store& s, uint64_t value, int episode);
  void window_ends(Cause& c, uint64_t first, uint64_t last);
  void describe_store(uint64_t pc, std::string& where, std::string& source, std::string& text);
  Run& r() const;

  const emu::ArchSpec& spec_;
  emu::ElfImage image_;
  std::shared_ptr<const RuntimeProfile> prof_;
  std::shared_ptr<const ProbeProgram> program_;
  emu::Engine engine_;
  Arena arena_;
  ProgramSymbols sym_;
  std::unique_ptr<emu::LineTable> lines_;                 // loaded for the first traced or blamed run
  std::vector<std::pair<emu::Reg, uint64_t>> clobbered_;  // clobber()'s registers and poisons, made once
  std::vector<std::optional<emu::Engine::HookId>> host_hooks_;
  std::map<uint64_t, HostId> host_at_;
  std::map<std::string, std::unique_ptr<Suite>> suites_;  // by trampoline, made on first use
  Suite* suite_ = nullptr;
  std::unique_ptr<Run> run_;
};

}  // namespace gotramp::model
