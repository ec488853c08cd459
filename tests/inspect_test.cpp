// Issue 5: traces and frame diagrams, per GOARCH, against golden files, plus the
// failure story verify prints. Guest addresses are fixed by the ELF and the arena,
// so outputs are stable; GOTRAMP_UPDATE_GOLDEN=1 rewrites the golden files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "support.hpp"
#include "toolchain/process.hpp"

namespace gotramp {
namespace {

toolchain::ProcessResult gotramp(std::vector<std::string> args) {
  args.insert(args.begin(), GOTRAMP_BIN);
  return toolchain::run_process(args, {}, std::filesystem::current_path());
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Where two texts first differ, by line; the end of a text counts as a line of its
// own, so trailing lines, a missing final newline or an extra one all show.
std::string golden_difference(const std::string& want, const std::string& actual) {
  auto lines = [](const std::string& s) {
    std::vector<std::string> out;
    size_t pos = 0;
    for (size_t nl; (nl = s.find('\n', pos)) != std::string::npos; pos = nl + 1)
      out.push_back(s.substr(pos, nl - pos + 1));
    if (pos < s.size()) out.push_back(s.substr(pos));  // a last line without its newline
    return out;
  };
  const auto a = lines(want), b = lines(actual);
  for (size_t i = 0; i < std::max(a.size(), b.size()); i++) {
    const std::string la = i < a.size() ? a[i] : "(end of file)", lb = i < b.size() ? b[i] : "(end of file)";
    if (la != lb) return "line " + std::to_string(i + 1) + ":\n  golden: " + la + "\n  actual: " + lb;
  }
  return "";  // equal
}

// The comparison the golden tests make is exact: a text that only adds a line, or
// only a newline, at the end differs.
TEST(Golden, ComparisonIsExactToTheLastLine) {
  EXPECT_EQ(golden_difference("a\nb\n", "a\nb\n"), "");
  EXPECT_NE(golden_difference("a\nb\n", "a\nb\nc\n"), "");
  EXPECT_NE(golden_difference("a\nb\n", "a\nb\n\n"), "");
  EXPECT_NE(golden_difference("a\nb\n", "a\nb"), "");
  EXPECT_NE(golden_difference("a\nb\nc\n", "a\nb\n"), "");
}

// Compares with tests/golden/NAME, or rewrites it under GOTRAMP_UPDATE_GOLDEN.
void expect_golden(const std::string& name, const std::string& actual) {
  auto path = std::filesystem::path(GOTRAMP_SOURCE_DIR) / "tests" / "golden" / name;
  if (std::getenv("GOTRAMP_UPDATE_GOLDEN")) {
    std::ofstream(path) << actual;
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing (GOTRAMP_UPDATE_GOLDEN=1 writes it)";
  std::string want = read(path);
  if (want == actual) return;
  ADD_FAILURE() << name << " differs: " << golden_difference(want, actual);
}

struct Inspect : ::testing::TestWithParam<const emu::ArchSpec*> {};

TEST_P(Inspect, FrameMatchesGolden) {
  const auto& spec = *GetParam();
  auto r = gotramp({"frame", "--goarch", spec.goarch});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_golden("frame-" + spec.goarch + ".txt", r.output);
}

TEST_P(Inspect, TraceOfTheFirstGrowthMatchesGolden) {
  const auto& spec = *GetParam();
  auto r = gotramp({"trace", "--goarch", spec.goarch, "--growth", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_golden("trace-" + spec.goarch + ".txt", r.output);
}

// The instruction that writes the ctxt argument: its Plan 9 source line, and an
// annotation naming the slot of docs/DESIGN.md §1.
TEST_P(Inspect, TraceNamesTheCtxtArgumentStore) {
  const auto& spec = *GetParam();
  auto r = gotramp({"trace", "--goarch", spec.goarch, "--growth", "1"});
  const std::string slot = spec.slot(spec.arg0_offset());
  std::smatch m;
  std::regex line("morestack\\.s:[0-9]+ +main\\.morestack\\+0x[0-9a-f]+ .*g0 stack " +
                  std::regex_replace(slot, std::regex("[()]"), "\\$&") + " = ctxt argument");
  EXPECT_TRUE(std::regex_search(r.output, m, line)) << r.output.substr(0, 3000);
  // And the stack switches into g0 and back onto the new stack.
  EXPECT_NE(r.output.find("stack switch: goroutine stack"), std::string::npos);
  EXPECT_NE(r.output.find("-> g0 stack"), std::string::npos);
  EXPECT_NE(r.output.find("==== newstack (host): growth 1"), std::string::npos);
}

TEST_P(Inspect, FrameLabelsTheArgumentAndTheSlotBelow) {
  const auto& spec = *GetParam();
  auto r = gotramp({"frame", "--goarch", spec.goarch, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  std::map<std::string, std::string> role;
  for (const auto& s : j["g0_frame"]) role[s["slot"]] = s["role"];
  EXPECT_EQ(role[spec.slot(spec.arg0_offset())], "ctxt-argument");
  EXPECT_EQ(role[spec.slot(0)], spec.has_link() ? "saved-lr" : "return-pc");
  EXPECT_EQ(j["ctxt_reg"], spec.ctxt.name);
  for (const char* k : {"g.sched.sp", "g.sched.pc", "m.morebuf.pc", "m.morebuf.sp"})
    EXPECT_TRUE(j["goroutine"]["fields"].contains(k)) << k;
}

TEST_P(Inspect, SvgShowsTheSameSlotsAndRenders) {
  const auto& spec = *GetParam();
  auto svg = std::filesystem::temp_directory_path() / ("gotramp-frame-" + spec.goarch + ".svg");
  auto png = std::filesystem::path(svg).replace_extension(".png");
  auto r = gotramp({"frame", "--goarch", spec.goarch, "--svg", svg.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string text = read(svg);
  EXPECT_TRUE(text.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  const auto report = nlohmann::json::parse(r.output);
  const auto& slots = report.at("g0_frame");
  // At least the ctxt argument and the slot below it, so the loop cannot pass empty.
  ASSERT_GE(slots.size(), 2u) << r.output;
  for (const auto& s : slots) EXPECT_NE(text.find(s["slot"].get<std::string>() + " "), std::string::npos) << s["slot"];
  EXPECT_NE(text.find("ctxt argument"), std::string::npos);
  // Rendered by librsvg, as a viewer would (scripts/setup installs it).
  auto render = toolchain::run_process({"rsvg-convert", svg.string(), "-o", png.string()}, {}, ".");
  ASSERT_EQ(render.exit_code, 0) << render.output;
  std::ifstream in(png, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  EXPECT_EQ(std::string(magic + 1, 3), "PNG");
}

TEST_P(Inspect, TraceJsonHasSourceAndAnnotations) {
  const auto& spec = *GetParam();
  auto r = gotramp({"trace", "--goarch", spec.goarch, "--growth", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0);
  auto j = nlohmann::json::parse(r.output);
  int annotated = 0, with_source = 0, hosts = 0;
  for (const auto& s : j["steps"]) {
    if (s["kind"] == "host") hosts++;
    if (s["kind"] != "instruction") continue;
    with_source += !s["source"].get<std::string>().empty();
    for (const auto& w : s["writes"]) annotated += !w["meaning"].get<std::string>().empty();
  }
  EXPECT_GT(with_source, 40);
  EXPECT_GT(annotated, 8);
  EXPECT_GE(hosts, 1);
}

INSTANTIATE_TEST_SUITE_P(Verified, Inspect, ::testing::ValuesIn(test::verified_archs()),
                         [](const auto& info) { return test::arch_param_name(info.param); });

TEST(InspectCli, BrokenTrampolineFailureTellsItsStory) {
  const std::string broken = std::string(GOTRAMP_SOURCE_DIR) + "/guest_asm/arm64/variants/ctxt-slot-off.s";
  // By default, a block per cause: the trace, then only the slots the Findings name.
  auto brief = gotramp({"verify", "--goarch", "arm64", "--contract", "seed", "--scenario", "closure", "--asm", broken});
  EXPECT_EQ(brief.exit_code, 1);
  const auto marked = brief.output.find("the fields and slots they name, at newstack's entry:");
  ASSERT_NE(marked, std::string::npos) << brief.output;
  EXPECT_NE(brief.output.find("X 0x", marked), std::string::npos) << brief.output.substr(marked);
  EXPECT_EQ(brief.output.find("g0 frame at newstack's entry, growth 1"), std::string::npos);
  // --verbose: every run's whole story.
  auto r = gotramp(
      {"verify", "--goarch", "arm64", "--contract", "seed", "--scenario", "closure", "--asm", broken, "--verbose"});
  EXPECT_EQ(r.exit_code, 1);
  const auto tail = r.output.find("the last 16 trace lines before the first failure:");
  ASSERT_NE(tail, std::string::npos) << r.output;
  // The tail ends with the instructions that built the broken frame, the store one
  // word off among them ...
  EXPECT_NE(r.output.find("ctxt-slot-off.s:", tail), std::string::npos);
  EXPECT_NE(r.output.find("str x26, [sp, #0x10]", tail), std::string::npos) << r.output.substr(tail);
  // ... followed by the frame diagram of the failing growth.
  const auto frame = r.output.find("g0 frame at newstack's entry, growth 1", tail);
  ASSERT_NE(frame, std::string::npos);
  EXPECT_NE(r.output.find("8(RSP)", frame), std::string::npos);
  EXPECT_NE(r.output.find("CLOBBERED", frame), std::string::npos);
}

// The text frame marks what a Finding names, as the SVG draws it red: each slot
// with X, its Findings on the lines after it; the other slots unmarked.
TEST(InspectCli, TextFrameMarksTheSlotsFindingsName) {
  auto r = gotramp({"frame", "--goarch", "arm64", "--contract", "seed", "--asm",
                    std::string(GOTRAMP_SOURCE_DIR) + "/guest_asm/arm64/variants/ctxt-slot-off.s"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const std::regex clobbered(R"(\nX 0x[0-9a-f]+ 16\(RSP\) +0x0+400004d0 [^\n]*CLOBBERED[^\n]*\n +\^ g0-frame-intact: )"
                             R"(expected 0xd0d0d0d0d0d0d0d0 \(the harness's poison [^\n]*\), seen 0x400004d0\n)");
  EXPECT_TRUE(std::regex_search(r.output, clobbered)) << r.output;
  const std::regex argument(R"(\nX 0x[0-9a-f]+ 8\(RSP\) +0xd0d0d0d0d0d0d0d0 ctxt argument[^\n]*\n +\^ ctxt-argument: )"
                            R"(expected 0x400004d0 \(the closure f runs with, in R26 at morestack's entry\), )"
                            R"(seen 0xd0d0d0d0d0d0d0d0\n)");
  EXPECT_TRUE(std::regex_search(r.output, argument)) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(\n  0x[0-9a-f]+ 0\(RSP\) )"))) << "0(RSP) is fine";
  auto passing = gotramp({"frame", "--goarch", "arm64", "--contract", "seed"});
  EXPECT_EQ(passing.exit_code, 0);
  EXPECT_FALSE(std::regex_search(passing.output, std::regex(R"(\nX )"))) << passing.output;
}

TEST(InspectCli, UnknownNamesExit2) {
  EXPECT_EQ(gotramp({"trace", "--goarch", "vax"}).exit_code, 2);
  EXPECT_EQ(gotramp({"frame", "--goarch", "amd64", "--contract", "nope"}).exit_code, 2);
  EXPECT_EQ(gotramp({"frame", "--goarch", "amd64", "--growth", "99"}).exit_code, 2);
  EXPECT_EQ(gotramp({"trace"}).exit_code, 2);  // --goarch is required
}

}  // namespace
}  // namespace gotramp
