// Bugs planted in the pinned runtime's switch trampolines, for the PlantedSwitch
// tests: one line of a copy of GOROOT/src/runtime/asm_<GOARCH>.s replaced and handed
// to `gotramp verify --go bundled --overlay`, as a porter would; the runs the bug
// reaches must be FAILED by the named check, its cause the planted line.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "planted_goroot.hpp"
#include "toolchain/process.hpp"

namespace gotramp::test {

struct PlantedSwitch {
  std::string goarch, file, line, instead;
  std::string check;       // the check that must name it
  std::string slot;        // how that Finding's slot begins
  std::string cause_text;  // what the cause says (the planted line, or where the value went)
};

// verify --trampoline <trampoline> --goarch <goarch> on the overlaid copy, as JSON;
// it must exit 1.
inline nlohmann::json verify_planted(const PlantedSwitch& p, const std::string& trampoline) {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / fmt::format("gotramp-planted-{}-{}-{}", trampoline, getpid(), p.goarch);
  const fs::path file = edited_copy({"runtime/" + p.file, p.line, p.instead}, dir);
  auto r = toolchain::run_process({GOTRAMP_BIN, "verify", "--go", "bundled", "--trampoline", trampoline, "--goarch",
                                   p.goarch, "--overlay", "runtime/" + p.file + "=" + file.string(), "--json"},
                                  {}, fs::current_path());
  fs::remove_all(dir);
  EXPECT_EQ(r.exit_code, 1) << r.output.substr(0, 4000);
  return nlohmann::json::parse(r.output);
}

// Every run but the spared ones (scenario -> the verdict it keeps) is FAILED with a
// Finding of p.check about p.slot whose cause names p.cause_text in p.file; exactly
// `failed` of them.
inline void expect_caught(const PlantedSwitch& p, const nlohmann::json& out,
                          const std::map<std::string, std::string>& spared, int failed) {
  int seen = 0;
  for (const auto& run : out["runs"]) {
    const std::string scenario = run["scenario"];
    if (auto it = spared.find(scenario); it != spared.end()) {
      EXPECT_EQ(run["verdict"], it->second) << scenario << ": " << run["findings"].dump(1);
      continue;
    }
    seen++;
    EXPECT_EQ(run["verdict"], "FAILED") << scenario;
    const nlohmann::json* named = nullptr;
    for (const auto& f : run["findings"])
      if (!named && f["check"] == p.check) named = &f;
    ASSERT_TRUE(named) << scenario << ": " << run["findings"].dump(1);
    EXPECT_TRUE((*named)["slot"].get<std::string>().starts_with(p.slot)) << (*named).dump(1);
    const auto& cause = (*named)["cause"];
    ASSERT_TRUE(cause.is_object()) << (*named).dump(1);
    EXPECT_NE(cause.dump().find(p.cause_text), std::string::npos) << cause.dump(1);
    EXPECT_TRUE(cause["source"].get<std::string>().starts_with("src/runtime/" + p.file + ":")) << cause.dump(1);
  }
  EXPECT_EQ(seen, failed);
}

}  // namespace gotramp::test
