// gotramp benchmarks (Google Benchmark). Every figure docs/performance.md quotes comes from
// one run of this program, and the summary at the end prints them as ratios to
// the anchors of docs/DESIGN.md §6, measured in the same run where the anchor can be.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unicorn/unicorn.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>
#include <string>

#include "emu/arch_spec.hpp"
#include "runtime_model/harness.hpp"
#include "runtime_model/morestack/morestack_suite.hpp"
#include "runtime_model/suite.hpp"
#include "toolchain/go_toolchain.hpp"
#include "toolchain/guest_build.hpp"
#include "toolchain/probe_build.hpp"
#include "toolchain/process.hpp"

extern char** environ;

namespace {

using namespace gotramp;

toolchain::GuestBuildConfig cfg() { return toolchain::GuestBuildConfig::defaults(); }

std::string seed_elf(const emu::ArchSpec& spec) {
  return toolchain::guest_elf(spec, toolchain::guest_dir(spec, cfg()) / "morestack.s", cfg()).string();
}

const model::Contract& seed() { return *model::find_contract("seed"); }

// A child process run to its end, its output thrown away: its own CPU time (user +
// system, from wait4's rusage: the kernel's accounting of that child alone) and the
// wall time from its start to its reaping.
struct ChildCost {
  double cpu_ms = 0, wall_ms = 0;
  bool ok = false;         // exited 0
  int exit_code = -1;      // when it exited
  bool timed_out = false;  // killed at kChildTimeout
};
// No command here takes a second; a qemu-user run that hangs (Debian's qemu-i386 on
// a Go program sometimes does, where it mostly crashes) is killed at this.
constexpr std::chrono::seconds kChildTimeout{30};
// How a child that did not exit 0 ended.
std::string outcome(bool timed_out, int exit_code) {
  return timed_out ? fmt::format("hangs (killed after {} s)", kChildTimeout.count())
                   : fmt::format("exits {}", exit_code);
}
ChildCost run_measured(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t quiet;
  posix_spawn_file_actions_init(&quiet);
  posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&quiet, 2, "/dev/null", O_WRONLY, 0);
  ChildCost c;
  const auto t0 = std::chrono::steady_clock::now();
  pid_t pid;
  if (posix_spawnp(&pid, argv[0], &quiet, nullptr, argv.data(), environ) == 0) {
    int status = 0;
    rusage ru{};
    c.timed_out = toolchain::kill_after(pid, t0 + kChildTimeout);
    if (wait4(pid, &status, 0, &ru) == pid) {
      c.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      auto ms = [](const timeval& t) { return t.tv_sec * 1e3 + t.tv_usec / 1e3; };
      c.cpu_ms = ms(ru.ru_utime) + ms(ru.ru_stime);
      if (WIFEXITED(status) && !c.timed_out) c.exit_code = WEXITSTATUS(status);
      c.ok = c.exit_code == 0;
    }
  }
  posix_spawn_file_actions_destroy(&quiet);
  return c;
}

// Whether a measured child exited 0; if not, the benchmark stops with how it ended.
bool measured_ok(benchmark::State& state, const std::vector<std::string>& args, const ChildCost& c) {
  if (!c.ok) state.SkipWithError(fmt::format("{} {}", fmt::join(args, " "), outcome(c.timed_out, c.exit_code)).c_str());
  return c.ok;
}

// A command run as a benchmark: wall time as the iteration time (UseManualTime),
// CPU time as the counter cpu_ms, both per run.
void BM_Measured(benchmark::State& state, std::vector<std::string> args) {
  double cpu = 0;
  for (auto _ : state) {
    ChildCost c = run_measured(args);
    if (!measured_ok(state, args, c)) return;
    state.SetIterationTime(c.wall_ms / 1e3);
    cpu += c.cpu_ms;
  }
  state.counters["cpu_ms"] = benchmark::Counter(cpu, benchmark::Counter::kAvgIterations);
}

constexpr int kPairedRounds = 9;

