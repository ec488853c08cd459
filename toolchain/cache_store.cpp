#include "toolchain/cache_store.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <mutex>
#include <set>

#include "emu/arch_spec.hpp"
#include "toolchain/stage_dir.hpp"

namespace fs = std::filesystem;

namespace gotramp::toolchain {
namespace {

// Apparent size of a file or tree, as `du -sb` counts it: every file's and
// folder's st_size, symbolic links not followed.
uint64_t tree_bytes(const fs::path& p) {
  struct stat st;
  if (::lstat(p.c_str(), &st) != 0) return 0;
  uint64_t n = static_cast<uint64_t>(st.st_size);
  if (!S_ISDIR(st.st_mode)) return n;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (::lstat(it->path().c_str(), &st) == 0) n += static_cast<uint64_t>(st.st_size);
  return n;
}

fs::file_time_type mtime(const fs::path& p) {
  std::error_code ec;
  auto t = fs::last_write_time(p, ec);
  return ec ? fs::file_time_type::min() : t;
}

bool is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(fs::symlink_status(p, ec));
}

std::vector<fs::path> children(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

bool is_goarch(const std::string& name) {
  return std::ranges::any_of(emu::arch_table(), [&](const emu::ArchSpec& a) { return a.goarch == name; });
}

// An ELF with the files kept beside it: the sources (.src/) and, for probes, the
// layouts read from its DWARF (.layouts); its line table (.lines, once a Finding was
// blamed). Its last use is its .src folder's mtime.
CacheEntry elf_entry(CachePart part, const fs::path& elf, std::string toolchain, std::string goarch) {
  CacheEntry e;
  e.part = part, e.paths = {elf}, e.toolchain = std::move(toolchain), e.goarch = std::move(goarch);
  for (const char* beside : {".src", ".layouts", ".lines"}) {
    fs::path p = fs::path(elf).concat(beside);
    std::error_code ec;
    if (fs::exists(fs::symlink_status(p, ec))) e.paths.push_back(p);
  }
  e.last_use = std::max(mtime(elf), mtime(fs::path(elf).concat(".src")));
  return e;
}

CacheEntry dir_entry(CachePart part, const fs::path& dir, std::string label) {
  CacheEntry e;
  e.part = part, e.paths = {dir}, e.label = std::move(label);
  e.last_use = mtime(dir);
  if (part == CachePart::Stage) {
    e.stale = is_stale_stage(dir);
    e.label = e.stale ? "stale (its process is gone)" : "in use by a running build";
  }
  return e;
}

void add_guests(const fs::path& root, std::vector<CacheEntry>& out) {
  for (const auto& dir : children(root)) {
    const std::string goarch = dir.filename().string();
    if (!is_goarch(goarch) || !is_dir(dir)) continue;
    for (const auto& f : children(dir))
      if (f.extension() == ".elf" && !is_dir(f)) out.push_back(elf_entry(CachePart::Guests, f, "", goarch));
  }
}

void add_stages(const fs::path& stage_root, std::vector<CacheEntry>& out) {
  for (const auto& d : children(stage_root))
    if (is_dir(d)) out.push_back(dir_entry(CachePart::Stage, d, ""));
}

void add_probes(const fs::path& probes, std::vector<CacheEntry>& out) {
  for (const auto& d : children(probes)) {
    const std::string name = d.filename().string();
    if (!is_dir(d)) continue;
    if (name == "go-build-tools") {
      for (const auto& fp : children(d))
        if (is_dir(fp)) out.push_back(dir_entry(CachePart::GoBuild, fp, "tools " + fp.filename().string()));
    } else if (name == "go-build") {
      out.push_back(dir_entry(CachePart::GoBuild, d, "probes, before per-tools caches"));
    } else if (name == "gopath") {
      out.push_back(dir_entry(CachePart::GoBuild, d, "probes' module folder"));
    } else if (name == "stage") {
      add_stages(d, out);
    } else {
      // A toolchain's version folder: <version>/<goarch>/probe-<hash>.elf
      for (const auto& arch : children(d)) {
        if (!is_goarch(arch.filename().string()) || !is_dir(arch)) continue;
        for (const auto& f : children(arch))
          if (f.extension() == ".elf" && f.filename().string().starts_with("probe-") && !is_dir(f))
            out.push_back(elf_entry(CachePart::Probes, f, name, arch.filename().string()));
      }
    }
  }
}

// fs::remove_all, and again after making folders writable: Go's module folders are
// read-only.
uint64_t remove_tree(const fs::path& p) {
  const uint64_t bytes = tree_bytes(p);
  std::error_code ec;
  fs::remove_all(p, ec);
  if (ec) {
    for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      if (it->is_directory()) fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    fs::permissions(p, fs::perms::owner_all, fs::perm_options::add, ec);
    ec.clear();
    fs::remove_all(p, ec);
  }
  if (ec) throw fs::filesystem_error("cannot remove", p, ec);
  return bytes;
}

uint64_t remove_entry(const CacheEntry& e) {
  uint64_t n = 0;
  for (const auto& p : e.paths) n += remove_tree(p);
  return n;
}

fs::path key(const fs::path& p) { return fs::absolute(p).lexically_normal(); }

std::mutex in_use_mu;
std::set<fs::path>& in_use() {
  static std::set<fs::path> s;
  return s;
}

bool used_here(const CacheEntry& e) {
  std::lock_guard lock(in_use_mu);
  return in_use().count(key(e.paths[0])) > 0;
}

}  // namespace

std::string_view part_name(CachePart p) {
  switch (p) {
    case CachePart::Guests:
      return "guest ELFs";
    case CachePart::Probes:
      return "probes";
    case CachePart::GoBuild:
      return "Go build caches";
    case CachePart::Stage:
      return "stage folders";
  }
  return "?";
}

uint64_t CacheInfo::part_bytes(CachePart p) const {
  uint64_t n = 0;
  for (const auto& e : entries) n += e.part == p ? e.bytes : 0;
  return n;
}

int CacheInfo::part_count(CachePart p) const {
  return static_cast<int>(std::ranges::count_if(entries, [p](const CacheEntry& e) { return e.part == p; }));
}

CacheInfo scan_cache(const fs::path& root) {
  CacheInfo info;
  info.root = root;
  info.exists = is_dir(root);
  if (!info.exists) return info;
  add_guests(root, info.entries);
  if (is_dir(root / "go-build"))
    info.entries.push_back(dir_entry(CachePart::GoBuild, root / "go-build", "guest builds"));
  if (is_dir(root / "gopath"))
    info.entries.push_back(dir_entry(CachePart::GoBuild, root / "gopath", "guest builds' module folder"));
  add_stages(root / "stage", info.entries);
  add_probes(root / "probes", info.entries);
  std::stable_sort(info.entries.begin(), info.entries.end(),
                   [](const CacheEntry& a, const CacheEntry& b) { return a.part < b.part; });
  uint64_t named = 0;
  for (auto& e : info.entries) {
    for (const auto& p : e.paths) e.bytes += tree_bytes(p);
    named += e.bytes;
  }
  info.total_bytes = tree_bytes(root);
  info.other_bytes = info.total_bytes > named ? info.total_bytes - named : 0;
  return info;
}

Removed clean_cache(const fs::path& root, const std::vector<CachePart>& parts) {
  Removed r;
  for (const auto& e : scan_cache(root).entries) {
    if (std::ranges::find(parts, e.part) == parts.end()) continue;
    if (e.part == CachePart::Stage && !e.stale) continue;
    if (e.part != CachePart::Stage && used_here(e)) continue;
    r.bytes += remove_entry(e);
    r.entries++;
  }
  return r;
}

const char* const kSizeForms =
    "a number of bytes with an optional K, M, G or T suffix (powers of 1024; KiB, MB... also read), e.g. 200M, "
    "1G, 1.5G, 500000000; or 0 or none for no cap";

std::optional<uint64_t> parse_size(std::string_view text) {
  std::string s;
  for (char c : text) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s == "none") return 0;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::fixed);
  if (ec != std::errc() || s.empty() || !std::isdigit(static_cast<unsigned char>(s[0])) || !std::isfinite(v))
    return std::nullopt;
  // "", "b", or K/M/G/T alone or followed by "b" or "ib".
  const std::string unit(end, static_cast<const char*>(s.data() + s.size()));
  static const std::string units = "kmgt";
  double mult = 1;
  if (!unit.empty() && unit != "b") {
    const auto at = units.find(unit[0]);
    const std::string rest = unit.substr(1);
    if (at == std::string::npos || !(rest.empty() || rest == "b" || rest == "ib")) return std::nullopt;
    mult = std::pow(1024.0, static_cast<double>(at + 1));
  }
  const double bytes = v * mult;
  if (bytes >= 1.8e19) return std::nullopt;
  return static_cast<uint64_t>(bytes);
}

