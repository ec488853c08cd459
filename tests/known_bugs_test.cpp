// Known upstream runtime bugs: Go versions in release order, the catalog as shipped
// (known_bugs/catalog.json, compiled in), which Findings it explains on which runtime,
// the verdict `known` decided on every failure (listed or not), a harness run whose
// failures a catalog explains, and what verify's table, JSON and JUnit and the exit
// status make of a known run.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/exit_code.hpp"
#include "cli/report.hpp"
#include "emu/elf_image.hpp"
#include "runtime_model/go_version.hpp"
#include "runtime_model/harness.hpp"
#include "runtime_model/known_bugs.hpp"
#include "runtime_model/probe_program.hpp"
#include "runtime_model/profile.hpp"
#include "runtime_model/suite.hpp"
#include "support.hpp"
#include "toolchain/process.hpp"

namespace gotramp {
namespace {

namespace fs = std::filesystem;
using model::GoVersion;
using model::KnownBugs;

GoVersion v(std::string_view text) {
  auto parsed = GoVersion::parse(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(GoVersion{});
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const fs::path kCatalogFile = fs::path(GOTRAMP_SOURCE_DIR) / "known_bugs" / "catalog.json";

// The slots the newstack-fp check names (its engineer's contract with the catalog).
const std::string kArm64Fp = "R29 (frame pointer) at newstack's entry";
const std::string kAmd64Fp = "BP (frame pointer) at newstack's entry";

// ---- Go versions

TEST(GoVersion, ReleasesOrderAsGoReleasesThem) {
  const std::vector<std::string> chain = {"go1.7",
                                          "go1.8",
                                          "go1.12",
                                          "go1.19.8",
                                          "go1.20rc1",
                                          "go1.20",
                                          "go1.20.14",
                                          "go1.21",
                                          "devel go1.21-ab",
                                          "go1.21rc1",
                                          "go1.21.0",
                                          "go1.24.5",
                                          "go1.25beta1",
                                          "go1.25rc1",
                                          "go1.25rc2",
                                          "go1.25.0",
                                          "go1.25.1",
                                          "go1.27.3",
                                          "devel go1.28-0123abcd Tue Jul 14 2026",
                                          "go1.28rc1",
                                          "go1.28.0"};
  for (size_t i = 0; i + 1 < chain.size(); i++)
    for (size_t j = i + 1; j < chain.size(); j++) EXPECT_LT(v(chain[i]), v(chain[j])) << chain[i] << " < " << chain[j];
}

TEST(GoVersion, TheTranscriptionsGo18IsTheReleaseGo180) {
  const GoVersion go18 = v("go1.8");
  EXPECT_EQ(go18.stage, GoVersion::Stage::Release);
  EXPECT_EQ(go18, v("go1.8.0"));
  EXPECT_LT(go18, v("go1.8.1"));
  EXPECT_EQ(go18.str(), "go1.8");
}

TEST(GoVersion, SinceGo121TheBareNameIsTheLanguageVersionBeforeEveryToolchainOfIt) {
  EXPECT_EQ(v("go1.21").stage, GoVersion::Stage::Language);
  EXPECT_LT(v("go1.21"), v("go1.21rc1"));
  EXPECT_LT(v("go1.21"), v("go1.21.0"));
  EXPECT_NE(v("go1.21"), v("go1.21.0"));
  EXPECT_GT(v("go1.21"), v("go1.20.14"));
}

TEST(GoVersion, ADevelTreeComesAfterThePreviousReleasesAndBeforeItsOwn) {
  const GoVersion devel = v("devel go1.28-0123abcd Tue Jul 14 12:00:00 2026 +0000");
  EXPECT_EQ(devel.stage, GoVersion::Stage::Devel);
  EXPECT_EQ(devel.minor, 28);
  EXPECT_GE(devel, v("go1.28"));  // at least the language version it develops
  EXPECT_GT(devel, v("go1.27.3"));
  EXPECT_GT(devel, v("go1.27.99"));
  EXPECT_LT(devel, v("go1.28beta1"));
  EXPECT_LT(devel, v("go1.28.0"));
  EXPECT_EQ(devel.str(), "devel go1.28");
}

TEST(GoVersion, TextAfterTheVersionIsAllowedPastASeparator) {
  EXPECT_EQ(v("go1.22.0 X:boringcrypto"), v("go1.22.0"));
  EXPECT_EQ(v("  go1.19.8\n"), v("go1.19.8"));
  EXPECT_EQ(v("go1.23.4-bigcorp"), v("go1.23.4"));
}

TEST(GoVersion, TextThatNamesNoVersionIsNone) {
  for (const char* bad : {"", "weekly.2011-01-01", "devel +0123abcd Tue Jan 1", "go", "go1.", "go1.21x", "algo1.2",
                          "go-1.2", "go1.25rc", "1.21.0", "go1.21.0.1x"})
    EXPECT_EQ(GoVersion::parse(bad), std::nullopt) << "'" << bad << "'";
}

TEST(GoVersion, CanonicalNamesRoundTrip) {
  for (const char* name :
       {"go1.8", "go1.12", "go1.19.8", "go1.21", "go1.21.0", "go1.25rc1", "go1.25beta2", "devel go1.28", "go1.27.3"})
    EXPECT_EQ(v(name).str(), name);
}

// ---- The catalog as shipped

TEST(KnownBugsCatalog, TheBuiltInCatalogIsTheRepositorysFile) {
  const KnownBugs file = KnownBugs::parse(read(kCatalogFile));
  const KnownBugs& builtin = KnownBugs::builtin();
  ASSERT_EQ(builtin.entries().size(), file.entries().size());
  ASSERT_FALSE(builtin.entries().empty());
  EXPECT_EQ(model::kBuiltinKnownBugsJson, read(kCatalogFile)) << "rebuild: the compiled-in catalog is stale";
  for (size_t i = 0; i < file.entries().size(); i++) EXPECT_EQ(builtin.entries()[i]->id, file.entries()[i]->id);
}

TEST(KnownBugsCatalog, Go63630OnArm64AndAmd64CitesTheCommitThatMadeTheFramePointerZero) {
  const auto arm64 = KnownBugs::builtin().find("go63630-morestack-arm64");
  ASSERT_TRUE(arm64);
  EXPECT_EQ(arm64->issue, "golang/go#63630");
  EXPECT_EQ(arm64->url, "https://go.dev/issue/63630");
  EXPECT_EQ(arm64->trampoline, "morestack");
  EXPECT_EQ(arm64->goarches, std::vector<std::string>{"arm64"});
  EXPECT_EQ(arm64->fix->hash, "93fb2c90740aef00553c9ce6a7cd4578c2469675");
  EXPECT_EQ(arm64->fix->subject, "runtime: clear frame pointer in morestack");
  ASSERT_TRUE(arm64->introduced);
  EXPECT_EQ(arm64->introduced->hash, "8f4fd3f34e8e218cb90435b5a8c6ba9be23a1e1e");
  EXPECT_EQ(arm64->first_affected, "go1.12");
  EXPECT_EQ(arm64->fixed_in, "go1.25.0");
  ASSERT_TRUE(arm64->finding);
  EXPECT_EQ(arm64->finding->check, "newstack-fp");
  EXPECT_EQ(arm64->finding->slot_prefix, kArm64Fp);
  EXPECT_EQ(arm64->describe(),
            "known upstream bug golang/go#63630, fixed in go1.25.0 by 93fb2c9074 (runtime: clear frame pointer in "
            "morestack)");

  // amd64: the goroutine's BP before Go 1.21, the stale g0.sched.bp from 43f911b0b6;
  // the fix cited is the commit that made BP 0.
  const auto amd64 = KnownBugs::builtin().find("go63630-morestack-amd64");
  ASSERT_TRUE(amd64);
  EXPECT_EQ(amd64->fix->hash, arm64->fix->hash);
  EXPECT_EQ(amd64->fixed_in, "go1.25.0");
  ASSERT_EQ(amd64->behaviour.size(), 2u);
  EXPECT_EQ(amd64->behaviour[0].since, amd64->first_affected);
  EXPECT_NE(amd64->behaviour[0].what.find("goroutine's own frame pointer"), std::string::npos);
  EXPECT_EQ(amd64->behaviour[1].since, "go1.21.0");
  ASSERT_TRUE(amd64->behaviour[1].commit);
  EXPECT_EQ(amd64->behaviour[1].commit->hash, "43f911b0b6c550e6c5b46219d8d0d1ca7ce3f97c");
  EXPECT_NE(amd64->behaviour[1].what.find("g0.sched.bp"), std::string::npos);
  ASSERT_TRUE(amd64->finding);
  EXPECT_EQ(amd64->finding->slot_prefix, kAmd64Fp);
}

// An entry may name a trampoline no suite tests yet (asmcgocall): it is kept as data
// and explains nothing until a check finds it. An entry for a trampoline that has a
// suite (morestack, mcall, systemstack) has a signature, or it could never be known.
TEST(KnownBugsCatalog, EntriesForTrampolinesWithoutASuiteMatchNothing) {
  int without_suite = 0;
  for (const auto& b : KnownBugs::builtin().entries()) {
    if (model::find_trampoline(b->trampoline)) {
      EXPECT_TRUE(b->finding) << b->id << ": its trampoline has a suite, so a check must find it";
      continue;
    }
    without_suite++;
    EXPECT_FALSE(b->finding) << b->id << ": no check of a suite that does not exist";
    for (const auto& g : b->goarches)
      EXPECT_TRUE(KnownBugs::builtin().for_run(g, b->trampoline, b->first_affected).empty()) << b->id;
  }
  EXPECT_EQ(without_suite, 0) << "every catalogued trampoline has a suite now";
  for (const char* id : {"go63630-mcall-arm64", "go63630-systemstack-arm64"}) {
    auto b = KnownBugs::builtin().find(id);
    ASSERT_TRUE(b) << id;
    ASSERT_TRUE(b->finding) << id;
    EXPECT_EQ(b->finding->check, "fn-fp") << id;
  }
}

// ---- Which Findings the catalog explains, on which runtime

std::string explained(std::string_view goarch, std::string_view toolchain, std::string_view check,
                      std::string_view slot, std::string_view trampoline = "morestack") {
  auto b = KnownBugs::builtin().for_run(goarch, trampoline, toolchain).explain(check, slot);
  return b ? b->id : "";
}

TEST(KnownBugsMatch, StaleFramePointerIsKnownOnlyWhereTheRuntimeHasTheBug) {
  const std::string slot = kArm64Fp + " (0x40143f80)";
  EXPECT_EQ(explained("arm64", "go1.19.8", "newstack-fp", slot), "go63630-morestack-arm64");
  EXPECT_EQ(explained("arm64", "go1.24.13", "newstack-fp", slot), "go63630-morestack-arm64");
  EXPECT_EQ(explained("arm64", "go1.12", "newstack-fp", slot), "go63630-morestack-arm64");
  // Fixed, and before frame pointers on arm64: the same Finding is no known bug.
  EXPECT_EQ(explained("arm64", "go1.27.3", "newstack-fp", slot), "");
  EXPECT_EQ(explained("arm64", "go1.25.0", "newstack-fp", slot), "");
  EXPECT_EQ(explained("arm64", "devel go1.28-0123abcd Tue", "newstack-fp", slot), "");
  EXPECT_EQ(explained("arm64", "go1.11.13", "newstack-fp", slot), "");
}

TEST(KnownBugsMatch, Amd64FramePointerIsKnownBothBeforeAndAfterGo121) {
  EXPECT_EQ(explained("amd64", "go1.24.5", "newstack-fp", kAmd64Fp), "go63630-morestack-amd64");
  EXPECT_EQ(explained("amd64", "go1.19.8", "newstack-fp", kAmd64Fp), "go63630-morestack-amd64");
  EXPECT_EQ(explained("amd64", "go1.27.3", "newstack-fp", kAmd64Fp), "");
  // arm64's slot on amd64, amd64's on arm64: each entry is its GOARCH's.
  EXPECT_EQ(explained("amd64", "go1.24.5", "newstack-fp", kArm64Fp), "");
  EXPECT_EQ(explained("arm64", "go1.19.8", "newstack-fp", kAmd64Fp), "");
  EXPECT_EQ(explained("s390x", "go1.19.8", "newstack-fp", kArm64Fp), "");
}

TEST(KnownBugsMatch, AnotherCheckSlotOrTrampolineIsNotKnown) {
  EXPECT_EQ(explained("arm64", "go1.19.8", "resume-fp", kArm64Fp), "");
  EXPECT_EQ(explained("arm64", "go1.19.8", "newstack-fp", "R29 after gogo"), "");
  EXPECT_EQ(explained("arm64", "go1.19.8", "newstack-fp", ""), "");
  EXPECT_EQ(explained("arm64", "go1.19.8", "newstack-fp", kArm64Fp, "mcall"), "");
}

// The transcriptions' profile names no toolchain: gotramp's Plan 9 transcriptions of
// Go 1.8 and a porter's --asm files are not a release, so nothing in them is known.
TEST(KnownBugsMatch, ARuntimeWithoutAVersionHasNoKnownBugs) {
  const auto& spec = *emu::find_arch("amd64");
  EXPECT_EQ(model::transcription_profile(spec)->toolchain, "");
  EXPECT_TRUE(KnownBugs::builtin().for_run("amd64", "morestack", "").empty());
  EXPECT_TRUE(KnownBugs::builtin().for_run("arm64", "morestack", "devel +0123abcd").empty());
}

// ---- A catalog that is wrong says where

std::string entry_json(const std::string& change_from, const std::string& change_to) {
  std::string e = R"({
    "id": "x", "title": "t", "issue": "golang/go#1", "url": "https://go.dev/issue/1",
    "trampoline": "morestack", "goarch": ["arm64"], "first_affected": "go1.12", "fixed_in": "go1.25.0",
    "fix": {"hash": "93fb2c90740aef00553c9ce6a7cd4578c2469675", "subject": "s"},
    "introduced": null,
    "behaviour": [{"since": "go1.12", "what": "w"}],
    "finding": {"check": "c", "slot_prefix": "p"}})";
  if (!change_from.empty()) {
    auto at = e.find(change_from);
    EXPECT_NE(at, std::string::npos) << change_from;
    e.replace(at, change_from.size(), change_to);
  }
  return e;
}

std::string catalog_error(const std::string& entries) {
  try {
    KnownBugs::parse(R"({"entries": [)" + entries + "]}");
  } catch (const model::CatalogError& e) {
    return e.what();
  }
  return "";
}

TEST(KnownBugsCatalog, AWellFormedEntryParses) {
  EXPECT_EQ(catalog_error(entry_json("", "")), "");
  const auto bugs = KnownBugs::parse(R"({"entries": [)" + entry_json("", "") + "]}");
  EXPECT_EQ(bugs.for_run("arm64", "morestack", "go1.19.8").explain("c", "p and more")->id, "x");
}

// A bug gotramp found that no upstream issue reports: no issue, its url a section
// of docs/findings.md, no fix yet (every later version affected), and the Findings
// its runs show besides (`also`) explained with it.
TEST(KnownBugsCatalog, AnUnreportedUnfixedEntryParsesAndExplainsItsOtherFindings) {
  std::string e = entry_json(R"("issue": "golang/go#1", "url": "https://go.dev/issue/1")",
                             R"("issue": null, "url": "docs/findings.md#some-bug")");
  e = e.replace(e.find(R"("fixed_in": "go1.25.0")"), 22, R"("fixed_in": null)");
  const std::string fix = R"("fix": {"hash": "93fb2c90740aef00553c9ce6a7cd4578c2469675", "subject": "s"})";
  e = e.replace(e.find(fix), fix.size(), R"("fix": null)");
  e = e.replace(e.rfind('}'), 1, R"(, "also": [{"check": "run-completed", "slot_prefix": ""}]})");
  ASSERT_EQ(catalog_error(e), "") << e;
  const auto bugs = KnownBugs::parse(R"({"entries": [)" + e + "]}");
  const auto& b = *bugs.entries().front();
  EXPECT_FALSE(b.reported());
  EXPECT_FALSE(b.fixed());
  EXPECT_EQ(b.describe(), "bug found by gotramp, not reported upstream yet");
  const auto m = bugs.for_run("arm64", "morestack", "go1.27.3");
  EXPECT_EQ(m.explain("c", "p and more")->id, "x");
  EXPECT_EQ(m.explain("run-completed", "")->id, "x");
  EXPECT_EQ(m.explain("result", ""), nullptr);
  EXPECT_TRUE(bugs.for_run("arm64", "morestack", "go1.11").empty());
}

// Every entry without an upstream issue cites a section docs/findings.md has.
TEST(KnownBugsCatalog, UnreportedEntriesCiteASectionOfFindings) {
  std::ifstream in(std::string(GOTRAMP_SOURCE_DIR) + "/docs/findings.md");
  std::set<std::string> anchors;
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("#")) continue;
    std::string slug;  // GitHub's: lower case, spaces to '-', other punctuation dropped
    for (char ch : line.substr(line.find(' ') + 1)) {
      if (std::isalnum(static_cast<unsigned char>(ch)))
        slug += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      else if (ch == ' ' || ch == '-')
        slug += '-';
    }
    anchors.insert(slug);
  }
  int unreported = 0;
  for (const auto& b : KnownBugs::builtin().entries()) {
    if (b->reported()) continue;
    unreported++;
    const std::string anchor = b->url.substr(b->url.find('#') + 1);
    EXPECT_TRUE(anchors.count(anchor)) << b->id << ": docs/findings.md has no section #" << anchor;
  }
  EXPECT_GE(unreported, 5);
}

TEST(KnownBugsCatalog, AMalformedEntryIsRefusedNamingItsField) {
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {R"("fix": {"hash": "93fb2c90740aef00553c9ce6a7cd4578c2469675", "subject": "s"},)", "", "fix is missing"},
      {"93fb2c90740aef00553c9ce6a7cd4578c2469675", "93fb2c9074", "fix.hash \"93fb2c9074\" is not a full commit hash"},
      {"https://go.dev/issue/1", "https://go.dev/issue/2", "url \"https://go.dev/issue/2\" is not the issue's"},
      {"golang/go#1", "go#1", "issue \"go#1\" is not golang/go#N"},
      {R"("fixed_in": "go1.25.0")", R"("fixed_in": "go1.11")", "fixed_in go1.11 does not come after"},
      {R"("fixed_in": "go1.25.0")", R"("fixed_in": "soon")", "fixed_in \"soon\" is not a Go release"},
      {R"(["arm64"])", R"(["arm65"])", "goarch \"arm65\" is not a GOARCH"},
      {R"("title": "t",)", R"("title": "t", "fixed_by": "x",)", "fixed_by is not a field"},
      {R"({"since": "go1.12")", R"({"since": "go1.13")", "behaviour[0].since go1.13 is not first_affected go1.12"},
      {R"("what": "w"}])", R"("what": "w"}, {"since": "go1.21.0", "what": "v"}])", "behaviour[1].commit is missing"},
      {R"("check": "c",)", "", "finding.check is missing"},
      // Found by gotramp: no issue, then the url is a section of docs/findings.md.
      {R"("issue": "golang/go#1")", R"("issue": null)", "is not a section of docs/findings.md"},
      {R"("fixed_in": "go1.25.0")", R"("fixed_in": null)", "fix and fixed_in are both null"},
      {R"("finding": {"check": "c", "slot_prefix": "p"})", R"("finding": null, "also": [])", "also must be a list"},
  };
  for (const auto& [from, to, want] : cases) {
    const std::string got = catalog_error(entry_json(from, to));
    EXPECT_NE(got.find("entry 1 (x)"), std::string::npos) << got;
    EXPECT_NE(got.find(want), std::string::npos) << "want: " << want << "\ngot:  " << got;
  }
  EXPECT_NE(catalog_error(entry_json("", "") + "," + entry_json("", "")).find("id \"x\" is used twice"),
            std::string::npos);
  EXPECT_NE(catalog_error("{").find("not JSON"), std::string::npos);
}

// ---- The verdict, decided on every failure as it is logged

model::Finding fp_finding(const std::string& slot, int growth) {
  model::Finding f;
  f.check = "newstack-fp";
  f.goarch = "arm64", f.trampoline = "morestack", f.contract = "modern", f.scenario = "closure";
  f.growth = growth;
  f.slot = slot;
  f.expected = "0, or a frame record on the g0 stack at or above RSP";
  f.seen = "0x40143f00";
  return f;
}

model::Finding other_finding(const std::string& check, int growth) {
  model::Finding f = fp_finding("RSP after gogo", growth);
  f.check = check;
  return f;
}

model::CheckLog log_for(std::string_view toolchain) {
  model::CheckLog log;
  log.known_bugs = KnownBugs::builtin().for_run("arm64", "morestack", toolchain);
  return log;
}

TEST(KnownVerdict, EveryFailureKnownIsKnownAndEveryFindingCarriesItsEntry) {
  auto log = log_for("go1.19.8");
  const int growths = model::CheckLog::kMaxFindingsPerCheck + 3;
  for (int g = 1; g <= growths; g++) {
    log.pass("ctxt-argument");
    log.fail(fp_finding(kArm64Fp, g));
  }
  const auto checks = log.checks();
  EXPECT_EQ(model::verdict_of(checks, false), "known");
  EXPECT_EQ(model::verdict_of(checks, true), "known") << "a fault scenario's known bugs are known too";
  const auto& fp = *std::find_if(checks.begin(), checks.end(), [](auto& c) { return c.name == "newstack-fp"; });
  EXPECT_EQ(fp.failed, growths);
  EXPECT_EQ(fp.known, growths) << "the failures not listed are matched too";
  ASSERT_EQ(log.findings().size(), size_t(model::CheckLog::kMaxFindingsPerCheck));
  for (const auto& f : log.findings()) {
    ASSERT_TRUE(f.known);
    EXPECT_EQ(f.known->id, "go63630-morestack-arm64");
  }
  ASSERT_EQ(log.matched().size(), 1u);
  EXPECT_EQ(log.matched()[0]->id, "go63630-morestack-arm64");
}

TEST(KnownVerdict, AnyUnexplainedFailureIsFailedAndTheKnownOnesStayAnnotated) {
  auto log = log_for("go1.19.8");
  log.fail(fp_finding(kArm64Fp, 1));
  log.fail(other_finding("resume-sp", 1));
  EXPECT_EQ(model::verdict_of(log.checks(), false), "FAILED");
  ASSERT_EQ(log.findings().size(), 2u);
  EXPECT_TRUE(log.findings()[0].known);
  EXPECT_FALSE(log.findings()[1].known);
}

// The listed Findings of a check may all be known while a later one, counted but not
// listed, is not: the verdict is FAILED.
TEST(KnownVerdict, AnUnexplainedFailureAmongThoseNotListedIsFailed) {
  auto log = log_for("go1.19.8");
  for (int g = 1; g <= model::CheckLog::kMaxFindingsPerCheck; g++) log.fail(fp_finding(kArm64Fp, g));
  log.fail(fp_finding("R29 (frame pointer) after newstack", model::CheckLog::kMaxFindingsPerCheck + 1));
  for (const auto& f : log.findings()) EXPECT_TRUE(f.known) << f.message();
  EXPECT_EQ(log.omitted(), 1);
  EXPECT_EQ(model::verdict_of(log.checks(), false), "FAILED");
}

TEST(KnownVerdict, TheSameFailureOnAFixedVersionIsFailed) {
  for (const char* fixed : {"go1.25.0", "go1.27.3"}) {
    auto log = log_for(fixed);
    log.fail(fp_finding(kArm64Fp, 1));
    EXPECT_EQ(model::verdict_of(log.checks(), false), "FAILED") << fixed;
    EXPECT_FALSE(log.findings()[0].known) << fixed;
    EXPECT_TRUE(log.matched().empty()) << fixed;
  }
}

TEST(KnownVerdict, WithoutFailuresTheVerdictIsUnchanged) {
  auto log = log_for("go1.19.8");
  log.pass("newstack-fp");
  EXPECT_EQ(model::verdict_of(log.checks(), false), "verified");
  EXPECT_EQ(model::verdict_of(log.checks(), true), "diagnosed");
}

TEST(KnownVerdict, KnownPassesUnlessStrict) {
  EXPECT_TRUE(model::verdict_passes("known", false));
  EXPECT_FALSE(model::verdict_passes("known", true));
  for (bool strict : {false, true}) {
    EXPECT_TRUE(model::verdict_passes("verified", strict));
    EXPECT_TRUE(model::verdict_passes("diagnosed", strict));
    EXPECT_FALSE(model::verdict_passes("FAILED", strict));
  }
}

// ---- A harness run whose failures a catalog explains

// arm64's no-frame.s builds no g0 frame: every growth fails slot-below-arg0 (0(RSP)
// saved LR) and g0-frame-intact, more often than a check lists, and the run goes on
// to its exact result. Run under a profile that names a toolchain, with a catalog
// that has one or both of them as known bugs of that toolchain.
KnownBugs catalog_of(const std::vector<std::pair<std::string, std::string>>& signatures) {
  std::string entries;
  int n = 0;
  for (const auto& [check, slot] : signatures) {
    entries += fmt::format(
        R"({}{{"id": "test-{}", "title": "t", "issue": "golang/go#{}", "url": "https://go.dev/issue/{}",
            "trampoline": "morestack", "goarch": ["arm64"], "first_affected": "go1.12", "fixed_in": "go1.25.0",
            "fix": {{"hash": "93fb2c90740aef00553c9ce6a7cd4578c2469675", "subject": "s"}}, "introduced": null,
            "behaviour": [{{"since": "go1.12", "what": "w"}}], "finding": {{"check": "{}", "slot_prefix": "{}"}}}})",
        n ? "," : "", check, 100 + n, 100 + n, check, slot);
    n++;
  }
  return KnownBugs::parse(R"({"entries": [)" + entries + "]}");
}

