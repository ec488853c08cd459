#include "cli/verify_cmd.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <numeric>
#include <set>
#include <span>
#include <thread>

#include "cli/exit_code.hpp"
#include "cli/suggest.hpp"
#include "runtime_model/harness.hpp"

namespace gotramp::cli {
namespace {

// Expands "all" and comma lists against a table of names.
struct Job {
  const emu::ArchSpec* spec;
  const model::Trampoline* trampoline;
  const model::Contract* contract;
  std::vector<const model::Scenario*> scenarios;  // the trampoline's, of those requested
  std::vector<VerifyRow> rows;
};

// Runs work(0..n-1) on all cores at once (-j: want threads), each item on one thread.
void run_parallel(size_t n, int want, const std::function<void(size_t)>& work) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next++) < n;) work(i);
  };
  size_t threads = want > 0 ? static_cast<size_t>(want) : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, n);
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; t++) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
}

// Every job's rows, in job order.
std::vector<VerifyRow> rows_of(std::vector<Job>& jobs) {
  std::vector<VerifyRow> rows;
  for (auto& job : jobs)
    for (auto& row : job.rows) rows.push_back(std::move(row));
  return rows;
}

// Runs every job, machines on all cores at once (one Unicorn engine each), and
// returns their rows in job order.
std::vector<VerifyRow> run_pool(std::vector<Job>& jobs, int want, const std::function<void(Job&)>& run_job) {
  run_parallel(jobs.size(), want, [&](size_t i) { run_job(jobs[i]); });
  return rows_of(jobs);
}

// Every row of a job `error`, with why and where (a GOARCH the toolchain does not
// build, a runtime the model cannot describe): the other jobs run on.
void error_rows(Job& job, const std::function<VerifyRow(const Job&, const model::Scenario*)>& row_for,
                const std::string& why, const std::string& source) {
  job.rows.clear();
  for (const model::Scenario* s : job.scenarios) {
    VerifyRow row = row_for(job, s);
    row.verdict = "error";
    row.note = why;
    row.error_source = source;
    job.rows.push_back(std::move(row));
  }
}

using RowFor = std::function<VerifyRow(const Job&, const model::Scenario*)>;

// Runs every scenario of the jobs given on the one harness make() builds (one
// GOARCH's trampolines on its probe: suites switch on it, and what the engine
// translated stays), a row each, in each job's order. The runs are independent
// (Harness::run starts each from a fresh world), so they run in another order:
// those that drop the engine's translations last (the bundled matrix: 0.78x wall,
// farm-bench --vs). A harness that cannot be built or cannot run makes every row
// FAILED with the reason, except a runtime the model cannot describe
// (ProfileError), which is the caller's to report.
void run_scenarios(std::span<Job* const> jobs, const RowFor& row_for,
                   const std::function<std::unique_ptr<model::Harness>()>& make) {
  struct Run {
    Job* job;
    size_t i;  // the scenario's index in its job
  };
  std::vector<Run> order;
  for (Job* job : jobs)
    for (size_t i = 0; i < job->scenarios.size(); i++) order.push_back({job, i});
  std::stable_partition(order.begin(), order.end(),
                        [&](const Run& r) { return !model::drops_translations(*r.job->scenarios[r.i]); });
  std::map<const Job*, std::vector<VerifyRow>> rows;
  for (Job* job : jobs) rows[job].resize(job->scenarios.size());
  try {
    auto harness = make();
    for (const Run& run : order) {
      const Job& job = *run.job;
      const model::Scenario* s = job.scenarios[run.i];
      VerifyRow& row = rows[&job][run.i] = row_for(job, s);
      if (std::string why = model::world_unavailable(s->world, *job.spec); !why.empty()) {
        row.verdict = "not applicable";
        row.note = std::move(why);
        continue;
      }
      const auto start = std::chrono::steady_clock::now();
      row.report = harness->run(*s, *job.contract);
      row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      row.verdict = row.report->verdict;
    }
    for (Job* job : jobs)
      for (auto& row : rows[job]) job->rows.push_back(std::move(row));
  } catch (const model::ProfileError&) {
    throw;
  } catch (const std::exception& e) {
    for (Job* job : jobs) {
      job->rows.clear();
      for (const model::Scenario* s : job->scenarios) {
        VerifyRow row = row_for(*job, s);
        row.verdict = "FAILED";
        row.note = e.what();
        job->rows.push_back(std::move(row));
      }
    }
  }
}

