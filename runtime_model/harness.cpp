#include "runtime_model/harness.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "emu/byte_order.hpp"
#include "runtime_model/harness_run.hpp"
#include "runtime_model/layout.hpp"
#include "runtime_model/stack_consts.hpp"
#include "runtime_model/suite.hpp"
#include "runtime_model/tracer.hpp"

namespace gotramp::model {

Harness::Run& Harness::r() const {
  if (!run_) throw std::logic_error("the harness is not running");
  return *run_;
}

namespace {

ProgramSymbols resolve_program(const emu::ElfImage& image, const ProbeProgram& program) {
  ProgramSymbols s;
  for (const auto& f : program.functions) s.functions[f.role] = image.func(f.symbol);
  if (program.entry == ProbeProgram::Entry::GuestStub) {
    for (const auto& f : program.functions) s.entry_stubs[f.role] = image.func(f.entry_stub);
    s.harness_exit = image.func("main.harness_exit");
    s.depth = image.var("main.depth");
    s.result = image.var("main.result");
  } else {
    // The host calls the function itself; it returns to the exit pad.
    s.harness_exit = {"harness exit", Arena::kExitPad, 4};
  }
  return s;
}

}  // namespace

Harness::Harness(const emu::ArchSpec& spec, emu::ElfImage image, std::shared_ptr<const RuntimeProfile> profile,
                 std::shared_ptr<const ProbeProgram> program)
    : spec_(spec),
      image_(std::move(image)),
      prof_(std::move(profile)),
      program_(std::move(program)),
      engine_(spec),
      arena_(engine_) {
  engine_.load(image_);
  sym_ = resolve_program(image_, *program_);
}

std::unique_ptr<Harness> Harness::for_transcription(const emu::ArchSpec& spec, const std::string& elf_path) {
  return std::make_unique<Harness>(spec, emu::ElfImage::load(elf_path, "main."), transcription_profile(spec),
                                   transcription_program(spec));
}

std::unique_ptr<Harness> Harness::for_probe(const emu::ArchSpec& spec, const std::string& elf_path,
                                            const std::string& toolchain, const std::filesystem::path& goroot) {
  emu::ElfImage image = emu::ElfImage::load(elf_path);
  auto program = real_probe_program(spec);
  auto profile = probe_profile(spec, image, toolchain, goroot, *program);
  return std::make_unique<Harness>(spec, std::move(image), std::move(profile), std::move(program));
}

// The hooks go with the engine.
Harness::~Harness() = default;

std::string Harness::describe(uint64_t pc) const {
  // Where host-made calls return: no code of the image, the end of the run.
  if (pc == sym_.harness_exit.addr && program_->entry == ProbeProgram::Entry::HostCall)
    return fmt::format("{:#x} (harness exit)", pc);
  if (pc == Arena::kCFunction) return fmt::format("{:#x} (the host's C function)", pc);
  return fmt::format("{:#x} ({})", pc, image_.describe(pc));
}

std::string Harness::hex(uint64_t v) const { return fmt::format("{:#x}", v); }

std::string Harness::code_symbol(uint64_t v) const {
  if (v == 0) return "";
  std::string s = image_.describe(v);
  return s.starts_with("0x") ? "" : s;
}

const emu::LineTable* Harness::lines() {
  if (!lines_) {
    try {
      lines_ = std::make_unique<emu::LineTable>(emu::LineTable::load_cached(
          image_.path(), prof_->line_files, prof_->source_roots, emu::LineTable::cache_file(image_.path()).string()));
    } catch (const emu::ElfError&) {
      lines_ = std::make_unique<emu::LineTable>();  // no DWARF: no source lines
    }
  }
  return lines_.get();
}

// ---- Host functions.

Harness::HostId Harness::add_host_function(uint64_t addr, std::function<void(uint64_t pc)> body) {
  HostId id = add_observer(addr, [this, body = std::move(body)](uint64_t pc) {
    if (run_ && run_->opt.host_entered) run_->opt.host_entered(pc);
    body(pc);
  });
  host_at_[addr] = id;
  return id;
}

Harness::HostId Harness::add_observer(uint64_t addr, std::function<void(uint64_t pc)> fn) {
  host_hooks_.push_back(engine_.on_code(addr, std::move(fn)));
  return host_hooks_.size() - 1;
}

void Harness::remove_host_function(HostId id) {
  if (id >= host_hooks_.size() || !host_hooks_[id]) return;
  engine_.remove_hook(*host_hooks_[id]);
  host_hooks_[id].reset();
  std::erase_if(host_at_, [&](const auto& kv) { return kv.second == id; });
}

bool Harness::host_implemented(uint64_t pc) const { return host_at_.count(pc) != 0; }

std::optional<uint64_t> Harness::resuming_at() const {
  if (!run_ || !suite_) return std::nullopt;
  return suite_->resuming_at();
}

Suite& Harness::prepare(const Scenario& s) {
  auto it = suites_.find(s.trampoline);
  if (it == suites_.end()) {
    const Trampoline* t = find_trampoline(s.trampoline);
    if (!t) throw std::invalid_argument("no trampoline suite named " + s.trampoline);
    it = suites_.emplace(s.trampoline, t->make()).first;
  }
  Suite* want = it->second.get();
  if (suite_ != want) {
    if (suite_) suite_->uninstall(*this);
    suite_ = want;
    suite_->install(*this);
  }
  return *suite_;
}

// ---- During a run.

const Scenario& Harness::scenario() const { return r().scenario; }
const Contract& Harness::contract() const { return r().contract; }
const RunOptions& Harness::options() const { return r().opt; }
RunReport& Harness::report() { return r().report; }
CheckLog& Harness::log() { return r().log; }
WriteBarrier& Harness::wb() { return r().wb; }
const WorldObjects& Harness::world() const { return r().world; }
Tracer* Harness::tracer() { return run_ ? run_->tracer.get() : nullptr; }

void Harness::episode_opens() {
  Run& run = r();
  run.episode_open = true;
  run.stores.restart();
  if (run.tracer) run.tracer->episode_opens(run.episodes_done + 1);
}

void Harness::episode_closes() {
  Run& run = r();
  run.episode_open = false;
  run.episodes_done++;
}

void Harness::episode_continues() {
  Run& run = r();
  if (run.episode_open || run.episodes_done == 0) return episode_opens();
  run.episodes_done--;  // not done after all: its call goes on
  run.episode_open = true;
  run.stores.restart();
}

bool Harness::in_episode() const { return r().episode_open; }
int Harness::episode() const { return r().episodes_done + (r().episode_open ? 1 : 0); }
int Harness::episodes_done() const { return r().episodes_done; }

bool Harness::tracing() const { return run_ && run_->tracer; }

void Harness::trace_host(std::string text) {
  if (tracing()) run_->tracer->host(std::move(text));
}

void Harness::throw_(const std::string& text, const std::string& who) {
  Run& run = r();
  if (!run.report.throw_text) run.report.throw_text = text;
  run.report.printed.push_back("fatal error: " + text);
  trace_host(who + " (host): throw(\"" + text + "\")");
  throw GoThrow("fatal error: " + text);
}

// ---- The run loop.

bool drops_translations(const Scenario& s) {
  return s.world.gc != GcPhase::Off || s.expects_failure() || s.host != HostFault::None;
}

RunReport Harness::run(const Scenario& s, const Contract& c, const RunOptions& opt) {
  // What this row or program cannot run is bad input, not a failed run.
  if (const std::string why = world_unavailable(s.world, spec_); !why.empty())
    throw std::invalid_argument(fmt::format("scenario {}: {}", s.name, why));
  if (!program_->has(s.exercise.function))
    throw std::invalid_argument(fmt::format("scenario {} exercises a function {} does not have ({})", s.name,
                                            program_->name, s.exercise.function));
  if (auto absent = prepare(s).absent_for(*this, s)) return absent_report(s, c, *absent);
  // A traced run takes the slow path anyway: it logs its stores at once.
  RunOptions first = opt;
  first.log_stores = opt.log_stores || opt.trace.enabled;
  RunReport report = run_once(s, c, first);
  if (first.log_stores) return report;
  const bool blameable = std::any_of(report.findings.begin(), report.findings.end(),
                                     [](const Finding& f) { return (f.size > 0 || !f.reg.empty()) && !f.cause; });
  if (!blameable) return report;
  RunOptions again = opt;
  again.log_stores = true;
  again.host_entered = nullptr;  // the caller has seen this run once
  return run_once(s, c, again);
}

RunReport Harness::run_once(const Scenario& s, const Contract& c, const RunOptions& opt) {
  Suite& suite = prepare(s);
  run_ = std::make_unique<Run>(s, c, opt, engine_);
  Run& run = *run_;
  run.wb.set_phase(s.world.gc);
  run.report.goarch = spec_.goarch;
  run.report.trampoline = s.trampoline;
  run.report.contract = c.name;
  run.report.scenario = s.name;
  const KnownBugs& known = opt.known_bugs ? *opt.known_bugs : KnownBugs::builtin();
  run.log.known_bugs = known.for_run(spec_.goarch, s.trampoline, prof_->toolchain);
  emu::RunResult stop;
  try {
    // Every register starts at zero, as on a fresh engine: what the last run on
    // this engine left in one never reaches this run (runs are deterministic).
    for (const auto* set : {&spec_.regs, &spec_.float_regs})
      for (const auto& reg : *set) engine_.set_reg(reg, 0);
    build_world(s.world, opt);
    const uint64_t entry = suite.enter(*this);
    engine_.watch_blocks(false);
    if (opt.trace.enabled) {
      run.tracer = std::make_unique<Tracer>(*this, run.opt.trace, run.report);
      run.log.on_first_failure = [this] { run_->tracer->first_failure(); };
    }
    // Guest stores into the model's heap objects are audited while the GC is marking.
    if (run.wb.enabled())
      run.audit =
          engine_.on_write(Arena::kHeapBase, Arena::kHeapBase + Arena::kHeapSize - 1,
                           [this](uint64_t addr, int size, uint64_t value) { on_heap_write(addr, size, value); });
    const uint64_t budget = s.budget ? s.budget : opt.budget, until = exit_pc();
    if (opt.log_stores) {
      run.stores.start(engine_, [this] { return run_->episode_open || run_->regs.in_window(); });
      std::vector<emu::Reg> watched = spec_.regs;
      watched.insert(watched.end(), spec_.float_regs.begin(), spec_.float_regs.end());
      run.regs.start(engine_, std::move(watched));
    }
    if (opt.trace.enabled && opt.trace.from_insn > 0 && opt.trace.from_insn < budget) {
      // Untraced up to the window, then traced (runs are deterministic).
      stop = engine_.run(entry, until, opt.trace.from_insn);
      if (stop.reason == emu::StopReason::Budget) {
        run.tracer->start(stop.insns);
        stop = engine_.resume(until, budget);
      }
    } else {
      if (opt.trace.enabled) run.tracer->start();
      stop = engine_.run(entry, until, budget);
    }
  } catch (...) {
    // A run that throws (an engine that cannot run again) leaves none of its hooks
    // behind to write into the next run.
    run.stores.stop(engine_);
    run.regs.stop(engine_);
    if (run.audit) engine_.remove_hook(*run.audit);
    suite.abandon();
    run_.reset();
    throw;
  }
  run.stores.stop(engine_);
  if (run.audit) engine_.remove_hook(*run.audit);

  run.report.stop = stop;
  safe_point();  // the goroutine ran to completion
  // The register log stays until the suite's last checks (made at the run's end, on
  // the way back from the trampoline) have blamed what they find.
  suite.finish(*this, stop);
  run.regs.stop(engine_);
  run.report.gc_phase = gc_phase_name(run.wb.phase());
  run.report.unbarriered = run.wb.unbarriered();
  run.report.shaded.assign(run.wb.shaded().begin(), run.wb.shaded().end());
  run.report.checks = run.log.checks();
  run.report.findings = run.log.findings();
  run.report.findings_omitted = run.log.omitted();
  run.report.known_bugs = run.log.matched();
  run.report.episodes = episode();
  set_verdict();
  if (run.tracer) run.tracer->stop();
  RunReport out = std::move(run.report);
  run_.reset();
  return out;
}

// verified: every check held. diagnosed: an expected failure (a fault scenario, or
// a contract that must be caught) was caught exactly, and nothing else failed.
// known: every other failure is a known upstream bug (verdict_of).
void Harness::set_verdict() {
  Run& run = r();
  const std::string& must_fail = run.contract.expect_failure;
  if (!must_fail.empty() && run.wb.enabled() && !run.scenario.expects_failure()) {
    bool caught = false;
    std::vector<Check> others;
    for (const auto& c : run.report.checks) {
      if (c.name == must_fail)
        caught = !c.ok;
      else
        others.push_back(c);
    }
    run.report.verdict = caught ? verdict_of(others, true) : "FAILED";
    if (!caught) {
      run.report.findings.push_back(finding(must_fail, "", "the contract's defect caught", "no Finding", 0));
      run.report.checks.push_back({must_fail + "-caught", false, 0, "expected " + must_fail + " to fail", 1});
    }
    return;
  }
  run.report.verdict = verdict_of(run.report.checks, run.scenario.expects_failure());
}

}  // namespace gotramp::model
