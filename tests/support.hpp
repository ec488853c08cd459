// Shared helpers for the test suite.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "emu/arch_spec.hpp"
#include "runtime_model/contract.hpp"
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

// gtest parameter names: "amd64", "mips64le".
inline std::string arch_param_name(const emu::ArchSpec* a) { return a->goarch; }

}  // namespace gotramp::test
