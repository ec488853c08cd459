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
#include "junit_reader.hpp"
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
       "ppc64le", "g0-frame-saved-lr", "0(R1) saved LR"},
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

// The line of the pinned GOROOT's file holding text (1-based), 0 when none does.
int line_of(const std::string& file, const std::string& text) {
  std::ifstream in(test::pinned_goroot() / "src" / file);
  int n = 0;
  for (std::string line; std::getline(in, line);)
    if (n++, line.find(text) != std::string::npos) return n;
  return 0;
}

// arm64's morestack stores f's PC into m.morebuf.pc instead of f's caller's: one
// bug that fails most runs is one cause block, listing them, that fits a screen.
TEST(BrokenGoroot, OneBugIsOneCauseBlockListingEveryRunItBroke) {
  const std::string guilty = "\tMOVD\tR3, (m_morebuf+gobuf_pc)(R8)\t// f's caller's PC\n";
  const fs::path goroot = test::planted_goroot(
      "morebuf-pc", {{"runtime/asm_arm64.s", guilty, "\tMOVD\tLR, (m_morebuf+gobuf_pc)(R8)\t// broken on purpose\n"}});
  auto r = toolchain::run_process({GOTRAMP_BIN, "verify", "--go", goroot.string(), "--goarch", "arm64"}, {},
                                  fs::current_path());
  ASSERT_EQ(r.exit_code, 1) << r.output.substr(0, 4000);
  std::vector<std::string> lines, failed;
  std::istringstream in(r.output);
  for (std::string l; std::getline(in, l);) {
    lines.push_back(l);
    std::istringstream cells(l);
    std::string goarch, toolchain, trampoline, contract, scenario;
    if (cells >> goarch >> toolchain >> trampoline >> contract >> scenario && goarch == "arm64" &&
        l.ends_with("FAILED"))
      failed.push_back(scenario);
  }
  ASSERT_GE(failed.size(), 8u) << r.output;
  const std::string head = fmt::format("cause 1 of 1: the store by src/runtime/asm_arm64.s:{} `MOVD LR,",
                                       line_of("runtime/asm_arm64.s", "MOVD\tR3, (m_morebuf+gobuf_pc)(R8)"));
  auto start = std::find_if(lines.begin(), lines.end(), [&](const std::string& l) { return l.starts_with(head); });
  ASSERT_NE(start, lines.end()) << "no block " << head << " in\n" << r.output;
  auto end = std::find_if(start, lines.end(), [](const std::string& l) { return l.starts_with("(every run's"); });
  ASSERT_NE(end, lines.end()) << r.output;
  std::string block;
  for (auto it = start; it != end; ++it) block += *it + "\n";
  EXPECT_LE(end - start, 40) << block;
  EXPECT_NE(block.find(fmt::format("breaks {} runs: arm64 morestack modern: ", failed.size())), std::string::npos)
      << block;
  for (const auto& s : failed) EXPECT_NE(block.find(" " + s + ","), block.find(" " + s + "\n")) << s << "\n" << block;
  EXPECT_NE(block.find("X m.morebuf.pc"), std::string::npos) << block;  // the field, marked
  EXPECT_EQ(r.output.find("cause 2 of"), std::string::npos);

  // --verbose: every run, each with its own Findings.
  r = toolchain::run_process({GOTRAMP_BIN, "verify", "--go", goroot.string(), "--goarch", "arm64", "--verbose"}, {},
                             fs::current_path());
  for (const auto& s : failed)
    EXPECT_NE(r.output.find(fmt::format("\narm64 morestack modern {}: FAILED\n", s)), std::string::npos) << s;
}

// One GOARCH whose morestack lost its m.gsignal check, so the linker dropped
// runtime.badmorestackgsignal (arm64), and one whose runtime does not assemble
// (riscv64): a porter's CI must see both as errors, and every other GOARCH verified.
const test::GorootEdit kNoGsignalCheck = {
    "runtime/asm_arm64.s",
    "\tCMP\tg, R4\n\tBNE\t3(PC)\n\tBL\truntime·badmorestackgsignal(SB)\n\tB\truntime·abort(SB)\n",
    "\t// broken on purpose: no m.gsignal check\n"};
const test::GorootEdit kRiscv64SyntaxError = {"runtime/asm_riscv64.s",
                                              "TEXT runtime·morestack(SB),NOSPLIT|NOFRAME,$0-0\n",
                                              "TEXT runtime·morestack(SB),NOSPLIT|NOFRAME,$0-0\n\tNOTANINSN\tX5\n"};

