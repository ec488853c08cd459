// gotramp: runs the Go runtime's stack-growth trampolines under Unicorn and checks,
// instruction by instruction, each architecture's calling sequence.
//
// Exit status, the same for every subcommand (cli/exit_code.hpp, README): 0 every
// run passed, 1 a run failed its checks, 2 bad input, 3 an internal error, 4 a
// debug session timed out, 130 interrupted (Ctrl-C).
#include <fmt/format.h>

#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>

#include "cli/cache_cmd.hpp"
#include "cli/causes.hpp"
#include "cli/debug_cmd.hpp"
#include "cli/exit_code.hpp"
#include "cli/inspect.hpp"
#include "cli/overlay_args.hpp"
#include "cli/report.hpp"
#include "cli/run_args.hpp"
#include "cli/suggest.hpp"
#include "cli/verify_cmd.hpp"
#include "cli/versions.hpp"
#include "runtime_model/contract.hpp"
#include "runtime_model/known_bugs.hpp"
#include "runtime_model/profile.hpp"
#include "runtime_model/suite.hpp"
#include "toolchain/guest_build.hpp"

namespace {

using namespace gotramp;
using cli::add_common_options;
using cli::at_least;
using cli::BadInput;
using cli::check_asm;
using cli::CommonArgs;
using cli::config;
namespace fs = std::filesystem;

// An output file the user named, opened before any work so that an unwritable path
// costs nothing.
std::ofstream open_output(const std::string& path, const char* option) {
  std::ofstream out(path);
  if (!out) throw BadInput(fmt::format("{} {}: cannot write: {}", option, path, std::strerror(errno)));
  return out;
}

// ---- gotramp verify

struct VerifyArgs {
  std::vector<std::string> goarch = {"all"}, trampoline = {"morestack"}, contract = {"both"}, scenario = {"all"};
  std::string asm_file, junit, go;
  std::vector<std::string> overlays;  // --overlay PATH=FILE, with --go
  bool json = false, unverified = false, strict = false, verbose = false;
  std::string annotations;  // "github", "none", or "" (github when GITHUB_ACTIONS=true)
  int jobs = 0;
  bool goarch_given = false, contract_given = false;
  CommonArgs common;
};

CLI::App* add_verify(CLI::App& app, VerifyArgs& a) {
  auto* c = app.add_subcommand("verify", "run every GOARCH x trampoline x contract x scenario and check each run");
  c->add_option("--goarch", a.goarch, "GOARCH list (" + emu::arch_names() + ") or all; with --asm, from the file name")
      ->delimiter(',');
  c->add_option("--trampoline", a.trampoline,
                "trampoline list (" + model::trampoline_names() + ") or all; default morestack")
      ->delimiter(',');
  c->add_option("--contract", a.contract,
                "contract list (" + model::contract_names() + ") or all; default both, seed with --asm")
      ->delimiter(',');
  c->add_option("--scenario", a.scenario,
                "scenario list (morestack: " + model::scenario_names() + ") or all; each trampoline runs those it has")
      ->delimiter(',');
  c->add_option("--asm", a.asm_file,
                "your own trampoline (Plan 9 assembly defining morestack and morestack_noctxt), built "
                "with the GOARCH's harness and checked against the contract");
  c->add_option("--go", a.go,
                "verify a real Go toolchain's own runtime instead of the transcriptions: bundled (the pinned "
                "Go 1.27.3), system (the go on PATH) or the path of a GOROOT (Go 1.19 or later)");
  cli::add_overlay_option(c, a.overlays);
  c->add_flag("--json", a.json, "print JSON instead of a table");
  c->add_option("--junit", a.junit, "also write a JUnit XML report to this file");
  c->add_flag("--verbose", a.verbose,
              "after the table, every failed run's Findings, trace and frame, instead of one block per cause");
  c->add_option("--annotations", a.annotations,
                "github: also print a GitHub Actions ::error line per cause, with its file and line (the "
                "default when GITHUB_ACTIONS=true); none: never")
      ->check(CLI::IsMember({"github", "none"}));
  c->add_flag("--unverified", a.unverified, "also run GOARCH rows not verified yet");
  cli::add_strict_option(c, a.strict);
  c->add_option("-j,--jobs", a.jobs, "machines to run at once, 1 or more (default: one per core)")
      ->check(at_least(1, "-j (machines run at once)"));
  add_common_options(c, a.common);
  cli::add_cache_cap_option(c, a.common);
  return c;
}

// --asm narrows the defaults: the seed contract, and the GOARCHes its name says.
void apply_asm_defaults(VerifyArgs& a) {
  if (a.asm_file.empty()) return;
  if (!a.contract_given) a.contract = {"seed"};
  if (a.goarch_given) return;
  auto archs = cli::archs_for_trampoline(a.asm_file);
  if (archs.empty())
    throw BadInput(
        fmt::format("--goarch is required with --asm {}: neither its name (Go's convention: morestack_arm64.s, "
                    "asm_ppc64x.s) nor a guest_asm/<GOARCH>/ folder says which GOARCH it is for",
                    a.asm_file));
  a.goarch.clear();
  for (const auto* s : archs) a.goarch.push_back(s->goarch);
}

// --go: the real toolchain's runtime keeps the modern contract, on the GOARCHes it
// builds; the toolchain is resolved (and its version checked) before any work.
void apply_go(const VerifyArgs& a, cli::VerifyRequest& req) {
  if (!a.asm_file.empty())
    throw BadInput(
        "--asm and --go exclude each other: --asm checks your trampoline in a Go 1.8 harness, --go a "
        "toolchain's own runtime");
  std::vector<std::string> contract = a.contract_given ? a.contract : std::vector<std::string>{"modern"};
  for (const auto& c : contract)
    if (c != "modern")
      throw BadInput(
          fmt::format("--contract {} with --go: every real toolchain (Go 1.10 and later) keeps the modern "
                      "contract; {} is for the guest_asm transcriptions (drop --go)",
                      c, c));
  req.contracts = {model::find_contract("modern")};
  std::string err;
  auto archs = cli::parse_real_archs(a.goarch, err);
  if (!archs) throw BadInput(err);
  req.archs = *archs;
  req.go = toolchain::resolve_toolchain(a.go);
  req.probe = toolchain::ProbeBuildConfig::defaults();
  req.probe.overlays = cli::parse_overlays(a.overlays, *req.go);
  if (!a.common.cache.empty()) req.probe.cache = config(a.common).cache;
  req.probe.cache_cap = cli::cache_cap(a.common);
}

int cmd_verify(VerifyArgs a) {
  cli::require_go_for_overlays(a.overlays, a.go);
  if (!a.asm_file.empty() && a.go.empty()) check_asm(a.asm_file);
  apply_asm_defaults(a);
  std::string err;
  cli::VerifyRequest req;
  req.unverified = a.unverified;
  req.jobs = a.jobs;
  if (!a.asm_file.empty()) req.asm_file = a.asm_file;
  auto trampolines = cli::parse_trampolines(a.trampoline, a.go.empty(), err);
  if (!trampolines) throw BadInput(err);
  req.trampolines = *trampolines;
  std::optional<std::vector<const emu::ArchSpec*>> archs;
  std::optional<std::vector<const model::Contract*>> contracts;
  if (!a.go.empty()) {
    apply_go(a, req);
    archs = req.archs, contracts = req.contracts;
  } else {
    archs = cli::parse_archs(a.goarch, err);
    if (!archs) throw BadInput(err);
    contracts = cli::parse_contracts(a.contract, err);
    if (!contracts) throw BadInput(err);
    for (const auto* c : *contracts)
      if (!c->transcribed())
        throw BadInput(
            fmt::format("the {} contract has no guest_asm transcription: it is the one real toolchains "
                        "keep; verify it with --go bundled, --go system or --go GOROOT",
                        c->name));
  }
  if (req.asm_file)
    for (const auto* spec : *archs) cli::check_name_constraint(*req.asm_file, *spec);
  auto scenarios = cli::parse_scenarios(a.scenario, req.trampolines, a.go.empty(), err);
  if (!scenarios) throw BadInput(err);
  req.archs = *archs, req.contracts = *contracts, req.scenarios = *scenarios;
  std::optional<std::ofstream> junit;
  if (!a.junit.empty()) junit = open_output(a.junit, "--junit");

  const auto cfg = config(a.common);
  std::vector<cli::VerifyRow> rows;
  auto progress = cli::Progress::for_stderr();
  req.progress = progress.get();
  try {
    rows = cli::run_verify(req, cfg);
  } catch (const toolchain::GuestBuildError& e) {
    if (req.asm_file) throw BadInput(e.what());  // the porter's file does not build
    throw;                                       // a built-in guest: ours
  }
  if (progress) progress->done();
  bool failed = false;
  for (const auto& r : rows) failed = failed || r.fails(a.strict);
  auto diffs = cli::differentials(rows);
  for (const auto& d : diffs) failed = failed || !d.same;

  // A failed row tells its story: the trace up to the first failure and the frame.
  std::map<const cli::VerifyRow*, std::string> stories;
  auto story = [&](const cli::VerifyRow& row) -> std::string {
    auto [it, fresh] = stories.try_emplace(&row);
    if (!fresh) return it->second;
    try {
      cli::Inspection what{row.spec, row.contract, row.scenario, row.asm_file};
      if (req.go) what.probe = row.source, what.toolchain = row.toolchain, what.goroot = req.go->goroot;
      it->second = cli::failure_story(what, cfg, row.report ? &*row.report : nullptr);
    } catch (const std::exception& e) {
      it->second = std::string("  (no trace: ") + e.what() + ")\n";
    }
    return it->second;
  };
  const bool want_versions = a.json || junit;
  cli::ToolVersions versions = want_versions ? cli::tool_versions(cfg) : cli::ToolVersions{};
  if (req.go)
    versions.toolchain = req.go->selector, versions.toolchain_version = req.go->version,
    versions.goroot = req.go->goroot.string(), versions.overlays = cli::overlay_record(req.probe.overlays, *req.go);
  // A GOROOT the user named is said above the table: two trees of one version look alike.
  const bool named_goroot = req.go && req.go->selector != "bundled" && req.go->selector != "system";
  // ... and so are the files --overlay put in place of the GOROOT's.
  std::string overlaid;
  if (req.go)
    for (const auto& o : req.probe.overlays) overlaid += fmt::format("overlay src/{} = {}\n", o.path, o.file.string());
  if (a.json)
    std::cout << cli::to_json(rows, versions, a.strict).dump(2) << "\n";
  else
    std::cout << (named_goroot ? fmt::format("GOROOT {} ({})\n", req.go->goroot.string(), req.go->version) : "")
              << overlaid << (named_goroot || !overlaid.empty() ? "\n" : "") << cli::format_table(rows)
              << cli::format_differentials(diffs) << cli::format_findings(rows, story, a.verbose) << "\n"
              << cli::format_summary(rows);
  // Workflow commands for GitHub Actions: on stdout beside the table, on stderr
  // beside JSON (the runner reads both).
  const char* in_actions = std::getenv("GITHUB_ACTIONS");
  const bool annotate =
      a.annotations == "github" || (a.annotations.empty() && in_actions && std::string_view(in_actions) == "true");
  if (annotate) (a.json ? std::cerr : std::cout) << cli::github_annotations(cli::group_causes(rows), a.strict);
  if (junit) {
    *junit << cli::to_junit(rows, versions, story, a.strict);
    junit->close();
    if (!*junit) throw BadInput(fmt::format("--junit {}: cannot write: {}", a.junit, std::strerror(errno)));
  }
  return failed ? cli::kExitFailed : cli::kExitPassed;
}

// ---- gotramp trace and gotramp frame

struct InspectArgs {
  cli::RunArgs run;
  std::string svg;
  int growth = 0;
  bool json = false;
  bool regs = false, plan9 = false, whole = false;  // trace only
};

CLI::App* add_inspect(CLI::App& app, const std::string& name, const std::string& what, InspectArgs& a) {
  auto* c = app.add_subcommand(name, what);
  cli::add_run_options(c, a.run);
  c->add_option("--growth", a.growth, "only around this growth, 1 or more")
      ->check(cli::at_least(1, "--growth (the growth to look at, counted from 1)"));
  c->add_flag("--json", a.json, "print JSON");
  return c;
}

int run_status(const cli::InspectedRun& run, bool strict) { return cli::exit_for_verdict(run.report.verdict, strict); }

int cmd_trace(const InspectArgs& a) {
  const auto what = cli::inspection(a.run, "trace");
  const auto cfg = cli::config(a.run.common);
  model::RunOptions opt;
  opt.trace.enabled = true;
  const model::Trampoline* trampoline = model::find_trampoline(what.scenario->trampoline);
  const std::string episode = trampoline ? trampoline->episode : "growth";  // what --growth counts
  int growth = a.growth;
  if (a.growth == 0) {
    // An untraced run first (runs are deterministic). One that ends on its budget (a
    // runaway trampoline) would trace millions of identical lines: only the window
    // before the end is traced. Otherwise, unless --whole, one growth: the first that
    // failed, else the first (a whole run is thousands of lines per growth).
    auto probe = cli::run_one(what, {}, cfg);
    const auto& stop = probe.report.stop;
    const int growths = probe.report.episodes;
    if (stop.reason == emu::StopReason::Budget && stop.insns > cli::kStoryWindow) {
      opt.trace.from_insn = stop.insns - cli::kStoryWindow;
      std::cerr << fmt::format(
          "gotramp: the run ran out of its budget after {} instructions; tracing the last {} (from {})\n", stop.insns,
          cli::kStoryWindow, opt.trace.from_insn + 1);
    } else if (!a.whole && growths > 0) {
      const auto failed = std::find_if(probe.report.findings.begin(), probe.report.findings.end(),
                                       [](const model::Finding& f) { return f.growth > 0; });
      growth = failed != probe.report.findings.end() ? failed->growth : 1;
      std::cerr << fmt::format(
          "gotramp: tracing {} {} of {} ({}); --growth N for another, --whole for the whole run ({} "
          "instructions)\n",
          episode, growth, growths, failed != probe.report.findings.end() ? "the first to fail" : "the first",
          stop.insns);
    }
  }
  opt.trace.growth = growth;
  opt.trace.all_regs = a.regs;
  auto run = cli::run_one(what, opt, cfg);
  if (a.growth > run.report.episodes)
    throw BadInput(episode == "growth"
                       ? fmt::format("growth {} never happened: the run grew {} times", a.growth, run.report.episodes)
                       : fmt::format("{} {} never happened: the run made {} {} call(s)", episode, a.growth,
                                     run.report.episodes, what.scenario->trampoline));
  if (a.json)
    std::cout << cli::trace_json(run, growth).dump(2) << "\n";
  else
    std::cout << cli::format_trace(run.report.trace, {.plan9 = a.plan9}) << cli::format_run_verdict(run.report);
  return run_status(run, a.run.strict);
}

int cmd_frame(const InspectArgs& a) {
  const auto what = cli::inspection(a.run, "frame");
  std::optional<std::ofstream> svg;
  if (!a.svg.empty()) svg = open_output(a.svg, "--svg");
  // Opened early so that an unwritable path costs no run; removed unless drawn.
  struct RemoveUnlessDrawn {
    std::string path;
    bool drawn = false;
    ~RemoveUnlessDrawn() {
      std::error_code ec;
      if (!drawn && !path.empty()) fs::remove(path, ec);
    }
  } svg_file{a.svg};
  const auto cfg = cli::config(a.run.common);
  auto run = cli::run_one(what, {}, cfg);
  const int growth = a.growth > 0 ? a.growth : 1;
  const int frames = static_cast<int>(run.report.frames.size());
  const model::Trampoline* trampoline = model::find_trampoline(what.scenario->trampoline);
  const std::string callee = trampoline ? trampoline->callee : "newstack";
  if (frames == 0 && what.scenario->expects_failure() && run_status(run, a.run.strict) == cli::kExitPassed)
    throw BadInput(fmt::format(
        "no frame is expected in scenario {}: {}, so {} is never entered; the run ended as the scenario "
        "expects ({}: {})",
        what.scenario->name, what.scenario->description, callee, run.report.verdict, what.scenario->expect));
  // A switch that did not happen (systemstack or asmcgocall called on g0 or gsignal
  // runs fn where it is) built no g0 frame.
  if (frames == 0 && run_status(run, a.run.strict) == cli::kExitPassed)
    throw BadInput(
        fmt::format("no g0 frame in scenario {}: {}; {} ran on the stack it was called on, so there is nothing to draw "
                    "(`gotramp trace` shows the run, {})",
                    what.scenario->name, what.scenario->description, callee, run.report.verdict));
  if (frames == 0) {
    std::cerr << fmt::format(
        "gotramp: the run FAILED before {} was entered on g0: no frame to draw ({})\n", callee,
        run.report.findings.empty() ? run.report.stop.detail : run.report.findings.front().message());
    return cli::kExitFailed;
  }
  if (!cli::frame_of(run, growth)) {
    const std::string episode = trampoline ? trampoline->episode : "growth";
    if (episode == "growth")
      throw BadInput(fmt::format("growth {} never reached newstack: the run has {} growths (frames 1 to {})", growth,
                                 frames, frames));
    throw BadInput(fmt::format("{} {} of {} built no g0 frame: the run made {} {} call(s), {} with a frame", episode,
                               growth, what.scenario->trampoline, run.report.episodes, what.scenario->trampoline,
                               frames));
  }
  if (svg) {
    *svg << *cli::frame_svg(run, growth);
    svg->close();
    if (!*svg) throw BadInput(fmt::format("--svg {}: cannot write: {}", a.svg, std::strerror(errno)));
    svg_file.drawn = true;
  }
  if (a.json)
    std::cout << cli::frame_json(run, growth)->dump(2) << "\n";
  else
    std::cout << *cli::format_frame(run, growth) << cli::format_run_verdict(run.report);
  return run_status(run, a.run.strict);
}

// ---- gotramp known-bugs

int cmd_known_bugs(bool json) {
  const auto& bugs = model::KnownBugs::builtin().entries();
  if (json)
    std::cout << nlohmann::ordered_json{{"known_bugs", cli::known_bugs_json(bugs)}}.dump(2) << "\n";
  else
    std::cout << cli::format_known_bugs(bugs);
  return cli::kExitPassed;
}

// ---- gotramp build-guests

int cmd_build_guests(const CommonArgs& a) {
  auto cfg = config(a);
  int built = 0;
  for (const auto& spec : emu::arch_table()) {
    if (!toolchain::has_guest(spec, cfg)) continue;
    for (const auto& c : model::contracts()) {
      if (!c.transcribed()) continue;
      auto file = toolchain::guest_dir(spec, cfg) / c.transcription;
      if (!std::filesystem::exists(file)) continue;
      toolchain::guest_elf(spec, file, cfg);
      built++;
    }
    auto variants = toolchain::guest_dir(spec, cfg) / "variants";
    if (std::filesystem::is_directory(variants))
      for (const auto& f : std::filesystem::directory_iterator(variants))
        if (f.path().extension() == ".s") toolchain::guest_elf(spec, f.path(), cfg), built++;
  }
  std::cout << fmt::format("gotramp: {} guest ELFs up to date in {}\n", built, cfg.cache.string());
  return cli::kExitPassed;
}

// ---- Words CLI11 would reject with less help: an unknown command or option gets
// the nearest valid one.

std::vector<std::string> option_names(const CLI::App* c) {
  std::vector<std::string> out;
  for (const CLI::Option* o : c->get_options()) {
    for (const auto& l : o->get_lnames()) out.push_back("--" + l);
    for (const auto& s : o->get_snames()) out.push_back("-" + s);
  }
  return out;
}

bool is_number(const std::string& s) {
  double v;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size();
}

void check_words(const CLI::App& app, int argc, char** argv) {
  if (argc < 2) return;
  const std::string first = argv[1];
  if (first.starts_with("-")) return;  // --help, --version: CLI11's
  std::vector<std::string> commands;
  for (const CLI::App* c : app.get_subcommands({})) commands.push_back(c->get_name());
  const CLI::App* sub = nullptr;
  for (const CLI::App* c : app.get_subcommands({}))
    if (c->get_name() == first) sub = c;
  if (!sub) {
    auto near = cli::closest(first, commands);
    throw BadInput(fmt::format("unknown command '{}'{} Commands: {}", first,
                               near ? fmt::format(". Did you mean '{}'?", *near) : ";", fmt::join(commands, ", ")));
  }
  // A command of commands (cache info, cache clean): the options are its command's.
  int from = 2;
  std::string command = first;
  if (!sub->get_subcommands({}).empty() && argc > 2 && !std::string(argv[2]).starts_with("-")) {
    std::vector<std::string> names;
    const CLI::App* inner = nullptr;
    for (const CLI::App* c : sub->get_subcommands({})) {
      names.push_back(c->get_name());
      if (c->get_name() == argv[2]) inner = c;
    }
    if (!inner) {
      auto near = cli::closest(argv[2], names);
      throw BadInput(fmt::format("unknown command 'gotramp {} {}'{} Commands: {}", first, argv[2],
                                 near ? fmt::format(". Did you mean '{}'?", *near) : ";", fmt::join(names, ", ")));
    }
    sub = inner, from = 3, command = first + " " + argv[2];
  }
  const auto known = option_names(sub);
  for (int i = from; i < argc; i++) {
    std::string word = argv[i];
    if (!word.starts_with("-") || word == "-" || word == "--" || is_number(word)) continue;
    std::string name = word.substr(0, word.find('='));
    if (!name.starts_with("--")) name = name.substr(0, 2);  // -j4
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    auto near = cli::closest(name, known);
    throw BadInput(fmt::format("unknown option '{}' for gotramp {}{} Its options: {}", name, command,
                               near ? fmt::format(". Did you mean {}?", *near) : ";", fmt::join(known, ", ")));
  }
}

// What an exception that ends gotramp says, and the exit code it means: bad input
// names what is wrong; anything else is gotramp's own failure.
int exit_for(const std::exception& e) {
  // A toolchain, probe or binary the user chose that cannot be used.
  if (dynamic_cast<const BadInput*>(&e) || dynamic_cast<const toolchain::ToolchainError*>(&e) ||
      dynamic_cast<const toolchain::ProbeBuildError*>(&e) || dynamic_cast<const model::ProfileError*>(&e)) {
    std::cerr << "gotramp: " << e.what() << "\n";
    return cli::kExitBadInput;
  }
  std::cerr << "gotramp: internal error: " << e.what() << "\n";
  return cli::kExitInternal;
}

// Ctrl-C: one line, and the status a shell gives a command SIGINT ended. Only
// async-signal-safe calls; the toolchain children in the terminal's foreground
// group get the same signal from the terminal.
extern "C" void on_interrupt(int) {
  static const char msg[] = "\ngotramp: interrupted\n";
  [[maybe_unused]] ssize_t n = write(STDERR_FILENO, msg, sizeof msg - 1);
  _exit(cli::kExitInterrupted);
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGINT, on_interrupt);
  CLI::App app{"gotramp: verify the Go runtime's stack-growth trampolines under emulation"};
  app.require_subcommand(1);
  app.set_version_flag("--version", [] {
    toolchain::GuestBuildConfig cfg;  // only the Go command is needed: --version works without guest sources
    try {
      cfg = toolchain::GuestBuildConfig::defaults();
    } catch (const toolchain::GuestBuildError&) {
    }
    std::string v = cli::format_versions(cli::tool_versions(cfg));
    return v.substr(0, v.size() - 1);  // CLI11 adds the newline
  });

