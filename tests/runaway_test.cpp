// A runaway trampoline (`loop: JMP loop`) ends on the instruction budget; its failure
// story re-runs it untraced up to a window before the end and traces only the window,
// so the story costs about what the run did. Bounded in instructions, not seconds.
#include <gtest/gtest.h>

#include <fstream>

#include "cli/inspect.hpp"
#include "runtime_model/harness.hpp"
#include "runtime_model/morestack/morestack_suite.hpp"
#include "runtime_model/suite.hpp"
#include "support.hpp"
#include "toolchain/process.hpp"

namespace gotramp {
namespace {

namespace fs = std::filesystem;

fs::path loop_trampoline() {
  auto p = fs::temp_directory_path() / ("gotramp-runaway-" + std::to_string(getpid())) / "loop_arm64.s";
  fs::create_directories(p.parent_path());
  std::ofstream(p) << "#include \"textflag.h\"\n\n"
                      "TEXT ·morestack(SB),NOSPLIT|NOFRAME,$0-0\n"
                      "loop:\n"
                      "\tJMP\tloop\n\n"
                      "TEXT ·morestack_noctxt(SB),NOSPLIT|NOFRAME,$0-0\n"
                      "\tB\t·morestack(SB)\n";
  return p;
}

TEST(Runaway, StoryCostsAboutWhatTheRunCost) {
  cli::Inspection what{emu::find_arch("arm64"), model::find_contract("seed"), model::find_scenario("closure"),
                       loop_trampoline()};
  auto cfg = test::guest_config();
  auto run = cli::run_one(what, {}, cfg);
  ASSERT_EQ(run.report.stop.reason, emu::StopReason::Budget);
  ASSERT_EQ(run.report.verdict, "FAILED");
  const uint64_t ran = run.report.stop.insns;
  EXPECT_LE(ran, model::RunOptions{}.budget);

  cli::StoryCost cost;
  std::string story = cli::failure_story(what, cfg, &run.report, &cost);
  // Traced only over the window before the end, and no more executed than the run.
  EXPECT_EQ(cost.traced_from, ran - cli::kStoryWindow);
  EXPECT_LE(cost.instructions, ran);
  EXPECT_GE(cost.instructions, ran - 16);  // it did get to the end: the budget stops per block
  // The story tells the loop as the porter wrote it, numbered as the run counted.
  EXPECT_NE(story.find("loop_arm64.s:5"), std::string::npos) << story;
  EXPECT_NE(story.find(std::to_string(ran) + " 0x"), std::string::npos) << story;
}

// gotramp trace of a runaway run traces the window before its end, not the budget.
TEST(Runaway, TraceShowsOnlyTheWindowBeforeTheBudgetRanOut) {
  auto r = toolchain::run_process({GOTRAMP_BIN, "trace", "--asm", loop_trampoline().string()}, {}, fs::current_path());
  EXPECT_EQ(r.exit_code, 1);  // the run failed
  EXPECT_NE(r.output.find("ran out of its budget after"), std::string::npos) << r.output.substr(0, 500);
  size_t lines = 0;
  for (char c : r.output) lines += c == '\n';
  EXPECT_LE(lines, cli::kStoryWindow + 16);
  EXPECT_GE(lines, cli::kStoryWindow);
  EXPECT_NE(r.output.find("loop_arm64.s:5"), std::string::npos);
}

// Without the failed run's report the story has no window: it traces from the start
// (the slow way the window replaces).
TEST(Runaway, WithoutTheReportTheWholeRunIsTraced) {
  cli::Inspection what{emu::find_arch("arm64"), model::find_contract("seed"), model::find_scenario("newstack-returns"),
                       loop_trampoline()};
  cli::StoryCost cost;
  cli::failure_story(what, test::guest_config(), nullptr, &cost);
  EXPECT_EQ(cost.traced_from, 0u);
  // ... and to the end of the budget, not a window of it.
  const uint64_t budget = what.scenario->budget ? what.scenario->budget : model::RunOptions{}.budget;
  EXPECT_GE(cost.instructions, budget - 16);
}

// Tracing from instruction N resumes the run exactly: the run ends as an untraced
// one does, and the trace starts at N + 1.
TEST(Runaway, TracingFromAnInstructionResumesTheRunExactly) {
  for (const auto* spec : test::verified_archs()) {
    auto m_owner = model::Harness::for_transcription(*spec, test::seed_elf(*spec));
    model::Harness& m = *m_owner;
    const auto& s = *model::find_scenario("closure");
    const auto& c = *model::find_contract("seed");
    auto plain = m.run(s, c);
    model::RunOptions opt;
    opt.trace.enabled = true;
    opt.trace.from_insn = plain.stop.insns / 2;
    auto traced = m.run(s, c, opt);
    EXPECT_EQ(traced.verdict, "verified") << spec->goarch;
    EXPECT_EQ(traced.stop.insns, plain.stop.insns) << spec->goarch;
    EXPECT_EQ(traced.result_got, plain.result_got) << spec->goarch;
    EXPECT_EQ(traced.grown(), plain.grown()) << spec->goarch;
    ASSERT_FALSE(traced.trace.empty()) << spec->goarch;
    const model::TraceStep* first = nullptr;
    for (const auto& st : traced.trace)
      if (st.kind == model::TraceStep::Kind::Insn) {
        first = &st;
        break;
      }
    ASSERT_NE(first, nullptr);
    // Stores after the resume are seen too.
    size_t stores = 0;
    for (const auto& st : traced.trace) stores += st.writes.size();
    EXPECT_GT(stores, 0u) << spec->goarch;
    // The untraced part stops at a block boundary at or before N.
    EXPECT_LE(first->n, opt.trace.from_insn + 1) << spec->goarch;
    EXPECT_GT(first->n + 64, opt.trace.from_insn) << spec->goarch;
  }
}

}  // namespace
}  // namespace gotramp
