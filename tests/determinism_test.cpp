// Runs are deterministic (README): a failing run's memory is the same picture in
// verify's failure story, in `frame` and in `trace`, though verify's story is a
// fresh traced run and `frame` runs it twice on one engine (the second time with
// its stores logged, in stack slots the first run freed). On every GOARCH: the
// transcriptions with m.morebuf.pc's store removed from the seed's morestack, and a
// copy of the pinned GOROOT with the same store removed from every asm_*.s.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "planted_goroot.hpp"
#include "probe_support.hpp"
#include "support.hpp"
#include "toolchain/process.hpp"

namespace gotramp {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

toolchain::ProcessResult gotramp(std::vector<std::string> args) {
  args.insert(args.begin(), GOTRAMP_BIN);
  return toolchain::run_process(args, {}, fs::current_path());
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// verify's failure story against `frame` and `trace` of the same run and growth:
// every frame line with a value (slot rows, the goroutine's words and fields) and
// every trace line of the story are the same text in each.
void expect_same_picture(const std::string& goarch, const std::vector<std::string>& run_args) {
  SCOPED_TRACE(goarch);
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), run_args.begin(), run_args.end());
    return gotramp(args);
  };
  auto verify = with({"verify", "--goarch", goarch, "--scenario", "closure", "--verbose"});  // whole stories
  ASSERT_EQ(verify.exit_code, 1) << verify.output.substr(0, 3000);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(verify.output, m, std::regex(R"(g0 frame at newstack's entry, growth (\d+))")))
      << verify.output.substr(0, 3000);
  const std::string growth = m[1];
  const auto story = lines_of(verify.output);
  const std::set<std::string> told(story.begin(), story.end());

  auto frame = with({"frame", "--goarch", goarch, "--scenario", "closure", "--growth", growth});
  ASSERT_EQ(frame.exit_code, 1) << frame.output.substr(0, 3000);
  const std::regex valued("0x[0-9a-f]{8,}");
  int compared = 0;
  for (const auto& line : lines_of(frame.output)) {
    if (!std::regex_search(line, valued) || line.find("FAILED") != std::string::npos) continue;
    compared++;
    EXPECT_TRUE(told.count("  " + line)) << "frame has, verify's story has not:\n" << line;
  }
  EXPECT_GE(compared, 8) << frame.output;

  auto trace = with({"trace", "--goarch", goarch, "--scenario", "closure", "--growth", growth});
  ASSERT_EQ(trace.exit_code, 1) << trace.output.substr(0, 3000);
  const auto traced = lines_of(trace.output);
  auto tail = std::find_if(story.begin(), story.end(), [](const std::string& l) {
    return l.find("trace lines before the first failure") != std::string::npos;
  });
  ASSERT_NE(tail, story.end());
  const std::set<std::string> steps(traced.begin(), traced.end());
  int lines = 0;
  for (auto it = tail + 1; it != story.end() && it->starts_with("    "); ++it, ++lines)
    EXPECT_TRUE(steps.count(it->substr(4))) << "verify's story has, trace has not:\n" << *it;
  EXPECT_GE(lines, 4);
}

// The seed's morestack.s without its one m.morebuf.pc store.
fs::path no_morebuf_pc(const emu::ArchSpec& spec) {
  const fs::path variant = fs::path(GOTRAMP_BUILD_DIR) / "determinism" / spec.goarch / "morestack.s";
  EXPECT_EQ(test::write_seed_without_morebuf_pc(spec, variant), 1) << "the seed's morestack.s stores m.morebuf.pc once";
  return variant;
}

class Determinism : public ::testing::TestWithParam<const emu::ArchSpec*> {};

TEST_P(Determinism, VerifysStoryFrameAndTraceShowTheSameMemory) {
  const auto& spec = *GetParam();
  expect_same_picture(spec.goarch, {"--contract", "seed", "--asm", no_morebuf_pc(spec).string()});
}