  VerifyArgs va;
  auto* verify = add_verify(app, va);
  InspectArgs ta, fa;
  auto* trace = add_inspect(app, "trace", "every guest instruction of a run, with source lines and effects", ta);
  trace->add_flag("--regs", ta.regs, "also print every general register (Plan 9 names) after each instruction");
  trace->add_flag("--plan9", ta.plan9, "show each instruction as its Plan 9 source line only, without disassembly");
  trace
      ->add_flag("--whole", ta.whole,
                 "trace the whole run, every growth (without --growth or --whole: the first failing growth, "
                 "else the first)")
      ->excludes("--growth");
  auto* frame = add_inspect(app, "frame", "the g0 frame at newstack's entry beside the interrupted goroutine", fa);
  frame->add_option("--svg", fa.svg, "also draw the diagram as SVG into this file");

  cli::DebugArgs da;
  auto* debug = cli::add_debug_command(app, da);

  bool known_json = false;
  auto* known_bugs = app.add_subcommand(
      "known-bugs", "list the known upstream runtime bugs a failure may be (the catalog gotramp was built with)");
  known_bugs->add_flag("--json", known_json, "print the catalog as JSON");

  CommonArgs ba;
  auto* build_guests =
      app.add_subcommand("build-guests", "assemble and link every built-in guest ELF (done at build time)");
  add_common_options(build_guests, ba);