// A real toolchain: the probe for every GOARCH first (built once, then cached), one
// build at a time; then one machine per GOARCH runs the probe under its own
// runtime's profile. A GOARCH whose probe does not build, or whose runtime the
// model cannot describe (no DWARF, a missing field or function), gets `error` rows
// saying so; every other GOARCH runs as usual.
std::vector<VerifyRow> run_real(const VerifyRequest& req, std::vector<Job>& jobs) {
  const toolchain::GoToolchain& tc = *req.go;
  std::map<const emu::ArchSpec*, std::filesystem::path> probes;
  std::map<const emu::ArchSpec*, toolchain::ProbeBuildError> unbuilt;
  for (const auto& job : jobs) {
    if (probes.count(job.spec) || unbuilt.count(job.spec)) continue;
    if (req.progress) req.progress->building(job.spec->goarch);
    try {
      probes[job.spec] = toolchain::probe_elf(tc, job.spec->goarch, req.probe);
    } catch (const toolchain::ProbeBuildError& e) {
      unbuilt.emplace(job.spec, e);
    }
  }
  const RowFor row_for = [&](const Job& job, const model::Scenario* s) {
    VerifyRow row;
    row.spec = job.spec, row.trampoline = job.trampoline, row.contract = job.contract, row.scenario = s;
    row.toolchain = tc.version;
    if (auto p = probes.find(job.spec); p != probes.end()) row.source = p->second.string();
    return row;
  };
  // One harness per GOARCH, for all its trampolines: a second engine would load the
  // probe and translate its runtime again.
  std::vector<std::vector<Job*>> groups;
  std::map<const emu::ArchSpec*, size_t> group_of;
  for (auto& job : jobs) {
    auto [it, fresh] = group_of.try_emplace(job.spec, groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].push_back(&job);
  }
  run_parallel(groups.size(), req.jobs, [&](size_t i) {
    std::vector<Job*>& group = groups[i];
    const emu::ArchSpec& spec = *group.front()->spec;
    if (auto e = unbuilt.find(&spec); e != unbuilt.end()) {
      for (Job* job : group) error_rows(*job, row_for, e->second.what(), e->second.source);
    } else {
      const std::string probe = probes.at(&spec).string();
      try {
        run_scenarios(group, row_for, [&] { return model::Harness::for_probe(spec, probe, tc.version, tc.goroot); });
      } catch (const model::ProfileError& e) {
        for (Job* job : group) error_rows(*job, row_for, e.what(), "");
      }
    }
    if (req.progress)
      for (Job* job : group) req.progress->ran(spec.goarch, job->rows.size());
  });
  return rows_of(jobs);
}

template <typename T, typename Find>
std::optional<std::vector<const T*>> parse_list(const std::vector<std::string>& names, std::span<const T> table,
                                                Find find, const std::string& what, const std::string& valid,
                                                std::string& error) {
  std::vector<const T*> out;
  for (const auto& n : names) {
    if (n == "all") {
      for (const auto& t : table) out.push_back(&t);
      continue;
    }
    const T* t = find(n);
    if (!t) {
      error = fmt::format("unknown {} '{}'{}; valid: {} (or all)", what, n, did_you_mean(n, table, &T::name), valid);
      return std::nullopt;
    }
    out.push_back(t);
  }
  return out;
}

}  // namespace

std::string no_transcription(const emu::ArchSpec& spec) {
  return fmt::format(
      "{}: no Go 1.8 transcription (Go 1.8 had no {} port); real toolchains verify it: --go bundled, --go system or "
      "--go GOROOT",
      spec.goarch, spec.goarch);
}

std::optional<std::vector<const emu::ArchSpec*>> parse_archs(const std::vector<std::string>& names,
                                                             std::string& error) {
  std::vector<const emu::ArchSpec*> out;
  for (const auto& n : names) {
    if (n == "all") {
      for (const auto& a : emu::arch_table())
        if (a.transcribed()) out.push_back(&a);
      continue;
    }
    if (const emu::Unemulated* u = emu::find_unemulated(n)) {
      error = std::string(u->why);
      return std::nullopt;
    }
    const emu::ArchSpec* spec = emu::find_arch(n);
    if (!spec) {
      error = fmt::format("unknown GOARCH '{}'{}; valid: {} (or all)", n,
                          did_you_mean(n, emu::arch_table(), &emu::ArchSpec::goarch), emu::arch_names());
      return std::nullopt;
    }
    if (!spec->transcribed()) {
      error = no_transcription(*spec);
      return std::nullopt;
    }
    out.push_back(spec);
  }
  return out;
}

std::optional<std::vector<const model::Contract*>> parse_contracts(const std::vector<std::string>& names,
                                                                   std::string& error) {
  std::vector<std::string> expanded;
  std::vector<const model::Contract*> grouped;
  for (const auto& n : names) {
    if (n == "all") {
      // Every contract guest_asm transcribes; modern is for real toolchains (--go).
      for (const auto& c : model::contracts())
        if (c.transcribed()) expanded.push_back(c.name);
      continue;
    }
    auto group = model::contract_group(n);
    if (group.empty()) expanded.push_back(n);
    grouped.insert(grouped.end(), group.begin(), group.end());
  }
  auto out = parse_list<model::Contract>(expanded, model::contracts(), model::find_contract, "contract",
                                         model::contract_names(), error);
  if (out) out->insert(out->begin(), grouped.begin(), grouped.end());
  return out;
}

