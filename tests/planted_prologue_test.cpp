// The high-stack world's acceptance test (issue 15): a signed compare planted in a
// 32-bit stack-split prologue is caught in the high-stack world and missed outside
// it. arm had this bug once: Go's 5l branched to morestack on LT, a signed "less
// than", until c2eb89af92 ("change stack splitting comparisons from signed to
// unsigned (oversight)", 2009) made it LO. Today's obj5.go branches on BLS, unsigned
// "lower or same"; the plant makes it BLE, its signed twin. While SP and the guard
// lie on one side of 0x80000000 the two agree; across it, SP above and the guard
// below, the signed compare calls morestack although the stack has room.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "planted_goroot.hpp"
#include "runtime_model/suite.hpp"
#include "toolchain/process.hpp"

namespace gotramp::test {
namespace {

GorootEdit arm_signed_split_compare() {
  return {"cmd/internal/obj/arm/obj5.go", "\tbls.As = ABLS\n",
          "\tbls.As = ABLE // planted by gotramp's tests: a signed compare, as before c2eb89af92\n"};
}

TEST(PlantedPrologue, ArmSignedSplitCompareIsCaughtAcross0x80000000AndMissedBelowIt) {
  const auto goroot = planted_goroot("arm-signed-split-compare", {arm_signed_split_compare()});
  std::vector<std::string> high, low;
  for (const auto& s : model::scenarios()) {
    if (s.expects_failure() || s.world.preempt || s.world.gc != model::GcPhase::Off) continue;
    (s.world.stacks == model::World::Stacks::AcrossSignBit ? high : low).push_back(s.name);
  }
  ASSERT_EQ(high.size(), 5u);  // high-stack and its four shapes: every prologue class
  std::string list;
  for (const auto& n : high) list += n + ",";
  for (const auto& n : low) list += n + ",";
  list.pop_back();
  auto r = toolchain::run_process(
      {GOTRAMP_BIN, "verify", "--go", goroot.string(), "--goarch", "arm", "--scenario", list, "--json"}, {},
      std::filesystem::current_path());
  EXPECT_EQ(r.exit_code, 1) << r.output.substr(0, 3000);
  const auto j = nlohmann::json::parse(r.output);
  std::set<std::string> failed_scenarios;
  for (const auto& run : j["runs"]) {
    const std::string scenario = run["scenario"];
    const bool across = std::find(high.begin(), high.end(), scenario) != high.end();
    if (!across) {
      EXPECT_EQ(run["verdict"], "verified") << scenario << ": below 0x80000000 signed and unsigned agree";
      continue;
    }
    EXPECT_EQ(run["verdict"], "FAILED") << scenario;
    failed_scenarios.insert(scenario);
    std::set<std::string> failed_checks;
    for (const auto& c : run["checks"])
      if (!c["ok"].get<bool>()) failed_checks.insert(c["name"].get<std::string>());
    EXPECT_EQ(failed_checks, std::set<std::string>{"split-needed"}) << scenario << ": the run itself still works";
    ASSERT_FALSE(run["findings"].empty()) << scenario;
    const auto& f = run["findings"][0];
    EXPECT_EQ(f["check"], "split-needed");
    // Named: the function whose prologue grew the stack for nothing, its compare
    // (the place) and the signed branch after it.
    const std::string slot = f["slot"], instruction = f["instruction"], seen = f["seen"], where = f["where"];
    EXPECT_NE(slot.find("stack-split prologue"), std::string::npos) << slot;
    EXPECT_EQ(where.substr(0, where.find('+')), slot.substr(0, slot.find('\''))) << "the place is in the function";
    EXPECT_TRUE(instruction.starts_with("cmp")) << instruction;
    EXPECT_NE(seen.find("`ble"), std::string::npos) << seen;
    EXPECT_NE(seen.find("bytes to spare"), std::string::npos) << seen;
  }
  EXPECT_EQ(failed_scenarios.size(), high.size());
}

}  // namespace
}  // namespace gotramp::test