model::RunReport run_no_frame(const std::string& toolchain, const KnownBugs& catalog) {
  const emu::ArchSpec& spec = *emu::find_arch("arm64");
  auto cfg = test::guest_config();
  const auto elf = toolchain::guest_elf(
      spec, fs::path(GOTRAMP_SOURCE_DIR) / "guest_asm" / spec.guest_dir / "variants" / "no-frame.s", cfg);
  auto profile = std::make_shared<model::RuntimeProfile>(*model::transcription_profile(spec));
  profile->toolchain = toolchain;
  model::Harness h(spec, emu::ElfImage::load(elf.string(), "main."), profile, model::transcription_program(spec));
  model::RunOptions opt;
  opt.known_bugs = &catalog;
  return h.run(*model::find_scenario("closure"), *model::find_contract("seed"), opt);
}

int findings_known(const model::RunReport& r, const std::string& check) {
  int n = 0;
  for (const auto& f : r.findings) n += f.check == check && f.known;
  return n;
}

TEST(KnownHarness, ARunWithEveryFailureCataloguedIsKnown) {
  const auto catalog = catalog_of({{"slot-below-arg0", "0(RSP) saved LR"}, {"g0-frame-intact", "g0 stack at"}});
  const auto r = run_no_frame("go1.19.8", catalog);
  EXPECT_EQ(r.verdict, "known");
  ASSERT_EQ(r.known_bugs.size(), 2u);
  EXPECT_EQ(r.known_bugs[0]->id, "test-slot-below-arg0");
  EXPECT_EQ(r.known_bugs[1]->id, "test-g0-frame-intact");
  EXPECT_GT(r.findings_omitted, 0) << "failures not listed are matched too";
  for (const auto& f : r.findings) EXPECT_TRUE(f.known) << f.message();
  int failed = 0;
  for (const auto& c : r.checks) {
    EXPECT_EQ(c.known, c.failed) << c.name;
    failed += c.failed;
  }
  EXPECT_GT(failed, static_cast<int>(r.findings.size()));
  EXPECT_EQ(findings_known(r, "slot-below-arg0"), model::CheckLog::kMaxFindingsPerCheck);
  // Blame still ran (the run was re-run with its store log).
  ASSERT_FALSE(r.findings.empty());
  EXPECT_TRUE(r.findings[0].cause) << r.findings[0].message();
  EXPECT_TRUE(r.passed());
  EXPECT_FALSE(r.passed(true));
}