std::string needs_probe(const model::Scenario& s) {
  const model::ProbeProgram& transcription = *model::transcription_program(emu::arch_table().front());
  if (transcription.has(s.exercise.function)) return "";
  const auto& fn = model::real_probe_program(emu::arch_table().front())->function(s.exercise.function);
  std::string has;
  for (const auto& f : transcription.functions) has += (has.empty() ? "" : " and ") + f.role;
  return fmt::format(
      "scenario {} runs {}, a function of the probe (probe/main.go); the transcriptions' {} have only the {}: add "
      "--go bundled, --go system or --go GOROOT",
      s.name, fn.symbol, transcription.name, has);
}

std::optional<std::vector<const model::Scenario*>> parse_scenarios(
    const std::vector<std::string>& names, const std::vector<const model::Trampoline*>& trampolines,
    bool transcriptions, std::string& error) {
  std::vector<const model::Scenario*> out;
  for (const auto& n : names) {
    bool found = false;
    for (const model::Trampoline* t : trampolines) {
      if (n == "all") {
        // Every scenario the program can run: the transcriptions lack the probe's shapes.
        for (const auto& s : t->scenarios())
          if (!transcriptions || needs_probe(s).empty()) out.push_back(&s);
        found = true;
      } else if (const model::Scenario* s = model::find_scenario(n, t->name)) {
        if (transcriptions)
          if (std::string why = needs_probe(*s); !why.empty()) {
            error = std::move(why);
            return std::nullopt;
          }
        out.push_back(s);
        found = true;
      }
    }
    if (!found) {
      std::string valid;
      for (const model::Trampoline* t : trampolines)
        valid += fmt::format("{}{}: {}", valid.empty() ? "" : "; ", t->name, model::scenario_names(t->name));
      std::vector<std::string> scenario_names;
      for (const model::Trampoline* t : trampolines)
        for (const auto& s : t->scenarios()) scenario_names.push_back(s.name);
      error = fmt::format("unknown scenario '{}'{}; valid: {} (or all)", n, did_you_mean(n, scenario_names), valid);
      return std::nullopt;
    }
  }
  return out;
}

std::string needs_real_toolchain(const model::Trampoline& t) {
  return fmt::format(
      "the {} trampoline is verified on a real toolchain's runtime (Go 1.8's transcriptions in guest_asm/ carry "
      "morestack alone): add --go bundled, --go system or --go GOROOT",
      t.name);
}

std::optional<std::vector<const model::Trampoline*>> parse_trampolines(const std::vector<std::string>& names,
                                                                       bool transcriptions, std::string& error) {
  auto out = parse_list<model::Trampoline>(names, model::trampolines(), model::find_trampoline, "trampoline",
                                           model::trampoline_names(), error);
  if (!out || !transcriptions) return out;
  for (const auto& n : names)
    if (const model::Trampoline* t = model::find_trampoline(n); t && t->real_only) {
      error = needs_real_toolchain(*t);
      return std::nullopt;
    }
  std::erase_if(*out, [](const model::Trampoline* t) { return t->real_only; });
  return out;
}

std::optional<std::vector<const emu::ArchSpec*>> parse_real_archs(const std::vector<std::string>& names,
                                                                  std::string& error) {
  std::vector<const emu::ArchSpec*> out;
  const auto goarches = toolchain::probe_goarches();
  std::string valid;
  for (auto g : goarches) valid += (valid.empty() ? "" : ", ") + std::string(g);
  for (const auto& n : names) {
    if (n == "all") {
      for (auto g : goarches) out.push_back(emu::find_arch(g));  // the table's rows (toolchain/probe_build.cpp)
      continue;
    }
    if (const emu::Unemulated* u = emu::find_unemulated(n)) {
      error = std::string(u->why);
      return std::nullopt;
    }
    const emu::ArchSpec* spec = emu::find_arch(n);
    if (!spec || std::find(goarches.begin(), goarches.end(), n) == goarches.end()) {
      error = spec ? fmt::format("GOARCH '{}': real toolchains do not build it (Go dropped it); with --go: {} (or all)",
                                 n, valid)
                   : fmt::format("unknown GOARCH '{}' with --go{}; valid: {} (or all)", n,
                                 did_you_mean(n, {goarches.begin(), goarches.end()}), valid);
      return std::nullopt;
    }
    out.push_back(spec);
  }
  return out;
}

