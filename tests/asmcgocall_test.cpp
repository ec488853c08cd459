// The asmcgocall suite on the probes of both real toolchains, every GOARCH: the C
// call on g0 verified against the row's C ABI, the calls on g0 and gsignal made
// without a switch, a stack moved while C ran; and what gotramp finds in released
// runtimes, each by the check that names it and known by its catalog entry
// (docs/findings.md, "Found by gotramp"): mips64x's and riscv64's C calls off the
// 16-byte alignment their psABIs require, arm64's nosave path returning with the
// caller's frame pointer overwritten, go1.19 ppc64's ELFv1 call keeping its own
// words in the callee's linkage area.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>

#include "planted_switch.hpp"
#include "probe_support.hpp"
#include "run_report_support.hpp"
#include "runtime_model/asmcgocall/asmcgocall_suite.hpp"
#include "runtime_model/harness.hpp"
#include "runtime_model/suite.hpp"
#include "support.hpp"

namespace gotramp {
namespace {

using model::Harness;
using model::RunReport;
using test::RealCase;

bool switches(const model::Scenario& s) { return s.world.runs == model::World::Runs::Curg; }

// The checks a run that reaches fn and returns must make, on this row.
std::set<std::string> asmcgocall_checks(const emu::ArchSpec& spec, const emu::ArchSpec::CAbi& c,
                                        const model::Scenario& s) {
  const bool fp = spec.modern_frame_pointer.valid();
  std::set<std::string> want = {"c-g", "c-sp", "c-align", "c-arg", "run-completed", "return-sp", "return-g", "result"};
  if (c.entry.valid()) want.insert("c-entry");
  if (c.reserved_hi > c.reserved_lo) want.insert("c-reserved");
  if (fp && !s.exercise.moves_stack) want.insert("return-fp");
  if (switches(s)) {
    want.insert({"sched.pc", "sched.sp", "sched.ctxt"});
    if (spec.has_link()) want.insert("sched.lr");
    if (fp) want.insert("sched.bp");
  } else {
    want.insert("g0-sched-intact");
  }
  return want;
}

// What gotramp finds in the released runtimes (go1.19.8 and go1.27.3 alike), by
// GOARCH and scenario, and the catalog entry that knows it; empty: verified.
struct Found {
  std::set<std::string> checks;
  std::string id;
};
Found found(const std::string& goarch, const model::Scenario& s) {
  // mips64x and riscv64: `ADDV $-16, R29` / `SUB $16, X2` from a Go SP, which is only
  // 8-byte aligned (goarch.StackAlign), where n64 and LP64D require 16.
  // Which runs show it depends on the SP the scenario starts from: the switch lands
  // at g0.sched.sp (8 mod 16 in call), on-g0 calls from a 16-byte aligned SP less
  // asmcgocall's 8-byte frame.
  if ((goarch == "mips64" || goarch == "mips64le") && (s.name == "call" || s.name == "on-g0"))
    return {{"c-align"}, "gotramp-asmcgocall-align-mips64x"};
  if (goarch == "riscv64" && (s.name == "call" || s.name == "on-g0"))
    return {{"c-align"}, "gotramp-asmcgocall-align-riscv64"};
  // arm64's nosave path stores the original SP at 8(RSP) after `SUB $16`: the word
  // where its prologue saved the caller's R29, which its epilogue then reloads.
  if (goarch == "arm64" && !switches(s)) return {{"return-fp"}, "gotramp-asmcgocall-nosave-fp-arm64"};
  return {};
}

class Asmcgocall : public ::testing::TestWithParam<RealCase> {};

TEST_P(Asmcgocall, TheCCallIsCheckedAgainstTheRowsCAbi) {
  const RealCase& c = GetParam();
  const auto& tc = test::real_toolchain(c.toolchain);
  auto m = Harness::for_probe(*c.spec, test::probe_path(c.toolchain, c.spec->goarch), tc.version);
  const model::Contract& modern = *model::find_contract("modern");
  const auto scenarios = model::scenarios("asmcgocall");
  ASSERT_EQ(scenarios.size(), 4u);
  for (const auto& s : scenarios) {
    RunReport r = m->run(s, modern);
    const std::string what = c.spec->goarch + " " + tc.version + " " + s.name;
    EXPECT_EQ(r.trampoline, "asmcgocall") << what;
    const auto& cabi = c.spec->c_abi_for(m->image().e_flags());
    if (cabi.descriptors) {
      // go1.19's linux/ppc64 is ELFv1 (e_flags 1): fn goes through a function
      // descriptor, and asmcgocall keeps the depth and the old g at 32(R1) and
      // 40(R1), in the callee's linkage words; the C function overwrites them and
      // the way back loads g from there.
      EXPECT_EQ(test::failing_checks(r), (std::set<std::string>{"c-reserved", "run-completed"}))
          << what << test::findings_text(r);
      EXPECT_EQ(r.verdict, "known") << what << test::findings_text(r);
      for (const auto& f : r.findings) {
        ASSERT_TRUE(f.known) << f.message();
        EXPECT_EQ(f.known->id, "gotramp-asmcgocall-elfv1-ppc64");
      }
      continue;
    }
    EXPECT_EQ(test::check_names(r), asmcgocall_checks(*c.spec, cabi, s)) << what << test::findings_text(r);
    const Found bug = found(c.spec->goarch, s);
    EXPECT_EQ(test::failing_checks(r), bug.checks) << what << test::findings_text(r);
    EXPECT_EQ(r.verdict, bug.checks.empty() ? "verified" : "known") << what << test::findings_text(r);
    for (const auto& f : r.findings) {
      ASSERT_TRUE(f.known) << f.message();
      EXPECT_EQ(f.known->id, bug.id);
      EXPECT_FALSE(f.known->reported());
      if (f.check == "c-align") {
        EXPECT_TRUE(f.slot.starts_with(c.spec->sp.name + " (SP at fn's entry")) << f.slot;
        // Blamed on asmcgocall's instruction that made SP (`SUB $16, X2`, `ADDV $-16, R29`).
        ASSERT_TRUE(f.cause) << what;
        EXPECT_NE(f.message().find(fmt::format("written to {} by asm_", c.spec->sp.name)), std::string::npos)
            << f.message();
        EXPECT_NE(f.message().find("runtime.asmcgocall+"), std::string::npos) << f.message();
      }
      if (f.check == "return-fp") {
        EXPECT_TRUE(f.slot.starts_with("R29 (frame pointer")) << f.slot;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Asmcgocall, Asmcgocall, ::testing::ValuesIn(test::real_cases()), test::real_name);

// ---- A planted bug (--overlay, tests/planted_switch.hpp): riscv64's asmcgocall as
// it was before 160d797260 (golang/go#36435), without its m.gsignal test. Called from
// a signal handler it switches to g0 and calls C there: on-gsignal is FAILED by c-g,
// blamed on the `MOV X7, g` that made g0 current; the other runs keep their verdicts
// (call and on-g0 keep the alignment bug gotramp found, known).
TEST(PlantedSwitch, AsmcgocallWithoutItsGsignalCheckIsNamedByCG) {
  const test::PlantedSwitch p{"riscv64",
                              "asm_riscv64.s",
                              "\tMOV\tm_gsignal(X6), X7\n\tBEQ\tX7, g, g0\n\tMOV\tm_g0(X6), X7\n",
                              "\tMOV\tm_g0(X6), X7\n",
                              "c-g",
                              "X27 (g at fn's entry)",
                              "MOV X7, g"};
  test::expect_caught(p, test::verify_planted(p, "asmcgocall"),
                      {{"call", "known"}, {"moved", "verified"}, {"on-g0", "known"}}, 1);
}

// Every row that real toolchains build describes its C ABI, with registers it names.
TEST(CAbi, EveryRealRowNamesItsCCallingConvention) {
  for (const auto& spec : emu::arch_table()) {
    if (!spec.real_toolchains) continue;
    const auto& c = spec.c_abi;
    EXPECT_FALSE(c.name.empty()) << spec.goarch;
    EXPECT_TRUE(c.result.valid()) << spec.goarch;
    EXPECT_TRUE(c.stack_align == 8 || c.stack_align == 16) << spec.goarch;
    EXPECT_LE(c.reserved_lo, c.reserved_hi) << spec.goarch;
    for (const auto& r : c.clobbered) EXPECT_TRUE(r.valid()) << spec.goarch << ": a clobbered register the row lacks";
    // C keeps SP, and g's register where Go keeps g in one C preserves.
    for (const auto& r : c.clobbered) {
      EXPECT_NE(r.uc, spec.sp.uc) << spec.goarch;
      if (spec.g.valid()) {
        EXPECT_NE(r.uc, spec.g.uc) << spec.goarch << ": C would clobber g's register";
      }
    }
  }
}

}  // namespace
}  // namespace gotramp
