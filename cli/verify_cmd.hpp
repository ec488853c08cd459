// gotramp verify: runs GOARCH x trampoline x contract x scenario and reports each run.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cli/progress.hpp"
#include "emu/arch_spec.hpp"
#include "runtime_model/contract.hpp"
#include "runtime_model/report.hpp"
#include "runtime_model/scenario.hpp"
#include "runtime_model/suite.hpp"
#include "toolchain/go_toolchain.hpp"
#include "toolchain/guest_build.hpp"
#include "toolchain/probe_build.hpp"

namespace gotramp::cli {

struct VerifyRequest {
  std::vector<const emu::ArchSpec*> archs;
  std::vector<const model::Trampoline*> trampolines;
  std::vector<const model::Contract*> contracts;
  // The scenarios to run, of every requested trampoline (each names its own).
  std::vector<const model::Scenario*> scenarios;
  // A porter's own morestack (--asm) instead of the contract's built-in one.
  std::optional<std::filesystem::path> asm_file;
  // Also run rows not verified yet (for whoever is porting them).
  bool unverified = false;
  int jobs = 0;  // machines run at once; 0 for one per core
  // A real toolchain (--go): the probe it builds per GOARCH runs instead of the
  // transcriptions, under its own runtime's profile.
  std::optional<toolchain::GoToolchain> go;
  toolchain::ProbeBuildConfig probe;
  Progress* progress = nullptr;  // on a terminal: builds and runs as they happen
};

// One row of the report: a run, or why there is none.
struct VerifyRow {
  const emu::ArchSpec* spec = nullptr;
  const model::Trampoline* trampoline = nullptr;
  const model::Contract* contract = nullptr;
  const model::Scenario* scenario = nullptr;
  std::optional<model::RunReport> report;
  // The report's, or "not yet verified" / "FAILED", or "error": the toolchain did
  // not build the probe for this GOARCH, or its runtime lacks what the run needs.
  std::string verdict;
  std::string note;  // why there is no report
  // An error's place in the toolchain's sources, when its message names one:
  // "src/runtime/asm_riscv64.s:301" (relative to the GOROOT).
  std::string error_source;
  double seconds = 0;                             // the run's wall time
  std::optional<std::filesystem::path> asm_file;  // --asm, if given
  std::string toolchain;  // the runtime's Go: "go1.8" (transcriptions) or the real toolchain's version
  std::string source;     // "guest_asm", or the probe binary
  bool failed() const { return verdict == "FAILED"; }
  bool errored() const { return verdict == "error"; }
  // Every failure a known upstream bug (runtime_model/known_bugs.hpp).
  bool known() const { return verdict == "known"; }
  // Whether the row fails verify: FAILED, or known under --strict.
  bool fails(bool strict) const { return failed() || errored() || (strict && known()); }
};

// Real toolchains build GOARCHes that have a row but no transcription is needed
// for; a GOARCH they build that no emulator runs, or a row they cannot build
// (amd64p32), is bad input with a message saying so.
std::optional<std::vector<const emu::ArchSpec*>> parse_real_archs(const std::vector<std::string>& names,
                                                                  std::string& error);

// Builds (or finds) every guest ELF first, one at a time, so that a trampoline that
// does not build is reported once: throws toolchain::GuestBuildError. Then runs.
std::vector<VerifyRow> run_verify(const VerifyRequest& req, const toolchain::GuestBuildConfig& cfg);

// The GOARCHes a trampoline file is for, by Go's file-name convention
// (morestack_arm64.s; asm_ppc64x.s for ppc64 and ppc64le), else by the guest folder
// it lies in (guest_asm/arm64/variants/x.s). Empty when neither says.
std::vector<const emu::ArchSpec*> archs_for_trampoline(const std::filesystem::path& file);

// Go's file-name build constraint: a file named *_GOARCH.s (or *_GOOS_GOARCH.s) is
// built only for that GOARCH, so `go build` for another leaves it out and the link
// fails far from the cause. Throws BadInput naming the constraint when file's name
// excludes spec.
void check_name_constraint(const std::filesystem::path& file, const emu::ArchSpec& spec);

// Parses "amd64,arm64" or "all" for the transcriptions: "all" is every row with a
// guest_asm folder. On an unknown name returns nullopt and sets error to a message
// listing the valid names; on a row without a transcription (riscv64) or a GOARCH
// no emulator runs (loong64), to a message saying so.
std::optional<std::vector<const emu::ArchSpec*>> parse_archs(const std::vector<std::string>& names, std::string& error);
// "riscv64: no Go 1.8 transcription ...; real toolchains verify it: --go bundled ...".
std::string no_transcription(const emu::ArchSpec& spec);
std::optional<std::vector<const model::Contract*>> parse_contracts(const std::vector<std::string>& names,
                                                                   std::string& error);
// "all" is every scenario of each trampoline; a name, the scenario of that name in
// every trampoline that has one.
// Why the transcriptions cannot run a scenario ("" when they can): it exercises a
// function only the probe has.
std::string needs_probe(const model::Scenario& s);
std::optional<std::vector<const model::Scenario*>> parse_scenarios(
    const std::vector<std::string>& names, const std::vector<const model::Trampoline*>& trampolines,
    bool transcriptions, std::string& error);
// "all" is every trampoline the runtime under test has: the transcriptions carry
// morestack alone, so without a real toolchain "all" leaves out the others and
// naming one is an error saying to add --go.
std::optional<std::vector<const model::Trampoline*>> parse_trampolines(const std::vector<std::string>& names,
                                                                       bool transcriptions, std::string& error);
// "the mcall trampoline is verified on a real toolchain's runtime ...: add --go ...".
std::string needs_real_toolchain(const model::Trampoline& t);

}  // namespace gotramp::cli