// Jobs are GOARCH x trampoline x contract. A transcription's job runs on a harness
// of its own (each contract is its own ELF); a real toolchain's jobs of one GOARCH
// share one (run_real). Harnesses are independent (one Unicorn engine each), so they
// run on all cores at once.
std::vector<VerifyRow> run_verify(const VerifyRequest& req, const toolchain::GuestBuildConfig& cfg) {
  std::vector<Job> jobs;
  for (const emu::ArchSpec* spec : req.archs)
    for (const model::Trampoline* t : req.trampolines)
      for (const model::Contract* c : req.contracts) {
        Job job{spec, t, c, {}, {}};
        for (const model::Scenario* s : req.scenarios)
          if (s->trampoline == t->name) job.scenarios.push_back(s);
        if (!job.scenarios.empty()) jobs.push_back(std::move(job));
      }
  if (req.progress) {
    size_t runs = 0, builds = 0;
    std::set<const emu::ArchSpec*> archs;
    for (const auto& job : jobs) runs += job.scenarios.size(), archs.insert(job.spec);
    if (req.go) builds = archs.size();
    req.progress->plan(builds, runs);
  }
  if (req.go) return run_real(req, jobs);

  // Every guest ELF first, one build at a time: a trampoline that does not build
  // stops here, reported once rather than once per run.
  std::map<std::pair<const emu::ArchSpec*, const model::Contract*>, std::filesystem::path> elves;
  for (const auto& job : jobs) {
    if (!job.spec->verified && !req.unverified) continue;
    auto file = req.asm_file ? *req.asm_file : toolchain::guest_dir(*job.spec, cfg) / job.contract->transcription;
    elves[{job.spec, job.contract}] = toolchain::guest_elf(*job.spec, file, cfg);
  }

  auto run_job = [&](Job& job) {
    const emu::ArchSpec* spec = job.spec;
    const model::Contract* c = job.contract;
    auto row_for = [&](const Job&, const model::Scenario* s) {
      VerifyRow row;
      row.spec = spec, row.trampoline = job.trampoline, row.contract = c, row.scenario = s;
      row.asm_file = req.asm_file;
      row.toolchain = "go1.8";
      row.source = req.asm_file ? req.asm_file->string() : "guest_asm";
      return row;
    };
    if (!spec->verified && !req.unverified) {
      for (const model::Scenario* s : job.scenarios) {
        VerifyRow row = row_for(job, s);
        row.verdict = "not yet verified";
        row.note = "this GOARCH's row is not verified end to end yet";
        job.rows.push_back(std::move(row));
      }
      return;
    }
    Job* one[] = {&job};
    run_scenarios(one, row_for, [&] { return model::Harness::for_transcription(*spec, elves.at({spec, c}).string()); });
    if (req.progress) req.progress->ran(spec->goarch, job.rows.size());
  };

  return run_pool(jobs, req.jobs, run_job);
}

void check_name_constraint(const std::filesystem::path& file, const emu::ArchSpec& spec) {
  // Every GOARCH go/build knows (its knownArch list): a name ending in one of them
  // constrains the file, whether or not gotramp emulates it.
  static const std::vector<std::string_view> known = {
      "386",     "amd64",  "amd64p32", "arm",      "armbe",     "arm64",       "arm64be", "loong64",
      "mips",    "mipsle", "mips64",   "mips64le", "mips64p32", "mips64p32le", "ppc",     "ppc64",
      "ppc64le", "riscv",  "riscv64",  "s390",     "s390x",     "sparc",       "sparc64", "wasm"};
  const std::string stem = file.stem().string();
  const auto us = stem.rfind('_');
  if (us == std::string::npos || us == 0) return;  // "_arm64.s" alone is ignored by go, and constrains nothing
  const std::string named = stem.substr(us + 1);
  if (named == spec.goarch || std::find(known.begin(), known.end(), named) == known.end()) return;
  throw BadInput(fmt::format(
      "--asm {}: its name ends in _{}, Go's file-name build constraint, so `go build` for {} leaves it out (and "
      "the link fails: no main.morestack); check it with --goarch {}, or rename it (morestack_{}.s) to check it "
      "on {}",
      file.string(), named, spec.goarch, named, spec.goarch, spec.goarch));
}

std::vector<const emu::ArchSpec*> archs_for_trampoline(const std::filesystem::path& file) {
  // Go's convention: the last _-separated word of the name, as in asm_linux_arm64.s.
  const std::string stem = file.stem().string();
  if (auto us = stem.rfind('_'); us != std::string::npos)
    if (auto named = emu::archs_named(stem.substr(us + 1)); !named.empty()) return named;
  // Or the guest folder it lives in: guest_asm/<folder>/...
  const auto path = std::filesystem::absolute(file).lexically_normal();
  for (auto it = path.begin(); it != path.end(); ++it)
    if (*it == "guest_asm" && std::next(it) != path.end())
      if (auto named = emu::archs_named(std::next(it)->string()); !named.empty()) return named;
  return {};
}

}  // namespace gotramp::cli
