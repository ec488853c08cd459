// Building guest ELFs with the Go toolchain: Plan 9 assembly, the runtime's own
// syntax, assembled and linked by `go build` for one GOARCH, with the generated
// layout header beside it. Results are cached by content, so CMake (for the
// built-in guests) and the CLI (for a porter's own trampoline) share one path.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

#include "emu/arch_spec.hpp"

namespace gotramp::toolchain {

struct GuestBuildError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct GuestBuildConfig {
  std::filesystem::path guest_asm;  // the guest_asm/ source folder
  std::filesystem::path cache;      // where built ELFs and Go's caches live
  std::string go = "go";            // the Go command
  // Paths fixed at configure time, overridden by GOTRAMP_GUEST_ASM, GOTRAMP_CACHE
  // and GOTRAMP_GO.
  static GuestBuildConfig defaults();
};

// The folder holding a GOARCH's guest code, and whether it exists yet.
std::filesystem::path guest_dir(const emu::ArchSpec& spec, const GuestBuildConfig& cfg);
bool has_guest(const emu::ArchSpec& spec, const GuestBuildConfig& cfg);

// The guest ELF for spec whose trampoline (morestack, morestack_noctxt) comes from
// `trampoline`; the harness files come from the GOARCH's folder. Builds it unless
// the cache already holds the same sources. Throws GuestBuildError with the
// toolchain's own messages when the build fails.
std::filesystem::path guest_elf(const emu::ArchSpec& spec, const std::filesystem::path& trampoline,
                                const GuestBuildConfig& cfg);

}  // namespace gotramp::toolchain
