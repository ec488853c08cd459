// Issue 4: the parent contract beside the seed, the write-barrier model, and the
// runtime's fault paths, per GOARCH.
#include <gtest/gtest.h>

#include <regex>

#include "runtime_model/harness.hpp"
#include "runtime_model/morestack/morestack_suite.hpp"
#include "runtime_model/suite.hpp"
#include "support.hpp"

namespace gotramp::model {
namespace {

std::string elf(const emu::ArchSpec& spec, const std::string& file) {
  auto cfg = test::guest_config();
  return toolchain::guest_elf(spec, toolchain::guest_dir(spec, cfg) / file, cfg).string();
}

struct Contracts : ::testing::TestWithParam<const emu::ArchSpec*> {};

const Finding* find(const RunReport& r, const std::string& check) {
  for (const auto& f : r.findings)
    if (f.check == check) return &f;
  return nullptr;
}

std::string findings(const RunReport& r) {
  std::string out;
  for (const auto& f : r.findings) out += "\n  " + f.message();
  return out;
}

TEST_P(Contracts, ParentStoresCtxtUnbarrieredAndNewstackRepairsIt) {
  const emu::ArchSpec& spec = *GetParam();
  auto m_owner = Harness::for_transcription(spec, elf(spec, "morestack_parent.s"));
  Harness& m = *m_owner;
  RunReport r = m.run(*find_scenario("closure-gc"), *find_contract("parent"));
  EXPECT_EQ(r.verdict, "verified") << findings(r);
  EXPECT_EQ(r.gc_phase, "marking");
  EXPECT_EQ(r.unbarriered_sites(), 1);
  ASSERT_FALSE(r.unbarriered.empty());
  for (const auto& w : r.unbarriered) {
    EXPECT_EQ(w.field, "g.sched.ctxt");
    EXPECT_EQ(w.value, r.ctxt_set);
    EXPECT_TRUE(w.repaired) << "growth " << w.growth;
    EXPECT_FALSE(w.lost);
    EXPECT_TRUE(w.where.starts_with("main.morestack")) << w.where;
  }
  EXPECT_TRUE(r.all_repaired());
  EXPECT_NE(std::find(r.shaded.begin(), r.shaded.end(), r.ctxt_set), r.shaded.end());
}

TEST_P(Contracts, SeedMakesNoUnbarrieredPointerWrite) {
  const emu::ArchSpec& spec = *GetParam();
  auto m_owner = Harness::for_transcription(spec, elf(spec, "morestack.s"));
  Harness& m = *m_owner;
  RunReport r = m.run(*find_scenario("closure-gc"), *find_contract("seed"));
  EXPECT_EQ(r.verdict, "verified") << findings(r);
  EXPECT_EQ(r.unbarriered_sites(), 0);
  // newstack's own store of ctxt went through the barrier.
  EXPECT_NE(std::find(r.shaded.begin(), r.shaded.end(), r.ctxt_set), r.shaded.end());
}

TEST_P(Contracts, RemovingTheRepairLosesTheWriteBarrier) {
  const emu::ArchSpec& spec = *GetParam();
  auto m_owner = Harness::for_transcription(spec, elf(spec, "morestack_parent.s"));
  Harness& m = *m_owner;
  RunReport r = m.run(*find_scenario("closure-gc"), *find_contract("parent-norepair"));
  EXPECT_EQ(r.verdict, "diagnosed") << findings(r);
  const Finding* f = find(r, "lost-write-barrier");
  ASSERT_NE(f, nullptr) << findings(r);
  EXPECT_EQ(f->slot, "g.sched.ctxt");
  EXPECT_EQ(f->growth, 1);
  EXPECT_NE(f->seen.find("never shaded"), std::string::npos) << f->message();
  EXPECT_TRUE(f->where.starts_with("main.morestack")) << f->message();
  // Blamed on the parent's own store into g.sched.ctxt, as its source line reads.
  ASSERT_TRUE(f->cause) << f->message();
  EXPECT_EQ(f->cause->kind, Cause::Kind::WrongStore);
  EXPECT_EQ(f->cause->pc, f->pc);
  EXPECT_TRUE(f->cause->source.starts_with("morestack_parent.s:")) << f->message();
  EXPECT_NE(f->cause->text.find("gobuf_ctxt"), std::string::npos) << f->message();
}

TEST_P(Contracts, TheAuditCatchesAPointerStoreUnderTheSeedContract) {
  // The parent's trampoline checked against the seed's contract: it builds no
  // argument, and its store into g.sched.ctxt has no barrier.
  const emu::ArchSpec& spec = *GetParam();
  auto m_owner = Harness::for_transcription(spec, elf(spec, "morestack_parent.s"));
  Harness& m = *m_owner;
  RunReport r = m.run(*find_scenario("closure-gc"), *find_contract("seed"));
  EXPECT_EQ(r.verdict, "FAILED");
  const Finding* f = find(r, "unbarriered-pointer-write");
  ASSERT_NE(f, nullptr) << findings(r);
  EXPECT_EQ(f->slot, "g.sched.ctxt");
  EXPECT_FALSE(f->insn.empty());
  ASSERT_TRUE(f->cause) << f->message();
  EXPECT_TRUE(f->cause->source.starts_with("morestack_parent.s:")) << f->message();
  EXPECT_NE(f->cause->text.find("gobuf_ctxt"), std::string::npos) << f->message();
  EXPECT_NE(find(r, "ctxt-argument"), nullptr) << findings(r);
}

// Both contracts must leave the goroutine in the same state: the differential.
TEST_P(Contracts, SeedAndParentAgree) {
  const emu::ArchSpec& spec = *GetParam();
  auto seed_owner = Harness::for_transcription(spec, elf(spec, "morestack.s"));
  auto parent_owner = Harness::for_transcription(spec, elf(spec, "morestack_parent.s"));
  Harness &seed = *seed_owner, &parent = *parent_owner;
  for (const char* scenario : {"closure", "noctxt", "closure-gc", "preempt"}) {
    RunReport a = seed.run(*find_scenario(scenario), *find_contract("seed"));
    RunReport b = parent.run(*find_scenario(scenario), *find_contract("parent"));
    EXPECT_EQ(a.grown(), b.grown()) << scenario;
    EXPECT_EQ(a.preemptions, b.preemptions) << scenario;
    EXPECT_EQ(a.result_got, b.result_got) << scenario;
    ASSERT_EQ(a.growths.size(), b.growths.size()) << scenario;
    for (size_t i = 0; i < a.growths.size(); i++) {
      EXPECT_EQ(a.growths[i].sched_ctxt, b.growths[i].sched_ctxt) << scenario << " growth " << i + 1;
      EXPECT_EQ(a.growths[i].ctxt_read, b.growths[i].ctxt_read) << scenario << " growth " << i + 1;
    }
    EXPECT_EQ(a.verdict, "verified") << scenario << findings(a);
    EXPECT_EQ(b.verdict, "verified") << scenario << findings(b);
    const Scenario& s = *find_scenario(scenario);
    EXPECT_EQ(test::check_names(a), test::growth_checks(spec, seed.profile(), *find_contract("seed"), s)) << scenario;
    EXPECT_EQ(test::check_names(b), test::growth_checks(spec, parent.profile(), *find_contract("parent"), s))
        << scenario;
  }
}

TEST_P(Contracts, FaultPathsEndWithTheRuntimesOwnWords) {
  const emu::ArchSpec& spec = *GetParam();
  for (const char* contract : {"seed", "parent"}) {
    const Contract& c = *find_contract(contract);
    auto m_owner = Harness::for_transcription(spec, elf(spec, c.transcription));
    Harness& m = *m_owner;
    for (const auto& s : scenarios()) {
      if (!s.expects_failure()) continue;
      RunReport r = m.run(s, c);
      EXPECT_EQ(r.verdict, "diagnosed") << contract << " " << s.name << findings(r);
      if (s.world.runs != World::Runs::Curg) {
        // badmorestackg0 and badmorestackgsignal print Go's words, and nothing grows.
        EXPECT_NE(std::find(r.printed.begin(), r.printed.end(), s.expect), r.printed.end()) << s.name;
        EXPECT_EQ(r.growths.size(), 0u);
      } else if (s.host == HostFault::NewstackReturns) {
        EXPECT_NE(r.stop.reason, emu::StopReason::Until);
      } else {
        ASSERT_TRUE(r.throw_text.has_value()) << s.name;
        EXPECT_EQ(*r.throw_text, s.expect);
      }
    }
  }
}

TEST_P(Contracts, OverflowPrintsTheLimit) {
  const emu::ArchSpec& spec = *GetParam();
  auto m_owner = Harness::for_transcription(spec, elf(spec, "morestack.s"));
  Harness& m = *m_owner;
  RunReport r = m.run(*find_scenario("overflow"), *find_contract("seed"));
  EXPECT_EQ(r.throw_text, "stack overflow");
  EXPECT_NE(std::find(r.printed.begin(), r.printed.end(), "runtime: goroutine stack exceeds 16384-byte limit"),
            r.printed.end());
  EXPECT_EQ(r.grown(), 3);  // 2 -> 4 -> 8 -> 16 KiB, then 32 KiB is past the limit
}

TEST_P(Contracts, PreemptionIsServedOnceWithoutGrowing) {
  const emu::ArchSpec& spec = *GetParam();
  auto m_owner = Harness::for_transcription(spec, elf(spec, "morestack.s"));
  Harness& m = *m_owner;
  RunReport r = m.run(*find_scenario("preempt"), *find_contract("seed"));
  EXPECT_EQ(r.verdict, "verified") << findings(r);
  EXPECT_EQ(r.preemptions, 1);
  ASSERT_FALSE(r.growths.empty());
  EXPECT_TRUE(r.growths.front().preempted);
  EXPECT_EQ(r.growths.front().new_lo, 0u);  // no new stack
  EXPECT_GE(r.grown(), 5);
  EXPECT_EQ(r.result_got, r.result_expected);
}

INSTANTIATE_TEST_SUITE_P(Verified, Contracts, ::testing::ValuesIn(test::verified_archs()),
                         [](const auto& info) { return test::arch_param_name(info.param); });

// mips and mipsle run mips64's calling sequence with 4-byte words: under every
// contract and scenario they must end as mips64 does (the same verdict, growths,
// checks, throw and unbarriered writes).
struct MipsAsMips64 : ::testing::TestWithParam<const emu::ArchSpec*> {};

// What the runtime printed, with addresses (which differ between the two) masked.
std::vector<std::string> words(const std::vector<std::string>& printed) {
  static const std::regex hex("0x[0-9a-f]+");
  std::vector<std::string> out;
  for (const auto& line : printed) out.push_back(std::regex_replace(line, hex, "0x?"));
  return out;
}

TEST_P(MipsAsMips64, EveryContractAndScenarioEndsAsOnMips64) {
  const emu::ArchSpec& spec = *GetParam();
  const emu::ArchSpec& wide = *emu::find_arch("mips64");
  int compared = 0, expected = 0;
  int transcribed = 0;
  for (const auto& c : contracts()) {
    if (!c.transcribed()) continue;
    transcribed++;
    auto m_owner = Harness::for_transcription(spec, elf(spec, c.transcription));
    auto w_owner = Harness::for_transcription(wide, elf(wide, c.transcription));
    Harness &m = *m_owner, &w = *w_owner;
    for (const auto& s : scenarios()) {
      if (!m.program().has(s.exercise.function)) continue;  // the probe's shapes
      expected++;
      if (!world_unavailable(s.world, spec).empty()) {
        // No stack across 0x80000000 on linux/mips: bad input, not a run.
        EXPECT_THROW(m.run(s, c), std::invalid_argument) << s.name;
        continue;
      }
      RunReport a = m.run(s, c), b = w.run(s, c);
      const std::string what = c.name + " " + s.name;
      EXPECT_EQ(a.verdict, b.verdict) << what << findings(a);
      EXPECT_EQ(a.grown(), b.grown()) << what;
      EXPECT_EQ(a.checks.size(), b.checks.size()) << what;
      EXPECT_EQ(a.throw_text, b.throw_text) << what;
      EXPECT_EQ(words(a.printed), words(b.printed)) << what;  // the same message, other addresses
      EXPECT_EQ(a.unbarriered_sites(), b.unbarriered_sites()) << what;
      EXPECT_EQ(a.arg_slot == "g.sched.ctxt", b.arg_slot == "g.sched.ctxt") << what;
      compared++;
    }
  }
  EXPECT_EQ(compared + transcribed, expected);  // all but high-stack, per contract
  EXPECT_GE(compared, 27);
}

INSTANTIATE_TEST_SUITE_P(Verified, MipsAsMips64, ::testing::Values(emu::find_arch("mips"), emu::find_arch("mipsle")),
                         [](const auto& info) { return test::arch_param_name(info.param); });

}  // namespace
}  // namespace gotramp::model
