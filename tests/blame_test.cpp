// Blame, counted failures and verdicts everywhere: a Finding about guest memory
// names the store that caused it (in the report, the text and the JSON), every
// failing growth is counted, a passing run pays for no store log, and trace,
// frame and verify end with the run's verdict.
#include <fmt/format.h>

#include <gtest/gtest.h>
#include <regex>

#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/report.hpp"
#include "emu/elf_image.hpp"
#include "emu/line_table.hpp"
#include "runtime_model/harness.hpp"
#include "runtime_model/morestack/morestack_suite.hpp"
#include "runtime_model/suite.hpp"
#include "support.hpp"
#include "toolchain/process.hpp"

namespace gotramp {
namespace {

std::string variant(const std::string& dir, const std::string& name) {
  return std::string(GOTRAMP_SOURCE_DIR) + "/guest_asm/" + dir + "/variants/" + name;
}

toolchain::ProcessResult gotramp(std::vector<std::string> args) {
  args.insert(args.begin(), GOTRAMP_BIN);
  return toolchain::run_process(args, {}, std::filesystem::current_path());
}

model::RunReport run_variant(const std::string& goarch, const std::string& file, model::Harness** keep = nullptr) {
  const emu::ArchSpec& spec = *emu::find_arch(goarch);
  static std::vector<std::unique_ptr<model::Harness>> machines;
  auto cfg = test::guest_config();
  machines.push_back(
      model::Harness::for_transcription(spec, toolchain::guest_elf(spec, variant(spec.guest_dir, file), cfg).string()));
  if (keep) *keep = machines.back().get();
  return machines.back()->run(*model::find_scenario("closure"), *model::find_contract("seed"));
}

TEST(Blame, EveryFailingGrowthIsCountedAndTheFirstFewListed) {
  // No frame on g0: every growth fails slot-below-arg0 and g0-frame-intact.
  model::RunReport r = run_variant("arm64", "no-frame.s");
  ASSERT_EQ(r.verdict, "FAILED");
  int listed = 0, failed = 0;
  for (const auto& c : r.checks) {
    if (c.name != "slot-below-arg0" && c.name != "g0-frame-intact") continue;
    EXPECT_EQ(c.failed, r.grown()) << c.name << ": every growth fails it";
    int shown = 0;
    for (const auto& f : r.findings) shown += f.check == c.name;
    EXPECT_EQ(shown, model::CheckLog::kMaxFindingsPerCheck) << c.name;
    listed += shown, failed += c.failed;
  }
  ASSERT_GT(failed, listed) << "the run must fail more often than it lists";
  EXPECT_EQ(r.findings_omitted, failed - listed);
  const std::string text = cli::format_run_findings(r);
  EXPECT_NE(text.find(fmt::format("and {} more", failed - listed)), std::string::npos) << text;
  EXPECT_NE(text.find(fmt::format("{} slot-below-arg0", r.grown() - 3)), std::string::npos) << text;
  EXPECT_EQ(cli::to_json(r)["findings_omitted"], failed - listed);
}

TEST(Blame, APassingRunRunsOnceAndAFailingRunIsReRunWithAStoreLog) {
  const emu::ArchSpec& spec = *emu::find_arch("arm64");
  auto good_owner = model::Harness::for_transcription(spec, test::seed_elf(spec));
  model::Harness& good = *good_owner;
  model::RunReport ok = good.run(*model::find_scenario("closure"), *model::find_contract("seed"));
  ASSERT_EQ(ok.verdict, "verified");
  EXPECT_EQ(good.engine().total_insns(), ok.stop.insns) << "a passing run must not be run again";

  model::Harness* bad = nullptr;
  model::RunReport failed = run_variant("arm64", "ctxt-slot-off.s", &bad);
  ASSERT_EQ(failed.verdict, "FAILED");
  EXPECT_EQ(bad->engine().total_insns(), 2 * failed.stop.insns) << "the re-run runs the same instructions";
  int about_memory = 0;
  for (const auto& f : failed.findings)
    if (f.size > 0) {
      about_memory++;
      EXPECT_TRUE(f.cause) << f.message();
    }
  EXPECT_GT(about_memory, 0) << "ctxt-slot-off's findings name slots";
}

TEST(Blame, ClobberedByNamesTheStoreThatOverwroteTheRightValue) {
  model::RunReport r = run_variant("arm64", "ctxt-overwritten.s");
  ASSERT_FALSE(r.findings.empty());
  const model::Finding& f = r.findings.front();
  ASSERT_EQ(f.check, "ctxt-argument");
  ASSERT_TRUE(f.cause);
  EXPECT_EQ(f.cause->kind, model::Cause::Kind::ClobberedBy);
  EXPECT_EQ(f.cause->value, 0u);
  EXPECT_TRUE(f.cause->text.starts_with("STP (ZR, ZR), 0(RSP)")) << f.cause->text;
  EXPECT_NE(f.message().find("then overwritten with 0x0 by ctxt-overwritten.s:"), std::string::npos) << f.message();
  // ... and the store it overwrote: the argument, stored right, one line before.
  ASSERT_TRUE(f.cause->overwritten);
  EXPECT_EQ(f.cause->overwritten->value, r.ctxt_set);
  EXPECT_EQ(f.cause->overwritten->addr, f.addr);
  EXPECT_TRUE(f.cause->overwritten->text.starts_with("MOVD R26, 8(RSP)")) << f.message();
}

TEST(Blame, JsonFindingsCarryTheCause) {
  auto r = gotramp({"verify", "--goarch", "arm64", "--contract", "seed", "--scenario", "closure", "--json", "--asm",
                    variant("arm64", "ctxt-slot-off.s")});
  auto j = nlohmann::json::parse(r.output);
  const auto& findings = j["runs"][0]["findings"];
  ASSERT_GE(findings.size(), 2u);
  const auto& arg = findings[0];
  ASSERT_EQ(arg["check"], "ctxt-argument");
  EXPECT_EQ(arg["cause"]["kind"], "never-stored");
  // Nothing stored it between the trampoline's first instruction and its call of
  // newstack, the window's ends.
  EXPECT_NE(arg["cause"]["text"].get<std::string>().find("newstack"), std::string::npos) << arg["cause"];
  EXPECT_EQ(arg["cause"]["window_start"]["where"], "main.morestack") << arg["cause"];
  // Where ctxt went: one word too high, by the line the porter wrote.
  EXPECT_EQ(arg["cause"]["instead"]["source"], "ctxt-slot-off.s:42");
  EXPECT_EQ(arg["cause"]["instead"]["text"], "MOVD R26, 16(RSP) // one word off: should be 8(RSP)");
  EXPECT_NE(arg["cause"]["instead"]["slot"].get<std::string>().find("g0.sched.sp+0"), std::string::npos);
  EXPECT_EQ(arg["cause"]["instead"]["value"], arg["expected"]);
  const auto& sched = findings[1];
  ASSERT_EQ(sched["check"], "g0-frame-intact");
  EXPECT_EQ(sched["cause"]["kind"], "wrong-store");
  EXPECT_EQ(sched["cause"]["source"], "ctxt-slot-off.s:42");
  EXPECT_EQ(sched["cause"]["text"], "MOVD R26, 16(RSP) // one word off: should be 8(RSP)");
  EXPECT_TRUE(sched["cause"]["where"].get<std::string>().starts_with("main.morestack+0x"));
  EXPECT_NE(sched["cause"]["pc"], "0x0");
  EXPECT_EQ(j["runs"][0]["findings_omitted"], 0);
}

// The text of a source line is the line as the guest builder assembled it,
// from the copy it keeps beside the ELF; without that copy there is no text.
TEST(Blame, SourceTextIsTheAssembledLine) {
  const emu::ArchSpec& spec = *emu::find_arch("arm64");
  const std::string elf = test::seed_elf(spec);
  const emu::LineTable lines = emu::LineTable::load(elf);
  const uint64_t entry = emu::ElfImage::load(elf, "main.").func("main.morestack").addr;
  auto line = lines.at(entry);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->short_name(), "morestack.s");
  std::ifstream in(std::string(GOTRAMP_SOURCE_DIR) + "/guest_asm/arm64/morestack.s");
  std::string want;
  for (int i = 0; i < line->line; i++) std::getline(in, want);
  std::string collapsed;
  std::istringstream words(want);
  for (std::string w; words >> w;) collapsed += (collapsed.empty() ? "" : " ") + w;
  EXPECT_EQ(lines.text(*line), collapsed);
  EXPECT_FALSE(lines.text({line->file, 100000}));  // past the end of the file

