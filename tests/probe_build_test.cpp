// probe_elf: the GOARCHes it builds, its cache, and a failing build's message.
#include "toolchain/probe_build.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "probe_support.hpp"

namespace gotramp::toolchain {
namespace {

namespace fs = std::filesystem;

TEST(ProbeBuild, BuildsTheTwelveGoarchesOnly) {
  EXPECT_EQ(probe_goarches().size(), 12u);
  try {
    probe_elf(test::real_toolchain("system"), "loong64", ProbeBuildConfig::defaults());
    FAIL() << "built a probe for loong64";
  } catch (const ProbeBuildError& e) {
    EXPECT_STREQ(e.what(), "the probe is not built for GOARCH loong64");
  }
}

TEST(ProbeBuild, ACachedProbeIsReusedAndDwarfChoiceIsPartOfTheKey) {
  const std::string a = test::probe_path("system", "arm");
  const auto before = fs::last_write_time(a);
  EXPECT_EQ(test::probe_path("system", "arm"), a);
  EXPECT_EQ(fs::last_write_time(a), before);
  EXPECT_NE(test::probe_path("system", "arm", /*strip_dwarf=*/true), a);
  EXPECT_NE(test::probe_path("bundled", "arm"), a);
  EXPECT_NE(a.find("/go1.19"), std::string::npos) << a;
}

TEST(ProbeBuild, AFailingBuildShowsTheCompilersMessage) {
  ProbeBuildConfig cfg = ProbeBuildConfig::defaults();
  cfg.probe_src = fs::temp_directory_path() / ("gotramp-broken-probe-" + std::to_string(getpid()));
  fs::create_directories(cfg.probe_src);
  std::ofstream(cfg.probe_src / "go.mod") << "module gotramp/probe\n\ngo 1.19\n";
  std::ofstream(cfg.probe_src / "main.go") << "package main\n\nfunc main() { this is not Go }\n";
  try {
    probe_elf(test::real_toolchain("system"), "amd64", cfg);
    FAIL() << "a broken probe built";
  } catch (const ProbeBuildError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("go build of the probe failed for GOARCH=amd64 with go1.19"), std::string::npos) << m;
    EXPECT_NE(m.find("main.go:3"), std::string::npos) << m;
  }
  fs::remove_all(cfg.probe_src);
}

}  // namespace
}  // namespace gotramp::toolchain
