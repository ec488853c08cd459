// The arguments subcommands share: --cache for all of them, and the names of one
// run (--goarch, --contract, --scenario, --asm) for trace, frame and debug, checked
// the same way everywhere. Bad input throws BadInput (cli/exit_code.hpp).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/inspect.hpp"
#include "toolchain/guest_build.hpp"

namespace gotramp::cli {

struct CommonArgs {
  std::string cache;      // --cache DIR
  std::string cache_cap;  // --cache-cap SIZE (commands that build)
  bool capped = false;    // the command has --cache-cap (build-guests has none: no cap)
};
void add_common_options(CLI::App* c, CommonArgs& a);
// --cache-cap SIZE, for the commands that build (verify, trace, frame, debug).
void add_cache_cap_option(CLI::App* c, CommonArgs& a);
// The cap in bytes (0: none): --cache-cap, else GOTRAMP_CACHE_CAP, else
// toolchain::kDefaultCacheCap. BadInput naming the valid forms when unreadable.
uint64_t cache_cap(const CommonArgs& a);
// --strict, for every subcommand that runs: known upstream bugs fail the run.
void add_strict_option(CLI::App* c, bool& strict);
// The guest build configuration, with --cache (created when chosen) and the cap applied.
toolchain::GuestBuildConfig config(const CommonArgs& a);

// A whole number of at least `lo`; the message says what the option means when not.
CLI::Validator at_least(long lo, std::string meaning);
// A file the user named, before any work: errno's reason when it cannot be read.
void require_readable(const std::string& path);
// A trampoline the user gave (--asm) must define what the harness calls.
void check_asm(const std::string& path);

// One run, named on the command line.
struct RunArgs {
  std::string goarch, trampoline = "morestack", contract, scenario = "closure", asm_file;
  std::string go;                     // --go: a real toolchain's probe instead of guest_asm
  std::vector<std::string> overlays;  // --overlay PATH=FILE, with --go
  bool strict = false;                // --strict: a known upstream bug fails the run (exit 1)
  CommonArgs common;
};
void add_run_options(CLI::App* c, RunArgs& a);
// Resolves a real toolchain (--go) and the probe it builds for a GOARCH: BadInput
// (or ToolchainError) when the GOARCH or the toolchain will not do.
void use_real_toolchain(Inspection& w, const std::string& go, const CommonArgs& common,
                        const std::vector<std::string>& overlays = {});
// Resolves the names (the GOARCH from an --asm file's name when not given), or
// explains what is valid; `command` names the subcommand in messages.
Inspection inspection(RunArgs a, const char* command);

}  // namespace gotramp::cli