  const auto bare = std::filesystem::temp_directory_path() / fmt::format("gotramp-blame-{}.elf", getpid());
  std::filesystem::copy_file(elf, bare, std::filesystem::copy_options::overwrite_existing);
  const emu::LineTable without = emu::LineTable::load(bare.string());
  EXPECT_FALSE(without.text(*line)) << "no copy of the sources beside " << bare;
  std::filesystem::remove(bare);
}

// The line table remembered beside an ELF answers as the ELF's DWARF does; a cache
// made for another ELF (or another build of it: size and mtime) or a damaged one is
// read afresh and rewritten, never believed.
TEST(Blame, TheRememberedLineTableIsTheElfs) {
  namespace fs = std::filesystem;
  const emu::ArchSpec& spec = *emu::find_arch("arm64");
  const std::string elf = test::seed_elf(spec);
  const fs::path dir = fs::temp_directory_path() / fmt::format("gotramp-lines-{}", getpid());
  fs::create_directories(dir);
  const fs::path copy = dir / "guest.elf", cache = emu::LineTable::cache_file(copy);
  fs::copy_file(elf, copy, fs::copy_options::overwrite_existing);
  const emu::LineTable fresh = emu::LineTable::load(copy.string());
  ASSERT_GT(fresh.size(), 10u);
  const uint64_t entry = emu::ElfImage::load(elf, "main.").func("main.morestack").addr;

  const emu::LineTable first = emu::LineTable::load_cached(copy.string(), ".s", {}, cache.string());
  ASSERT_TRUE(fs::exists(cache));
  const emu::LineTable again = emu::LineTable::load_cached(copy.string(), ".s", {}, cache.string());
  for (const emu::LineTable* t : {&first, &again}) {
    EXPECT_EQ(t->size(), fresh.size());
    for (uint64_t pc = entry; pc < entry + 0x40; pc += 4) {
      auto want = fresh.at(pc), got = t->at(pc);
      ASSERT_EQ(want.has_value(), got.has_value()) << std::hex << pc;
      if (want) {
        EXPECT_EQ(fmt::format("{}:{}", got->file, got->line), fmt::format("{}:{}", want->file, want->line));
      }
    }
    EXPECT_EQ(t->text(*t->at(entry)), fresh.text(*fresh.at(entry)));
  }

  // Damaged: cut short. Then stale: the ELF rewritten (another mtime).
  fs::resize_file(cache, fs::file_size(cache) / 2);
  EXPECT_EQ(emu::LineTable::load_cached(copy.string(), ".s", {}, cache.string()).size(), fresh.size());
  { std::ofstream(cache, std::ios::binary) << "gotramp-lines-1\tsomething else\n0\n\x01\x00\x00\x07"; }
  EXPECT_EQ(emu::LineTable::load_cached(copy.string(), ".s", {}, cache.string()).size(), fresh.size());
  fs::last_write_time(copy, fs::last_write_time(copy) - std::chrono::hours(1));
  EXPECT_EQ(emu::LineTable::load_cached(copy.string(), ".s", {}, cache.string()).size(), fresh.size());
  std::ifstream in(cache, std::ios::binary);
  std::string key;
  std::getline(in, key);
  EXPECT_TRUE(key.starts_with("gotramp-lines-1\t")) << key;
  fs::remove_all(dir);
}

TEST(Verdicts, TraceAndFrameEndWithTheVerdictAndTheFindings) {
  const std::string broken = variant("arm64", "no-morebuf-pc.s");
  for (const char* cmd : {"trace", "frame"}) {
    auto r = gotramp({cmd, "--goarch", "arm64", "--growth", "1", "--asm", broken});
    const auto verdict = r.output.rfind("arm64 morestack seed closure: FAILED");
    ASSERT_NE(verdict, std::string::npos) << cmd << ":\n" << r.output;
    EXPECT_NE(r.output.find("morebuf.pc [arm64 morestack seed closure, growth 1]: m.morebuf.pc", verdict),
              std::string::npos)
        << cmd;
    EXPECT_NE(r.output.find("cause: never stored", verdict), std::string::npos) << cmd;
    EXPECT_TRUE(std::regex_search(r.output.substr(verdict), std::regex(R"(and \d+ more \(not listed: )")))
        << cmd << ": every growth fails, three are listed";

    auto j =
        nlohmann::json::parse(gotramp({cmd, "--goarch", "arm64", "--growth", "1", "--json", "--asm", broken}).output);
    EXPECT_EQ(j["verdict"], "FAILED") << cmd;
    ASSERT_FALSE(j["findings"].empty()) << cmd;
    EXPECT_EQ(j["findings"][0]["check"], "morebuf.pc") << cmd;
    EXPECT_EQ(j["findings"][0]["cause"]["kind"], "never-stored") << cmd;
    EXPECT_GT(j["findings_omitted"].get<int>(), 0) << cmd;
  }
  for (const char* cmd : {"trace", "frame"}) {
    auto r = gotramp({cmd, "--goarch", "amd64", "--growth", "1"});
    EXPECT_TRUE(r.output.ends_with("\namd64 morestack seed closure: verified\n"))
        << cmd << ":\n"
        << r.output.substr(r.output.size() - 300);
    auto j = nlohmann::json::parse(gotramp({cmd, "--goarch", "amd64", "--growth", "1", "--json"}).output);
    EXPECT_EQ(j["verdict"], "verified") << cmd;
    EXPECT_TRUE(j["findings"].empty()) << cmd;
  }
}

TEST(Verdicts, VerifyEndsWithASummaryLine) {
  auto r = gotramp({"verify", "--goarch", "amd64,arm64", "--contract", "seed", "--scenario", "closure,g0"});
  EXPECT_TRUE(r.output.ends_with("\n2 verified, 2 diagnosed, 0 FAILED\n")) << r.output;
  auto bad = gotramp({"verify", "--goarch", "arm64", "--contract", "seed", "--scenario", "closure,g0", "--asm",
                      variant("arm64", "ctxt-slot-off.s")});
  EXPECT_TRUE(bad.output.ends_with("\n0 verified, 1 diagnosed, 1 FAILED\n")) << bad.output;
}

TEST(Verdicts, SummaryCountsRowsNotYetVerified) {
  std::vector<cli::VerifyRow> rows(4);
  rows[0].verdict = "verified", rows[1].verdict = "FAILED", rows[2].verdict = "not yet verified";
  rows[3].verdict = "not yet verified";
  EXPECT_EQ(cli::format_summary(rows), "1 verified, 0 diagnosed, 1 FAILED, 2 not yet verified\n");
}

}  // namespace
}  // namespace gotramp
