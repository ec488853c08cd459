// Building guest ELFs with the Go toolchain: Plan 9 assembly, the runtime's own
// syntax, assembled and linked by `go build` for one GOARCH, with the generated
// layout header beside it. Results are cached by content, so CMake (for the
// built-in guests) and the CLI (for a porter's own trampoline) share one path.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "emu/arch_spec.hpp"

namespace gotramp::toolchain {

struct GuestBuildError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct GuestBuildConfig {
  std::filesystem::path guest_asm;  // the guest_asm/ source folder
  std::filesystem::path prebuilt;   // built-in guest ELFs built with gotramp (read only; may be empty)
  std::filesystem::path cache;      // where built ELFs and Go's caches live
  std::string go = "go";            // the Go command
  uint64_t cache_cap = 0;           // after a build, trim the cache to this (0: no cap; toolchain/cache_store.hpp)
  // Found relative to the running executable, so that an installed tree can be
  // moved: <bin>/../share/gotramp (installed) or <bin>/share/gotramp (build tree)
  // holds guest_asm/ and guests/ (the prebuilt ELFs). The cache is
  // $XDG_CACHE_HOME/gotramp (else ~/.cache/gotramp). GOTRAMP_GUEST_ASM,
  // GOTRAMP_CACHE and GOTRAMP_GO override them. Throws GuestBuildError when the
  // guest sources cannot be found.
  static GuestBuildConfig defaults();
};

// The folder gotramp's data lives in, found from the executable: see defaults().
std::optional<std::filesystem::path> data_dir();
// Where built ELFs are cached: GOTRAMP_CACHE, else $XDG_CACHE_HOME/gotramp (else
// ~/.cache/gotramp).
std::filesystem::path default_cache();

// A trampoline file must define the two functions the harness calls. Throws
// GuestBuildError naming those it lacks, or why the file cannot be read.
void check_trampoline(const std::filesystem::path& file);

// "go1.19.8", or why the Go command gave no version.
std::string go_version(const GuestBuildConfig& cfg);

// The folder holding a GOARCH's guest code, and whether it exists yet.
std::filesystem::path guest_dir(const emu::ArchSpec& spec, const GuestBuildConfig& cfg);
bool has_guest(const emu::ArchSpec& spec, const GuestBuildConfig& cfg);

// The guest ELF for spec whose trampoline (morestack, morestack_noctxt) comes from
// `trampoline`; the harness files come from the GOARCH's folder. Builds it unless
// the prebuilt folder or the cache already holds the same sources. Throws
// GuestBuildError with the toolchain's own messages when the build fails, naming
// the trampoline by the path it was given.
std::filesystem::path guest_elf(const emu::ArchSpec& spec, const std::filesystem::path& trampoline,
                                const GuestBuildConfig& cfg);

}  // namespace gotramp::toolchain
