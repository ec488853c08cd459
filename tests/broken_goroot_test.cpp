// The acceptance test of real-toolchain verification: a copy of the pinned GOROOT
// (Go 1.27.3) with its runtime broken in three ways, one GOARCH each, verified as a
// porter's own tree (--go DIR). Each planted bug must fail with the Finding that
// names its field or slot; every other GOARCH must still verify.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "emu/line_table.hpp"
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
  std::string slot;     // ... and the slot, field or register it names (a prefix)
  // Its cause: the kinds it may be, and what the cause's source line must say (a
  // substring of "file:line `text`"); empty when not asserted.
  std::set<std::string> cause_kinds = {};
  std::string cause_line = "";
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
       "resume-ctxt", "DX (the context register) after gogo"},
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

// Verifies a planted GOROOT on every GOARCH: each bug's GOARCH FAILED with a Finding
// of its check naming its slot, field or register, and its cause on the guilty
// line; every other GOARCH verified.
void expect_bugs_named(const fs::path& goroot, const std::vector<PlantedBug>& planted) {
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
    for (const auto& b : planted)
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
    const nlohmann::json* named = nullptr;
    for (const auto& f : run["findings"])
      if (!named && f["check"] == bug->check && f["slot"].get<std::string>().starts_with(bug->slot)) named = &f;
    ASSERT_TRUE(named) << goarch << " " << scenario << ": no " << bug->check << " Finding naming " << bug->slot
                       << " in " << run["findings"].dump(1);
    const auto& cause = (*named)["cause"];
    if (!bug->cause_kinds.empty()) {
      ASSERT_TRUE(cause.is_object()) << goarch << ": no cause: " << named->dump(1);
      EXPECT_TRUE(bug->cause_kinds.count(cause["kind"])) << goarch << ": " << cause.dump(1);
    }
    if (!bug->cause_line.empty()) {
      const std::string line = cause["source"].get<std::string>() + " `" + cause["text"].get<std::string>() + "`";
      EXPECT_NE(line.find(bug->cause_line), std::string::npos) << goarch << ": " << cause.dump(1);
    }
  }
  EXPECT_EQ(goarches.size(), toolchain::probe_goarches().size());
}

TEST(BrokenGoroot, EachPlantedBugIsNamedAndEveryOtherGoarchVerifies) {
  const fs::path goroot = broken_goroot();
  // The pinned GOROOT itself is untouched.
  std::stringstream pinned;
  pinned << std::ifstream(test::real_toolchain("bundled").goroot / "src" / "runtime" / "asm_amd64.s").rdbuf();
  ASSERT_NE(pinned.str().find(bugs()[2].line), std::string::npos);
  expect_bugs_named(goroot, bugs());
}

// gogo and morestack bugs from Go's history, re-created on GOARCHes of their own:
// each is named by the check of the register, TLS slot or field it leaves wrong,
// with the line that wrote the wrong value or, where nothing did, the window's end.
const std::vector<PlantedBug>& resume_bugs() {
  static const std::vector<PlantedBug> all = {
      // gogo no longer sets the g register: the goroutine resumes as g0.
      {"asm_riscv64.s",
       "TEXT gogo<>(SB), NOSPLIT|NOFRAME, $0\n\tMOV\tT1, g\n",
       "TEXT gogo<>(SB), NOSPLIT|NOFRAME, $0\n\t// broken on purpose: g not set\n",
       "riscv64",
       "resume-g",
       "X27 (g) after gogo",
       {"never-written"},
       "asm_riscv64.s:"},
      {"asm_ppc64x.s",
       "TEXT gogo<>(SB), NOSPLIT|NOFRAME, $0\n\tMOVD\tR6, g\n",
       "TEXT gogo<>(SB), NOSPLIT|NOFRAME, $0\n#ifdef GOARCH_ppc64\n\t// broken on purpose: g not set\n#else\n"
       "\tMOVD\tR6, g\n#endif\n",
       "ppc64",
       "resume-g",
       "R30 (g) after gogo",
       {"never-written"},
       "asm_ppc64x.s:"},
      // ... and on 386, where g lives in TLS, gogo no longer stores it there.
      {"asm_386.s",
       "TEXT gogo<>(SB), NOSPLIT, $0\n\tget_tls(CX)\n\tMOVL\tDX, g(CX)\n",
       "TEXT gogo<>(SB), NOSPLIT, $0\n\tget_tls(CX)\n\t// broken on purpose: g not stored in TLS\n",
       "386",
       "resume-g",
       "g in TLS after gogo",
       {"never-stored"},
       "asm_386.s:"},
      // gogo no longer restores the link register.
      {"asm_s390x.s",
       "\tMOVD\tgobuf_lr(R5), LR\n",
       "\t// broken on purpose: LR not restored\n",
       "s390x",
       "resume-lr",
       "R14 (link register) after gogo",
       {"wrong-write", "never-written"},
       "asm_s390x.s:"},
      {"asm_mipsx.s",
       "\tMOVW\tgobuf_lr(R3), R31\n",
       "#ifdef GOARCH_mipsle\n\t// broken on purpose: LR not restored\n#else\n\tMOVW\tgobuf_lr(R3), R31\n#endif\n",
       "mipsle",
       "resume-lr",
       "R31 (link register) after gogo",
       {"wrong-write", "never-written"},
       "asm_mipsx.s:"},
      // Go 1.19's arm64 morestack, in 1.27.3: R29 from the stale g0.sched.bp
      // (golang/go#63630), which a fixed version must report as FAILED.
      {"asm_arm64.s",
       "\tMOVD\t$0, R29\t\t// clear frame pointer, as caller may execute on another M\n",
       "\tMOVD\t(g_sched+gobuf_bp)(g), R29\t// broken on purpose: go1.19's stale load\n",
       "arm64",
       "newstack-fp",
       "R29 (frame pointer) at newstack's entry",
       {"wrong-write"},
       "MOVD (g_sched+gobuf_bp)(g), R29"},
      // morestack no longer saves BP into g.sched.bp.
      {"asm_amd64.s",
       "\tMOVQ\tBP, (g_sched+gobuf_bp)(DI)\n",
       "\t// broken on purpose: BP not saved\n",
       "amd64",
       "sched.bp",
       "g.sched.bp",
       {"never-stored"},
       "asm_amd64.s:"},
  };
  return all;
}

