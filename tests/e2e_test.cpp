// End to end per GOARCH: the seed's calling sequence under a 2000-deep closure from a
// 2 KiB stack, and the no-context path.
#include <gtest/gtest.h>

#include "runtime_model/harness.hpp"
#include "runtime_model/morestack/morestack_suite.hpp"
#include "runtime_model/suite.hpp"
#include "support.hpp"

namespace gotramp::model {
namespace {

struct E2E : ::testing::TestWithParam<const emu::ArchSpec*> {
  static const Contract& seed() { return *find_contract("seed"); }
};

TEST_P(E2E, ClosureGrowsAndEveryGrowthReadsTheClosurePointer) {
  const emu::ArchSpec& spec = *GetParam();
  auto m_owner = Harness::for_transcription(spec, test::seed_elf(spec));
  Harness& m = *m_owner;
  const Scenario& s = *find_scenario("closure");
  ASSERT_GE(s.exercise.depth, 2000u);
  RunReport r = m.run(s, seed());
  for (const auto& f : r.findings) ADD_FAILURE() << f.message();
  EXPECT_EQ(r.verdict, "verified");
  EXPECT_EQ(test::check_names(r), test::growth_checks(spec, m.profile(), seed(), s));
  EXPECT_GE(r.grown(), 5);
  ASSERT_NE(r.ctxt_set, 0u);
  for (const auto& g : r.growths) EXPECT_EQ(g.ctxt_read, r.ctxt_set) << "growth " << g.n;
  EXPECT_EQ(r.result_got, r.result_expected);
  // The exact sum, computed here independently: sum over k = 1..n of (x + k).
  uint64_t n = s.exercise.depth, want = 0;
  for (uint64_t k = 1; k <= n; k++) want += model::kTranscriptionCaptured + k;
  if (spec.ptr_size == 4) want &= 0xffffffff;
  EXPECT_EQ(r.result_got, want);
  EXPECT_EQ(r.stop.reason, emu::StopReason::Until);
  for (const auto& c : r.checks) EXPECT_TRUE(c.ok) << c.name << ": " << c.detail;
}

TEST_P(E2E, NoContextPathReadsZero) {
  const emu::ArchSpec& spec = *GetParam();
  auto m_owner = Harness::for_transcription(spec, test::seed_elf(spec));
  Harness& m = *m_owner;
  RunReport r = m.run(*find_scenario("noctxt"), seed());
  for (const auto& f : r.findings) ADD_FAILURE() << f.message();
  EXPECT_EQ(r.verdict, "verified");
  EXPECT_EQ(test::check_names(r), test::growth_checks(spec, m.profile(), seed(), *find_scenario("noctxt")));
  EXPECT_GE(r.grown(), 5);
  EXPECT_EQ(r.ctxt_set, 0u);
  for (const auto& g : r.growths) EXPECT_EQ(g.ctxt_read, 0u) << "growth " << g.n;
  EXPECT_EQ(r.result_got, 2000u * 2001u / 2);
}

TEST_P(E2E, EveryGrowthDoublesAndCopiesTheUsedStack) {
  const emu::ArchSpec& spec = *GetParam();
  auto m_owner = Harness::for_transcription(spec, test::seed_elf(spec));
  Harness& m = *m_owner;
  RunReport r = m.run(*find_scenario("closure"), seed());
  ASSERT_GE(r.growths.size(), 5u);
  uint64_t size = 2048;
  for (const auto& g : r.growths) {
    EXPECT_EQ(g.old_hi - g.old_lo, size) << "growth " << g.n;
    EXPECT_EQ(g.new_hi - g.new_lo, 2 * size) << "growth " << g.n;
    EXPECT_GT(g.copied, 0u);
    EXPECT_LE(g.copied, size);
    EXPECT_EQ(g.function, "main.closure");
    if (spec.frame_pointer.valid() && g.n > 1) {
      EXPECT_GT(g.fp_fixes, 0) << "growth " << g.n;
    }
    size *= 2;
  }
}

TEST_P(E2E, RunsAreRepeatableOnOneMachine) {
  const emu::ArchSpec& spec = *GetParam();
  auto m_owner = Harness::for_transcription(spec, test::seed_elf(spec));
  Harness& m = *m_owner;
  RunReport a = m.run(*find_scenario("closure"), seed());
  RunReport b = m.run(*find_scenario("noctxt"), seed());
  RunReport c = m.run(*find_scenario("closure"), seed());
  EXPECT_EQ(a.verdict, "verified");
  EXPECT_EQ(b.verdict, "verified");
  EXPECT_EQ(c.verdict, "verified");
  EXPECT_EQ(a.grown(), c.grown());
  EXPECT_EQ(a.result_got, c.result_got);
  EXPECT_EQ(a.stop.insns, c.stop.insns);
}

INSTANTIATE_TEST_SUITE_P(Verified, E2E, ::testing::ValuesIn(test::verified_archs()),
                         [](const auto& info) { return test::arch_param_name(info.param); });

}  // namespace
}  // namespace gotramp::model
