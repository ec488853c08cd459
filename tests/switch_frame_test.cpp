// frame and trace for the trampolines that call fn and come back (systemstack,
// asmcgocall): the g0 frame at fn's entry, its words named by what the switch put
// there, beside the goroutine gosave_systemstack_switch saved; a Finding about a
// word marks it; a call made on g0 or gsignal has no g0 frame, said so; and trace
// follows one call, there and back, as one episode.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "toolchain/process.hpp"

namespace gotramp {
namespace {

namespace fs = std::filesystem;

toolchain::ProcessResult gotramp_cli(std::vector<std::string> args) {
  args.insert(args.begin(), GOTRAMP_BIN);
  return toolchain::run_process(args, {}, fs::current_path());
}

bool has(const std::string& out, const std::string& what) { return out.find(what) != std::string::npos; }

// amd64's systemstack: fn entered with its return PC into systemstack at 0(SP), just
// below g0.sched.sp; the goroutine saved as if in systemstack_switch.
TEST(SwitchFrame, SystemstackDrawsTheG0FrameItBuiltForFn) {
  const fs::path svg = fs::temp_directory_path() / fmt::format("gotramp-systemstack-frame-{}.svg", getpid());
  auto r = gotramp_cli({"frame", "--go", "bundled", "--goarch", "amd64", "--trampoline", "systemstack", "--scenario",
                        "switch", "--svg", svg.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.output.starts_with(
      "g0 frame at fn's entry, call 1: amd64 systemstack trampoline, modern contract, switch scenario\n"))
      << r.output;
  EXPECT_TRUE(has(r.output, "0(SP)     0x")) << r.output;
  EXPECT_TRUE(has(r.output, "(runtime.systemstack+0x")) << r.output;
  EXPECT_TRUE(has(r.output, "(where fn returns)")) << r.output;
  EXPECT_TRUE(has(r.output, "systemstack's own SP when it called gosave_systemstack_switch")) << r.output;
  EXPECT_TRUE(has(r.output, "(runtime.systemstack_switch+0x")) << r.output;
  EXPECT_TRUE(has(r.output, "return PC into systemstack, pushed by its CALL to gosave_systemstack_switch")) << r.output;
  EXPECT_FALSE(has(r.output, "crash-if-returns")) << r.output;
  EXPECT_TRUE(has(r.output, "amd64 systemstack modern switch: verified")) << r.output;
  std::stringstream drawn;
  drawn << std::ifstream(svg).rdbuf();
  fs::remove(svg);
  EXPECT_TRUE(has(drawn.str(), "the g0 frame at fn's entry")) << drawn.str().substr(0, 2000);
}

// mips's asmcgocall: the 16 bytes o32 gives the callee, then the old g asmcgocall
// keeps above them; 386's argument on the stack, and the depth, named too.
TEST(SwitchFrame, AsmcgocallNamesWhatItKeepsAndTheWordsTheCAbiGivesFn) {
  auto mips =
      gotramp_cli({"frame", "--go", "bundled", "--goarch", "mips", "--trampoline", "asmcgocall", "--scenario", "call"});
  ASSERT_EQ(mips.exit_code, 0) << mips.output;
  EXPECT_TRUE(has(mips.output, "4(R29)    0xd0d0d0d0 reserved for fn by the MIPS o32")) << mips.output;
  EXPECT_TRUE(has(mips.output, "12(R29)   0xd0d0d0d0 reserved for fn by the MIPS o32")) << mips.output;
  EXPECT_TRUE(has(mips.output, "16(R29)   0x")) << mips.output;
  EXPECT_TRUE(has(mips.output, "the old g, kept by asmcgocall to come back to\n")) << mips.output;
  auto x86 =
      gotramp_cli({"frame", "--go", "bundled", "--goarch", "386", "--trampoline", "asmcgocall", "--scenario", "call"});
  ASSERT_EQ(x86.exit_code, 0) << x86.output;
  EXPECT_TRUE(has(x86.output, "4(SP)     0x5eed0a59 fn's argument arg (i386 System V psABI: on the stack)"))
      << x86.output;
  EXPECT_TRUE(has(x86.output, "the depth below g.stack.hi (0x")) << x86.output;
  EXPECT_TRUE(has(x86.output, "return PC into asmcgocall: ")) << x86.output;
}

// go1.19's ppc64 asmcgocall keeps the old g in a word ELFv1 gives the callee: the
// frame marks that word with the Finding (known: gotramp's own catalog entry).
TEST(SwitchFrame, AFindingAboutAWordMarksItInTheFrame) {
  auto r =
      gotramp_cli({"frame", "--go", "system", "--goarch", "ppc64", "--trampoline", "asmcgocall", "--scenario", "call"});
  EXPECT_EQ(r.exit_code, 0) << r.output;  // known: passes unless --strict
  const size_t marked = r.output.find("\nX 0x");
  ASSERT_NE(marked, std::string::npos) << r.output;
  const std::string line = r.output.substr(marked + 1, r.output.find('\n', marked + 1) - marked - 1);
  EXPECT_TRUE(has(line, " 40(R1)    0x")) << line;
  EXPECT_TRUE(line.ends_with(
      "the old g, kept by asmcgocall to come back to, in a word the 64-bit PowerPC ELF ABI (ELFv1) gives fn"))
      << line;
  EXPECT_TRUE(has(r.output, line + "\n               ^ c-reserved: expected none of asmcgocall's own values"))
      << r.output;
  EXPECT_TRUE(has(r.output, "ppc64 asmcgocall modern call: known")) << r.output;
}

// No switch, no g0 frame: said, with the scenario's own words, and a usage error.
TEST(SwitchFrame, ACallOnGsignalHasNoG0FrameAndSaysWhy) {
  auto r = gotramp_cli(
      {"frame", "--go", "bundled", "--goarch", "arm64", "--trampoline", "asmcgocall", "--scenario", "on-gsignal"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(has(r.output, "no g0 frame in scenario on-gsignal: a signal handler on m.gsignal calls asmcgocall"))
      << r.output;
  auto beyond = gotramp_cli({"frame", "--go", "bundled", "--goarch", "arm64", "--trampoline", "systemstack",
                             "--scenario", "switch", "--growth", "2"});
  EXPECT_EQ(beyond.exit_code, 2) << beyond.output;
  EXPECT_TRUE(has(beyond.output, "call 2 of systemstack built no g0 frame: the run made 1 systemstack call(s)"))
      << beyond.output;
}

// One call is one episode, there and back: trace follows arm64's asmcgocall from its
// entry through the host's C function to the epilogue that reloads R29 (the nosave
// bug gotramp found, known), whose Finding is the call's.
TEST(SwitchFrame, TraceFollowsACallThereAndBack) {
  auto r = gotramp_cli(
      {"trace", "--go", "bundled", "--goarch", "arm64", "--trampoline", "asmcgocall", "--scenario", "on-g0"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(has(r.output, "gotramp: tracing call 1 of 1 (the first to fail)")) << r.output;
  const size_t entry = r.output.find("asmcgocall (observed): called from");
  const size_t c = r.output.find("fn (host C function)");
  const size_t back = r.output.find("ldur x29, [sp, #-8]");
  ASSERT_NE(entry, std::string::npos) << r.output;
  ASSERT_NE(c, std::string::npos) << r.output;
  ASSERT_NE(back, std::string::npos) << r.output;
  EXPECT_LT(entry, c);
  EXPECT_LT(c, back);
  EXPECT_TRUE(has(r.output, "return-fp [arm64 asmcgocall modern on-g0, call 1]")) << r.output;
  auto beyond = gotramp_cli({"trace", "--go", "bundled", "--goarch", "arm64", "--trampoline", "asmcgocall",
                             "--scenario", "on-g0", "--growth", "2"});
  EXPECT_EQ(beyond.exit_code, 2) << beyond.output;
  EXPECT_TRUE(has(beyond.output, "call 2 never happened: the run made 1 asmcgocall call(s)")) << beyond.output;
}

}  // namespace
}  // namespace gotramp