TEST(BrokenGoroot, GogoAndMorestackBugsAreNamedByRegisterWithTheirLines) {
  std::vector<test::GorootEdit> edits;
  for (const auto& b : resume_bugs()) edits.push_back({"runtime/" + b.file, b.line, b.instead});
  expect_bugs_named(test::planted_goroot("resume-bugs", edits), resume_bugs());
}

// A run's JSON without what names the toolchain and the probe it ran: the probe
// binary's path (`source`) and, at the top, toolchain, goroot and overlays.
nlohmann::json without_toolchain(nlohmann::json j) {
  for (const char* k : {"toolchain", "goroot", "overlays"}) j.erase(k);
  for (auto& run : j["runs"]) run.erase("source");
  return j;
}

// The acceptance test of --overlay: the one-line arm64 morestack bug of resume_bugs(),
// handed to --go bundled as one edited file, gives exactly the Findings (checks,
// slots, causes and their lines) and verdicts of the planted GOROOT that has it; the
// overlaid line is the one shown, under the GOROOT file's name.
TEST(BrokenGoroot, AnOverlaidFileGivesThePlantedGorootsFindings) {
  const PlantedBug& bug = resume_bugs()[5];
  ASSERT_EQ(bug.file, "asm_arm64.s");
  ASSERT_EQ(bug.check, "newstack-fp");
  const test::GorootEdit edit{"runtime/" + bug.file, bug.line, bug.instead};
  const fs::path dir = fs::temp_directory_path() / fmt::format("gotramp-overlay-{}", getpid());
  const fs::path file = test::edited_copy(edit, dir);
  const std::string overlay = "runtime/asm_arm64.s=" + file.string();

  std::vector<test::GorootEdit> edits;
  for (const auto& b : resume_bugs()) edits.push_back({"runtime/" + b.file, b.line, b.instead});
  const fs::path planted = test::planted_goroot("resume-bugs", edits);
  auto p = toolchain::run_process({GOTRAMP_BIN, "verify", "--go", planted.string(), "--goarch", "arm64", "--json"}, {},
                                  fs::current_path());
  ASSERT_EQ(p.exit_code, 1) << p.output.substr(0, 4000);
  const fs::path junit = dir / "overlay.xml";
  auto o = toolchain::run_process({GOTRAMP_BIN, "verify", "--go", "bundled", "--goarch", "arm64", "--overlay", overlay,
                                   "--json", "--junit", junit.string()},
                                  {}, fs::current_path());
  ASSERT_EQ(o.exit_code, 1) << o.output.substr(0, 4000);
  const auto pj = nlohmann::json::parse(p.output), oj = nlohmann::json::parse(o.output);

  EXPECT_EQ(without_toolchain(oj), without_toolchain(pj));
  // The bug is there to be found: every run that reaches newstack FAILED on it (the
  // g0 and gsignal faults are diagnosed before it), its cause the overlaid line, named
  // as the GOROOT's file (the one the porter will patch).
  const fs::path pinned = test::pinned_goroot();
  int failed = 0;
  for (const auto& run : oj["runs"]) {
    if (run["scenario"] == "g0" || run["scenario"] == "gsignal") {
      EXPECT_EQ(run["verdict"], "diagnosed") << run["scenario"];
      continue;
    }
    failed++;
    EXPECT_EQ(run["verdict"], "FAILED") << run["scenario"];
    const nlohmann::json* named = nullptr;
    for (const auto& f : run["findings"])
      if (!named && f["check"] == bug.check) named = &f;
    ASSERT_TRUE(named) << run["scenario"] << ": " << run["findings"].dump(1);
    const auto& cause = (*named)["cause"];
    EXPECT_TRUE(cause["source"].get<std::string>().starts_with("src/runtime/asm_arm64.s:")) << cause.dump(1);
    EXPECT_NE(cause["text"].get<std::string>().find(bug.cause_line), std::string::npos) << cause.dump(1);
  }
  EXPECT_GE(failed, 2) << "closure and noctxt at least";
  // No copy of the GOROOT: beside the probe, the one replacing file, FILE's bytes.
  const fs::path kept = emu::LineTable::overlay_dir(oj["runs"][0]["source"].get<std::string>());
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(kept))
    if (e.is_regular_file()) files.push_back(e.path());
  EXPECT_EQ(files, std::vector<fs::path>{kept / "src" / "runtime" / "asm_arm64.s"});
  std::stringstream kept_text, file_text;
  kept_text << std::ifstream(kept / "src" / "runtime" / "asm_arm64.s").rdbuf();
  file_text << std::ifstream(file).rdbuf();
  EXPECT_EQ(kept_text.str(), file_text.str());
  EXPECT_EQ(oj["goroot"], pinned.string());
  EXPECT_EQ(oj["overlays"], (nlohmann::json{{(pinned / "src" / "runtime" / "asm_arm64.s").string(), file.string()}}));
  EXPECT_EQ(pj["overlays"], nlohmann::json::object());
  std::stringstream xml;
  xml << std::ifstream(junit).rdbuf();
  EXPECT_NE(xml.str().find(fmt::format(R"(<property name="overlay" value="{}={}" />)",
                                       (pinned / "src" / "runtime" / "asm_arm64.s").string(), file.string())),
            std::string::npos)
      << xml.str().substr(0, 2000);

  // trace shows the overlaid line where the pinned GOROOT's file has another.
  std::stringstream original;
  original << std::ifstream(pinned / "src" / "runtime" / "asm_arm64.s").rdbuf();
  const std::string before = original.str().substr(0, original.str().find(bug.line));
  const std::string place = fmt::format("asm_arm64.s:{} ", std::count(before.begin(), before.end(), '\n') + 1);
  auto t = toolchain::run_process({GOTRAMP_BIN, "trace", "--go", "bundled", "--goarch", "arm64", "--overlay", overlay,
                                   "--scenario", "closure", "--growth", "1"},
                                  {}, fs::current_path());
  int shown = 0;
  std::istringstream lines(t.output);
  for (std::string l; std::getline(lines, l);)
    if (l.find(place) != std::string::npos) {
      shown++;
      EXPECT_NE(l.find("MOVD (g_sched+gobuf_bp)(g), R29"), std::string::npos) << l;
    }
  EXPECT_GT(shown, 0) << place << " not in\n" << t.output.substr(0, 4000);
  fs::remove_all(dir);
}