TEST(BrokenGoroot, OneBrokenGoarchNeverHidesTheOthers) {
  const fs::path goroot = test::planted_goroot("isolation", {kNoGsignalCheck, kRiscv64SyntaxError});
  const fs::path dir = fs::path(GOTRAMP_BUILD_DIR) / "isolation-test";
  fs::create_directories(dir);
  const fs::path xml = dir / "junit.xml";
  fs::remove(xml);
  auto r = toolchain::run_process({GOTRAMP_BIN, "verify", "--go", goroot.string(), "--goarch", "all", "--scenario",
                                   "closure,gsignal", "--json", "--junit", xml.string()},
                                  {}, fs::current_path());
  ASSERT_EQ(r.exit_code, 1) << r.output.substr(0, 4000);
  const int syntax_line = line_of("runtime/asm_riscv64.s", "TEXT runtime·morestack(SB)") + 1;
  auto j = nlohmann::json::parse(r.output);
  std::set<std::string> goarches, errors;
  for (const auto& run : j["runs"]) {
    const std::string goarch = run["goarch"], scenario = run["scenario"];
    goarches.insert(goarch);
    if (goarch == "riscv64") {
      // No probe: every row says why, in the toolchain's words, and where.
      EXPECT_EQ(run["verdict"], "error") << scenario;
      EXPECT_NE(run["note"].get<std::string>().find("unrecognized instruction \"NOTANINSN\""), std::string::npos)
          << run["note"];
      EXPECT_EQ(run["error_source"], fmt::format("src/runtime/asm_riscv64.s:{}", syntax_line));
      errors.insert(goarch + " " + scenario);
    } else if (goarch == "arm64" && scenario == "gsignal") {
      // The one scenario that needs the check: the missing function is its Finding.
      EXPECT_EQ(run["verdict"], "error");
      ASSERT_EQ(run["findings"].size(), 1u) << run.dump(1);
      const auto& f = run["findings"][0];
      EXPECT_EQ(f["slot"], "runtime.badmorestackgsignal");
      EXPECT_EQ(f["cause"]["kind"], "never-called");
      EXPECT_EQ(f["cause"]["function"], "runtime.badmorestackgsignal");
      EXPECT_TRUE(f["cause"]["source"].get<std::string>().starts_with("src/runtime/asm_arm64.s:")) << f.dump(1);
      errors.insert(goarch + " " + scenario);
    } else {
      // Everything else, arm64's closure included, runs as usual.
      EXPECT_EQ(run["verdict"], scenario == "gsignal" ? "diagnosed" : "verified") << goarch << " " << scenario;
    }
  }
  EXPECT_EQ(goarches.size(), toolchain::probe_goarches().size());
  EXPECT_EQ(errors, (std::set<std::string>{"arm64 gsignal", "riscv64 closure", "riscv64 gsignal"}));

  // JUnit, read by junitparser: an <error> for each, with the place; the rest pass.
  std::set<std::string> junit_errors;
  for (const auto& line : test::junit_cases(xml, {"file", "line", "time"})) {
    std::istringstream in(line);
    std::string suite, cls, name, kind, file, at, time;
    size_t text = 0;
    if (!(in >> suite >> cls >> name >> kind >> text >> file >> at >> time)) continue;
    EXPECT_NE(time, "None") << line;
    if (kind == "pass") continue;
    EXPECT_EQ(kind, "error") << line;
    junit_errors.insert(suite + " " + name);
    EXPECT_EQ(file, suite == "riscv64" ? "src/runtime/asm_riscv64.s" : "src/runtime/asm_arm64.s") << line;
    if (suite == "riscv64") {
      EXPECT_EQ(at, std::to_string(syntax_line)) << line;
    }
  }
  EXPECT_EQ(junit_errors, errors);

  // GitHub annotations: one ::error per cause, with the file and line.
  r = toolchain::run_process({GOTRAMP_BIN, "verify", "--go", goroot.string(), "--goarch", "arm64,riscv64,amd64",
                              "--scenario", "closure,gsignal", "--annotations", "github"},
                             {}, fs::current_path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find(fmt::format("::error file=src/runtime/asm_riscv64.s,line={},title=", syntax_line)),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("::error file=src/runtime/asm_arm64.s,line="), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("2 verified, 1 diagnosed, 0 FAILED, 3 error"), std::string::npos) << r.output;
}

