// The cache folder: sizes per part and entry (against `du -sb`), cleaning per part,
// eviction under a cap (oldest probes, then Go's build caches, the current one last,
// never what the process uses), sizes as the user writes them, and the CLI around it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "toolchain/cache_store.hpp"
#include "toolchain/process.hpp"

namespace gotramp {
namespace {

namespace fs = std::filesystem;
using namespace toolchain;
using namespace std::chrono_literals;

// `du -sb` of some paths together: the oracle the sizes are measured against.
uint64_t du(const std::vector<fs::path>& paths) {
  uint64_t total = 0;
  for (const auto& p : paths) {
    auto r = run_process({"du", "-sb", p.string()}, {}, fs::current_path());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    total += std::stoull(r.output);
  }
  return total;
}

void write(const fs::path& p, size_t bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << std::string(bytes, 'x');
}

void age(const fs::path& p, std::chrono::hours ago) { fs::last_write_time(p, fs::file_time_type::clock::now() - ago); }

// A cache laid out as the builders write it, every file of a known size.
struct FakeCache {
  fs::path root;
  fs::path guest, probe_old, probe_mid, probe_new, tools_old, tools_current, guest_go_build, stale_stage, live_stage,
      other;
  explicit FakeCache(const std::string& name) {
    static int serial = 0;
    root = fs::temp_directory_path() / fmt::format("gotramp-cache-{}-{}-{}", name, getpid(), serial++);
    fs::remove_all(root);
    guest = root / "arm64" / "morestack-00000000000000aa.elf";
    write(guest, 1000);
    write(fs::path(guest).concat(".src") / "gotramp" / "guest" / "morestack.s", 200);
    guest_go_build = root / "go-build";
    write(guest_go_build / "00" / "aa-a", 3000);
    const fs::path arch = root / "probes" / "go1.27.3" / "arm64";
    probe_old = arch / "probe-0000000000000001.elf";
    probe_mid = arch / "probe-0000000000000002.elf";
    probe_new = root / "probes" / "go1.19.8" / "s390x" / "probe-0000000000000003.elf";
    for (const auto& p : {probe_old, probe_mid, probe_new}) {
      write(p, 50000);
      write(fs::path(p).concat(".layouts"), 100);
      write(fs::path(p).concat(".src") / "gotramp" / "probe" / "main.go", 50);
    }
    age(fs::path(probe_old).concat(".src"), 72h);
    age(fs::path(probe_mid).concat(".src"), 48h);
    age(fs::path(probe_new).concat(".src"), 24h);
    tools_old = root / "probes" / "go-build-tools" / "00000000000000b1";
    tools_current = root / "probes" / "go-build-tools" / "00000000000000b2";
    write(tools_old / "00" / "bb-a", 70000);
    write(tools_current / "00" / "cc-a", 90000);
    age(tools_old, 96h);  // older than every probe: probes still go first
    age(tools_current, 1h);
    // No process has pid 2147483646 (above any pid_max).
    stale_stage = root / "probes" / "stage" / "arm64-00000000000000c1-2147483646";
    write(stale_stage / "main.go", 10);
    live_stage = root / "stage" / fmt::format("arm64-00000000000000c2-{}", getpid());
    write(live_stage / "funcs.s", 10);
    other = root / "notes.txt";
    write(other, 10);
  }
  ~FakeCache() { fs::remove_all(root); }
  std::vector<fs::path> beside(const fs::path& elf) const {
    return {elf, fs::path(elf).concat(".layouts"), fs::path(elf).concat(".src")};
  }
};

const CacheEntry* find(const CacheInfo& info, const fs::path& p) {
  for (const auto& e : info.entries)
    if (e.paths[0] == p) return &e;
  return nullptr;
}

TEST(CacheStore, InfoSizesEachPartAndEntryAsDuDoes) {
  FakeCache c("info");
  const CacheInfo info = scan_cache(c.root);
  ASSERT_TRUE(info.exists);
  EXPECT_EQ(info.total_bytes, du({c.root}));
  EXPECT_EQ(info.part_count(CachePart::Guests), 1);
  EXPECT_EQ(info.part_count(CachePart::Probes), 3);
  EXPECT_EQ(info.part_count(CachePart::GoBuild), 3);  // guest builds' and two tools fingerprints
  EXPECT_EQ(info.part_count(CachePart::Stage), 2);
  EXPECT_EQ(info.part_bytes(CachePart::Probes),
            du(c.beside(c.probe_old)) + du(c.beside(c.probe_mid)) + du(c.beside(c.probe_new)));
  EXPECT_EQ(info.part_bytes(CachePart::GoBuild), du({c.guest_go_build, c.tools_old, c.tools_current}));
  EXPECT_EQ(info.part_bytes(CachePart::Guests), du({c.guest, fs::path(c.guest).concat(".src")}));
  EXPECT_EQ(info.part_bytes(CachePart::Stage), du({c.stale_stage, c.live_stage}));
  EXPECT_GE(info.other_bytes, 10u);  // notes.txt and the folders that hold the parts

  const CacheEntry* probe = find(info, c.probe_new);
  ASSERT_TRUE(probe);
  EXPECT_EQ(probe->toolchain, "go1.19.8");
  EXPECT_EQ(probe->goarch, "s390x");
  EXPECT_EQ(probe->paths.size(), 3u);  // the ELF, its layouts and its sources
  EXPECT_EQ(probe->bytes, du(c.beside(c.probe_new)));
  const CacheEntry* tools = find(info, c.tools_current);
  ASSERT_TRUE(tools);
  EXPECT_NE(tools->label.find("00000000000000b2"), std::string::npos) << tools->label;
  ASSERT_TRUE(find(info, c.stale_stage));
  EXPECT_TRUE(find(info, c.stale_stage)->stale);
  ASSERT_TRUE(find(info, c.live_stage));
  EXPECT_FALSE(find(info, c.live_stage)->stale);
}

TEST(CacheStore, InfoOnAMissingFolderIsEmpty) {
  const CacheInfo info = scan_cache(fs::temp_directory_path() / fmt::format("gotramp-no-cache-{}", getpid()));
  EXPECT_FALSE(info.exists);
  EXPECT_TRUE(info.entries.empty());
  EXPECT_EQ(info.total_bytes, 0u);
}

TEST(CacheStore, CleanRemovesOnlyThePartsAsked) {
  FakeCache c("clean");
  const uint64_t probes = du(c.beside(c.probe_old)) + du(c.beside(c.probe_mid)) + du(c.beside(c.probe_new));
  Removed r = clean_cache(c.root, {CachePart::Probes});
  EXPECT_EQ(r.entries, 3);
  EXPECT_EQ(r.bytes, probes);
  EXPECT_FALSE(fs::exists(c.probe_old));
  EXPECT_FALSE(fs::exists(fs::path(c.probe_new).concat(".src")));
  EXPECT_TRUE(fs::exists(c.tools_old));
  EXPECT_TRUE(fs::exists(c.guest));

  const uint64_t go_build = du({c.guest_go_build, c.tools_old, c.tools_current});
  r = clean_cache(c.root, {CachePart::GoBuild});
  EXPECT_EQ(r.entries, 3);
  EXPECT_EQ(r.bytes, go_build);
  EXPECT_FALSE(fs::exists(c.tools_current));
  EXPECT_FALSE(fs::exists(c.guest_go_build));
  EXPECT_TRUE(fs::exists(c.guest));

  r = clean_cache(c.root, {CachePart::Stage});
  EXPECT_EQ(r.entries, 1);
  EXPECT_FALSE(fs::exists(c.stale_stage));
  EXPECT_TRUE(fs::exists(c.live_stage));  // this process's own: a build under way

  clean_cache(c.root, {CachePart::Guests});
  EXPECT_FALSE(fs::exists(c.guest));
  EXPECT_TRUE(fs::exists(c.other));  // not gotramp's: never touched
}

TEST(CacheStore, EvictsOldestProbesFirstThenGoBuildCachesTheCurrentLast) {
  FakeCache c("evict");
  const uint64_t total = du({c.root});
  // Room for all but about one probe: only the least recently used one goes.
  Removed r = enforce_cap(c.root, total - 10000, c.tools_current);
  EXPECT_EQ(r.entries, 1);
  EXPECT_FALSE(fs::exists(c.probe_old));
  EXPECT_TRUE(fs::exists(c.probe_mid));
  EXPECT_LE(du({c.root}), total - 10000);

  // Room for less than the Go build caches: every probe, then the old tools' cache
  // (though it is older than any probe), then the current one.
  const uint64_t now = du({c.root});
  r = enforce_cap(c.root, now - du(c.beside(c.probe_mid)) - du(c.beside(c.probe_new)) - 1000, c.tools_current);
  EXPECT_EQ(r.entries, 3);
  EXPECT_FALSE(fs::exists(c.probe_new));
  EXPECT_FALSE(fs::exists(c.tools_old));
  EXPECT_TRUE(fs::exists(c.tools_current));
  EXPECT_TRUE(fs::exists(c.guest_go_build));  // newer than the old tools' cache

  r = enforce_cap(c.root, 1, c.tools_current);
  EXPECT_FALSE(fs::exists(c.tools_current));
  EXPECT_FALSE(fs::exists(c.guest_go_build));
  EXPECT_FALSE(fs::exists(c.guest));             // guest ELFs last
  EXPECT_TRUE(fs::exists(c.live_stage));         // stage folders are never evicted
  EXPECT_TRUE(fs::exists(c.other));              // nor what gotramp did not make
  EXPECT_EQ(enforce_cap(c.root, 1).entries, 0);  // nothing left to evict
}

TEST(CacheStore, NeverEvictsWhatThisProcessUses) {
  FakeCache c("in-use");
  note_in_use(c.probe_old);  // the oldest, and in use
  // note_in_use moves its last use to now: it is the newest probe
  EXPECT_GT(fs::last_write_time(fs::path(c.probe_old).concat(".src")), fs::file_time_type::clock::now() - 1h);
  const Removed r = enforce_cap(c.root, 1, c.tools_current);
  EXPECT_GT(r.entries, 0);
  EXPECT_TRUE(fs::exists(c.probe_old));
  EXPECT_TRUE(fs::exists(fs::path(c.probe_old).concat(".layouts")));
  EXPECT_FALSE(fs::exists(c.probe_mid));
  EXPECT_FALSE(fs::exists(c.tools_current));
  // and cleaning does not remove it either
  EXPECT_EQ(clean_cache(c.root, {CachePart::Probes}).entries, 0);
  EXPECT_TRUE(fs::exists(c.probe_old));
}

TEST(CacheStore, NoCapEvictsNothing) {
  FakeCache c("no-cap");
  EXPECT_EQ(enforce_cap(c.root, 0, c.tools_current).entries, 0);
  EXPECT_TRUE(fs::exists(c.probe_old));
  EXPECT_EQ(enforce_cap(c.root, du({c.root}), c.tools_current).entries, 0);  // exactly at the cap fits
}

TEST(CacheStore, ParsesSizesAsUsersWriteThem) {
  EXPECT_EQ(parse_size("200M"), 200ull << 20);
  EXPECT_EQ(parse_size("1G"), 1ull << 30);
  EXPECT_EQ(parse_size("1g"), 1ull << 30);
  EXPECT_EQ(parse_size("1GiB"), 1ull << 30);
  EXPECT_EQ(parse_size("1GB"), 1ull << 30);
  EXPECT_EQ(parse_size("1.5G"), 3ull << 29);
  EXPECT_EQ(parse_size("512K"), 512ull << 10);
  EXPECT_EQ(parse_size("2T"), 2ull << 40);
  EXPECT_EQ(parse_size("123456"), 123456u);
  EXPECT_EQ(parse_size("0"), 0u);
  EXPECT_EQ(parse_size("none"), 0u);
  for (const char* bad : {"12Q", "", "-1", "M", "1.2.3", "abc", "1e9", "1 G", "1Gx", "1iB"})
    EXPECT_FALSE(parse_size(bad)) << bad;
}

TEST(CacheStore, HumanSizes) {
  EXPECT_EQ(human_size(512), "512 B");
  EXPECT_EQ(human_size(1536), "1.5 KiB");
  EXPECT_EQ(human_size(200ull << 20), "200.0 MiB");
  EXPECT_EQ(human_size(3ull << 29), "1.5 GiB");
}

// ---- the command

ProcessResult gotramp(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), GOTRAMP_BIN);
  return run_process(args, env, fs::current_path());
}

