// The mcall suite (issue 16) on the probes of both real toolchains, every GOARCH:
// the switch verified, the faults diagnosed in the runtime's own words, go1.19's
// stale frame pointers on amd64 and arm64 known as golang/go#63630; and planted
// bugs in copies of the pinned runtime (--overlay), each FAILED by the check that
// names the field, register or slot, blamed on the planted line.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "planted_switch.hpp"
#include "probe_support.hpp"
#include "run_report_support.hpp"
#include "runtime_model/harness.hpp"
#include "runtime_model/suite.hpp"
#include "support.hpp"
#include "toolchain/process.hpp"

namespace gotramp {
namespace {

namespace fs = std::filesystem;
using model::Harness;
using model::RunReport;
using test::RealCase;

// The checks a run that reaches fn and resumes must make, on this row.
std::set<std::string> mcall_checks(const emu::ArchSpec& spec, const model::Scenario& s, bool resumes) {
  std::set<std::string> want = {"fn-g", "fn-sp", "fn-arg", "fn-ctxt", "sched.pc", "sched.sp", "sched.lr"};
  if (spec.modern_frame_pointer.valid()) want.insert({"fn-fp", "sched.bp"});
  if (resumes) {
    want.insert({"run-completed", "resume-sp", "resume-g"});
    if (spec.modern_frame_pointer.valid()) want.insert("resume-fp");
  }
  if (s.exercise.fn_closure) want.insert("fn-closure");
  return want;
}

class Mcall : public ::testing::TestWithParam<RealCase> {};

TEST_P(Mcall, TheSwitchIsVerifiedAndItsFaultsDiagnosed) {
  const RealCase& c = GetParam();
  const auto& tc = test::real_toolchain(c.toolchain);
  auto m = Harness::for_probe(*c.spec, test::probe_path(c.toolchain, c.spec->goarch), tc.version);
  const model::Contract& modern = *model::find_contract("modern");
  // golang/go#63630 before go1.25: fn entered with a frame pointer off g0.
  const bool fp_bug = (c.spec->goarch == "amd64" || c.spec->goarch == "arm64") && tc.version.starts_with("go1.19");
  for (const auto& s : model::scenarios("mcall")) {
    RunReport r = m->run(s, modern);
    const std::string what = c.spec->goarch + " " + tc.version + " " + s.name;
    EXPECT_EQ(r.trampoline, "mcall") << what;
    if (s.world.runs == model::World::Runs::G0) {
      // mcall refuses before it switches: nothing but the diagnosis.
      EXPECT_EQ(r.verdict, "diagnosed") << what << test::findings_text(r);
      EXPECT_EQ(test::check_names(r), std::set<std::string>{"diagnosis"}) << what;
      EXPECT_EQ(r.throw_text.value_or(""), "runtime: mcall called on m->g0 stack") << what;
      continue;
    }
    auto want = mcall_checks(*c.spec, s, !s.expects_failure());
    if (s.expects_failure()) want.insert("diagnosis");
    EXPECT_EQ(test::check_names(r), want) << what << test::findings_text(r);
    if (fp_bug) {
      EXPECT_EQ(test::failing_checks(r), std::set<std::string>{"fn-fp"}) << what << test::findings_text(r);
      EXPECT_EQ(r.verdict, "known") << what << test::findings_text(r);
      for (const auto& f : r.findings) {
        ASSERT_TRUE(f.known) << what << ": " << f.message();
        EXPECT_EQ(f.known->issue, "golang/go#63630") << what;
      }
      continue;
    }
    EXPECT_EQ(r.verdict, s.expects_failure() ? "diagnosed" : "verified") << what << test::findings_text(r);
    if (s.expects_failure()) {
      EXPECT_EQ(r.throw_text.value_or(""), s.expect) << what;
    }
    if (s.exercise.fn_closure) {
      EXPECT_EQ(r.ctxt_read.value_or(0), 0x6d63a11u) << what;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Mcall, Mcall, ::testing::ValuesIn(test::real_cases()), test::real_name);

// ---- The command line.

toolchain::ProcessResult gotramp(std::vector<std::string> args) {
  args.insert(args.begin(), GOTRAMP_BIN);
  return toolchain::run_process(args, {}, fs::current_path());
}

// The transcriptions carry morestack alone: naming mcall without --go says what to
// add; `all` without --go is morestack's runs only.
TEST(McallCli, WithoutARealToolchainItSaysToAddGo) {
  auto r = gotramp({"verify", "--trampoline", "mcall", "--goarch", "arm64"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("the mcall trampoline is verified on a real toolchain's runtime"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("add --go bundled, --go system or --go GOROOT"), std::string::npos) << r.output;
  auto t = gotramp({"trace", "--trampoline", "mcall", "--goarch", "arm64", "--scenario", "park"});
  EXPECT_EQ(t.exit_code, 2) << t.output;
  auto all = gotramp({"verify", "--trampoline", "all", "--goarch", "arm64", "--scenario", "closure", "--json"});
  ASSERT_EQ(all.exit_code, 0) << all.output;
  const auto runs = nlohmann::json::parse(all.output)["runs"];  // kept: a range-for over a temporary's member dangles
  ASSERT_FALSE(runs.empty()) << all.output;
  for (const auto& run : runs) EXPECT_EQ(run["trampoline"], "morestack");
}

// verify --trampoline all: one table per trampoline, each with its own columns.
TEST(McallCli, EachTrampolineHasItsOwnTable) {
  auto r = gotramp({"verify", "--go", "bundled", "--trampoline", "all", "--goarch", "arm64"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::string> heads;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("GOARCH")) heads.push_back(line);
  ASSERT_EQ(heads.size(), model::trampolines().size()) << r.output;
  EXPECT_NE(heads[0].find("ctxt reg"), std::string::npos) << heads[0];
  EXPECT_EQ(heads[0].find("fn arg"), std::string::npos) << heads[0];
  EXPECT_NE(heads[1].find("fn arg"), std::string::npos) << heads[1];
  EXPECT_EQ(heads[1].find("ctxt reg"), std::string::npos) << heads[1];
  EXPECT_NE(heads[2].find("g0 SP at fn"), std::string::npos) << heads[2];
  EXPECT_NE(r.output.find("arm64   go1.27.3   systemstack  modern    switch"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("arm64   go1.27.3   mcall       modern    park"), std::string::npos) << r.output;
}

// frame: the g0 frame at fn's entry (fn's argument slot on a stack-ABI row) beside
// the goroutine mcall saved, in text and SVG.
TEST(McallCli, FrameDrawsTheG0FrameAtFnsEntry) {
  const fs::path svg = fs::temp_directory_path() / fmt::format("gotramp-mcall-frame-{}.svg", getpid());
  auto r = gotramp({"frame", "--go", "bundled", "--goarch", "arm", "--trampoline", "mcall", "--scenario", "park",
                    "--svg", svg.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(
      r.output.starts_with("g0 frame at fn's entry, call 1: arm mcall trampoline, modern contract, park "
                           "scenario\n"))
      << r.output;
  EXPECT_NE(r.output.find("4(R13)    0x"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("fn's argument gp: the g that called mcall"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("saved goroutine g 0x"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("g.sched.pc   = 0x40120000 (harness exit)  where mcall's caller resumes"), std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("morebuf"), std::string::npos) << r.output;
  std::stringstream drawn;
  drawn << std::ifstream(svg).rdbuf();
  fs::remove(svg);
  EXPECT_NE(drawn.str().find("the g0 frame at fn's entry"), std::string::npos) << drawn.str().substr(0, 2000);
}

// ---- Planted bugs: one line of the pinned runtime's asm_<GOARCH>.s replaced
// (--overlay, tests/planted_switch.hpp); every run that reaches fn (park, closure,
// fn-returns) FAILED by the named check, its cause the planted line.

// riscv64's mcall saves SP where it should save its caller's return PC.
TEST(PlantedSwitch, McallNotSavingTheCallersPcIsNamedByGSchedPc) {
  const test::PlantedSwitch p{
      "riscv64",
      "asm_riscv64.s",
      "\tMOV\tRA, (g_sched+gobuf_pc)(g)\n\tMOV\tZERO, (g_sched+gobuf_lr)(g)\n\n\t// Switch to m->g0 & its "
      "stack, call fn.",
      "\tMOV\tX2, (g_sched+gobuf_pc)(g)\n\tMOV\tZERO, (g_sched+gobuf_lr)(g)\n\n\t// Switch to m->g0 & "
      "its stack, call fn.",
      "sched.pc",
      "g.sched.pc",
      "MOV X2, (g_sched+gobuf_pc)(g)"};
  test::expect_caught(p, test::verify_planted(p, "mcall"), {{"on-g0", "diagnosed"}}, 3);
}

// arm's mcall stores g one word too high: fn's argument slot 4(R13) never gets it.
TEST(PlantedSwitch, McallPassingGInTheWrongSlotIsNamedByFnArg) {
  const test::PlantedSwitch p{"arm",
                              "asm_arm.s",
                              "\tSUB\t$8, R13\n\tMOVW\tR1, 4(R13)\n\tMOVW\tR0, R7",
                              "\tSUB\t$8, R13\n\tMOVW\tR1, 8(R13)\n\tMOVW\tR0, R7",
                              "fn-arg",
                              "g0 stack 4(R13)",
                              "MOVW R1, 8(R13)"};
  test::expect_caught(p, test::verify_planted(p, "mcall"), {{"on-g0", "diagnosed"}}, 3);
}

// arm64's mcall of go1.12 to go1.24 (golang/go#63630) planted back into go1.27.3:
// fn entered with R29 = g0.sched.bp, a dead frame.
TEST(PlantedSwitch, McallLoadingTheStaleG0FramePointerIsNamedByFnFp) {
  const test::PlantedSwitch p{
      "arm64",
      "asm_arm64.s",
      "\tMOVD\t$0, R29\t\t\t\t// clear frame pointer, as caller may execute on another M\n\tMOVD\tR3, R0",
      "\tMOVD\t(g_sched+gobuf_bp)(g), R29\n\tMOVD\tR3, R0",
      "fn-fp",
      "R29 (frame pointer) at fn's entry",
      "MOVD (g_sched+gobuf_bp)(g), R29"};
  test::expect_caught(p, test::verify_planted(p, "mcall"), {{"on-g0", "diagnosed"}}, 3);
}

}  // namespace
}  // namespace gotramp