TEST(KnownHarness, ARunWithOneFailureOutsideTheCatalogIsFailedWithItsKnownFindingsAnnotated) {
  const auto catalog = catalog_of({{"slot-below-arg0", "0(RSP) saved LR"}});
  const auto r = run_no_frame("go1.19.8", catalog);
  EXPECT_EQ(r.verdict, "FAILED");
  EXPECT_EQ(findings_known(r, "slot-below-arg0"), model::CheckLog::kMaxFindingsPerCheck);
  EXPECT_EQ(findings_known(r, "g0-frame-intact"), 0);
  ASSERT_EQ(r.known_bugs.size(), 1u);
}

TEST(KnownHarness, TheSameRunOnAFixedToolchainOrWithoutOneIsFailed) {
  const auto catalog = catalog_of({{"slot-below-arg0", "0(RSP) saved LR"}, {"g0-frame-intact", "g0 stack at"}});
  for (const char* toolchain : {"go1.27.3", ""}) {
    const auto r = run_no_frame(toolchain, catalog);
    EXPECT_EQ(r.verdict, "FAILED") << toolchain;
    EXPECT_TRUE(r.known_bugs.empty()) << toolchain;
    for (const auto& f : r.findings) EXPECT_FALSE(f.known) << f.message();
  }
}

