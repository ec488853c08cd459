// gotramp: runs the Go runtime's stack-growth trampolines under Unicorn and checks,
// instruction by instruction, each architecture's calling sequence.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>

#include "cli/debug_cmd.hpp"
#include "cli/inspect.hpp"
#include "cli/report.hpp"
#include "cli/verify_cmd.hpp"
#include "runtime_model/contract.hpp"
#include "toolchain/guest_build.hpp"

namespace {

using namespace gotramp;

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

int usage_error(const std::string& msg) {
  std::cerr << "gotramp: " << msg << "\n";
  return kExitUsage;
}

struct VerifyArgs {
  std::vector<std::string> goarch = {"all"}, contract = {"both"}, scenario = {"all"};
  std::string asm_file;
  bool json = false, unverified = false;
  int jobs = 0;
};

int cmd_verify(const VerifyArgs& a) {
  const auto &goarch = a.goarch, &contract = a.contract, &scenario = a.scenario;
  std::string err;
  cli::VerifyRequest req;
  req.unverified = a.unverified;
  req.jobs = a.jobs;
  if (!a.asm_file.empty()) {
    if (!std::filesystem::exists(a.asm_file)) return usage_error("no such file: " + a.asm_file);
    req.trampoline = std::filesystem::absolute(a.asm_file);
  }
  auto archs = cli::parse_archs(goarch, err);
  if (!archs) return usage_error(err);
  auto contracts = cli::parse_contracts(contract, err);
  if (!contracts) return usage_error(err);
  auto scenarios = cli::parse_scenarios(scenario, err);
  if (!scenarios) return usage_error(err);
  req.archs = *archs, req.contracts = *contracts, req.scenarios = *scenarios;

  auto rows = cli::run_verify(req, toolchain::GuestBuildConfig::defaults());
  bool failed = false;
  for (const auto& r : rows) failed = failed || r.failed();
  auto diffs = cli::differentials(rows);
  for (const auto& d : diffs) failed = failed || !d.same;
  if (a.json) {
    std::cout << cli::to_json(rows).dump(2) << "\n";
  } else {
    // A failed row tells its story: the trace up to the first failure and the frame.
    auto story = [&](const cli::VerifyRow& row) {
      try {
        return cli::failure_story({row.spec, row.contract, row.scenario, row.trampoline},
                                  toolchain::GuestBuildConfig::defaults());
      } catch (const std::exception& e) {
        return std::string("  (no trace: ") + e.what() + ")\n";
      }
    };
    std::cout << cli::format_table(rows) << cli::format_differentials(diffs) << cli::format_findings(rows, story);
  }
  return failed ? kExitFailed : 0;
}

struct InspectArgs {
  std::string goarch, contract = "seed", scenario = "closure", asm_file, svg;
  int growth = 0;
  bool json = false;
};

// Resolves the names of a trace or frame request, or explains what is valid.
std::optional<cli::Inspection> inspection(const InspectArgs& a, std::string& err) {
  cli::Inspection w;
  w.spec = emu::find_arch(a.goarch);
  w.contract = model::find_contract(a.contract);
  w.scenario = model::find_scenario(a.scenario);
  if (!w.spec)
    err = fmt::format("unknown GOARCH '{}'; valid: {}", a.goarch, emu::arch_names());
  else if (!w.contract)
    err = fmt::format("unknown contract '{}'; valid: {}", a.contract, model::contract_names());
  else if (!w.scenario)
    err = fmt::format("unknown scenario '{}'; valid: {}", a.scenario, model::scenario_names());
  else if (!a.asm_file.empty() && !std::filesystem::exists(a.asm_file))
    err = "no such file: " + a.asm_file;
  if (!err.empty()) return std::nullopt;
  if (!a.asm_file.empty()) w.trampoline = std::filesystem::absolute(a.asm_file);
  return w;
}

int cmd_trace(const InspectArgs& a) {
  std::string err;
  auto what = inspection(a, err);
  if (!what) return usage_error(err);
  model::RunOptions opt;
  opt.trace.enabled = true;
  opt.trace.growth = a.growth;
  auto run = cli::run_one(*what, opt, toolchain::GuestBuildConfig::defaults());
  if (a.growth > static_cast<int>(run.report.frames.size()))
    return usage_error(
        fmt::format("growth {} never happened: the run grew {} times", a.growth, run.report.frames.size()));
  if (a.json)
    std::cout << cli::trace_json(run, a.growth).dump(2) << "\n";
  else
    std::cout << cli::format_trace(run.report.trace);
  return 0;
}

int cmd_frame(const InspectArgs& a) {
  std::string err;
  auto what = inspection(a, err);
  if (!what) return usage_error(err);
  auto run = cli::run_one(*what, {}, toolchain::GuestBuildConfig::defaults());
  const int growth = a.growth > 0 ? a.growth : 1;
  if (growth > static_cast<int>(run.report.frames.size()))
    return usage_error(
        fmt::format("growth {} never reached newstack: the run has {} frames", growth, run.report.frames.size()));
  if (!a.svg.empty()) {
    std::ofstream out(a.svg);
    out << *cli::frame_svg(run, growth);
    if (!out) return usage_error("cannot write " + a.svg);
  }
  if (a.json)
    std::cout << cli::frame_json(run, growth)->dump(2) << "\n";
  else
    std::cout << *cli::format_frame(run, growth);
  return 0;
}

int cmd_build_guests() {
  auto cfg = toolchain::GuestBuildConfig::defaults();
  int built = 0;
  for (const auto& spec : emu::arch_table()) {
    if (!toolchain::has_guest(spec, cfg)) continue;
    for (const auto& c : model::contracts()) {
      auto file = toolchain::guest_dir(spec, cfg) / c.trampoline_file;
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
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"gotramp: verify the Go runtime's stack-growth trampolines under emulation"};
  app.require_subcommand(1);

  VerifyArgs va;
  auto* verify = app.add_subcommand("verify", "run every GOARCH x contract x scenario and check each growth");
  verify->add_option("--goarch", va.goarch, "GOARCH list (" + emu::arch_names() + ") or all")->delimiter(',');
  verify->add_option("--contract", va.contract, "contract list (" + model::contract_names() + ") or all; default both")
      ->delimiter(',');
  verify->add_option("--scenario", va.scenario, "scenario list (" + model::scenario_names() + ") or all")
      ->delimiter(',');
  verify->add_option("--asm", va.asm_file,
                     "your own trampoline (Plan 9 assembly defining morestack and morestack_noctxt), built "
                     "with the GOARCH's harness and checked against the contract");
  verify->add_flag("--json", va.json, "print JSON instead of a table");
  verify->add_flag("--unverified", va.unverified, "also run GOARCH rows not verified yet");
  verify->add_option("-j,--jobs", va.jobs, "machines to run at once (default: one per core)")
      ->check(CLI::NonNegativeNumber);

  InspectArgs ta, fa;
  auto inspect_options = [](CLI::App* c, InspectArgs& a) {
    c->add_option("--goarch", a.goarch, "GOARCH (" + emu::arch_names() + ")")->required();
    c->add_option("--contract", a.contract, "contract (" + model::contract_names() + "); default seed");
    c->add_option("--scenario", a.scenario, "scenario (" + model::scenario_names() + "); default closure");
    c->add_option("--growth", a.growth, "only around this growth (1-based)")->check(CLI::PositiveNumber);
    c->add_option("--asm", a.asm_file, "your own trampoline instead of the contract's");
    c->add_flag("--json", a.json, "print JSON");
  };
  auto* trace = app.add_subcommand("trace", "every guest instruction of a run, with source lines and effects");
  inspect_options(trace, ta);
  auto* frame = app.add_subcommand("frame", "the g0 frame at newstack's entry beside the interrupted goroutine");
  inspect_options(frame, fa);
  frame->add_option("--svg", fa.svg, "also draw the diagram as SVG into this file");

  cli::DebugArgs da;
  auto* debug = cli::add_debug_command(app, da);

  app.add_subcommand("build-guests", "assemble and link every built-in guest ELF (done at build time)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "gotramp: " << e.what() << "\n\n" << app.help();
    return kExitUsage;
  }
  try {
    if (verify->parsed()) return cmd_verify(va);
    if (trace->parsed()) return cmd_trace(ta);
    if (frame->parsed()) return cmd_frame(fa);
    if (debug->parsed()) return cli::run_debug(da);
    return cmd_build_guests();
  } catch (const std::exception& e) {
    std::cerr << "gotramp: " << e.what() << "\n";
    return kExitFailed;
  }
}
