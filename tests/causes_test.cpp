// One cause, one entry: grouping Findings by what broke the runs, the place a
// toolchain's error names, and GitHub annotations.
#include "cli/causes.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "runtime_model/suite.hpp"
#include "toolchain/probe_build.hpp"

namespace gotramp {
namespace {

namespace fs = std::filesystem;

TEST(Causes, TheToolchainsFirstGorootLineIsNamedBelowTheGoroot) {
  const fs::path root = fs::temp_directory_path() / fmt::format("gotramp-causes-{}", getpid());
  const fs::path goroot = root / "go", stage = root / "cache" / "stage" / "riscv64-1";
  fs::create_directories(goroot / "src" / "runtime");
  fs::create_directories(stage);
  std::ofstream(goroot / "src" / "runtime" / "asm_riscv64.s") << "TEXT x\n";
  // As go build prints it: relative to the folder it ran in.
  EXPECT_EQ(toolchain::first_goroot_line(
                "# runtime\n../../../go/src/runtime/asm_riscv64.s:226: unrecognized instruction \"NOTANINSN\"\n",
                goroot, stage),
            "src/runtime/asm_riscv64.s:226");
  // Absolute, with a column; or trimmed to its import path.
  EXPECT_EQ(
      toolchain::first_goroot_line((goroot / "src/runtime/asm_riscv64.s").string() + ":7:3: bad\n", goroot, stage),
      "src/runtime/asm_riscv64.s:7");
  EXPECT_EQ(toolchain::first_goroot_line("runtime/asm_riscv64.s:9: bad\n", goroot, stage),
            "src/runtime/asm_riscv64.s:9");
  // The probe's own file, a file that is not there, or no place at all: none.
  std::ofstream(stage / "main.go") << "package main\n";
  EXPECT_EQ(toolchain::first_goroot_line("./main.go:3:1: syntax error\n", goroot, stage), "");
  EXPECT_EQ(toolchain::first_goroot_line("runtime/asm_nowhere.s:9: bad\n", goroot, stage), "");
  EXPECT_EQ(toolchain::first_goroot_line("go: cannot find GOROOT\nerror: 12\n", goroot, stage), "");
  fs::remove_all(root);
}

cli::VerifyRow failed_row(const std::string& scenario, const std::string& goarch, const std::string& source,
                          const std::string& text) {
  cli::VerifyRow row;
  row.spec = emu::find_arch(goarch);
  row.trampoline = model::find_trampoline("morestack");
  row.contract = model::find_contract("modern");
  row.scenario = model::find_scenario(scenario);
  row.verdict = "FAILED";
  model::RunReport r;
  r.verdict = "FAILED";
  for (int growth = 1; growth <= 2; growth++) {  // one cause, met at every growth
    model::Finding f;
    f.check = "morebuf.pc", f.slot = "m.morebuf.pc", f.growth = growth;
    f.goarch = goarch, f.scenario = scenario;
    model::Cause c;
    c.kind = model::Cause::Kind::WrongStore;
    c.source = source, c.text = text, c.where = "runtime.morestack+0x44";
    f.cause = c;
    r.findings.push_back(f);
  }
  row.report = std::move(r);
  return row;
}

TEST(Causes, FindingsThatShareTheirGuiltyInstructionAreOneCause) {
  const std::vector<cli::VerifyRow> rows = {
      failed_row("closure", "arm64", "src/runtime/asm_arm64.s:465", "MOVD LR, (m_morebuf+gobuf_pc)(R8)"),
      failed_row("noctxt", "arm64", "src/runtime/asm_arm64.s:465", "MOVD LR, (m_morebuf+gobuf_pc)(R8)"),
      failed_row("closure", "amd64", "src/runtime/asm_amd64.s:610", "MOVQ AX, (m_morebuf+gobuf_pc)(BX)"),
      // ppc64 and ppc64le share asm_ppc64x.s: one line, one cause.
      failed_row("closure", "ppc64", "src/runtime/asm_ppc64x.s:300", "MOVD R5, (m_morebuf+gobuf_pc)(R7)"),
      failed_row("closure", "ppc64le", "src/runtime/asm_ppc64x.s:300", "MOVD R5, (m_morebuf+gobuf_pc)(R7)"),
  };
  const auto causes = cli::group_causes(rows);
  ASSERT_EQ(causes.size(), 3u);
  EXPECT_EQ(causes[0].rows.size(), 2u);  // each run once, though each failed twice
  EXPECT_EQ(causes[0].file, "src/runtime/asm_arm64.s");
  EXPECT_EQ(causes[0].line, 465);
  EXPECT_EQ(causes[0].kind, "wrong-store");
  EXPECT_EQ(causes[0].checks, "morebuf.pc");
  EXPECT_EQ(causes[0].title,
            "the store by src/runtime/asm_arm64.s:465 `MOVD LR, (m_morebuf+gobuf_pc)(R8)` (runtime.morestack+0x44)");
  EXPECT_EQ(causes[1].rows.size(), 1u);
  EXPECT_EQ(causes[2].rows.size(), 2u);
  EXPECT_EQ(causes[2].rows[1]->spec->goarch, "ppc64le");
}

// CI tools want a guest file by its path in the repository, not its name alone.
TEST(Causes, AGuestFileIsNamedByItsPathInTheRepository) {
  auto transcription = failed_row("closure", "arm64", "morestack.s:43", "MOVD R26, 8(RSP)");
  transcription.source = "guest_asm";
  auto porters = failed_row("closure", "arm64", "ctxt-slot-off.s:42", "MOVD R26, 16(RSP)");
  porters.asm_file = "guest_asm/arm64/variants/ctxt-slot-off.s";
  porters.source = porters.asm_file->string();
  auto real = failed_row("closure", "arm64", "src/runtime/asm_arm64.s:465", "MOVD LR, (m_morebuf+gobuf_pc)(R8)");
  real.source = "/cache/probes/go1.27.3/arm64/probe-0123.elf";
  const auto causes = cli::group_causes({transcription, porters, real});
  ASSERT_EQ(causes.size(), 3u);
  EXPECT_EQ(causes[0].file, "guest_asm/arm64/morestack.s");
  EXPECT_EQ(causes[0].line, 43);
  EXPECT_EQ(causes[1].file, "guest_asm/arm64/variants/ctxt-slot-off.s");
  EXPECT_EQ(causes[1].line, 42);
  EXPECT_EQ(causes[2].file, "src/runtime/asm_arm64.s");
  // A harness file of a porter's run comes from the GOARCH's folder.
  EXPECT_EQ(cli::repo_source(porters, "runtime.s:12"), "guest_asm/arm64/runtime.s:12");
}

TEST(Causes, GithubAnnotationsCarryTheFileLineAndEscapedText) {
  auto row = failed_row("closure", "arm64", "src/runtime/asm_arm64.s:465", "MOVD LR, 100%");
  const std::vector<cli::VerifyRow> rows = {row};
  const std::string out = cli::github_annotations(cli::group_causes(rows), false);
  EXPECT_TRUE(
      out.starts_with("::error file=src/runtime/asm_arm64.s,line=465,title=gotramp%3A morebuf.pc (1 run)::the store by "
                      "src/runtime/asm_arm64.s:465 `MOVD LR, 100%25` (runtime.morestack+0x44)%0A"))
      << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);  // one line per cause
  EXPECT_TRUE(out.ends_with("%0Aruns: arm64 closure\n")) << out;
}

}  // namespace
}  // namespace gotramp
