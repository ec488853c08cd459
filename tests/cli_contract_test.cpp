// What CI relies on: the exit-code contract of every subcommand (0 passed, 1 a run
// failed, 2 bad input, 3 internal error), messages that name the reason, --asm that
// reports one bug once, --version, and the JUnit report read by a real JUnit parser.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "cli/verify_cmd.hpp"
#include "emu/arch_spec.hpp"
#include "junit_reader.hpp"
#include "runtime_model/harness.hpp"
#include "runtime_model/scenario.hpp"
#include "runtime_model/suite.hpp"
#include "support.hpp"
#include "toolchain/go_toolchain.hpp"
#include "toolchain/process.hpp"

namespace gotramp {
namespace {

namespace fs = std::filesystem;

toolchain::ProcessResult gotramp(std::vector<std::string> args, const std::map<std::string, std::string>& env = {},
                                 const fs::path& cwd = fs::current_path()) {
  args.insert(args.begin(), GOTRAMP_BIN);
  return toolchain::run_process(args, env, cwd);
}

const std::string kSource = GOTRAMP_SOURCE_DIR;
const std::string kSlotOff = kSource + "/guest_asm/arm64/variants/ctxt-slot-off.s";

// A fresh folder for one test.
fs::path scratch(const std::string& name) {
  auto d = fs::temp_directory_path() / ("gotramp-test-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

fs::path write(const fs::path& p, const std::string& text) {
  std::ofstream(p) << text;
  return p;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = 0; (at = text.find(what, at)) != std::string::npos; at += what.size()) n++;
  return n;
}

#define EXPECT_HAS(text, what) EXPECT_NE((text).find(what), std::string::npos) << (text).substr(0, 3000)

// Exit 3 comes from gotramp's own parts failing: here its guest sources, a copy of
// guest_asm/ whose arm64 runtime.s does not assemble.
std::map<std::string, std::string> broken_installation(const std::string& name) {
  auto d = scratch(name);
  fs::copy(kSource + "/guest_asm", d / "guest_asm", fs::copy_options::recursive);
  write(d / "guest_asm" / "arm64" / "runtime.s", "#include \"textflag.h\"\nTEXT ·gogo(SB),NOSPLIT,$0\n\tFROB\n");
  return {{"GOTRAMP_GUEST_ASM", (d / "guest_asm").string()}, {"GOTRAMP_CACHE", (d / "cache").string()}};
}

// ---- verify

TEST(ExitCodes, Verify0WhenEveryRunPasses) {
  auto r = gotramp({"verify", "--goarch", "arm64", "--contract", "seed", "--scenario", "closure,g0"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(ExitCodes, Verify1WhenARunFails) {
  auto r = gotramp({"verify", "--goarch", "arm64", "--scenario", "closure", "--asm", kSlotOff});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_HAS(r.output, "FAILED");
}

TEST(ExitCodes, Verify2ForBadInput) {
  auto r = gotramp({"verify", "--goarch", "riscv128"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_HAS(r.output, "unknown GOARCH 'riscv128'");
}

// riscv64 has a row but no Go 1.8 transcription: the transcription paths say so
// (and where to go instead) rather than running or skipping it silently.
TEST(ExitCodes, Verify2ForAGoarchWithoutATranscription) {
  auto r = gotramp({"verify", "--goarch", "riscv64"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_HAS(r.output,
             "riscv64: no Go 1.8 transcription (Go 1.8 had no riscv64 port); real toolchains verify it: "
             "--go bundled");
  for (const char* cmd : {"trace", "frame", "debug"}) {
    auto t = gotramp({cmd, "--goarch", "riscv64"});
    EXPECT_EQ(t.exit_code, 2) << cmd << t.output;
    EXPECT_HAS(t.output, "riscv64: no Go 1.8 transcription");
  }
  // A trampoline named for it is no way around that.
  auto d = scratch("asm-riscv64");
  write(d / "morestack_riscv64.s", "TEXT ·morestack(SB),7,$0\n\tRET\nTEXT ·morestack_noctxt(SB),7,$0\n\tRET\n");
  auto a = gotramp({"verify", "--asm", (d / "morestack_riscv64.s").string()});
  EXPECT_EQ(a.exit_code, 2) << a.output;
  EXPECT_HAS(a.output, "riscv64: no Go 1.8 transcription");
}

// loong64 is a GOARCH Go builds and no emulator here runs: it is named, with the
// reason, with or without --go.
TEST(ExitCodes, Verify2ForAGoarchNoEmulatorRuns) {
  for (std::vector<std::string> args : {std::vector<std::string>{"verify", "--goarch", "loong64"},
                                        {"verify", "--goarch", "amd64,loong64"},
                                        {"verify", "--go", "bundled", "--goarch", "loong64"},
                                        {"trace", "--goarch", "loong64"},
                                        {"trace", "--go", "bundled", "--goarch", "loong64"}}) {
    auto r = gotramp(args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_HAS(r.output, "no emulator for loong64 (Unicorn 2.1.4 has no LoongArch CPU)");
    EXPECT_EQ(r.output.find("unknown GOARCH"), std::string::npos) << r.output;
  }
}

TEST(ExitCodes, Verify3ForAnInternalError) {
  auto r = gotramp({"verify", "--goarch", "arm64", "--scenario", "closure"}, broken_installation("verify3"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_HAS(r.output, "internal error");
  EXPECT_HAS(r.output, "FROB");
}

// ---- trace

TEST(ExitCodes, Trace0ForAPassingRun) {
  EXPECT_EQ(gotramp({"trace", "--goarch", "arm64", "--growth", "1"}).exit_code, 0);
}

TEST(ExitCodes, Trace1WhenItsRunFails) {
  auto r = gotramp({"trace", "--goarch", "arm64", "--growth", "1", "--asm", kSlotOff});
  EXPECT_EQ(r.exit_code, 1) << r.output.substr(0, 2000);
  EXPECT_HAS(r.output, "morestack");  // the trace is still printed
}

TEST(ExitCodes, Trace2ForBadInput) {
  auto r = gotramp({"trace", "--goarch", "arm64", "--scenario", "nope"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_HAS(r.output, "unknown scenario 'nope'");
}

TEST(ExitCodes, Trace3ForAnInternalError) {
  auto r = gotramp({"trace", "--goarch", "arm64"}, broken_installation("trace3"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_HAS(r.output, "internal error");
}

// ---- frame

TEST(ExitCodes, Frame0ForAPassingRun) { EXPECT_EQ(gotramp({"frame", "--goarch", "s390x"}).exit_code, 0); }

TEST(ExitCodes, Frame1WhenItsRunFails) {
  auto r = gotramp({"frame", "--goarch", "arm64", "--asm", kSlotOff});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_HAS(r.output, "ctxt argument");  // the frame is still drawn
}

TEST(ExitCodes, Frame2ForBadInput) {
  auto r = gotramp({"frame", "--goarch", "arm64", "--growth", "99"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_HAS(r.output, "growth 99 never reached newstack");
}

TEST(ExitCodes, Frame3ForAnInternalError) {
  auto r = gotramp({"frame", "--goarch", "arm64"}, broken_installation("frame3"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_HAS(r.output, "internal error");
}

// ---- build-guests (it runs nothing, so it never exits 1)

TEST(ExitCodes, BuildGuests0WhenEveryGuestBuilds) {
  auto r = gotramp({"build-guests"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_HAS(r.output, "guest ELFs up to date");
}

TEST(ExitCodes, BuildGuests2ForAnUnusableCache) {
  auto r = gotramp({"build-guests", "--cache", "/proc/version/cache"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_HAS(r.output, "cannot use /proc/version/cache as the guest cache: Not a directory");
}

TEST(ExitCodes, BuildGuests3ForAnInternalError) {
  auto r = gotramp({"build-guests"}, broken_installation("build3"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_HAS(r.output, "internal error");
}

// ---- The paper cuts: each gets a message that says what is wrong.

TEST(PaperCuts, GrowthZeroNamesTheValidRange) {
  auto r = gotramp({"trace", "--goarch", "arm64", "--growth", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_HAS(r.output, "--growth");
  EXPECT_HAS(r.output, "1 or more");
  EXPECT_EQ(r.output.find("1797693134862315708"), std::string::npos) << r.output;
}

TEST(PaperCuts, JobsMustBeOneOrMore) {
  for (const char* j : {"-1", "0"}) {
    auto r = gotramp({"verify", "-j", j});
    EXPECT_EQ(r.exit_code, 2) << j;
    EXPECT_HAS(r.output, "1 or more");
    EXPECT_EQ(r.output.find("1797693134862315708"), std::string::npos) << r.output;
  }
  EXPECT_EQ(gotramp({"verify", "--goarch", "amd64", "--contract", "seed", "-j", "1"}).exit_code, 0);
}

TEST(PaperCuts, MistypedCommandGetsDidYouMean) {
  auto r = gotramp({"verfy"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_HAS(r.output, "unknown command 'verfy'. Did you mean 'verify'?");
}

TEST(PaperCuts, MistypedOptionGetsDidYouMean) {
  auto r = gotramp({"verify", "--arch", "arm64"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_HAS(r.output, "unknown option '--arch' for gotramp verify. Did you mean --goarch?");
  r = gotramp({"frame", "--goarch", "arm64", "--sv", "x.svg"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_HAS(r.output, "Did you mean --svg?");
}

// A name given in another case, or mistyped, gets the name it was meant to be, for
// every list a user types (GOARCH with and without --go, contract, scenario,
// trampoline), in verify and in the one-run commands.
TEST(PaperCuts, NamesInAnotherCaseGetDidYouMean) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"verify", "--goarch", "ARM64"}, "unknown GOARCH 'ARM64' (did you mean 'arm64'?)"},
      {{"verify", "--go", "bundled", "--goarch", "amd64,RISCV64"},
       "unknown GOARCH 'RISCV64' with --go (did you mean 'riscv64'?)"},
      {{"verify", "--goarch", "amd64", "--contract", "Modern"}, "unknown contract 'Modern' (did you mean 'modern'?)"},
      {{"verify", "--goarch", "amd64", "--scenario", "closure,NoCtxt"},
       "unknown scenario 'NoCtxt' (did you mean 'noctxt'?)"},
      {{"verify", "--goarch", "amd64", "--trampoline", "MORESTACK"},
       "unknown trampoline 'MORESTACK' (did you mean 'morestack'?)"},
      {{"trace", "--goarch", "Arm64"}, "unknown GOARCH 'Arm64' (did you mean 'arm64'?)"},
      {{"frame", "--goarch", "arm64", "--contract", "SEED"}, "unknown contract 'SEED' (did you mean 'seed'?)"},
      {{"frame", "--goarch", "arm64", "--scenario", "closur"}, "unknown scenario 'closur' (did you mean 'closure'?)"},
      {{"debug", "--goarch", "arm64", "--trampoline", "Morestack"},
       "unknown trampoline 'Morestack' (did you mean 'morestack'?)"},
  };
  for (const auto& [args, message] : cases) {
    auto r = gotramp(args);
    EXPECT_EQ(r.exit_code, 2) << fmt::format("{}", fmt::join(args, " "));
    EXPECT_HAS(r.output, message);
  }
  // Nothing near: no guess.
  auto r = gotramp({"verify", "--goarch", "sparc"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output.find("did you mean"), std::string::npos) << r.output;
}

// verify runs the scenarios that drop the engine's translations (closure-gc's store
// audit, overflow's expected Findings) after the others, but reports every row in
// the order asked, with the same verdicts as runs of their own.
TEST(PaperCuts, RowsKeepTheOrderAskedWhateverOrderTheyRunIn) {
  const std::vector<std::string> asked = {"closure-gc", "closure", "overflow", "noctxt", "preempt"};
  ASSERT_TRUE(model::drops_translations(*model::find_scenario("closure-gc")));
  ASSERT_TRUE(model::drops_translations(*model::find_scenario("overflow")));
  ASSERT_FALSE(model::drops_translations(*model::find_scenario("closure")));
  auto r = gotramp({"verify", "--goarch", "amd64", "--contract", "seed", "--scenario",
                    fmt::format("{}", fmt::join(asked, ",")), "--json", "-j", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  ASSERT_EQ(j["runs"].size(), asked.size());
  for (size_t i = 0; i < asked.size(); i++) {
    EXPECT_EQ(j["runs"][i]["scenario"], asked[i]);
    auto alone = nlohmann::json::parse(
        gotramp({"verify", "--goarch", "amd64", "--contract", "seed", "--scenario", asked[i], "--json"}).output);
    EXPECT_EQ(j["runs"][i], alone["runs"][0]) << asked[i] << ": a run depends on the runs before it";
  }
}

TEST(PaperCuts, VersionNamesEveryComponent) {
  auto r = gotramp({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_HAS(r.output, std::string("gotramp ") + GOTRAMP_VERSION + "\n");
  EXPECT_HAS(r.output, "unicorn 2.1.4\n");
  EXPECT_HAS(r.output, "capstone 5.0.9\n");
  EXPECT_HAS(r.output, "go go1.");
}

// Capstone is loaded when something is decoded, not at start: a verify that passes
// on the variable-width rows counts their blocks with the translator's own count,
// while a failure's report quotes the guilty instruction, decoded.
TEST(PaperCuts, OnlyAReportThatQuotesAnInstructionLoadsTheDisassembler) {
  const std::map<std::string, std::string> env = {{"LD_DEBUG", "files"}};
  auto r = gotramp({"verify", "--goarch", "amd64,386,s390x", "--contract", "seed", "--scenario",
                    "closure,noctxt,closure-gc,preempt,high-stack"},
                   env);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_HAS(r.output, "15 verified, 0 diagnosed, 0 FAILED");
  EXPECT_EQ(r.output.find("libcapstone"), std::string::npos) << r.output;
  r = gotramp({"verify", "--goarch", "arm64", "--scenario", "closure", "--asm", kSlotOff}, env);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_HAS(r.output, "libcapstone.so.5");
}

TEST(PaperCuts, TraceSaysWhyBothIsNotAContractThere) {
  auto r = gotramp({"trace", "--goarch", "arm64", "--contract", "both"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_HAS(r.output, "names several contracts, which verify runs and compares; trace looks at one run");
  EXPECT_EQ(r.output.find("valid: seed, parent, parent-norepair, both"), std::string::npos) << r.output;
}

TEST(PaperCuts, UnwritableSvgGivesTheReason) {
  auto r = gotramp({"frame", "--goarch", "arm64", "--svg", "/nonexistent/dir/x.svg"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_HAS(r.output, "/nonexistent/dir/x.svg: cannot write: No such file or directory");
}

TEST(PaperCuts, FrameOfAScenarioWithoutOneSaysItIsExpected) {
  auto svg = scratch("frame-g0") / "g0.svg";
  auto r = gotramp({"frame", "--goarch", "arm64", "--scenario", "g0", "--svg", svg.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_HAS(r.output, "no frame is expected in scenario g0");
  EXPECT_HAS(r.output, "the run ended as the scenario expects");
  EXPECT_FALSE(fs::exists(svg)) << "no empty picture is left behind";
}

TEST(PaperCuts, UnreadableAsmGivesTheReason) {
  auto r = gotramp({"verify", "--asm", "/nonexistent.s"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_HAS(r.output, "cannot read /nonexistent.s: No such file or directory");
}

TEST(PaperCuts, UnwritableJunitGivesTheReasonBeforeAnyRun) {
  auto r = gotramp({"verify", "--junit", "/nonexistent/dir/out.xml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_HAS(r.output, "--junit /nonexistent/dir/out.xml: cannot write: No such file or directory");
  EXPECT_EQ(r.output.find("GOARCH"), std::string::npos) << "no run before the error";
}

// ---- --asm: one bug reported once

TEST(Asm, GoarchComesFromTheGuestFolderAndTheContractIsSeed) {
  // The README's example, without --goarch: only arm64, only the seed contract.
  auto r = gotramp({"verify", "--asm", "guest_asm/arm64/variants/ctxt-slot-off.s", "--json"}, {}, kSource);
  EXPECT_EQ(r.exit_code, 1) << r.output.substr(0, 2000);
  auto j = nlohmann::json::parse(r.output);
  std::set<std::string> goarch, contract, scenario;
  for (const auto& run : j["runs"]) goarch.insert(run["goarch"]), contract.insert(run["contract"]);
  EXPECT_EQ(goarch, std::set<std::string>{"arm64"});
  EXPECT_EQ(contract, std::set<std::string>{"seed"});
  EXPECT_EQ(j["runs"].size(), test::transcription_scenario_count());
}

TEST(Asm, GoarchComesFromGosFileNameConvention) {
  auto as = [](const std::string& file) {
    std::set<std::string> out;
    for (const auto* s : cli::archs_for_trampoline(file)) out.insert(s->goarch);
    return out;
  };
  EXPECT_EQ(as("/tmp/morestack_arm64.s"), std::set<std::string>{"arm64"});
  EXPECT_EQ(as("/tmp/asm_linux_amd64p32.s"), std::set<std::string>{"amd64p32"});
  // A family suffix names every row of the family, from the ArchSpec table.
  for (const auto& spec : emu::arch_table()) {
    if (!spec.transcribed()) continue;
    auto family = as("/tmp/asm_" + spec.guest_dir + ".s");
    EXPECT_TRUE(family.contains(spec.goarch)) << spec.guest_dir;
  }
  EXPECT_EQ(as("/tmp/asm_ppc64x.s"), (std::set<std::string>{"ppc64", "ppc64le"}));
  EXPECT_EQ(as("/tmp/asm_mips64x.s"), (std::set<std::string>{"mips64", "mips64le"}));
  EXPECT_TRUE(as("/tmp/mytrampoline.s").empty());
  EXPECT_TRUE(as("/tmp/morestack_parent.s").empty());
  EXPECT_EQ(as("/x/guest_asm/ppc64x/morestack_parent.s"), (std::set<std::string>{"ppc64", "ppc64le"}));
}

TEST(Asm, WithoutAGoarchInItsNameGoarchIsRequired) {
  auto d = scratch("asm-noarch");
  auto f = write(d / "mytrampoline.s", "TEXT ·morestack(SB),0,$0\nTEXT ·morestack_noctxt(SB),0,$0\n");
  auto r = gotramp({"verify", "--asm", f.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_HAS(r.output, "--goarch is required with --asm");
}

TEST(Asm, AFileThatDoesNotAssembleIsReportedOnceWithItsOwnPath) {
  auto d = scratch("asm-err");
  auto f = write(d / "broken_arm64.s",
                 "#include \"textflag.h\"\n\nTEXT ·morestack(SB),NOSPLIT|NOFRAME,$0-0\n\tFROB\tR1, R2\n"
                 "TEXT ·morestack_noctxt(SB),NOSPLIT|NOFRAME,$0-0\n\tB\t·morestack(SB)\n");
  // Every contract and scenario would use it: still one error.
  auto r = gotramp({"verify", "--asm", f.string(), "--contract", "all"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(count(r.output, "unrecognized instruction \"FROB\""), 1u) << r.output;
  EXPECT_HAS(r.output, f.string() + ":4:");
  EXPECT_EQ(r.output.find("./broken_arm64.s"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("/stage/"), std::string::npos) << r.output;
}

TEST(Asm, AFileWithoutMorestackNoctxtSaysSo) {
  auto d = scratch("asm-noctxt");
  auto f = write(d / "half_arm64.s", "#include \"textflag.h\"\n\nTEXT ·morestack(SB),NOSPLIT|NOFRAME,$0-0\n\tUNDEF\n");
  auto r = gotramp({"verify", "--asm", f.string()});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_HAS(r.output, "does not define morestack_noctxt");
  EXPECT_EQ(r.output.find("relocation target"), std::string::npos) << r.output;
}

// A build interrupted (Ctrl-C exits at once) leaves its stage folder behind: the next
// build removes those of processes that no longer run, and no other.
TEST(Asm, StaleStageFoldersAreRemovedByTheNextBuild) {
  auto d = scratch("asm-stale-stage");
  const pid_t dead = fork();
  if (dead == 0) _exit(0);
  ASSERT_GT(dead, 0);
  waitpid(dead, nullptr, 0);
  const fs::path stale = d / "cache" / "stage" / fmt::format("arm64-0123456789abcdef-{}", dead);
  const fs::path live = d / "cache" / "stage" / fmt::format("arm64-fedcba9876543210-{}", getpid());
  for (const auto& p : {stale, live}) {
    fs::create_directories(p);
    write(p / "morestack.s", "interrupted\n");
    ASSERT_TRUE(fs::exists(p / "morestack.s"));
  }
  std::ifstream in(kSource + "/guest_asm/arm64/morestack.s");
  std::stringstream text;
  text << in.rdbuf() << "// " << getpid() << ": a file no cache has seen, so it is built\n";
  auto f = write(d / "fresh_arm64.s", text.str());
  auto r = gotramp({"verify", "--asm", f.string(), "--scenario", "closure", "--cache", (d / "cache").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(fs::exists(stale)) << "the interrupted build's folder stays";
  EXPECT_TRUE(fs::exists(live)) << "a running process's stage was removed";
}

// An arm64-named file checked on another GOARCH: Go's file-name build constraint
// would leave it out of that build, and the message says so instead of the
// linker's "relocation target main.morestack not defined". A name without a GOARCH
// (or ppc64x, which is no GOARCH) constrains nothing.
TEST(Asm, AFileNamedForAnotherGoarchNamesTheBuildConstraint) {
  auto d = scratch("asm-constraint");
  std::ifstream in(kSource + "/guest_asm/arm64/morestack.s");
  std::stringstream text;
  text << in.rdbuf();
  auto named = write(d / "loop_arm64.s", text.str());
  for (const std::string cmd : {"verify", "trace", "frame"}) {
    auto r = gotramp({cmd, "--asm", named.string(), "--goarch", "s390x"});
    EXPECT_EQ(r.exit_code, 2) << cmd << ": " << r.output;
    EXPECT_HAS(r.output,
               "its name ends in _arm64, Go's file-name build constraint, so `go build` for s390x leaves "
               "it out");
    EXPECT_HAS(r.output, "check it with --goarch arm64");
    EXPECT_EQ(r.output.find("relocation target"), std::string::npos) << r.output;
  }
  // For its own GOARCH it runs.
  EXPECT_EQ(gotramp({"verify", "--asm", named.string(), "--goarch", "arm64", "--scenario", "closure"}).exit_code, 0);
  auto plain = write(d / "loop.s", text.str());
  EXPECT_EQ(gotramp({"verify", "--asm", plain.string(), "--goarch", "arm64", "--scenario", "closure"}).exit_code, 0);
}

// ---- JSON and JUnit

TEST(Report, JsonNamesTheVersionsItWasMadeWith) {
  auto r = gotramp({"verify", "--goarch", "amd64", "--contract", "seed", "--scenario", "closure", "--json"});
  ASSERT_EQ(r.exit_code, 0);
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["version"], GOTRAMP_VERSION);
  EXPECT_EQ(j["unicorn"], "2.1.4");
  EXPECT_EQ(j["capstone"], "5.0.9");
  EXPECT_TRUE(j["go"].get<std::string>().starts_with("go1.")) << j["go"];
  // The transcriptions: no toolchain under test; their Go is the guests' own.
  EXPECT_TRUE(j["toolchain"].is_null()) << j;
  EXPECT_TRUE(j["goroot"].is_null()) << j;
  EXPECT_EQ(j["go"], j["guest_go"]);
}

// With --go, the report is about that toolchain: JSON's top level and the JUnit
// suites' properties name its version and GOROOT (not the go on PATH, which only
// assembled the guests), and a GOROOT given as a path is said above the table.
TEST(Report, JsonAndJunitNameTheToolchainUnderTest) {
  const auto bundled = toolchain::resolve_toolchain("bundled");
  const auto system = toolchain::resolve_toolchain("system");
  ASSERT_NE(bundled.version, system.version) << "the test needs two versions to tell apart";
  auto d = scratch("junit-under-test");
  auto xml = d / "out.xml";
  auto r = gotramp(
      {"verify", "--go", "bundled", "--goarch", "amd64", "--scenario", "closure", "--json", "--junit", xml.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["go"], bundled.version);
  EXPECT_EQ(j["toolchain"], "bundled");
  EXPECT_EQ(j["goroot"], bundled.goroot.string());
  EXPECT_EQ(j["guest_go"], system.version) << "Debian's go assembles the guests";
  std::ifstream in(xml);
  std::stringstream junit;
  junit << in.rdbuf();
  EXPECT_HAS(junit.str(), fmt::format(R"(<property name="go" value="{}" />)", bundled.version));
  EXPECT_HAS(junit.str(), fmt::format(R"(<property name="goroot" value="{}" />)", bundled.goroot.string()));
  EXPECT_HAS(junit.str(), R"(<property name="toolchain" value="bundled" />)");

  r = gotramp({"verify", "--go", bundled.goroot.string(), "--goarch", "amd64", "--scenario", "closure"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.output.starts_with(fmt::format("GOROOT {} ({})\n", bundled.goroot.string(), bundled.version)))
      << r.output;
  r = gotramp({"verify", "--go", "bundled", "--goarch", "amd64", "--scenario", "closure"});
  EXPECT_TRUE(r.output.starts_with("GOARCH")) << "bundled and system are named in the toolchain column: " << r.output;
}

using test::junit_cases;

TEST(Report, JunitHasOneTestcasePerRunReadByJunitparser) {
  auto d = scratch("junit-all");
  auto xml = d / "out.xml";
  auto r = gotramp({"verify", "--goarch", "all", "--junit", xml.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output.substr(0, 2000);
  auto j = nlohmann::json::parse(r.output);
  std::multiset<std::string> want;
  for (const auto& run : j["runs"])
    want.insert(fmt::format("{} gotramp.{}.{}.{} {} {}", run["goarch"].get<std::string>(),
                            run["goarch"].get<std::string>(), run["trampoline"].get<std::string>(),
                            run["contract"].get<std::string>(), run["scenario"].get<std::string>(),
                            test::not_applicable_here(run["goarch"], run["scenario"]) ? "skipped" : "pass"));
  for (const auto& d : j["differential"])
    want.insert(fmt::format("seed-vs-parent gotramp.{}.seed-vs-parent {} pass", d["goarch"].get<std::string>(),
                            d["scenario"].get<std::string>()));
  auto cases = junit_cases(xml);
  ASSERT_FALSE(cases.empty());
  EXPECT_EQ(cases.back(), "total " + std::to_string(want.size()));
  std::multiset<std::string> got;
  for (size_t i = 0; i + 1 < cases.size(); i++) got.insert(cases[i].substr(0, cases[i].rfind(' ')));
  EXPECT_EQ(got, want);
  // Every verified GOARCH, both contracts, every scenario.
  size_t verified = 0;
  for (const auto& a : emu::arch_table()) verified += a.verified && a.transcribed();
  EXPECT_EQ(j["runs"].size(), verified * 2 * test::transcription_scenario_count());
}

TEST(Report, JunitFailuresAreExactlyTheFailingRunsWithFindingsAndStory) {
  auto d = scratch("junit-broken");
  auto xml = d / "out.xml";
  auto r = gotramp({"verify", "--asm", kSlotOff, "--junit", xml.string(), "--json"});
  ASSERT_EQ(r.exit_code, 1) << r.output.substr(0, 2000);
  auto j = nlohmann::json::parse(r.output);
  std::set<std::string> failed, passed;
  for (const auto& run : j["runs"])
    (run["verdict"] == "FAILED" ? failed : passed)
        .insert("gotramp.arm64.morestack.seed " + run["scenario"].get<std::string>());
  ASSERT_FALSE(failed.empty());
  ASSERT_FALSE(passed.empty());  // g0 is still diagnosed: it passes
  std::set<std::string> junit_failed, junit_passed;
  for (const auto& line : junit_cases(xml)) {
    std::istringstream in(line);
    std::string suite, cls, name, kind;
    size_t text = 0;
    if (!(in >> suite >> cls >> name >> kind >> text)) continue;
    (kind == "failure" ? junit_failed : junit_passed).insert(cls + " " + name);
    if (kind == "failure") {
      EXPECT_GT(text, 200u) << line;
    }
  }
  EXPECT_EQ(junit_failed, failed);
  EXPECT_EQ(junit_passed, passed);
  std::ifstream in(xml);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_HAS(ss.str(), "8(RSP) ctxt argument: expected 0x400004d0");  // a finding
  EXPECT_HAS(ss.str(), "trace lines before the first failure");       // the story
  EXPECT_HAS(ss.str(), "ctxt-slot-off.s:");                           // its source lines
}

// ---- The suite itself

// A CTest entry whose filter selects nothing fails (tests/main.cpp), as one whose
// GOARCH was renamed would.
TEST(Suite, AnEntryThatSelectsNoTestFails) {
  const auto self = fs::read_symlink("/proc/self/exe");
  auto r = toolchain::run_process({self.string(), "--gtest_filter=Verified/*/loong64"}, {}, fs::current_path());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_HAS(r.output, "selected no test");
  r = toolchain::run_process({self.string(), "--gtest_filter=Golden.ComparisonIsExactToTheLastLine"}, {},
                             fs::current_path());
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

// ---- The repository's own documents

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t"));
  s.erase(s.find_last_not_of(" \t") + 1);
  return s;
}

// gotramp's own CI runs the README's two commands and nothing else.
TEST(Docs, WorkflowRunsTheReadmesCommands) {
  const std::string workflow = read_text(kSource + "/.github/workflows/ci.yml");
  std::set<std::string> readme_commands;  // lines of the README's code blocks, comments dropped
  {
    std::istringstream in(read_text(kSource + "/README.md"));
    bool code = false;
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("```")) {
        code = !code;
        continue;
      }
      if (code) readme_commands.insert(trim(line.substr(0, line.find(" #"))));
    }
  }
  std::vector<std::string> runs;
  std::regex run_line("^ *- run: (.*)$");
  std::istringstream in(workflow);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, run_line)) runs.push_back(trim(m[1]));
  }
  ASSERT_EQ(runs.size(), 2u) << workflow;
  for (const auto& cmd : runs) EXPECT_TRUE(readme_commands.contains(cmd)) << "not in the README: " << cmd;
  EXPECT_EQ(runs[0], "scripts/test");
  EXPECT_EQ(runs[1], "scripts/verify");
}

// Every "DESIGN.md §N" the sources and the README cite is a section of docs/DESIGN.md.
TEST(Docs, DesignCitationsNameSectionsOfDocsDesign) {
  const std::string design = read_text(kSource + "/docs/DESIGN.md");
  ASSERT_FALSE(design.empty());
  std::regex cite("DESIGN(\\.md)?\\)? \u00a7([0-9]+)");
  int citations = 0;
  for (const char* dir : {"cli", "emu", "runtime_model", "toolchain", "tests", "bench", "scripts"})
    for (const auto& f : fs::recursive_directory_iterator(kSource + "/" + dir)) {
      if (!f.is_regular_file()) continue;
      const std::string text = read_text(f.path());
      for (std::sregex_iterator it(text.begin(), text.end(), cite), end; it != end; ++it) {
        const std::string section = (*it)[2];
        EXPECT_NE(design.find("\n## " + section + ". "), std::string::npos) << f.path() << " cites \u00a7" << section;
        citations++;
      }
    }
  const std::string readme = read_text(kSource + "/README.md");
  for (std::sregex_iterator it(readme.begin(), readme.end(), cite), end; it != end; ++it) {
    EXPECT_NE(design.find("\n## " + std::string((*it)[2]) + ". "), std::string::npos) << "README cites " << it->str();
    citations++;
  }
  EXPECT_GE(citations, 10);
}

}  // namespace
}  // namespace gotramp