// ---- What verify prints of a known run

// A run of the real arm64 morestack on Go 1.19.8 as the newstack-fp check will see it:
// its failures logged through the built-in catalog, as the harness logs them.
model::RunReport known_report(std::string_view toolchain = "go1.19.8", bool unexplained = false) {
  auto log = log_for(toolchain);
  for (int g = 1; g <= model::CheckLog::kMaxFindingsPerCheck + 2; g++) {
    log.pass("ctxt-argument");
    log.fail(fp_finding(kArm64Fp, g));
  }
  if (unexplained) log.fail(other_finding("resume-sp", 1));
  model::RunReport r;
  r.goarch = "arm64", r.trampoline = "morestack", r.contract = "modern", r.scenario = "closure";
  r.checks = log.checks();
  r.findings = log.findings();
  r.findings_omitted = log.omitted();
  r.known_bugs = log.matched();
  r.verdict = model::verdict_of(r.checks, false);
  return r;
}

cli::VerifyRow row_of(model::RunReport r) {
  cli::VerifyRow row;
  row.spec = emu::find_arch("arm64");
  row.trampoline = model::find_trampoline("morestack");
  row.contract = model::find_contract("modern");
  row.scenario = model::find_scenario(r.scenario);
  row.toolchain = "go1.19.8";
  row.source = "probe-arm64.elf";
  row.verdict = r.verdict;
  row.report = std::move(r);
  return row;
}

