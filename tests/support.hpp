// Shared helpers for the test suite.
#pragma once

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "emu/arch_spec.hpp"
#include "runtime_model/contract.hpp"
#include "runtime_model/probe_program.hpp"
#include "runtime_model/profile.hpp"
#include "runtime_model/report.hpp"
#include "runtime_model/scenario.hpp"
#include "runtime_model/suite.hpp"
#include "toolchain/guest_build.hpp"

namespace gotramp::test {

inline toolchain::GuestBuildConfig guest_config() { return toolchain::GuestBuildConfig::defaults(); }

// The seed guest ELF of a GOARCH (built at build time; cached).
inline std::string seed_elf(const emu::ArchSpec& spec) {
  auto cfg = guest_config();
  return toolchain::guest_elf(spec, toolchain::guest_dir(spec, cfg) / model::find_contract("seed")->transcription, cfg)
      .string();
}

// Rows verified end to end through their Go 1.8 transcription: the suite runs every
// one of them (riscv64, without one, is the real toolchains' tests' alone).
inline std::vector<const emu::ArchSpec*> verified_archs() {
  std::vector<const emu::ArchSpec*> out;
  for (const auto& a : emu::arch_table())
    if (a.verified && a.transcribed()) out.push_back(&a);
  return out;
}

// The checks a morestack run that grows must make, by name, on a row under a
// runtime and a contract: the calling sequence at newstack's entry, g.sched and
// m.morebuf, the whole state gogo resumes with, the arguments the prologue reloads,
// and the run's end. A check that silently stopped running fails the tests that
// compare a run's checks with this set.
inline std::set<std::string> growth_checks(const emu::ArchSpec& spec, const model::RuntimeProfile& p,
                                           const model::Contract& c, const model::Scenario& s) {
  std::set<std::string> want = {
      "sp-on-g0-stack", "g-is-g0",   "sp-aligned",  "g0-frame-intact", "morestack-entered", "sched.g",
      "sched.sp",       "sched.pc",  "sched.lr",    "sched.ctxt",      "morebuf.g",         "morebuf.sp",
      "morebuf.pc",     "resume-sp", "resume-ctxt", "resume-g",        "resume-entry",      "run-completed",
      "result",         "growths",   "split-needed"};
  if (c.newstack.ctxt_is_argument) want.insert("ctxt-argument");
  // The word at newstack's SP, by the contract's own name for it.
  if (!spec.has_link()) want.insert(c.names.return_pc_check);
  if (spec.has_link() && c.trampoline.builds_g0_frame) want.insert(c.names.saved_lr_check);
  if (spec.has_link()) want.insert({"return-pc", "resume-lr"});
  if (p.frame_pointer(spec).valid()) {
    want.insert({"sched.bp", "fp-chain", "resume-fp"});
    if (c.trampoline.frame_pointer_on_g0) want.insert("newstack-fp");
  }
  if (p.regabi) want.insert("arg-reload");
  if (s.world.preempt) want.insert("preemption");
  return want;
}

// How many scenarios the transcriptions run: those whose exercise guest_asm has
// (the probe's shapes need --go).
inline size_t transcription_scenario_count() {
  const auto program = model::transcription_program(emu::arch_table().front());
  size_t n = 0;
  for (const auto& s : model::scenarios()) n += program->has(s.exercise.function);
  return n;
}

// A run the row cannot have: the high-stack world on linux/mips and mipsle.
inline bool not_applicable_here(const std::string& goarch, const std::string& scenario) {
  return scenario.starts_with("high-stack") && (goarch == "mips" || goarch == "mipsle");
}

inline std::set<std::string> check_names(const model::RunReport& r) {
  std::set<std::string> out;
  for (const auto& c : r.checks) out.insert(c.name);
  return out;
}

// gtest parameter names: "amd64", "mips64le".
inline std::string arch_param_name(const emu::ArchSpec* a) { return a->goarch; }

// Writes the seed's morestack.s for spec to `variant` without its m.morebuf.pc store
// (a planted bug); returns how many lines it dropped (the seed has exactly one).
inline int write_seed_without_morebuf_pc(const emu::ArchSpec& spec, const std::filesystem::path& variant) {
  std::filesystem::create_directories(variant.parent_path());
  std::ifstream in(toolchain::guest_dir(spec, guest_config()) / "morestack.s");
  std::ofstream out(variant);
  int dropped = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.find("(m_morebuf+gobuf_pc)") != std::string::npos && line.find("MOV") != std::string::npos) {
      dropped++;
      continue;
    }
    out << line << "\n";
  }
  return dropped;
}

}  // namespace gotramp::test