// qemu-user against gotramp on the same probe binaries, in rounds: each round runs
// every qemu-user probe once and the gotramp command once, in turn first and second
// by round, so that both sides see the machine as it is in that round (its speed
// drifts by tens of percent on a shared host). Counters: each side's median per
// round (CPU and wall), the median of the rounds' ratios, and each side's mean.
void BM_QemuPaired(benchmark::State& state, std::vector<std::vector<std::string>> qemu, std::vector<std::string> ours) {
  std::vector<double> q_cpu, q_wall, g_cpu, g_wall;
  for (auto _ : state) {
    double qc = 0, qw = 0;
    ChildCost g;
    auto run_qemu = [&] {
      for (const auto& cmd : qemu) {
        ChildCost c = run_measured(cmd);
        if (!measured_ok(state, cmd, c)) return false;
        qc += c.cpu_ms, qw += c.wall_ms;
      }
      return true;
    };
    auto run_ours = [&] { return measured_ok(state, ours, g = run_measured(ours)); };
    const bool qemu_first = q_cpu.size() % 2 == 0;
    if (!(qemu_first ? run_qemu() && run_ours() : run_ours() && run_qemu())) return;
    state.SetIterationTime(g.wall_ms / 1e3);
    q_cpu.push_back(qc), q_wall.push_back(qw), g_cpu.push_back(g.cpu_ms), g_wall.push_back(g.wall_ms);
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  };
  auto mean = [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()); };
  auto ratios = [](const std::vector<double>& a, const std::vector<double>& b) {
    std::vector<double> r;
    for (size_t i = 0; i < a.size(); i++) r.push_back(a[i] / b[i]);
    return r;
  };
  state.counters["q_cpu_ms"] = median(q_cpu), state.counters["q_wall_ms"] = median(q_wall);
  state.counters["g_cpu_ms"] = median(g_cpu), state.counters["g_wall_ms"] = median(g_wall);
  state.counters["cpu_x"] = median(ratios(q_cpu, g_cpu)), state.counters["wall_x"] = median(ratios(q_wall, g_wall));
  state.counters["q_cpu_mean"] = mean(q_cpu), state.counters["q_wall_mean"] = mean(q_wall);
  state.counters["g_cpu_mean"] = mean(g_cpu), state.counters["g_wall_mean"] = mean(g_wall);
}

// The scenarios that do what the probe's main does: its recursions, each from a
// fresh goroutine in a plain world (no GC, no flags, the host runtime as Go's),
// ending well. Whatever recursions the probe gains, the matching scenarios are here:
// morestack's (the other trampolines' scenarios run no recursion of main's).
std::vector<std::string> probe_main_scenarios() {
  std::vector<std::string> names;
  for (const auto& s : model::scenarios("morestack"))
    if (s.world == model::World{} && s.host == model::HostFault::None && !s.expects_failure()) names.push_back(s.name);
  return names;
}

// The seed matrix in this process, one thread: every verified GOARCH, a fresh
// machine each, both scenarios (what `gotramp verify -j 1` does after start-up).
void BM_SeedMatrixInProcess(benchmark::State& state) {
  std::vector<std::pair<const emu::ArchSpec*, std::string>> rows;
  for (const auto& a : emu::arch_table())
    if (a.verified && a.transcribed()) rows.emplace_back(&a, seed_elf(a));
  for (auto _ : state) {
    for (const auto& [spec, elf] : rows) {
      auto m_owner = model::Harness::for_transcription(*spec, elf);
      model::Harness& m = *m_owner;
      for (const char* name : {"closure", "noctxt"}) {
        auto r = m.run(*model::find_scenario(name), seed());
        if (!r.passed()) state.SkipWithError(("not verified: " + spec->goarch).c_str());
      }
    }
  }
  state.counters["goarches"] = static_cast<double>(rows.size());
}
BENCHMARK(BM_SeedMatrixInProcess)->Unit(benchmark::kMillisecond)->UseRealTime();

// The seed matrix as a user runs it: `gotramp verify`, a cold process, on the
// given GOARCHes and scenarios.
void BM_ColdProcess(benchmark::State& state, std::string goarchs, std::string contracts, std::string scenarios) {
  for (auto _ : state) {
    auto r = toolchain::run_process(
        {GOTRAMP_BIN, "verify", "--contract", contracts, "--goarch", goarchs, "--scenario", scenarios}, {}, ".");
    if (r.exit_code != 0) state.SkipWithError("gotramp verify failed");
  }
}

