// The systemstack suite on the probes of both real toolchains, every GOARCH: the
// switch to g0 and back verified, the calls on g0 and gsignal made without one,
// a foreign goroutine diagnosed in the runtime's own words, go1.19's stale R29 on
// arm64 known as golang/go#63630; and planted bugs in copies of the pinned runtime
// (--overlay), each FAILED by the check that names the field or register, blamed
// on the planted line.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "planted_switch.hpp"
#include "probe_support.hpp"
#include "run_report_support.hpp"
#include "runtime_model/harness.hpp"
#include "runtime_model/suite.hpp"
#include "runtime_model/systemstack/systemstack_suite.hpp"
#include "support.hpp"
#include "toolchain/process.hpp"

namespace gotramp {
namespace {

namespace fs = std::filesystem;
using model::Harness;
using model::RunReport;
using test::RealCase;

// The checks a run that reaches fn and returns must make, on this row.
std::set<std::string> systemstack_checks(const emu::ArchSpec& spec, const model::Scenario& s) {
  const bool fp = spec.modern_frame_pointer.valid();
  std::set<std::string> want = {"fn-g", "fn-sp", "fn-ctxt", "run-completed", "return-sp", "return-g"};
  if (fp) want.insert({"fn-fp", "return-fp"});
  if (s.world.runs == model::World::Runs::Curg) {
    want.insert({"sched.pc", "sched.sp", "sched.ctxt", "sched.sp-cleared"});
    if (spec.has_link()) want.insert("sched.lr");
    if (fp) want.insert("sched.bp");
  } else {
    want.insert("g0-sched-intact");
  }
  if (s.exercise.fn_closure) want.insert("fn-closure");
  return want;
}

class Systemstack : public ::testing::TestWithParam<RealCase> {};

TEST_P(Systemstack, TheSwitchIsVerifiedAndAForeignGoroutineDiagnosed) {
  const RealCase& c = GetParam();
  const auto& tc = test::real_toolchain(c.toolchain);
  auto m = Harness::for_probe(*c.spec, test::probe_path(c.toolchain, c.spec->goarch), tc.version);
  const model::Contract& modern = *model::find_contract("modern");
  // golang/go#63630 before go1.25: arm64's systemstack enters fn with R29 = g0.sched.bp.
  const bool fp_bug = c.spec->goarch == "arm64" && tc.version.starts_with("go1.19");
  const auto scenarios = model::scenarios("systemstack");
  ASSERT_EQ(scenarios.size(), 5u);
  for (const auto& s : scenarios) {
    RunReport r = m->run(s, modern);
    const std::string what = c.spec->goarch + " " + tc.version + " " + s.name;
    EXPECT_EQ(r.trampoline, "systemstack") << what;
    if (s.expects_failure()) {
      // A foreign goroutine: badsystemstack prints, systemstack crashes, fn never runs.
      EXPECT_EQ(s.expect, "fatal: systemstack called from unexpected goroutine");
      EXPECT_EQ(test::check_names(r), std::set<std::string>{"diagnosis"}) << what;
      EXPECT_NE(std::find(r.printed.begin(), r.printed.end(), s.expect), r.printed.end()) << what;
      EXPECT_NE(r.stop.reason, emu::StopReason::Until) << what;
      if (c.spec->goarch == "riscv64") {
        // Upstream, go1.19 to go1.27.3 at least: riscv64's systemstack has no crash
        // after `JALR RA, T1` to badsystemstack, and falls into its switch with
        // T1 (badsystemstack's address) as g. Found by gotramp, catalogued without
        // an upstream issue (docs/findings.md): known.
        EXPECT_EQ(r.verdict, "known") << what << test::findings_text(r);
        ASSERT_EQ(r.findings.size(), 1u) << what << test::findings_text(r);
        EXPECT_NE(r.findings[0].seen.find("called fn"), std::string::npos) << r.findings[0].seen;
        ASSERT_TRUE(r.findings[0].known) << what;
        EXPECT_EQ(r.findings[0].known->id, "gotramp-systemstack-riscv64-fallthrough");
        EXPECT_FALSE(r.findings[0].known->reported());
        continue;
      }
      EXPECT_EQ(r.verdict, "diagnosed") << what << test::findings_text(r);
      continue;
    }
    EXPECT_EQ(test::check_names(r), systemstack_checks(*c.spec, s)) << what << test::findings_text(r);
    if (fp_bug && s.world.runs == model::World::Runs::Curg) {
      EXPECT_EQ(test::failing_checks(r), std::set<std::string>{"fn-fp"}) << what << test::findings_text(r);
      EXPECT_EQ(r.verdict, "known") << what << test::findings_text(r);
      for (const auto& f : r.findings) {
        ASSERT_TRUE(f.known) << what << ": " << f.message();
        EXPECT_EQ(f.known->issue, "golang/go#63630") << what;
        EXPECT_TRUE(f.slot.starts_with("R29 (frame pointer) at fn's entry")) << f.slot;
      }
      continue;
    }
    EXPECT_EQ(r.verdict, "verified") << what << test::findings_text(r);
    if (s.exercise.fn_closure) {
      EXPECT_EQ(r.ctxt_read.value_or(0), model::SystemstackSuite::kCaptured) << what;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Systemstack, Systemstack, ::testing::ValuesIn(test::real_cases()), test::real_name);

// ---- Planted bugs: one line of the pinned runtime's asm_<GOARCH>.s replaced
// (--overlay, tests/planted_switch.hpp); every run that switches (switch, closure)
// is FAILED by the named check, its cause the planted line; the others keep their
// verdicts.

// amd64's systemstack stores SP into g.sched.sp on the way back where it must clear it.
TEST(PlantedSwitch, SystemstackNotClearingGSchedSpIsNamedBySchedSpCleared) {
  const test::PlantedSwitch p{"amd64",
                              "asm_amd64.s",
                              "\tMOVQ\t$0, (g_sched+gobuf_sp)(AX)\n\tMOVQ\t$0, (g_sched+gobuf_bp)(AX)\n\tRET",
                              "\tMOVQ\tSP, (g_sched+gobuf_sp)(AX)\n\tMOVQ\t$0, (g_sched+gobuf_bp)(AX)\n\tRET",
                              "sched.sp-cleared",
                              "g.sched.sp",
                              "MOVQ SP, (g_sched+gobuf_sp)(AX)"};
  test::expect_caught(p, test::verify_planted(p, "systemstack"),
                      {{"on-g0", "verified"}, {"on-gsignal", "verified"}, {"foreign", "diagnosed"}}, 2);
}

// arm64's systemstack of go1.12 to go1.24 (golang/go#63630) planted back into
// go1.27.3: fn entered with R29 = g0.sched.bp, a dead frame.
TEST(PlantedSwitch, SystemstackLoadingTheStaleG0FramePointerIsNamedByFnFp) {
  const test::PlantedSwitch p{
      "arm64",
      "asm_arm64.s",
      "\tMOVD\tR3, RSP\n\n\t// call target function\n\tMOVD\t0(R26), R3\t// code pointer\n",
      "\tMOVD\tR3, RSP\n\tMOVD\t(g_sched+gobuf_bp)(g), R29\n\n\t// call target function\n\tMOVD\t0(R26), "
      "R3\t// code pointer\n",
      "fn-fp",
      "R29 (frame pointer) at fn's entry",
      "MOVD (g_sched+gobuf_bp)(g), R29"};
  test::expect_caught(p, test::verify_planted(p, "systemstack"),
                      {{"on-g0", "verified"}, {"on-gsignal", "verified"}, {"foreign", "diagnosed"}}, 2);
}

}  // namespace
}  // namespace gotramp