const std::string kKnownLine =
    "known upstream bug golang/go#63630, fixed in go1.25.0 by 93fb2c9074 (runtime: clear frame pointer in "
    "morestack): https://go.dev/issue/63630";

TEST(KnownReport, TableFindingsAndSummary) {
  const auto known = row_of(known_report());
  ASSERT_EQ(known.verdict, "known");
  auto failed = row_of(known_report("go1.27.3"));
  ASSERT_EQ(failed.verdict, "FAILED");
  auto verified = row_of(known_report());
  verified.verdict = "verified", verified.report->verdict = "verified";
  const std::vector<cli::VerifyRow> rows = {known, failed, verified};

  const std::string table = cli::format_table(rows);
  EXPECT_NE(table.find("known\n"), std::string::npos) << table;

  int stories = 0;
  auto story = [&](const cli::VerifyRow& r) {
    stories++;
    EXPECT_EQ(r.verdict, "FAILED") << "a known row is explained; only FAILED rows tell a story";
    return std::string("(story)\n");
  };
  // --verbose: each row, its Findings and the FAILED one's story.
  const std::string findings = cli::format_findings(rows, story, true);
  EXPECT_EQ(stories, 1);
  // One block per cause: the known row's block names its entry and tells no story.
  stories = 0;
  const std::string grouped = cli::format_findings(rows, story);
  EXPECT_LE(stories, 1);
  EXPECT_NE(grouped.find("    " + kKnownLine + "\n"), std::string::npos) << grouped;
  EXPECT_NE(findings.find("arm64 morestack modern closure: known\n"), std::string::npos) << findings;
  EXPECT_NE(findings.find("arm64 morestack modern closure: FAILED\n"), std::string::npos) << findings;
  // Each known Finding is followed by its entry; the fixed version's are not.
  const std::string one = cli::format_run_findings(*known.report);
  size_t lines = 0;
  for (size_t at = 0; (at = one.find("\n    " + kKnownLine + "\n", at)) != std::string::npos; at++) lines++;
  EXPECT_EQ(lines, size_t(model::CheckLog::kMaxFindingsPerCheck)) << one;
  EXPECT_EQ(cli::format_run_findings(*failed.report).find("known upstream bug"), std::string::npos);

  EXPECT_EQ(cli::format_summary(rows), "1 verified, 0 diagnosed, 1 known, 1 FAILED\n");
}

