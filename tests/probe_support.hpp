// Shared helpers for the tests on probes built by real toolchains: the two
// toolchains every machine has (Debian's 1.19, the bundled 1.27.3), probe ELFs
// per GOARCH (built on first use into the build tree's cache, then cached), and
// the layout oracle (tests/layout_oracle: go/types' view of the runtime's structs,
// independent of DWARF).
#pragma once

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include <vector>

#include "emu/arch_spec.hpp"
#include "toolchain/go_toolchain.hpp"
#include "toolchain/probe_build.hpp"
#include "toolchain/process.hpp"

namespace gotramp::test {

inline const toolchain::GoToolchain& real_toolchain(const std::string& selector) {
  static std::mutex mu;
  static std::map<std::string, toolchain::GoToolchain> cache;
  std::lock_guard lock(mu);
  auto it = cache.find(selector);
  if (it == cache.end()) it = cache.emplace(selector, toolchain::resolve_toolchain(selector)).first;
  return it->second;
}

inline std::string probe_path(const std::string& selector, std::string_view goarch, bool strip_dwarf = false) {
  auto cfg = toolchain::ProbeBuildConfig::defaults();
  cfg.strip_dwarf = strip_dwarf;
  return toolchain::probe_elf(real_toolchain(selector), goarch, cfg).string();
}

// One struct member as go/types lays it out: offset and size.
struct OracleMember {
  uint64_t offset = 0;
  uint64_t size = 0;
};
struct OracleLayout {
  std::map<std::string, uint64_t> struct_size;            // "runtime.g" -> size
  std::map<std::string, OracleMember> members;            // "runtime.g.sched" -> ...
  std::map<std::string, std::vector<std::string>> order;  // "runtime.gobuf" -> {"sp", "pc", ...}
};

// The oracle program, built for the host by the toolchain itself (so it reads that
// toolchain's runtime source), then run with GOARCH set.
inline OracleLayout oracle_layout(const std::string& selector, const std::string& goarch) {
  namespace fs = std::filesystem;
  const toolchain::GoToolchain& tc = real_toolchain(selector);
  const fs::path cache = fs::absolute(toolchain::ProbeBuildConfig::defaults().cache / "probes");
  const fs::path bin = cache / "oracle" / tc.version / "layout_oracle";
  const std::map<std::string, std::string> env = {{"GOROOT", tc.goroot.string()},
                                                  {"GOTOOLCHAIN", "local"},
                                                  {"GOPROXY", "off"},
                                                  {"GOFLAGS", "-buildvcs=false"},
                                                  {"GOENV", "off"},
                                                  {"GOWORK", "off"},
                                                  {"CGO_ENABLED", "0"},
                                                  {"GOOS", "linux"},
                                                  {"GOCACHE", (cache / "go-build").string()},
                                                  {"GOPATH", (cache / "gopath").string()}};
  static std::mutex mu;
  {
    std::lock_guard lock(mu);
    // Rebuilt by every test process the first time (go build's own cache keeps
    // that cheap), so an edited oracle source is always the one that runs.
    static std::map<std::string, bool> built;
    if (!built[tc.version]) {
      fs::create_directories(bin.parent_path());
      auto host = env;
      host.erase("GOOS");
      auto r = toolchain::run_process({tc.go.string(), "build", "-o", bin.string(), "."}, host,
                                      fs::path(GOTRAMP_SOURCE_DIR) / "tests" / "layout_oracle");
      if (r.exit_code != 0) throw std::runtime_error("building the layout oracle failed:\n" + r.output);
      built[tc.version] = true;
    }
  }
  auto run_env = env;
  run_env["GOARCH"] = goarch;
  auto r = toolchain::run_process({bin.string()}, run_env, cache);
  if (r.exit_code != 0) throw std::runtime_error(fmt::format("layout oracle for {} failed:\n{}", goarch, r.output));
  OracleLayout out;
  std::istringstream in(r.output);
  std::string type, a, b;
  while (in >> type >> a >> b) {
    if (a == "=") {
      out.struct_size[type] = std::stoull(b);
      continue;
    }
    std::string size;
    in >> size;
    out.members[type + "." + a] = {std::stoull(b), std::stoull(size)};
    out.order[type].push_back(a);
  }
  return out;
}

// A GOARCH's probe under one of the two toolchains: the parameter of the tests
// that run every probe.
struct RealCase {
  std::string toolchain;  // "system" | "bundled"
  const emu::ArchSpec* spec;
};

inline std::vector<RealCase> real_cases() {
  std::vector<RealCase> out;
  for (auto g : toolchain::probe_goarches())
    if (const emu::ArchSpec* spec = emu::find_arch(g))
      for (const char* tc : {"system", "bundled"}) out.push_back({tc, spec});
  return out;
}

// gtest parameter names: "arm64_system".
inline std::string real_name(const ::testing::TestParamInfo<RealCase>& info) {
  return info.param.spec->goarch + "_" + info.param.toolchain;
}

}  // namespace gotramp::test