  cli::CacheArgs cache_args;
  const cli::CacheCommand cache = cli::add_cache_command(app, cache_args);

  try {
    check_words(app, argc, argv);
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const CLI::App* sub = nullptr;
    for (const CLI::App* c : app.get_subcommands()) sub = c;
    std::cerr << "gotramp: " << e.what() << "\n"
              << (sub ? fmt::format("(gotramp {} --help lists its options)\n", sub->get_name())
                      : "(gotramp --help lists the commands: verify, trace, frame, debug, known-bugs, build-guests, "
                        "cache)\n");
    return cli::kExitBadInput;
  } catch (const std::exception& e) {
    return exit_for(e);
  }
  try {
    va.goarch_given = verify->count("--goarch") > 0;
    va.contract_given = verify->count("--contract") > 0;
    if (verify->parsed()) return cmd_verify(va);
    if (trace->parsed()) return cmd_trace(ta);
    if (frame->parsed()) return cmd_frame(fa);
    if (debug->parsed()) return cli::run_debug(da);
    if (known_bugs->parsed()) return cmd_known_bugs(known_json);
    if (cache.cmd->parsed()) return cli::run_cache(cache, cache_args);
    return cmd_build_guests(ba);
  } catch (const std::exception& e) {
    return exit_for(e);
  }
}