// A cold `gotramp verify` of a real toolchain's probes (cached), as a user runs it
// after the first time; also its peak RSS, in MB.
//
// The peak is GNU time's (%M), from a run of its own: wait4's ru_maxrss cannot be
// used here, as Linux carries a process's high-water mark across exec and a child
// forked or vforked from this (large) benchmark process starts at this process's RSS.
// A verify whose runs find upstream bugs exits 1 having done the same work: with
// failures_allowed, exit 1 is measured too (the counter failed_exit says it was).
void BM_RealColdProcess(benchmark::State& state, std::string go, std::string goarchs, std::string scenarios,
                        std::string trampolines, bool failures_allowed = false) {
  const std::vector<std::string> args = {GOTRAMP_BIN, "verify",       "--go",      go,           "--goarch",
                                         goarchs,     "--trampoline", trampolines, "--scenario", scenarios};
  int failed_exit = 0;
  for (auto _ : state) {
    const ChildCost c = run_measured(args);
    failed_exit = c.exit_code == 1;
    if (!c.ok && !(failures_allowed && c.exit_code == 1)) {
      state.SkipWithError("gotramp verify --go failed (or could not start)");
      return;
    }
  }
  state.counters["failed_exit"] = failed_exit;
  const auto out = std::filesystem::temp_directory_path() / fmt::format("gotramp-bench-rss-{}", getpid());
  std::vector<std::string> timed = {"/usr/bin/time", "-f", "%M", "-o", out.string()};
  timed.insert(timed.end(), args.begin(), args.end());
  auto r = toolchain::run_process(timed, {}, ".");
  // %M is the file's last line (a child that exits 1 gets "Command exited with
  // non-zero status 1" before it).
  std::ifstream in(out);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  double peak_kb = 0;
  std::istringstream kb(last);
  if ((r.exit_code != 0 && !(failures_allowed && r.exit_code == 1)) || !(kb >> peak_kb)) {
    state.SkipWithError("GNU time (/usr/bin/time) could not measure the peak RSS");
    return;
  }
  std::filesystem::remove(out);
  state.counters["peak_rss_mb"] = peak_kb / 1024;
}

// First-time probe builds: every GOARCH's probe built by a toolchain into an empty
// cache (what the first `verify --go` pays, once per toolchain version).
void BM_ProbeFirstBuild(benchmark::State& state, std::string go) {
  const auto tc = toolchain::resolve_toolchain(go);
  int n = 0;
  for (auto _ : state) {
    auto cfg = toolchain::ProbeBuildConfig::defaults();
    cfg.cache = std::filesystem::temp_directory_path() / fmt::format("gotramp-bench-probes-{}", getpid());
    std::filesystem::remove_all(cfg.cache);
    n = 0;
    for (auto g : toolchain::probe_goarches())
      if (emu::find_arch(g)) toolchain::probe_elf(tc, g, cfg), n++;
    state.PauseTiming();
    std::filesystem::remove_all(cfg.cache);
    state.ResumeTiming();
  }
  state.counters["goarches"] = n;
}

// One warm 2000-deep closure run on a machine that has run it before.
void BM_WarmClosure(benchmark::State& state, const emu::ArchSpec* spec, uint64_t initial_stack) {
  auto m_owner = model::Harness::for_transcription(*spec, seed_elf(*spec));
  model::Harness& m = *m_owner;
  model::RunOptions opt;
  opt.initial_stack = initial_stack;
  const auto& s = *model::find_scenario("closure");
  int growths = m.run(s, seed(), opt).grown();
  for (auto _ : state) benchmark::DoNotOptimize(m.run(s, seed(), opt));
  state.counters["growths"] = growths;
}

// One warm run of a real probe's scenario on a harness that has run it before:
// what a verify row costs once the engine is set up and the code translated.
void BM_RealWarm(benchmark::State& state, const emu::ArchSpec* spec, std::string probe, std::string toolchain,
                 std::string scenario) {
  auto m_owner = model::Harness::for_probe(*spec, probe, toolchain, {});
  const auto& s = *model::find_scenario(scenario);
  const auto& c = *model::find_contract("modern");
  m_owner->run(s, c);
  for (auto _ : state) benchmark::DoNotOptimize(m_owner->run(s, c));
}