TEST(KnownReport, AKnownBugOnlyFailuresNotListedWereIsNamedToo) {
  auto log = log_for("go1.19.8");
  for (int g = 1; g <= model::CheckLog::kMaxFindingsPerCheck; g++)
    log.fail(fp_finding("R29 (frame pointer) after newstack", g));  // no known bug
  log.fail(fp_finding(kArm64Fp, 4));                                // not listed: the check's fourth
  model::RunReport r;
  r.goarch = "arm64", r.trampoline = "morestack", r.contract = "modern", r.scenario = "closure";
  r.checks = log.checks(), r.findings = log.findings(), r.findings_omitted = log.omitted();
  r.known_bugs = log.matched();
  const std::string text = cli::format_run_findings(r);
  EXPECT_NE(text.find("  " + kKnownLine + " (among the failures not listed)\n"), std::string::npos) << text;
}

TEST(KnownReport, JsonCarriesTheEntryOnEachFindingAndTheMatchedEntriesAtTheTop) {
  const std::vector<cli::VerifyRow> rows = {row_of(known_report())};
  const auto j = cli::to_json(rows, {}, false);
  EXPECT_TRUE(j["passed"].get<bool>());
  EXPECT_FALSE(j["strict"].get<bool>());
  const auto& run = j["runs"][0];
  EXPECT_EQ(run["verdict"], "known");
  EXPECT_EQ(run["known_bugs"], nlohmann::ordered_json::array({"go63630-morestack-arm64"}));
  ASSERT_FALSE(run["findings"].empty());
  const auto& k = run["findings"][0]["known"];
  EXPECT_EQ(k["id"], "go63630-morestack-arm64");
  EXPECT_EQ(k["issue"], "golang/go#63630");
  EXPECT_EQ(k["url"], "https://go.dev/issue/63630");
  EXPECT_EQ(k["fixed_in"], "go1.25.0");
  EXPECT_EQ(k["fix"]["hash"], "93fb2c90740aef00553c9ce6a7cd4578c2469675");
  for (const auto& c : run["checks"])
    if (c["name"] == "newstack-fp") {
      EXPECT_EQ(c["known"], c["failures"]);
    }
  ASSERT_EQ(j["known_bugs"].size(), 1u);
  // The top-level entry is the catalog's, field for field.
  auto file = nlohmann::json::parse(read(kCatalogFile));
  for (const auto& e : file["entries"])
    if (e["id"] == "go63630-morestack-arm64") {
      EXPECT_EQ(nlohmann::json::parse(j["known_bugs"][0].dump()), e);
    }

  EXPECT_FALSE(cli::to_json(rows, {}, true)["passed"].get<bool>()) << "--strict: a known row fails";
  const std::vector<cli::VerifyRow> fixed = {row_of(known_report("go1.27.3"))};
  const auto jf = cli::to_json(fixed, {}, false);
  EXPECT_TRUE(jf["runs"][0]["findings"][0]["known"].is_null());
  EXPECT_TRUE(jf["known_bugs"].empty());
}