// check-reached is a class, not arm64's gsignal alone: amd64's morestack without
// its m.g0 check loses runtime.badmorestackg0, and the g0 scenario says so; the
// runs that need no such check verify.
TEST(BrokenGoroot, AMorestackWithoutItsG0CheckIsNamedOnAmd64) {
  const fs::path goroot = test::planted_goroot(
      "no-g0-check-amd64",
      {{"runtime/asm_amd64.s",
        "\tCMPQ\tDI, SI\n\tJNE\t3(PC)\n\tCALL\truntime·badmorestackg0(SB)\n\tCALL\truntime·abort(SB)\n",
        "\t// broken on purpose: no m.g0 check\n"}});
  auto r = toolchain::run_process({GOTRAMP_BIN, "verify", "--go", goroot.string(), "--goarch", "amd64", "--scenario",
                                   "closure,g0,gsignal", "--json"},
                                  {}, fs::current_path());
  ASSERT_EQ(r.exit_code, 1) << r.output.substr(0, 4000);
  const auto j = nlohmann::json::parse(r.output);
  ASSERT_EQ(j["runs"].size(), 3u);
  for (const auto& run : j["runs"]) {
    if (run["scenario"] != "g0") {
      EXPECT_EQ(run["verdict"], run["scenario"] == "closure" ? "verified" : "diagnosed") << run["scenario"];
      continue;
    }
    EXPECT_EQ(run["verdict"], "error");
    ASSERT_EQ(run["findings"].size(), 1u) << run.dump(1);
    const auto& f = run["findings"][0];
    EXPECT_EQ(f["check"], "check-reached");
    EXPECT_EQ(f["slot"], "runtime.badmorestackg0");
    EXPECT_EQ(f["cause"]["kind"], "never-called");
    EXPECT_EQ(f["cause"]["function"], "runtime.badmorestackg0");
    EXPECT_TRUE(f["cause"]["source"].get<std::string>().starts_with("src/runtime/asm_amd64.s:")) << f.dump(1);
  }
}

// The porter's CI example (examples/porter-ci.yml), read with a YAML parser
// (Debian's python3-yaml), and its verify step run here as GitHub Actions runs it:
// GITHUB_ACTIONS=true, the workspace holding the Go tree at go/ and gotramp at
// gotramp/. The tree is the one with a runtime symbol lost on arm64 and a syntax
// error on riscv64.
TEST(CiExample, TheVerifyStepChecksTheTreeWithJunitAndAnnotations) {
  const fs::path file = fs::path(GOTRAMP_SOURCE_DIR) / "examples" / "porter-ci.yml";
  auto parsed = toolchain::run_process(
      {"/usr/bin/python3", "-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
       file.string()},
      {}, fs::current_path());
  ASSERT_EQ(parsed.exit_code, 0) << parsed.output;
  const auto workflow = nlohmann::json::parse(parsed.output);
  const auto& steps = workflow["jobs"]["trampolines"]["steps"];
  std::string verify;
  bool junit_shown = false, junit_kept = false;
  for (const auto& step : steps) {
    const std::string run = step.value("run", "");
    // gotramp's own suite is gotramp's CI, not the porter's.
    EXPECT_EQ(run.find("scripts/test"), std::string::npos) << run;
    if (step.value("name", "") == "Verify your tree's trampolines") verify = run;
    const std::string uses = step.value("uses", "");
    if (uses.starts_with("mikepenz/action-junit-report"))
      junit_shown = step["with"]["report_paths"] == "gotramp-junit.xml";
    if (uses.starts_with("actions/upload-artifact")) junit_kept = step["with"]["path"] == "gotramp-junit.xml";
  }
  EXPECT_TRUE(junit_shown && junit_kept) << parsed.output;
  ASSERT_NE(verify.find("--go \"$GITHUB_WORKSPACE/go\" --goarch all --junit gotramp-junit.xml"), std::string::npos)
      << verify;

  const fs::path ws = fs::path(GOTRAMP_BUILD_DIR) / "ci-example";
  fs::remove_all(ws);
  fs::create_directories(ws);
  fs::create_directory_symlink(GOTRAMP_SOURCE_DIR, ws / "gotramp");
  fs::create_directory_symlink(test::planted_goroot("isolation", {kNoGsignalCheck, kRiscv64SyntaxError}), ws / "go");
  auto r = toolchain::run_process({"bash", "-eo", "pipefail", "-c", verify},
                                  {{"GITHUB_ACTIONS", "true"}, {"GITHUB_WORKSPACE", ws.string()}}, ws);
  EXPECT_EQ(r.exit_code, 1) << r.output.substr(0, 4000);
  EXPECT_NE(r.output.find("::error file=src/runtime/asm_riscv64.s,line="), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("::error file=src/runtime/asm_arm64.s,line="), std::string::npos) << r.output;
  std::set<std::string> errors;
  size_t passed = 0;
  for (const auto& line : test::junit_cases(ws / "gotramp-junit.xml")) {
    std::istringstream in(line);
    std::string suite, cls, name, kind;
    if (!(in >> suite >> cls >> name >> kind)) continue;
    if (kind == "error") errors.insert(suite + " " + name);
    passed += kind == "pass";
  }
  EXPECT_TRUE(errors.count("arm64 gsignal")) << r.output.substr(0, 2000);
  EXPECT_TRUE(errors.count("riscv64 closure"));
  EXPECT_GT(passed, 100u);  // every other GOARCH's runs
}

}  // namespace
}  // namespace gotramp
