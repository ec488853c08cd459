// The gotramp command as a user runs it: exit codes, messages, and the JSON report.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "cli/verify_cmd.hpp"
#include "emu/arch_spec.hpp"
#include "support.hpp"
#include "toolchain/process.hpp"

namespace gotramp {
namespace {

toolchain::ProcessResult gotramp(std::vector<std::string> args) {
  args.insert(args.begin(), GOTRAMP_BIN);
  return toolchain::run_process(args, {}, std::filesystem::current_path());
}

TEST(Cli, UnknownGoarchExits2AndListsTheValidOnes) {
  auto r = gotramp({"verify", "--goarch", "bogus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("unknown GOARCH 'bogus'"), std::string::npos) << r.output;
  for (const auto& a : emu::arch_table()) EXPECT_NE(r.output.find(a.goarch), std::string::npos) << a.goarch;
}

TEST(Cli, UnknownOptionExits2WithTheValidOptions) {
  auto r = gotramp({"verify", "--frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--frobnicate"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--goarch"), std::string::npos) << r.output;
}

TEST(Cli, UnknownScenarioAndContractExit2) {
  EXPECT_EQ(gotramp({"verify", "--scenario", "nope"}).exit_code, 2);
  EXPECT_EQ(gotramp({"verify", "--contract", "nope"}).exit_code, 2);
  EXPECT_EQ(gotramp({"frobnicate"}).exit_code, 2);
}

TEST(Cli, SkeletonAcceptance) {
  auto r = gotramp(
      {"verify", "--goarch", "amd64,arm64,s390x", "--contract", "seed", "--scenario", "closure,noctxt", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_TRUE(j["passed"].get<bool>());
  const std::map<std::string, std::pair<std::string, std::string>> want = {
      {"amd64", {"8(SP)", "DX"}}, {"arm64", {"8(RSP)", "R26"}}, {"s390x", {"8(R15)", "R12"}}};
  int runs = 0;
  for (const auto& run : j["runs"]) {
    auto [slot, reg] = want.at(run["goarch"]);
    EXPECT_EQ(run["arg_slot"], slot);
    EXPECT_EQ(run["ctxt_reg"], reg);
    EXPECT_GE(run["growths"].get<int>(), 5);
    EXPECT_EQ(run["verdict"], "verified");
    for (const char* k : {"contract", "scenario", "ctxt_set", "ctxt_read", "checks"}) EXPECT_TRUE(run.contains(k)) << k;
    EXPECT_EQ(run["ctxt_set"], run["ctxt_read"]);
    for (const auto& c : run["checks"]) EXPECT_TRUE(c["ok"].get<bool>()) << c["name"] << ": " << c["detail"];
    runs++;
  }
  EXPECT_EQ(runs, 6);  // three GOARCHes x two scenarios
}

TEST(Cli, SeedMatrixAcceptance) {
  auto r = gotramp({"verify", "--goarch", "all", "--contract", "seed", "--scenario", "closure,noctxt", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  const std::map<std::string, std::pair<std::string, std::string>> want = {
      {"386", {"DX", "4(SP)"}},
      {"amd64", {"DX", "8(SP)"}},
      {"amd64p32", {"DX", "8(SP)"}},
      {"arm", {"R7", "4(R13)"}},
      {"arm64", {"R26", "8(RSP)"}},
      {"mips64", {"R22", "8(R29)"}},
      {"mips64le", {"R22", "8(R29)"}},
      {"ppc64", {"R11", "32(R1)"}},
      {"ppc64le", {"R11", "32(R1)"}},
      {"s390x", {"R12", "8(R15)"}},
      // Beyond the seed's file list: Go 1.8's asm_mipsx.s. With them, every GOARCH Go 1.8 shipped.
      {"mips", {"R22", "4(R29)"}},
      {"mipsle", {"R22", "4(R29)"}},
  };
  std::set<std::string> seen;
  for (const auto& run : j["runs"]) {
    std::string goarch = run["goarch"];
    seen.insert(goarch);
    auto [reg, slot] = want.at(goarch);
    EXPECT_EQ(run["ctxt_reg"], reg) << goarch;
    EXPECT_EQ(run["arg_slot"], slot) << goarch;
    EXPECT_EQ(run["verdict"], "verified") << goarch << " " << run["scenario"];
    EXPECT_GE(run["growths"].get<int>(), 5) << goarch;
    EXPECT_EQ(run["result"]["got"], run["result"]["expected"]) << goarch;
  }
  EXPECT_EQ(seen.size(), want.size());
  EXPECT_EQ(seen.size(), 12u);
}

// Issue 4: both contracts on every GOARCH; the seed's trampoline makes no
// unbarriered pointer write, the parent's exactly one (g.sched.ctxt), repaired.
TEST(Cli, ContractsAcceptance) {
  auto r = gotramp({"verify", "--goarch", "all", "--contract", "both", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output.substr(0, 2000);
  auto j = nlohmann::json::parse(r.output);
  std::map<std::string, int> closure_runs;
  for (const auto& run : j["runs"]) {
    std::string goarch = run["goarch"], contract = run["contract"], scenario = run["scenario"];
    EXPECT_TRUE(run["verdict"] == "verified" || run["verdict"] == "diagnosed" ||
                (run["verdict"] == "not applicable" && test::not_applicable_here(goarch, scenario)))
        << goarch << " " << contract << " " << scenario;
    if (scenario != "closure-gc") continue;
    closure_runs[contract]++;
    EXPECT_EQ(run["gc_phase"], "marking");
    if (contract == "seed") {
      EXPECT_EQ(run["unbarriered_pointer_writes"], 0) << goarch;
    } else {
      EXPECT_EQ(run["unbarriered_pointer_writes"], 1) << goarch;
      EXPECT_TRUE(run["repaired"].get<bool>()) << goarch;
      EXPECT_EQ(run["unbarriered_writes"][0]["field"], "g.sched.ctxt") << goarch;
      EXPECT_EQ(run["arg_slot"], "g.sched.ctxt") << goarch;
    }
  }
  EXPECT_EQ(closure_runs["seed"], 12);
  EXPECT_EQ(closure_runs["parent"], 12);
}

// A row marked not verified (as a new port starts) is reported as such and not
// run, unless the porter asks for it; then it runs like any other.
TEST(Cli, RowsNotVerifiedAreReportedAsSuch) {
  emu::ArchSpec porting = *emu::find_arch("amd64");
  porting.verified = false;
  cli::VerifyRequest req;
  req.archs = {&porting};
  req.trampolines = {model::find_trampoline("morestack")};
  req.contracts = {model::find_contract("seed")};
  req.scenarios = {model::find_scenario("closure"), model::find_scenario("noctxt")};
  req.jobs = 1;

  auto rows = cli::run_verify(req, test::guest_config());
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& row : rows) {
    EXPECT_EQ(row.verdict, "not yet verified") << row.scenario->name;
    EXPECT_FALSE(row.report.has_value());
    EXPECT_FALSE(row.failed());
  }

  req.unverified = true;
  rows = cli::run_verify(req, test::guest_config());
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& row : rows) {
    ASSERT_TRUE(row.report.has_value()) << row.note;
    EXPECT_EQ(row.verdict, "verified") << row.scenario->name;
  }
}

TEST(Cli, TableHasOneRowPerGoarchAndScenario) {
  auto r = gotramp({"verify", "--goarch", "amd64", "--contract", "seed"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("GOARCH"), std::string::npos);
  EXPECT_TRUE(std::regex_search(
      r.output, std::regex("\\namd64 +morestack +seed +closure +DX +8\\(SP\\) +0x0*400004d0 +0x0*400004d0 +6 "
                           "+26/26 +- +verified\\n")))
      << r.output;
}

TEST(Cli, AssemblerErrorsAreReportedWithTheToolchainsMessage) {
  auto p = std::filesystem::temp_directory_path() / "gotramp-bad-trampoline.s";
  std::ofstream(p) << "#include \"textflag.h\"\nTEXT ·morestack(SB),NOSPLIT,$0-0\n\tFROBQ\tAX, BX\n"
                      "TEXT ·morestack_noctxt(SB),NOSPLIT,$0-0\n\tJMP\t·morestack(SB)\n";
  auto r = gotramp({"verify", "--goarch", "amd64", "--asm", p.string()});
  EXPECT_EQ(r.exit_code, 2);  // bad input: the porter's file does not assemble
  EXPECT_NE(r.output.find("go build failed for GOARCH=amd64"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("FROBQ"), std::string::npos) << r.output;
}

TEST(Cli, BrokenTrampolineFailsVerify) {
  auto r = gotramp({"verify", "--goarch", "arm64", "--scenario", "closure", "--asm",
                    std::string(GOTRAMP_SOURCE_DIR) + "/guest_asm/arm64/variants/ctxt-slot-off.s"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("FAILED"), std::string::npos);
  EXPECT_NE(r.output.find("8(RSP) ctxt argument: expected 0x"), std::string::npos) << r.output;
}

TEST(Cli, MissingAsmFileExits2) { EXPECT_EQ(gotramp({"verify", "--asm", "/nonexistent.s"}).exit_code, 2); }

}  // namespace
}  // namespace gotramp
