// gotramp trace and gotramp frame: one run looked at closely, instruction by
// instruction or as the frame newstack sees at its entry.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/frame_picture.hpp"
#include "emu/arch_spec.hpp"
#include "runtime_model/harness.hpp"
#include "runtime_model/morestack/morestack_suite.hpp"
#include "toolchain/guest_build.hpp"

namespace gotramp::cli {

struct Inspection {
  Inspection() = default;
  Inspection(const emu::ArchSpec* spec, const model::Contract* contract, const model::Scenario* scenario,
             std::optional<std::filesystem::path> asm_file = std::nullopt)
      : spec(spec), contract(contract), scenario(scenario), asm_file(std::move(asm_file)) {}
  const emu::ArchSpec* spec = nullptr;
  const model::Contract* contract = nullptr;
  const model::Scenario* scenario = nullptr;      // of its trampoline's suite
  std::optional<std::filesystem::path> asm_file;  // --asm: the porter's own morestack
  // A real toolchain's probe (--go) and the toolchain's version, instead of guest_asm.
  std::optional<std::filesystem::path> probe;
  std::string toolchain;
  std::filesystem::path goroot;
};

// One run on a fresh harness (kept, for describing addresses afterwards).
struct InspectedRun {
  std::unique_ptr<model::Harness> harness;
  model::RunReport report;
  // The morestack suite the run used (frames are morestack's growths).
  model::SequenceExpect frame_expectations() const;
};
// The guest ELF a run uses, built unless cached; a trampoline of the user's that does
// not build is BadInput (cli/exit_code.hpp).
std::filesystem::path guest_elf_for(const Inspection& what, const toolchain::GuestBuildConfig& cfg);
InspectedRun run_one(const Inspection& what, const model::RunOptions& opt, const toolchain::GuestBuildConfig& cfg);

std::string format_trace(const std::vector<model::TraceStep>& steps, const model::TraceFormat& how = {});
nlohmann::ordered_json trace_json(const InspectedRun& run, int growth);

// The frame diagram of a growth (1-based); nullopt if that growth never reached
// newstack.
std::optional<std::string> format_frame(const InspectedRun& run, int growth);
std::optional<nlohmann::ordered_json> frame_json(const InspectedRun& run, int growth);

// What frame diagrams are drawn from: the snapshot of a growth (nullptr if it never
// reached newstack), its slots, and the goroutine's fields as (name, text).
const model::G0Frame* frame_of(const InspectedRun& run, int growth);
struct FrameDiagram {
  std::vector<model::FrameSlot> g0, goroutine;
  model::StackSpan g0_stack;
};
FrameDiagram frame_diagram(const InspectedRun& run, const model::G0Frame& f);
std::vector<std::pair<std::string, std::string>> goroutine_fields(const InspectedRun& run, const model::G0Frame& f);

// For a failed verify row: the last trace lines before the first failure and the
// frame of the failing growth, from a traced re-run (runs are deterministic).
// Given the failed run's report, a run that ran out of budget is re-run untraced
// up to kStoryWindow instructions before its end and traced from there, so its
// story costs about what the run did. cost, if given, receives what the re-run took.
constexpr uint64_t kStoryWindow = 1000;
struct StoryCost {
  uint64_t instructions = 0;  // guest instructions the re-run executed
  uint64_t traced_from = 0;   // the first traced instruction (0: all of them)
};
std::string failure_story(const Inspection& what, const toolchain::GuestBuildConfig& cfg,
                          const model::RunReport* failed = nullptr, StoryCost* cost = nullptr);

}  // namespace gotramp::cli