std::string human_size(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = -1;
  while (v >= 1024 && u < 3) v /= 1024, u++;
  return fmt::format("{:.1f} {}", v, units[u]);
}

void note_in_use(const fs::path& elf) {
  {
    std::lock_guard lock(in_use_mu);
    in_use().insert(key(elf));
  }
  std::error_code ec;
  const fs::path src = fs::path(elf).concat(".src");
  if (is_dir(src)) fs::last_write_time(src, fs::file_time_type::clock::now(), ec);
}

Removed enforce_cap(const fs::path& root, uint64_t cap, const fs::path& current) {
  Removed r;
  if (cap == 0) return r;
  CacheInfo info = scan_cache(root);
  if (info.total_bytes <= cap) return r;
  // Probes, then Go build caches (the current one last), then guest ELFs; oldest
  // last use first in each.
  auto rank = [&](const CacheEntry& e) {
    switch (e.part) {
      case CachePart::Probes:
        return 0;
      case CachePart::GoBuild:
        return !current.empty() && key(e.paths[0]) == key(current) ? 2 : 1;
      case CachePart::Guests:
        return 3;
      case CachePart::Stage:
        break;
    }
    return 4;
  };
  std::vector<const CacheEntry*> order;
  for (const auto& e : info.entries)
    if (rank(e) < 4 && !used_here(e)) order.push_back(&e);
  std::stable_sort(order.begin(), order.end(), [&](const CacheEntry* a, const CacheEntry* b) {
    return rank(*a) != rank(*b) ? rank(*a) < rank(*b) : a->last_use < b->last_use;
  });
  uint64_t total = info.total_bytes;
  for (const CacheEntry* e : order) {
    if (total <= cap) break;
    const uint64_t n = remove_entry(*e);
    total -= std::min(total, n);
    r.bytes += n;
    r.entries++;
  }
  return r;
}

}  // namespace gotramp::toolchain