// One line per test case, read back by junitparser: its result (pass or the
// failure's type), the known-bug properties and whether system-out names the issue.
std::vector<std::string> junit_known_cases(const std::string& xml_text) {
  const fs::path xml = fs::temp_directory_path() / fmt::format("gotramp-known-junit-{}.xml", getpid());
  std::ofstream(xml) << xml_text;
  const std::string script =
      "import sys, junitparser\n"
      "for suite in junitparser.JUnitXml.fromfile(sys.argv[1]):\n"
      "    for case in suite:\n"
      "        kind = ','.join(r.type or type(r).__name__ for r in case.result) or 'pass'\n"
      "        props = case.child(junitparser.Properties)\n"
      "        names = ','.join(p.value for p in props) if props is not None else '-'\n"
      "        out = 'names-issue' if 'golang/go#63630' in (case.system_out or '') else 'silent'\n"
      "        print(case.name, kind, out, names)\n";
  auto r = toolchain::run_process({std::string(GOTRAMP_VENV) + "/bin/python", "-c", script, xml.string()}, {},
                                  fs::current_path());
  fs::remove(xml);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::string> lines;
  std::istringstream in(r.output);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

TEST(KnownReport, JunitPassesAKnownRunNamingItsBugAndFailsItUnderStrict) {
  const std::vector<cli::VerifyRow> rows = {row_of(known_report())};
  const std::string property = "go63630-morestack-arm64 golang/go#63630 fixed in go1.25.0";
  EXPECT_EQ(junit_known_cases(cli::to_junit(rows, {}, {}, false)),
            std::vector<std::string>{"closure pass names-issue " + property});
  const std::string strict = cli::to_junit(rows, {}, {}, true);
  EXPECT_EQ(junit_known_cases(strict), std::vector<std::string>{"closure known silent " + property});
  EXPECT_NE(strict.find("failures=\"1\""), std::string::npos) << strict;
  EXPECT_NE(strict.find(kKnownLine), std::string::npos) << strict;
}

// ---- The command line

toolchain::ProcessResult gotramp(std::vector<std::string> args) {
  args.insert(args.begin(), GOTRAMP_BIN);
  return toolchain::run_process(args, {}, fs::current_path());
}

// trace, frame and debug exit by their run's verdict; verify by every row's.
TEST(KnownCli, AKnownRunExits0UnlessStrict) {
  EXPECT_EQ(cli::exit_for_verdict("known", false), cli::kExitPassed);
  EXPECT_EQ(cli::exit_for_verdict("known", true), cli::kExitFailed);
  EXPECT_EQ(cli::exit_for_verdict("FAILED", false), cli::kExitFailed);
  EXPECT_EQ(cli::exit_for_verdict("verified", true), cli::kExitPassed);
  EXPECT_EQ(cli::exit_for_verdict("diagnosed", true), cli::kExitPassed);
  const auto known = row_of(known_report());
  EXPECT_FALSE(known.fails(false));
  EXPECT_TRUE(known.fails(true));
  const auto failed = row_of(known_report("go1.27.3"));
  EXPECT_TRUE(failed.fails(false));
}

TEST(KnownCli, KnownBugsListsTheCatalog) {
  auto r = gotramp({"known-bugs", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto listed = nlohmann::json::parse(r.output)["known_bugs"];
  auto file = nlohmann::json::parse(read(kCatalogFile))["entries"];
  EXPECT_EQ(listed, file);
  auto text = gotramp({"known-bugs"});
  ASSERT_EQ(text.exit_code, 0) << text.output;
  for (const auto& e : file) EXPECT_NE(text.output.find(e["id"].get<std::string>()), std::string::npos);
  EXPECT_NE(text.output.find(kKnownLine.substr(0, kKnownLine.find(':'))), std::string::npos) << text.output;
}

TEST(KnownCli, StrictIsAnOptionOfEveryCommandThatRuns) {
  // A verified run passes with --strict: only known rows change.
  auto v = gotramp({"verify", "--goarch", "amd64", "--contract", "seed", "--scenario", "closure", "--strict"});
  EXPECT_EQ(v.exit_code, 0) << v.output;
  for (const char* cmd : {"trace", "frame"}) {
    auto r = gotramp({cmd, "--goarch", "amd64", "--growth", "1", "--strict"});
    EXPECT_EQ(r.exit_code, 0) << cmd << ": " << r.output.substr(0, 500);
  }
  auto help = gotramp({"debug", "--help"});
  EXPECT_NE(help.output.find("--strict"), std::string::npos) << help.output;
}

}  // namespace
}  // namespace gotramp
