// Building the probe (probe/: a small Go program whose stack grows through the
// toolchain's own prologues and morestack) for one GOARCH with a real toolchain.
// Results are cached by toolchain (version, GOROOT, a fingerprint of its
// src/runtime and one of its compile, asm and link binaries), probe content, GOARCH
// and DWARF choice, so a run after the first never waits for go build, and a GOROOT
// whose runtime was edited in place, or whose compiler was rebuilt, builds anew. Go's
// own build cache is kept apart per compile/asm/link fingerprint
// (cache/probes/go-build-tools/<fingerprint>): it knows a release compiler by its
// version alone and would otherwise hand a rebuilt compiler the old one's objects.
// Overlays (go build -overlay) replace single GOROOT files for one build: their paths
// and contents join the key, and the replacing bytes are kept beside the ELF under
// the path they replaced (emu::LineTable::overlay_dir), so its lines are shown.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "toolchain/go_toolchain.hpp"

namespace gotramp::toolchain {

struct ProbeBuildError : std::runtime_error {
  using std::runtime_error::runtime_error;
  ProbeBuildError(const std::string& what, std::string source) : std::runtime_error(what), source(std::move(source)) {}
  // Where the toolchain's first error points, relative to the GOROOT
  // ("src/runtime/asm_riscv64.s:301"); empty when its message names no file there.
  std::string source;
};

// The first "file:line" of a toolchain's output that lies in the GOROOT, relative to
// it ("src/runtime/asm_riscv64.s:301"): paths as go build prints them, relative to
// the folder it ran in (cwd), absolute, or trimmed to an import path
// ("runtime/asm_riscv64.s:301"). Empty when there is none.
std::string first_goroot_line(const std::string& output, const std::filesystem::path& goroot,
                              const std::filesystem::path& cwd);

// Whether a file directly in GOROOT/src/runtime can take part in a linux build (its
// name is all that is read): Go source, assembly or an assembly header, not a test,
// and not named for another GOOS (go/build's name_GOOS and name_GOOS_GOARCH). Only
// these are in a probe's cache key.
bool runtime_file_builds_for_linux(std::string_view name);

// Every linux GOARCH the probe is built for: those Go 1.19 and 1.27 both support
// and Unicorn 2.1.4 runs.
std::span<const std::string_view> probe_goarches();

// One GOROOT file replaced at build time by a file of the porter's (go build
// -overlay), instead of a copied GOROOT.
struct SourceOverlay {
  std::string path;            // below GOROOT/src: "runtime/asm_riscv64.s"
  std::filesystem::path file;  // what the build reads in its place
};

struct ProbeBuildConfig {
  std::filesystem::path probe_src;      // the probe/ folder (main.go, go.mod)
  std::filesystem::path cache;          // built probes and Go's caches live under cache/probes
  bool strip_dwarf = false;             // link with -ldflags=-w: no DWARF (for the error path)
  std::vector<SourceOverlay> overlays;  // in the key by path and content; none: keys as before
  uint64_t cache_cap = 0;               // after a build, trim the cache to this (0: no cap; toolchain/cache_store.hpp)
  // share/gotramp/probe beside the executable (GOTRAMP_PROBE_SRC overrides it) and
  // default_cache(); no path is compiled in.
  static ProbeBuildConfig defaults();
};

// The probe ELF for goarch built by tc; builds it unless the cache holds it.
// Throws ProbeBuildError with the toolchain's own messages when the build fails.
std::filesystem::path probe_elf(const GoToolchain& tc, std::string_view goarch, const ProbeBuildConfig& cfg);

}  // namespace gotramp::toolchain