TEST(CacheCli, BadCapExits2NamingTheValidForms) {
  for (const auto& r : {gotramp({"verify", "--goarch", "arm64", "--cache-cap", "12Q"}),
                        gotramp({"trace", "--goarch", "arm64", "--cache-cap", "12Q"})}) {
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("'12Q' is not valid"), std::string::npos) << r.output;
    for (const char* form : {"200M", "1G", "none"}) EXPECT_NE(r.output.find(form), std::string::npos) << r.output;
  }
  auto r = gotramp({"verify", "--goarch", "arm64"}, {{"GOTRAMP_CACHE_CAP", "12Q"}});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("GOTRAMP_CACHE_CAP='12Q' is not valid"), std::string::npos) << r.output;
}

TEST(CacheCli, InfoPrintsThePartsAndEntries) {
  FakeCache c("cli-info");
  auto r = gotramp({"cache", "info", "--cache", c.root.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(c.root.string()), std::string::npos) << r.output;
  for (const char* part : {"guest ELFs", "probes", "Go build caches", "stage folders", "total"})
    EXPECT_NE(r.output.find(part), std::string::npos) << part << "\n" << r.output;
  EXPECT_NE(r.output.find("go1.19.8"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("probes/go1.27.3/arm64/probe-0000000000000001.elf"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(human_size(du(c.beside(c.probe_new)))), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("stale"), std::string::npos) << r.output;

  r = gotramp({"cache", "info", "--cache", c.root.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["total_bytes"].get<uint64_t>(), du({c.root}));
  EXPECT_EQ(j["parts"]["probes"]["entries"], 3);
  EXPECT_EQ(j["parts"]["Go build caches"]["bytes"].get<uint64_t>(),
            du({c.guest_go_build, c.tools_old, c.tools_current}));
  EXPECT_EQ(j["entries"].size(), 9u);
}

TEST(CacheCli, InfoOnAMissingFolderSaysSo) {
  const fs::path none = fs::temp_directory_path() / fmt::format("gotramp-no-cache-cli-{}", getpid());
  auto r = gotramp({"cache", "info", "--cache", none.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("does not exist"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(none));  // looking does not create it
}

TEST(CacheCli, CleanByDefaultRemovesGoBuildCachesAndSaysHowMuch) {
  FakeCache c("cli-clean");
  const uint64_t go_build = du({c.guest_go_build, c.tools_old, c.tools_current});
  const uint64_t stale = du({c.stale_stage});
  auto r = gotramp({"cache", "clean", "--cache", c.root.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("3 Go build caches"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(fmt::format("({} bytes)", go_build + stale)), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(c.tools_old));
  EXPECT_FALSE(fs::exists(c.stale_stage));
  EXPECT_TRUE(fs::exists(c.probe_old));  // probes stay by default
  EXPECT_TRUE(fs::exists(c.guest));

  r = gotramp({"cache", "clean", "--probes", "--cache", c.root.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("3 probes"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(c.probe_new));
  EXPECT_TRUE(fs::exists(c.guest));

  r = gotramp({"cache", "clean", "--all", "--cache", c.root.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("1 guest ELFs"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(c.guest));
  EXPECT_TRUE(fs::exists(c.other));
}

TEST(CacheCli, UnknownCacheCommandOrOptionExits2WithTheNearest) {
  auto r = gotramp({"cache", "inf"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("Did you mean 'info'?"), std::string::npos) << r.output;
  r = gotramp({"cache", "clean", "--probe"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("Did you mean --probes?"), std::string::npos) << r.output;
  r = gotramp({"verify", "--cache-cp", "1G"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--cache-cap"), std::string::npos) << r.output;
}

// A real probe built under a cap smaller than Go's build cache for it: the probe the
// run uses stays, the Go build cache goes, the run passes, and cache info names the
// probe by toolchain and GOARCH. (probe group: a cold arm64 build, seconds.)
TEST(ProbeBuild, ACappedRunKeepsItsProbeAndEvictsGoBuildCache) {
  const fs::path root = fs::temp_directory_path() / fmt::format("gotramp-cache-real-{}", getpid());
  fs::remove_all(root);
  auto r = gotramp({"verify", "--go", "bundled", "--goarch", "arm64", "--scenario", "closure", "--cache", root.string(),
                    "--cache-cap", "4M"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("1 verified"), std::string::npos) << r.output;
  const CacheInfo info = scan_cache(root);
  ASSERT_EQ(info.part_count(CachePart::Probes), 1) << r.output;
  EXPECT_EQ(info.entries.front().part, CachePart::Probes);
  EXPECT_EQ(info.entries.front().goarch, "arm64");
  EXPECT_TRUE(info.entries.front().toolchain.starts_with("go1.27")) << info.entries.front().toolchain;
  EXPECT_EQ(info.part_count(CachePart::GoBuild), 0);
  EXPECT_LE(info.total_bytes, 4u << 20);
  EXPECT_EQ(info.total_bytes, du({root}));
  // Warm: the same probe serves the next run.
  r = gotramp({"verify", "--go", "bundled", "--goarch", "arm64", "--scenario", "closure", "--cache", root.string(),
               "--cache-cap", "4M"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(scan_cache(root).entries.front().paths, info.entries.front().paths);
  fs::remove_all(root);
}

}  // namespace
}  // namespace gotramp
