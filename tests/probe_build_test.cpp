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

// The probe's key covers the runtime files a linux build can read, by name only:
// a test, another GOOS's file or a README edited in place rebuilds nothing.
TEST(ProbeBuild, TheKeyCoversTheRuntimeFilesALinuxBuildReads) {
  for (const char* name :
       {"asm_arm64.s", "stack.go", "go_tls.h", "os_linux.go", "sys_linux_ppc64x.s", "os_linux_arm.go", "mem_bsd.go",
        "os_windows_foo.go", "windows.go", "signal_unix.go", "lock_futex.go"})
    EXPECT_TRUE(runtime_file_builds_for_linux(name)) << name;
  for (const char* name : {"stack_test.go", "export_linux_test.go", "os_windows.go", "sys_darwin_arm64.s",
                           "defs_openbsd_386.go", "os_android.go", "defs_freebsd_loong64.go", "rt0_ios_amd64.s",
                           "HACKING.md", "Makefile", "runtime-gdb.py", "os_wasip1.go"})
    EXPECT_FALSE(runtime_file_builds_for_linux(name)) << name;
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
