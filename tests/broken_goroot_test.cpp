// The acceptance test of real-toolchain verification: a copy of the pinned GOROOT
// (Go 1.27.3) with its runtime broken in three ways, one GOARCH each, verified as a
// porter's own tree (--go DIR). Each planted bug must fail with the Finding that
// names its field or slot; every other GOARCH must still verify.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "planted_goroot.hpp"
#include "probe_support.hpp"
#include "toolchain/process.hpp"

namespace gotramp {
namespace {

namespace fs = std::filesystem;

struct PlantedBug {
  std::string file;     // under src/runtime
  std::string line;     // what the pinned Go has, exactly once
  std::string instead;  // what the broken copy has
  std::string goarch;   // the one GOARCH it breaks
  std::string check;    // the Finding that must name it
  std::string slot;     // ... and the slot or field it names (a prefix)
};

const std::vector<PlantedBug>& bugs() {
  static const std::vector<PlantedBug> all = {
      // morestack no longer stores the context register into g.sched.ctxt.
      {"asm_arm64.s", "\tMOVD\tR26, (g_sched+gobuf_ctxt)(g)\n", "\t// broken on purpose: no ctxt store\n", "arm64",
       "sched.ctxt", "g.sched.ctxt"},
      // The saved-LR word of the g0 frame morestack builds for newstack is f's
      // caller's PC (R5) instead of zero, on ppc64le only.
      {"asm_ppc64x.s", "\tMOVDU   R0, -(FIXED_FRAME+0)(R1)\t// create a call frame on g0\n",
       "#ifdef GOARCH_ppc64le\n\tMOVDU   R5, -(FIXED_FRAME+0)(R1)\t// broken on purpose: non-zero saved LR\n#else\n"
       "\tMOVDU   R0, -(FIXED_FRAME+0)(R1)\n#endif\n",
       "ppc64le", "slot-below-arg0", "0(R1) saved LR"},
      // gogo does not restore the context register from gobuf.ctxt.
      {"asm_amd64.s", "\tMOVQ\tgobuf_ctxt(BX), DX\n", "\t// broken on purpose: ctxt not restored\n", "amd64",
       "resume-ctxt", "DX after gogo"},
  };
  return all;
}

// A copy of the bundled GOROOT in the build tree: hard links for every file but
// the three edited ones, which are written anew (never through a link).
fs::path broken_goroot() {
  std::vector<test::GorootEdit> edits;
  for (const auto& b : bugs()) edits.push_back({"runtime/" + b.file, b.line, b.instead});
  return test::planted_goroot("broken-goroot", edits);
}

TEST(BrokenGoroot, EachPlantedBugIsNamedAndEveryOtherGoarchVerifies) {
  const fs::path goroot = broken_goroot();
  // The pinned GOROOT itself is untouched.
  std::stringstream pinned;
  pinned << std::ifstream(test::real_toolchain("bundled").goroot / "src" / "runtime" / "asm_amd64.s").rdbuf();
  ASSERT_NE(pinned.str().find(bugs()[2].line), std::string::npos);

  auto r = toolchain::run_process(
      {GOTRAMP_BIN, "verify", "--go", goroot.string(), "--goarch", "all", "--scenario", "closure,noctxt", "--json"}, {},
      fs::current_path());
  ASSERT_EQ(r.exit_code, 1) << r.output.substr(0, 4000);
  auto j = nlohmann::json::parse(r.output);
  std::set<std::string> goarches;
  for (const auto& run : j["runs"]) {
    const std::string goarch = run["goarch"], scenario = run["scenario"];
    goarches.insert(goarch);
    EXPECT_EQ(run["toolchain"], "go1.27.3");
    const PlantedBug* bug = nullptr;
    for (const auto& b : bugs())
      if (b.goarch == goarch) bug = &b;
    if (!bug) {
      EXPECT_EQ(run["verdict"], "verified") << goarch << " " << scenario << ": " << run["findings"].dump();
      continue;
    }
    // The context store is what the closure needs; the plain recursion has no
    // context and stays unharmed by it.
    if (bug->check == "sched.ctxt" && scenario == "noctxt") {
      EXPECT_EQ(run["verdict"], "verified") << goarch << " " << scenario << ": " << run["findings"].dump();
      continue;
    }
    EXPECT_EQ(run["verdict"], "FAILED") << goarch << " " << scenario;
    bool named = false;
    for (const auto& f : run["findings"])
      named = named || (f["check"] == bug->check && f["slot"].get<std::string>().starts_with(bug->slot));
    EXPECT_TRUE(named) << goarch << " " << scenario << ": no " << bug->check << " Finding naming " << bug->slot
                       << " in " << run["findings"].dump(1);
  }
  EXPECT_EQ(goarches.size(), toolchain::probe_goarches().size());
}

}  // namespace
}  // namespace gotramp
