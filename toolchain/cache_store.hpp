// What gotramp keeps in its cache folder (toolchain/guest_build.hpp default_cache(),
// --cache, GOTRAMP_CACHE), read back from the layout the builders write:
//
//   <goarch>/<trampoline>-<hash>.elf (+ .elf.src/, .elf.lines)   guest ELFs (--asm, built-ins)
//   go-build/                                            Go's build cache for guest builds
//   probes/<version>/<goarch>/probe-<hash>.elf (+ .layouts, .lines, .src/)   real-toolchain probes
//   probes/go-build-tools/<fingerprint>/                 Go's build cache per compile/asm/link
//   probes/go-build/                                     the same, before it was kept per tools
//   gopath/, probes/gopath/                              Go's module folders (GOPROXY=off: tiny)
//   stage/<name>-<pid>/, probes/stage/<name>-<pid>/      a build's sources while it runs
//
// Sizes are apparent sizes (st_size of every file and folder, as `du -sb` counts).
// A probe's or guest's last use is its .src folder's modification time, moved each
// time a run takes it from the cache (not the ELF's: the layouts beside it are keyed
// by the ELF's mtime); a Go build cache's is its folder's, moved by each build.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gotramp::toolchain {

enum class CachePart { Guests, Probes, GoBuild, Stage };
std::string_view part_name(CachePart p);  // "guest ELFs", "probes", "Go build caches", "stage folders"

struct CacheEntry {
  CachePart part = CachePart::Guests;
  std::vector<std::filesystem::path> paths;  // what removing the entry removes; paths[0] names it
  std::string toolchain;                     // probes: the version folder ("go1.27.3")
  std::string goarch;                        // guests and probes
  std::string
      label;  // Go build caches: the tools fingerprint, "guest builds" or "before fingerprints"; stage: running/stale
  uint64_t bytes = 0;
  std::filesystem::file_time_type last_use;
  bool stale = false;  // stage folders: the process that made it no longer runs
};

struct CacheInfo {
  std::filesystem::path root;
  bool exists = false;
  std::vector<CacheEntry> entries;  // by part, then path
  uint64_t other_bytes = 0;         // files the layout does not name (left alone by clean)
  uint64_t total_bytes = 0;         // everything under root
  uint64_t part_bytes(CachePart p) const;
  int part_count(CachePart p) const;
};

CacheInfo scan_cache(const std::filesystem::path& root);

struct Removed {
  int entries = 0;
  uint64_t bytes = 0;
};
// Removes every entry of the parts given (stage folders only when stale).
Removed clean_cache(const std::filesystem::path& root, const std::vector<CachePart>& parts);

// The cache's size cap in bytes; 0 means none. 1 GiB: one toolchain's twelve probes
// with the Go build cache that made them take about 210 MB (Go 1.27.3, measured:
// 211.5 MB, 188 MB of it Go's build cache), so the bundled and the system Go
// (scripts/verify) and two or three porters' GOROOTs stay cached and warm runs never
// rebuild, while a day of GOROOTs (983 MB seen) stays bounded.
constexpr uint64_t kDefaultCacheCap = uint64_t{1} << 30;

// "200M", "1G", "512K", "1.5G", "123456" (bytes; K, M, G, T are powers of 1024, an
// optional trailing "B" or "iB" allowed), or "0"/"none" for no cap. nullopt when
// the text is none of these.
std::optional<uint64_t> parse_size(std::string_view text);
extern const char* const kSizeForms;  // the valid forms, for messages
// "1.9 MiB", "512 B".
std::string human_size(uint64_t bytes);

// Marks a cached ELF as used by this process (never evicted by it) and moves its
// last use to now.
void note_in_use(const std::filesystem::path& elf);

// When the cache holds more than cap bytes (cap 0: never), removes, oldest last use
// first, probes, then Go's build caches (`current`, the one this process builds
// with, last), then guest ELFs, until it fits. Never removes an ELF this process
// noted in use, nor a stage folder. Called after a build, with the builder's lock
// held, so no build of this process is using a Go build cache meanwhile.
Removed enforce_cap(const std::filesystem::path& root, uint64_t cap, const std::filesystem::path& current = {});

}  // namespace gotramp::toolchain