// A Finding's expected value says where it comes from and, being a code address,
// which symbol it points into, in the Finding's data (JSON) and its message.
TEST(ExpectedValues, AMissingMorebufPcStoreSaysWhereTheExpectedPcComesFrom) {
  const emu::ArchSpec& spec = *emu::find_arch("arm64");
  auto r = gotramp({"verify", "--goarch", "arm64", "--contract", "seed", "--scenario", "closure", "--asm",
                    no_morebuf_pc(spec).string(), "--json"});
  ASSERT_EQ(r.exit_code, 1) << r.output.substr(0, 3000);
  auto j = nlohmann::json::parse(r.output);
  const nlohmann::json* f = nullptr;
  for (const auto& x : j["runs"][0]["findings"])
    if (!f && x["check"] == "morebuf.pc") f = &x;
  ASSERT_TRUE(f) << j["runs"][0]["findings"].dump(1);
  EXPECT_EQ((*f)["seen"], "0x0");
  EXPECT_EQ((*f)["seen_symbol"], nullptr);
  EXPECT_EQ((*f)["expected_from"], "R3 at main.morestack's entry: f's caller's PC, as f's prologue passed it");
  const std::string symbol = (*f)["expected_symbol"];
  EXPECT_TRUE(symbol.starts_with("main.")) << symbol;
  EXPECT_NE((*f)["message"].get<std::string>().find(fmt::format("expected {} ({}; R3 at main.morestack's entry",
                                                                (*f)["expected"].get<std::string>(), symbol)),
            std::string::npos)
      << (*f)["message"];
}

INSTANTIATE_TEST_SUITE_P(Verified, Determinism, ::testing::ValuesIn(test::verified_archs()),
                         [](const auto& info) { return test::arch_param_name(info.param); });

// The pinned GOROOT with morestack's m.morebuf.pc store removed on every GOARCH
// (each asm_*.s stores it once), and arm64's morestack_noctxt no longer zeroing R26.
fs::path morebuf_goroot() {
  std::vector<test::GorootEdit> edits;
  const fs::path runtime = test::pinned_goroot() / "src" / "runtime";
  for (const char* file : {"asm_386.s", "asm_amd64.s", "asm_arm.s", "asm_arm64.s", "asm_mips64x.s", "asm_mipsx.s",
                           "asm_ppc64x.s", "asm_riscv64.s", "asm_s390x.s"}) {
    for (const auto& line : lines_of(read(runtime / file)))
      if (line.find("(m_morebuf+gobuf_pc)") != std::string::npos)
        edits.push_back(
            {std::string("runtime/") + file, line + "\n", "\t// broken on purpose: no m.morebuf.pc store\n"});
  }
  edits.push_back({"runtime/asm_arm64.s", "\tMOVW\t$0, R26\n", "\t// broken on purpose: R26 not zeroed\n"});
  return test::planted_goroot("morebuf-pc-noctxt", edits);
}

TEST(DeterminismGo, VerifysStoryFrameAndTraceShowTheSameMemoryOnEveryGoarch) {
  const fs::path goroot = morebuf_goroot();
  for (const auto goarch : toolchain::probe_goarches())
    expect_same_picture(std::string(goarch), {"--go", goroot.string()});
}

// morestack_noctxt that no longer zeroes R26: morestack stores what it found into
// g.sched.ctxt, and the Finding blames morestack_noctxt's missing zeroing (never
// written inside runtime.morestack_noctxt), not morestack's store.
TEST(DeterminismGo, AMorestackNoctxtThatKeepsTheContextIsBlamedForIt) {
  const fs::path goroot = morebuf_goroot();
  auto r = toolchain::run_process(
      {GOTRAMP_BIN, "verify", "--go", goroot.string(), "--goarch", "arm64", "--scenario", "noctxt", "--json"}, {},
      fs::current_path());
  ASSERT_EQ(r.exit_code, 1) << r.output.substr(0, 3000);
  auto j = nlohmann::json::parse(r.output);
  const nlohmann::json* named = nullptr;
  for (const auto& f : j["runs"][0]["findings"])
    if (!named && f["check"] == "sched.ctxt") named = &f;
  ASSERT_TRUE(named) << j["runs"][0]["findings"].dump(1);
  const auto& cause = (*named)["cause"];
  ASSERT_TRUE(cause.is_object()) << named->dump(1);
  EXPECT_EQ(cause["kind"], "never-written") << cause.dump(1);
  EXPECT_EQ(cause["register"], "R26");
  EXPECT_TRUE(cause["where"].get<std::string>().starts_with("runtime.morestack_noctxt")) << cause.dump(1);
  EXPECT_TRUE(cause["window_start"]["where"].get<std::string>().starts_with("runtime.morestack_noctxt"));
  EXPECT_NE(cause["message"].get<std::string>().find("runtime.morestack_noctxt never writes R26"), std::string::npos)
      << cause.dump(1);
  EXPECT_NE((*named)["message"].get<std::string>().find("morestack_noctxt clears R26"), std::string::npos)
      << (*named)["message"];
}

}  // namespace
}  // namespace gotramp
