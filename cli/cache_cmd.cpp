#include "cli/cache_cmd.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <iostream>

#include "cli/exit_code.hpp"
#include "toolchain/guest_build.hpp"

namespace gotramp::cli {

namespace fs = std::filesystem;
using toolchain::CacheEntry;
using toolchain::CacheInfo;
using toolchain::CachePart;
using toolchain::human_size;

namespace {

constexpr CachePart kParts[] = {CachePart::Guests, CachePart::Probes, CachePart::GoBuild, CachePart::Stage};

std::string when(fs::file_time_type t) {
  if (t == fs::file_time_type::min()) return "-";
  const std::time_t s = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(std::chrono::file_clock::to_sys(t)));
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

std::string under(const fs::path& p, const fs::path& root) { return p.lexically_relative(root).string(); }

std::string what(const CacheEntry& e) { return e.part == CachePart::Probes ? e.toolchain : e.label; }

std::string table(const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& right) {
  std::vector<size_t> width(rows[0].size());
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); i++) width[i] = std::max(width[i], r[i].size());
  std::string out;
  for (const auto& r : rows) {
    std::string l = "  ";
    for (size_t i = 0; i < r.size(); i++) {
      const size_t w = i + 1 < r.size() ? width[i] : 0;
      l += right[i] ? fmt::format("{:>{}}", r[i], w) : fmt::format("{:<{}}", r[i], w);
      if (i + 1 < r.size()) l += "  ";
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  }
  return out;
}

fs::path cache_root(const CacheArgs& a) { return a.cache.empty() ? toolchain::default_cache() : fs::path(a.cache); }

int cache_info(const CacheArgs& a) {
  const CacheInfo info = toolchain::scan_cache(cache_root(a));
  if (a.json)
    std::cout << cache_info_json(info).dump(2) << "\n";
  else
    std::cout << format_cache_info(info);
  return kExitPassed;
}

int cache_clean(const CacheArgs& a) {
  const fs::path root = cache_root(a);
  std::vector<CachePart> parts;
  if (a.all) parts = {CachePart::Guests, CachePart::Probes, CachePart::GoBuild};
  if (a.probes) parts.push_back(CachePart::Probes);
  if (a.go_build || parts.empty()) parts.push_back(CachePart::GoBuild);
  parts.push_back(CachePart::Stage);  // stale ones: always garbage
  if (!fs::is_directory(root)) {
    std::cout << fmt::format("gotramp: nothing to clean: {} does not exist\n", root.string());
    return kExitPassed;
  }
  uint64_t total = 0;
  std::vector<std::string> said;
  for (CachePart p : kParts) {
    if (std::ranges::find(parts, p) == parts.end()) continue;
    toolchain::Removed r;
    try {
      r = toolchain::clean_cache(root, {p});
    } catch (const fs::filesystem_error& e) {
      throw BadInput(fmt::format("cannot clean {}: {}: {}", root.string(), e.path1().string(), e.code().message()));
    }
    total += r.bytes;
    said.push_back(fmt::format("{} {} ({})", r.entries, part_name(p), human_size(r.bytes)));
  }
  std::cout << fmt::format("gotramp: removed {} from {}: {} ({} bytes)\n", fmt::join(said, ", "), root.string(),
                           human_size(total), total);
  return kExitPassed;
}

}  // namespace

CacheCommand add_cache_command(CLI::App& app, CacheArgs& a) {
  CacheCommand c;
  c.cmd = app.add_subcommand("cache", "what gotramp's cache folder holds (info), and removing parts of it (clean)");
  c.cmd->require_subcommand(1);
  const std::string where =
      "the cache folder (default: $GOTRAMP_CACHE, else $XDG_CACHE_HOME/gotramp, else ~/.cache/gotramp)";
  c.info = c.cmd->add_subcommand(
      "info",
      "the cache's location, its size per part (guest ELFs, probes, Go build caches, stage folders) and entries");
  c.info->add_option("--cache", a.cache, where);
  c.info->add_flag("--json", a.json, "print JSON (sizes in bytes)");
  c.clean = c.cmd->add_subcommand(
      "clean",
      "remove parts of the cache; with no flag, Go's build caches (most of its size; only a new toolchain's or "
      "GOARCH's first probe build needs them, and rebuilds them) and stale stage folders; the probes, which make "
      "warm --go runs instant, stay");
  c.clean->add_option("--cache", a.cache, where);
  c.clean->add_flag("--probes", a.probes, "remove the probes built by real toolchains (rebuilt on next use)");
  c.clean->add_flag("--go-build", a.go_build, "remove Go's build caches (the default)");
  c.clean->add_flag("--all", a.all,
                    "remove everything gotramp put there: guest ELFs, probes, Go's build caches and stale stage "
                    "folders (files it did not make are left alone)");
  return c;
}

int run_cache(const CacheCommand& c, const CacheArgs& a) {
  if (c.info->parsed()) return cache_info(a);
  return cache_clean(a);
}

std::string format_cache_info(const CacheInfo& info) {
  std::string out = fmt::format("cache {}\n", info.root.string());
  if (!info.exists) return out + "  (does not exist: nothing cached)\n";
  std::vector<std::vector<std::string>> parts = {{"part", "entries", "size"}};
  for (CachePart p : kParts)
    parts.push_back({std::string(part_name(p)), std::to_string(info.part_count(p)), human_size(info.part_bytes(p))});
  parts.push_back({"other", "", human_size(info.other_bytes)});
  parts.push_back({"total", "", human_size(info.total_bytes)});
  out += table(parts, {false, true, true});
  if (info.entries.empty()) return out;
  std::vector<std::vector<std::string>> rows = {{"part", "what", "GOARCH", "size", "last use", "path"}};
  for (const auto& e : info.entries)
    rows.push_back({std::string(part_name(e.part)), what(e).empty() ? "-" : what(e), e.goarch.empty() ? "-" : e.goarch,
                    human_size(e.bytes), when(e.last_use), under(e.paths[0], info.root)});
  return out + "\n" + table(rows, {false, false, false, true, false, false});
}

nlohmann::ordered_json cache_info_json(const CacheInfo& info) {
  nlohmann::ordered_json j = {{"cache", info.root.string()}, {"exists", info.exists}};
  auto parts = nlohmann::ordered_json::object();
  for (CachePart p : kParts)
    parts[std::string(part_name(p))] = {{"entries", info.part_count(p)}, {"bytes", info.part_bytes(p)}};
  parts["other"] = {{"bytes", info.other_bytes}};
  j["parts"] = parts;
  j["total_bytes"] = info.total_bytes;
  auto entries = nlohmann::ordered_json::array();
  for (const auto& e : info.entries) {
    nlohmann::ordered_json row = {{"part", part_name(e.part)}, {"path", under(e.paths[0], info.root)}};
    if (!e.toolchain.empty()) row["toolchain"] = e.toolchain;
    if (!e.goarch.empty()) row["goarch"] = e.goarch;
    if (!e.label.empty()) row["what"] = e.label;
    if (e.part == CachePart::Stage) row["stale"] = e.stale;
    row["bytes"] = e.bytes;
    row["last_use"] = when(e.last_use);
    entries.push_back(row);
  }
  j["entries"] = entries;
  return j;
}

}  // namespace gotramp::cli
