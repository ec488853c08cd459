// --overlay PATH=FILE: a GOROOT file replaced for the probe's build (go build
// -overlay) instead of a copied GOROOT. The acceptance test (an overlaid bug gives a
// planted GOROOT's Findings) is BrokenGoroot.AnOverlaidFileGivesThePlantedGorootsFindings;
// these check the probe cache's key and the arguments.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "emu/line_table.hpp"
#include "planted_goroot.hpp"
#include "probe_support.hpp"
#include "toolchain/process.hpp"

namespace gotramp {
namespace {

namespace fs = std::filesystem;

class Overlay : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fmt::format("gotramp-overlay-{}", getpid());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  // The pinned GOROOT's src/<path> with a comment line appended, as dir/<name>.
  fs::path commented(const std::string& path, const std::string& name, const std::string& comment) {
    std::stringstream ss;
    ss << std::ifstream(test::pinned_goroot() / "src" / path).rdbuf();
    const fs::path out = dir_ / name;
    std::ofstream(out) << ss.str() << "// " << comment << "\n";
    return out;
  }
  static toolchain::ProcessResult gotramp(std::vector<std::string> args) {
    args.insert(args.begin(), GOTRAMP_BIN);
    return toolchain::run_process(args, {}, fs::current_path());
  }
  fs::path dir_;
};

// A file no arm64 build reads (asm_mips64x.s): the probe's key still follows its
// content, two contents give two probes, the same content from another file the same
// probe, and the replacing bytes are kept beside it; no overlay, no such folder.
TEST_F(Overlay, TheProbeKeyFollowsTheOverlaysContent) {
  const auto& tc = test::real_toolchain("bundled");
  const std::string path = "runtime/asm_mips64x.s";
  const fs::path a = commented(path, "a.s", "overlay A"), b = commented(path, "b.s", "overlay B");
  const fs::path a2 = commented(path, "a2.s", "overlay A");
  auto cfg = toolchain::ProbeBuildConfig::defaults();
  const fs::path plain = toolchain::probe_elf(tc, "arm64", cfg);
  cfg.overlays = {{path, a}};
  const fs::path pa = toolchain::probe_elf(tc, "arm64", cfg);
  cfg.overlays = {{path, b}};
  const fs::path pb = toolchain::probe_elf(tc, "arm64", cfg);
  cfg.overlays = {{path, a2}};
  const fs::path pa2 = toolchain::probe_elf(tc, "arm64", cfg);
  EXPECT_NE(pa, plain);
  EXPECT_NE(pa, pb);
  EXPECT_EQ(pa, pa2);
  EXPECT_FALSE(fs::exists(emu::LineTable::overlay_dir(plain)));
  std::stringstream kept, want;
  kept << std::ifstream(emu::LineTable::overlay_dir(pb) / "src" / path).rdbuf();
  want << std::ifstream(b).rdbuf();
  EXPECT_EQ(kept.str(), want.str());
}

// An overlay on a file the build does not use verifies like the GOROOT itself, and
// the table says what was overlaid above it.
TEST_F(Overlay, AFileNoBuildUsesStillVerifies) {
  const fs::path a = commented("runtime/asm_mips64x.s", "a.s", "overlay A");
  auto r = gotramp({"verify", "--go", "bundled", "--goarch", "arm64", "--scenario", "closure,noctxt", "--overlay",
                    "runtime/asm_mips64x.s=" + a.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.output.starts_with(fmt::format("overlay src/runtime/asm_mips64x.s = {}\n\nGOARCH", a.string())))
      << r.output;
  EXPECT_NE(r.output.find("2 verified"), std::string::npos) << r.output;
}

// Bad --overlay input exits 2 with what is wrong, before any build.
TEST_F(Overlay, BadInputExitsTwoAndSaysWhy) {
  const fs::path a = commented("runtime/asm_arm64.s", "asm_arm64.s", "overlay A");
  const std::string ok = "runtime/asm_arm64.s=" + a.string();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"verify", "--goarch", "arm64", "--overlay", ok}, "needs --go"},
      {{"trace", "--goarch", "arm64", "--overlay", ok}, "needs --go"},
      {{"frame", "--goarch", "arm64", "--overlay", ok}, "needs --go"},
      {{"verify", "--go", "bundled", "--goarch", "arm64", "--overlay", "runtime/asm_arm64s=" + a.string()},
       "has no file src/runtime/asm_arm64s (did you mean 'runtime/asm_arm64.s'?)"},
      {{"trace", "--go", "bundled", "--goarch", "arm64", "--overlay", "src/runtime/asm_arm64.s=" + a.string()},
       "did you mean 'runtime/asm_arm64.s'? PATH is relative to GOROOT/src"},
      {{"verify", "--go", "bundled", "--goarch", "arm64", "--overlay", "../VERSION=" + a.string()},
       "is not a path below GOROOT/src"},
      {{"verify", "--go", "bundled", "--goarch", "arm64", "--overlay", "runtime/asm_arm64.s"}, "expected PATH=FILE"},
      {{"verify", "--go", "bundled", "--goarch", "arm64", "--overlay", "runtime/asm_arm64.s=" + (dir_ / "no").string()},
       fmt::format("--overlay runtime/asm_arm64.s={}: cannot read {}", (dir_ / "no").string(), (dir_ / "no").string())},
      {{"verify", "--go", "bundled", "--goarch", "arm64", "--overlay", ok, "--overlay", ok}, "is replaced twice"},
  };
  for (const auto& [args, says] : cases) {
    auto r = gotramp(args);
    EXPECT_EQ(r.exit_code, 2) << args.back() << ": " << r.output;
    EXPECT_NE(r.output.find(says), std::string::npos) << says << " not in: " << r.output;
  }
}

// A FILE that does not build is the porter's: exit 2, go's messages, and the
// overlay named (trace: verify reports a probe that does not build in its own way).
TEST_F(Overlay, AFileThatDoesNotBuildExitsTwoNamingIt) {
  const fs::path bad = dir_ / "asm_arm64.s";
  std::ofstream(bad) << "this is not assembly\n";
  auto r =
      gotramp({"trace", "--go", "bundled", "--goarch", "arm64", "--overlay", "runtime/asm_arm64.s=" + bad.string()});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("go build of the probe failed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--overlay runtime/asm_arm64.s=" + bad.string()), std::string::npos) << r.output;
}

}  // namespace
}  // namespace gotramp