// A compiler whose arm64 stack-split prologue no longer reloads the argument
// registers it spilled before morestack (b386b62852, golang/go#73518, on loong64):
// the resumed function sees newstack's poison in R0, named as a missing reload.
TEST(BrokenGoroot, APrologueThatDoesNotReloadItsArgumentsIsNamed) {
  const fs::path goroot = test::arm64_prologue_without_unspill_goroot();
  auto r = toolchain::run_process(
      {GOTRAMP_BIN, "verify", "--go", goroot.string(), "--goarch", "arm64", "--scenario", "closure,noctxt", "--json"},
      {}, fs::current_path());
  ASSERT_EQ(r.exit_code, 1) << r.output.substr(0, 4000);
  auto j = nlohmann::json::parse(r.output);
  ASSERT_EQ(j["runs"].size(), 2u);
  for (const auto& run : j["runs"]) {
    EXPECT_EQ(run["verdict"], "FAILED") << run["scenario"];
    const nlohmann::json* named = nullptr;
    for (const auto& f : run["findings"])
      if (!named && f["check"] == "arg-reload") named = &f;
    ASSERT_TRUE(named) << run["scenario"] << ": " << run["findings"].dump(1);
    EXPECT_TRUE((*named)["slot"].get<std::string>().starts_with("R0 (")) << named->dump(1);
    EXPECT_EQ((*named)["register"], "R0");
    // Nothing wrote R0 from the resume point, right after the prologue's call of
    // morestack, to the function's entry: the reload is missing.
    const auto& cause = (*named)["cause"];
    EXPECT_EQ(cause["kind"], "never-written") << named->dump(1);
    EXPECT_EQ(cause["register"], "R0");
    EXPECT_EQ(cause["window_start"]["where"].get<std::string>().find((*named)["where"].get<std::string>()), 0u)
        << cause.dump(1);
  }
}

}  // namespace
}  // namespace gotramp