// What a growth costs: the 2000-deep closure from a 2 KiB stack against the same
// recursion on a stack that never grows, interleaved run by run so that drift on
// a noisy machine cancels out.
void BM_GrowthCost(benchmark::State& state, const emu::ArchSpec* spec) {
  auto m_owner = model::Harness::for_transcription(*spec, seed_elf(*spec));
  model::Harness& m = *m_owner;
  const auto& s = *model::find_scenario("closure");
  model::RunOptions grows, flat;
  flat.initial_stack = 1 << 20;
  const int growths = m.run(s, seed(), grows).grown();
  m.run(s, seed(), flat);
  using clk = std::chrono::steady_clock;
  double with = 0, without = 0;
  for (auto _ : state) {
    auto t0 = clk::now();
    benchmark::DoNotOptimize(m.run(s, seed(), grows));
    auto t1 = clk::now();
    benchmark::DoNotOptimize(m.run(s, seed(), flat));
    auto t2 = clk::now();
    with += std::chrono::duration<double, std::micro>(t1 - t0).count();
    without += std::chrono::duration<double, std::micro>(t2 - t1).count();
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["growths"] = growths;
  state.counters["us_per_growth"] = (with - without) / n / growths;
}

// This build against another gotramp binary (GOTRAMP_BASELINE: e.g. the commit
// before a change, built in its own folder), on the same verify command, cold
// processes run in turn, A B A B, so that drift on a noisy machine cancels out.
void BM_VsBaseline(benchmark::State& state, std::string baseline, std::vector<std::string> args) {
  using clk = std::chrono::steady_clock;
  double ours = 0, theirs = 0;
  auto run = [&](const std::string& bin) {
    std::vector<std::string> argv = {bin};
    argv.insert(argv.end(), args.begin(), args.end());
    auto t0 = clk::now();
    auto r = toolchain::run_process(argv, {}, ".");
    if (r.exit_code != 0) state.SkipWithError((bin + " verify failed").c_str());
    return std::chrono::duration<double, std::milli>(clk::now() - t0).count();
  };
  for (auto _ : state) {
    ours += run(GOTRAMP_BIN);
    theirs += run(baseline);
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["ms"] = ours / n;
  state.counters["baseline_ms"] = theirs / n;
  state.counters["ratio"] = ours / theirs;
}

// A run with every guest store logged, as a failed run is re-run to blame its
// Findings; passing runs never pay for it.
void BM_WarmClosureStoreLog(benchmark::State& state, const emu::ArchSpec* spec) {
  auto m_owner = model::Harness::for_transcription(*spec, seed_elf(*spec));
  model::Harness& m = *m_owner;
  model::RunOptions opt;
  opt.log_stores = true;
  const auto& s = *model::find_scenario("closure");
  for (auto _ : state) benchmark::DoNotOptimize(m.run(s, seed(), opt));
}

// Unicorn's floor, in this process: a fresh engine (open, map, run a few
// instructions, close), and a warm re-run of a short block.
const uint8_t kLoop[] = {0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90};
void BM_UnicornFreshEngine(benchmark::State& state) {
  for (auto _ : state) {
    uc_engine* uc;
    uc_open(UC_ARCH_X86, UC_MODE_64, &uc);
    uc_mem_map(uc, 0x100000, 0x1000, UC_PROT_ALL);
    uc_mem_write(uc, 0x100000, kLoop, sizeof kLoop);
    uc_emu_start(uc, 0x100000, 0x100000 + 3, 0, 0);
    uc_close(uc);
  }
}
BENCHMARK(BM_UnicornFreshEngine)->Unit(benchmark::kMicrosecond);

void BM_UnicornWarmBlock(benchmark::State& state) {
  uc_engine* uc;
  uc_open(UC_ARCH_X86, UC_MODE_64, &uc);
  uc_mem_map(uc, 0x100000, 0x1000, UC_PROT_ALL);
  uc_mem_write(uc, 0x100000, kLoop, sizeof kLoop);
  uc_emu_start(uc, 0x100000, 0x100000 + sizeof kLoop, 0, 0);
  for (auto _ : state) uc_emu_start(uc, 0x100000, 0x100000 + sizeof kLoop, 0, 0);
  uc_close(uc);
}
BENCHMARK(BM_UnicornWarmBlock)->Unit(benchmark::kMicrosecond);

// The qemu-user route: the same closure, 2000 deep from a fresh goroutine, as a Go
// program built for the GOARCH, under qemu-<arch>. scripts/bench builds them into
// $GOTRAMP_QEMU_ROUTE; a GOARCH without a binary or qemu is not registered.
const std::map<std::string, std::string> kQemu = {
    {"386", "qemu-i386"},      {"amd64", "qemu-x86_64"},      {"arm", "qemu-arm"},       {"arm64", "qemu-aarch64"},
    {"mips64", "qemu-mips64"}, {"mips64le", "qemu-mips64el"}, {"ppc64", "qemu-ppc64"},   {"ppc64le", "qemu-ppc64le"},
    {"s390x", "qemu-s390x"},   {"mips", "qemu-mips"},         {"mipsle", "qemu-mipsel"}, {"riscv64", "qemu-riscv64"}};

void BM_QemuUserRoute(benchmark::State& state, std::string qemu, std::string program) {
  for (auto _ : state) {
    auto r = toolchain::run_process({qemu, program}, {}, ".", kChildTimeout);
    if (r.exit_code != 0) {
      state.SkipWithError(
          fmt::format("{} {}: the route fails on this GOARCH", qemu, outcome(r.timed_out, r.exit_code)).c_str());
      break;
    }
  }
}

// Prints the docs/DESIGN.md §6 ratios from this run's results.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs)
      if (!r.error_occurred && r.run_type == Run::RT_Iteration)
        ms_[r.benchmark_name()] = r.GetAdjustedRealTime() * to_ms(r.time_unit),
        counters_[r.benchmark_name()] = r.counters;
    ConsoleReporter::ReportRuns(runs);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    auto& o = GetOutputStream();
    o << "\ndocs/DESIGN.md §6 targets, from this run\n";
    double cold = get("BM_SeedMatrixColdProcess/iterations:20/real_time");
    double cold_same = get("BM_QemuComparableColdProcess/iterations:20/real_time");
    double inproc = get("BM_SeedMatrixInProcess/real_time");
    if (cold > 0)
      o << fmt::format("  seed matrix, one cold process:      {:7.1f} ms   (target <= 50 ms: {})\n", cold,
                       cold <= 50 ? "met" : "NOT met");
    if (inproc > 0) o << fmt::format("  seed matrix in process, one thread: {:7.1f} ms\n", inproc);
    double full = get("BM_FullMatrixColdProcess/iterations:20/real_time");
    if (full > 0)
      o << fmt::format("  full matrix ({} GOARCHes, both contracts, all {} scenarios), one cold process: {:.1f} ms\n",
                       counters_["BM_SeedMatrixInProcess/real_time"]["goarches"], model::scenarios().size(), full);
    double qemu = 0;
    int qemu_n = 0;
    for (const auto& [name, v] : ms_)
      if (name.starts_with("BM_QemuUserRoute/")) qemu += v, qemu_n++;
    if (qemu_n > 0 && cold_same > 0)
      o << fmt::format(
          "  qemu-user route, {} GOARCHes:        {:7.1f} ms   vs gotramp on the same work (closure scenario, same {} "
          "GOARCHes, cold process): {:.1f} ms = {:.0f}x (target >= 20x: {})\n",
          qemu_n, qemu, qemu_n, cold_same, qemu / cold_same, qemu / cold_same >= 20 ? "met" : "NOT met");
    for (const auto& f : qemu_failures_) o << "  qemu-user route fails: " << f << "\n";
    for (const char* go : {"bundled", "system"}) {
      const std::string real = fmt::format("BM_RealMatrixColdProcess/{}/iterations:20/real_time", go);
      const std::string full = fmt::format("BM_RealFullColdProcess/{}/iterations:20/real_time", go);
      const std::string family = fmt::format("BM_RealFamilyColdProcess/{}/iterations:20/real_time", go);
      if (get(real) <= 0 && get(full) <= 0) continue;
      o << fmt::format("  real toolchain ({}), {} GOARCHes, cached probes, one cold process:\n", go, real_goarches_);
      if (get(real) > 0)
        o << fmt::format("    closure and noctxt: {:.1f} ms, peak RSS {:.1f} MB\n", get(real),
                         double(counters_[real]["peak_rss_mb"]));
      if (get(full) > 0)
        o << fmt::format(
            "    the whole morestack matrix (all {} scenarios): {:.1f} ms (target <= 100 ms: {}), peak RSS {:.1f} MB "
            "(target <= 150 MB: {})\n",
            model::scenarios().size(), get(full), get(full) <= 100 ? "met" : "NOT met",
            double(counters_[full]["peak_rss_mb"]), counters_[full]["peak_rss_mb"] <= 150 ? "met" : "NOT met");
      double q_cpu = 0, q_wall = 0;
      int qn = 0;
      for (const auto& [name, v] : ms_)
        if (name.starts_with(fmt::format("BM_QemuProbe/{}/", go)))
          q_wall += v, q_cpu += double(counters_[name]["cpu_ms"]), qn++;
      const std::string same = fmt::format("BM_RealQemuComparable/{}/iterations:20/manual_time", go);
      const double g_wall = get(same), g_cpu = double(counters_[same]["cpu_ms"]);
      const auto paired = counters_.find(fmt::format("BM_QemuPaired/{}/iterations:{}/manual_time", go, kPairedRounds));
      if (qn > 0 && g_wall > 0 && g_cpu > 0) {
        o << fmt::format(
            "    the same {} probe binaries, the recursions their main runs ({}):\n"
            "      separately (means: 5 runs per probe, then 20 of gotramp):\n"
            "        qemu-user, one process each:  {:6.1f} ms CPU  {:6.1f} ms wall\n"
            "        gotramp, one process, -j 1:   {:6.1f} ms CPU  {:6.1f} ms wall\n"
            "        gotramp is {:.1f}x faster in CPU time, {:.1f}x in wall time\n",
            qn, fmt::join(comparable_, ", "), q_cpu, q_wall, g_cpu, g_wall, q_cpu / g_cpu, q_wall / g_wall);
        if (paired != counters_.end()) {
          auto c = [&](const char* k) { return double(paired->second[k]); };
          o << fmt::format(
              "      in {} rounds, each all qemu-user runs and one gotramp run, in turn first (medians; means in "
              "brackets):\n"
              "        qemu-user, one process each:  {:6.1f} ms CPU  {:6.1f} ms wall   ({:.1f} / {:.1f})\n"
              "        gotramp, one process, -j 1:   {:6.1f} ms CPU  {:6.1f} ms wall   ({:.1f} / {:.1f})\n"
              "        gotramp is {:.1f}x faster in CPU time, {:.1f}x in wall time, the median round's ratios "
              "(target >= 20x: {})\n",
              kPairedRounds, c("q_cpu_ms"), c("q_wall_ms"), c("q_cpu_mean"), c("q_wall_mean"), c("g_cpu_ms"),
              c("g_wall_ms"), c("g_cpu_mean"), c("g_wall_mean"), c("cpu_x"), c("wall_x"),
              c("cpu_x") >= 20 && c("wall_x") >= 20 ? "met" : "NOT met");
        }
      }
      if (get(family) > 0) {
        size_t scenarios = 0;
        std::string names;
        for (const auto& t : model::trampolines())
          scenarios += t.scenarios().size(), names += (names.empty() ? "" : ", ") + t.name;
        o << fmt::format(
            "    the whole family matrix ({} trampolines: {}; {} scenarios per GOARCH): {:.1f} ms (target <= 150 ms: "
            "{}), peak RSS {:.1f} MB{}{}\n",
            model::trampolines().size(), names, scenarios, get(family), get(family) <= 150 ? "met" : "NOT met",
            double(counters_[family]["peak_rss_mb"]),
            counters_[family]["failed_exit"] > 0 ? " (verify exits 1: runs FAILED)" : "",
            qn > 0 ? fmt::format("; qemu-user on the same binaries took {:.1f} ms wall = {:.1f}x", q_wall,
                                 q_wall / get(family))
                   : "");
      }
      const std::string first = fmt::format("BM_ProbeFirstBuild/{}/iterations:1/real_time", go);
      if (get(first) > 0)
        o << fmt::format("    first-time probe builds ({} GOARCHes, empty cache): {:.1f} s, once per toolchain\n",
                         double(counters_[first]["goarches"]), get(first) / 1000);
    }
    for (const char* which : {"seed_matrix", "full_matrix"}) {
      auto it = counters_.find(std::string("BM_VsBaseline/") + which + "/iterations:20/real_time");
      if (it == counters_.end()) continue;
      o << fmt::format("  vs GOTRAMP_BASELINE, {} (cold processes in turn): {:.1f} ms vs {:.1f} ms = {:.2f}x\n", which,
                       double(it->second["ms"]), double(it->second["baseline_ms"]), double(it->second["ratio"]));
    }
    double floor_block = get("BM_UnicornWarmBlock") * 1000;
    if (floor_block > 0)
      o << fmt::format("  Unicorn floor: fresh engine {:.3f} ms, warm short block {:.1f} us\n",
                       get("BM_UnicornFreshEngine"), floor_block);
    if (floor_block <= 0) floor_block = 1;  // ratios below need a floor; print it only when measured
    bool header = false;
    for (const auto& a : emu::arch_table()) {
      double warm = get("BM_WarmClosure/" + a.goarch), flat = get("BM_WarmClosureNoGrowth/" + a.goarch);
      if (warm <= 0) continue;
      if (!header)
        o << "  warm 2000-deep closure run (target <= 1.5x the prototype's 0.7 ms = 1.05 ms), cost per growth:\n";
      header = true;
      (void)flat;
      double growths = counters_["BM_WarmClosure/" + a.goarch]["growths"];
      double per_growth_us = counters_["BM_GrowthCost/" + a.goarch]["us_per_growth"];
      double logged = get("BM_WarmClosureStoreLog/" + a.goarch);
      o << fmt::format(
          "    {:<9} {:.3f} ms ({:.2f}x prototype, {})   {:.0f} growths, {:5.1f} us per growth = {:4.1f}x a "
          "warm Unicorn block; with a store log (failed runs' blame re-run) {:.3f} ms = {:.1f}x\n",
          a.goarch, warm, warm / 0.7, warm <= 1.05 ? "met" : "NOT met", growths, per_growth_us,
          per_growth_us / floor_block, logged, logged / warm);
    }
  }

 private:
  static double to_ms(benchmark::TimeUnit u) {
    switch (u) {
      case benchmark::kNanosecond:
        return 1e-6;
      case benchmark::kMicrosecond:
        return 1e-3;
      case benchmark::kMillisecond:
        return 1;
      case benchmark::kSecond:
        return 1e3;
    }
    return 1;
  }
  double get(const std::string& name) const {
    auto it = ms_.find(name);
    return it == ms_.end() ? 0 : it->second;
  }
  std::map<std::string, double> ms_;
  std::map<std::string, benchmark::UserCounters> counters_;

 public:
  std::vector<std::string> qemu_failures_;
  std::vector<std::string> comparable_;  // probe_main_scenarios()
  size_t real_goarches_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  for (const auto& a : emu::arch_table()) {
    if (!a.verified || !a.transcribed()) continue;
    benchmark::RegisterBenchmark(("BM_WarmClosure/" + a.goarch).c_str(), BM_WarmClosure, &a, 0)
        ->Unit(benchmark::kMillisecond);
    // The same recursion on a stack that never grows: the difference is the growths.
    benchmark::RegisterBenchmark(("BM_WarmClosureNoGrowth/" + a.goarch).c_str(), BM_WarmClosure, &a, 1 << 20)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("BM_GrowthCost/" + a.goarch).c_str(), BM_GrowthCost, &a)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("BM_WarmClosureStoreLog/" + a.goarch).c_str(), BM_WarmClosureStoreLog, &a)
        ->Unit(benchmark::kMillisecond);
  }
  std::string all, comparable;
  for (const auto& a : emu::arch_table())
    if (a.verified && a.transcribed()) all += (all.empty() ? "" : ",") + a.goarch;
  // The seed matrix of issue 3: seed contract, closure and noctxt.
  benchmark::RegisterBenchmark("BM_SeedMatrixColdProcess", BM_ColdProcess, all, "seed", "closure,noctxt")
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime()
      ->Iterations(20);
  // Everything `gotramp verify` runs by default: both contracts, every scenario.
  benchmark::RegisterBenchmark("BM_FullMatrixColdProcess", BM_ColdProcess, all, "both", "all")
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime()
      ->Iterations(20);
  if (const char* baseline = std::getenv("GOTRAMP_BASELINE")) {
    // The same work for both binaries: the seed's GOARCHes (a baseline older than
    // the mips rows has no others) and the scenarios a baseline older than gsignal has.
    std::string seed_archs;
    for (const auto& a : emu::arch_table())
      if (a.in_seed) seed_archs += (seed_archs.empty() ? "" : ",") + a.goarch;
    const std::vector<std::string> scenarios_before = {
        "verify", "--goarch", seed_archs, "--scenario",
        "closure,noctxt,closure-gc,preempt,g0,throwsplit,wrong-g,overflow,newstack-returns"};
    benchmark::RegisterBenchmark("BM_VsBaseline/seed_matrix", BM_VsBaseline, baseline,
                                 std::vector<std::string>{"verify", "--goarch", seed_archs, "--contract", "seed",
                                                          "--scenario", "closure,noctxt"})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->Iterations(20);
    benchmark::RegisterBenchmark("BM_VsBaseline/full_matrix", BM_VsBaseline, baseline, scenarios_before)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->Iterations(20);
  }
  RatioReporter reporter;
  reporter.comparable_ = probe_main_scenarios();
  if (const char* dir = std::getenv("GOTRAMP_QEMU_ROUTE")) {
    for (const auto& [goarch, qemu] : kQemu) {
      auto program = std::filesystem::path(dir) / goarch;
      if (!std::filesystem::exists(program)) continue;
      // Only a route that works is work to compare with.
      auto probe = toolchain::run_process({qemu, program.string()}, {}, ".", kChildTimeout);
      if (probe.exit_code != 0) {
        reporter.qemu_failures_.push_back(
            fmt::format("{} {} {}", qemu, goarch, outcome(probe.timed_out, probe.exit_code)));
        continue;
      }
      comparable += (comparable.empty() ? "" : ",") + goarch;
      benchmark::RegisterBenchmark(("BM_QemuUserRoute/" + goarch).c_str(), BM_QemuUserRoute, qemu, program.string())
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime()
          ->Iterations(3);
    }
    if (!comparable.empty())
      // The same work as the qemu-user route: the closure, 2000 deep, per GOARCH.
      benchmark::RegisterBenchmark("BM_QemuComparableColdProcess", BM_ColdProcess, comparable, "seed", "closure")
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime()
          ->Iterations(20);
  }
  // Real toolchains: their probes, cached first (a first build is not what this
  // measures; BM_ProbeFirstBuild does), in a cold process, and under qemu-user.
  std::string real;
  for (auto g : toolchain::probe_goarches())
    if (emu::find_arch(g)) real += (real.empty() ? "" : ",") + std::string(g), reporter.real_goarches_++;
  for (std::string go : {"bundled", "system"}) {
    std::map<std::string, std::string> probes;
    std::string version;
    try {
      const auto tc = toolchain::resolve_toolchain(go);
      version = tc.version;
      for (auto g : toolchain::probe_goarches())
        if (emu::find_arch(g))
          probes[std::string(g)] = toolchain::probe_elf(tc, g, toolchain::ProbeBuildConfig::defaults()).string();
    } catch (const std::exception& e) {
      fmt::print(stderr, "bench: no real toolchain {}: {}\n", go, e.what());
      continue;
    }
    benchmark::RegisterBenchmark(("BM_RealMatrixColdProcess/" + go).c_str(), BM_RealColdProcess, go, real,
                                 "closure,noctxt", "morestack", false)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->Iterations(20);
    // The whole morestack matrix: every GOARCH, every scenario (every prologue
    // shape, every world), default -j.
    benchmark::RegisterBenchmark(("BM_RealFullColdProcess/" + go).c_str(), BM_RealColdProcess, go, real, "all",
                                 "morestack", false)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->Iterations(20);
    // The whole family: every trampoline's suite, every GOARCH, every scenario.
    benchmark::RegisterBenchmark(("BM_RealFamilyColdProcess/" + go).c_str(), BM_RealColdProcess, go, real, "all", "all",
                                 true)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->Iterations(20);
    // The same probe binaries under qemu-user: each probe's main runs its
    // recursions (probe/main.go) on a fresh goroutine, as the probe_main_scenarios
    // do under gotramp. CPU and wall time, process by process.
    // Each probe scenario warm, one GOARCH and scenario at a time (where a row's
    // time goes once its harness is built).
    for (const auto& [goarch, program] : probes)
      for (const auto& scenario : reporter.comparable_)
        benchmark::RegisterBenchmark(fmt::format("BM_RealWarm/{}/{}/{}", go, goarch, scenario).c_str(), BM_RealWarm,
                                     emu::find_arch(goarch), program, version, scenario)
            ->Unit(benchmark::kMicrosecond);
    std::string same;
    std::vector<std::vector<std::string>> qemu;  // the qemu-user commands that run
    for (const auto& [goarch, program] : probes) {
      auto it = kQemu.find(goarch);
      if (it == kQemu.end()) continue;
      if (const ChildCost c = run_measured({it->second, program}); !c.ok) {
        reporter.qemu_failures_.push_back(
            fmt::format("{} on the {} probe of {} {}", it->second, goarch, go, outcome(c.timed_out, c.exit_code)));
        continue;
      }
      same += (same.empty() ? "" : ",") + goarch;
      qemu.push_back({it->second, program});
      benchmark::RegisterBenchmark(fmt::format("BM_QemuProbe/{}/{}", go, goarch).c_str(), BM_Measured,
                                   std::vector<std::string>{it->second, program})
          ->Unit(benchmark::kMillisecond)
          ->UseManualTime()
          ->Iterations(5);
    }
    // gotramp on the same binaries and the same recursions, one cold process, one
    // harness at a time (-j 1: no core the qemu-user runs did not have).
    const std::vector<std::string> ours{GOTRAMP_BIN,    "verify",
                                        "--go",         go,
                                        "--goarch",     same,
                                        "--trampoline", "morestack",
                                        "--scenario",   fmt::format("{}", fmt::join(reporter.comparable_, ",")),
                                        "-j",           "1"};
    if (!same.empty()) {
      benchmark::RegisterBenchmark(("BM_RealQemuComparable/" + go).c_str(), BM_Measured, ours)
          ->Unit(benchmark::kMillisecond)
          ->UseManualTime()
          ->Iterations(20);
      benchmark::RegisterBenchmark(("BM_QemuPaired/" + go).c_str(), BM_QemuPaired, qemu, ours)
          ->Unit(benchmark::kMillisecond)
          ->UseManualTime()
          ->Iterations(kPairedRounds);
    }
    benchmark::RegisterBenchmark(("BM_ProbeFirstBuild/" + go).c_str(), BM_ProbeFirstBuild, go)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->Iterations(1);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
}
