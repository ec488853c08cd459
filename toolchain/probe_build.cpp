#include "toolchain/probe_build.hpp"

#include "emu/arch_spec.hpp"
#include "emu/line_table.hpp"

#include "toolchain/guest_build.hpp"

#include <dirent.h>
#include <elf.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <vector>

#include "toolchain/cache_store.hpp"
#include "toolchain/content_hash.hpp"
#include "toolchain/process.hpp"
#include "toolchain/stage_dir.hpp"

namespace fs = std::filesystem;

namespace gotramp::toolchain {
namespace {

// The linux GOARCHes of a modern Go that Unicorn 2.1.4 runs: the ArchSpec rows that
// real toolchains build (all but amd64p32, gone since Go 1.14), in the table's order.
const std::vector<std::string_view>& real_goarches() {
  static const std::vector<std::string_view> out = [] {
    std::vector<std::string_view> v;
    for (const auto& a : emu::arch_table())
      if (a.real_toolchains) v.push_back(a.goarch);
    return v;
  }();
  return out;
}
constexpr const char* kProbeFiles[] = {"go.mod", "main.go"};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw ProbeBuildError(fmt::format("cannot read {}", p.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary);
  out << data;
  if (!out) throw ProbeBuildError(fmt::format("cannot write {}", p.string()));
}

// Names, sizes and modification times of the files directly in GOROOT/src/runtime
// (where morestack, gogo and the runtime's structures live) that a linux build can
// use: cheap to gather, and it changes when a porter edits the tree in place
// without changing its VERSION.
void add_runtime_fingerprint(ContentHash& h, const fs::path& goroot) {
  // Gathered once per GOROOT in a process: a matrix asks for every GOARCH.
  // Hashing the rows is a function of the hash so far, remembered too (each
  // GOARCH's key starts alike).
  struct Seen {
    std::vector<std::string> rows;
    std::map<uint64_t, uint64_t> hashed;  // hash before the rows -> after them
  };
  static std::mutex mu;
  static std::map<fs::path, Seen> seen;
  std::lock_guard lock(mu);
  auto [it, fresh] = seen.try_emplace(goroot);
  std::vector<std::string>& rows = it->second.rows;
  auto hash_rows = [&] {
    auto [at, first] = it->second.hashed.try_emplace(h.h);
    if (first) {
      for (const auto& r : rows) h.add(r);
      at->second = h.h;
    }
    h.h = at->second;
  };
  if (!fresh) return hash_rows();
  // One fstatat per entry, relative to the open folder: std::filesystem's
  // is_regular_file, file_size and last_write_time would walk the whole path two or
  // three times an entry (about 1,500 stats for Go 1.27's runtime). The rows are
  // what those gave: a file's size and its last_write_time's count.
  const fs::path dir = goroot / "src" / "runtime";
  if (DIR* d = opendir(dir.c_str())) {
    while (const dirent* e = readdir(d)) {
      const std::string_view name = e->d_name;
      if (!runtime_file_builds_for_linux(name) ||
          (e->d_type != DT_REG && e->d_type != DT_LNK && e->d_type != DT_UNKNOWN))
        continue;
      struct stat st;
      if (fstatat(dirfd(d), e->d_name, &st, 0) != 0 || !S_ISREG(st.st_mode)) continue;
      const auto mtime = std::chrono::file_clock::from_sys(std::chrono::system_clock::time_point(
          std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
      rows.push_back(fmt::format("{} {} {}", name, static_cast<uintmax_t>(st.st_size),
                                 fs::file_time_type(mtime).time_since_epoch().count()));
    }
    closedir(d);
  }
  std::sort(rows.begin(), rows.end());
  hash_rows();
}

// GOROOT/pkg/tool/<GOOS>_<GOARCH> where GOOS and GOARCH are those bin/go was built
// for: cmd/go looks for compile, asm and link there (cmd/go/internal/cfg.SetGOROOT:
// the installed GOOS and GOARCH, never the environment's). GOOS is linux (bin/go runs
// here); bin/go's ELF header (class, byte order, e_machine) names its GOARCH. A go
// that is no ELF of a known GOARCH is asked (`go env GOTOOLDIR`, a process).
fs::path tool_dir(const fs::path& goroot) {
  unsigned char hdr[EI_NIDENT + 4] = {};
  std::ifstream in(goroot / "bin" / "go", std::ios::binary);
  in.read(reinterpret_cast<char*>(hdr), sizeof hdr);
  if (in && std::equal(hdr, hdr + SELFMAG, ELFMAG)) {
    const bool le = hdr[EI_DATA] == ELFDATA2LSB;
    const int word = hdr[EI_CLASS] == ELFCLASS64 ? 8 : 4;
    const uint16_t machine =
        le ? hdr[EI_NIDENT + 2] | hdr[EI_NIDENT + 3] << 8 : hdr[EI_NIDENT + 2] << 8 | hdr[EI_NIDENT + 3];
    for (const auto& a : emu::arch_table())
      if (a.real_toolchains && a.elf_machine == machine && a.elf_word == word &&
          (a.order == emu::ByteOrder::Little) == le) {
        fs::path dir = goroot / "pkg" / "tool" / fmt::format("linux_{}", a.goarch);
        if (fs::is_directory(dir)) return dir;
      }
  }
  ProcessResult r =
      run_process({(goroot / "bin" / "go").string(), "env", "GOTOOLDIR"},
                  {{"GOROOT", goroot.string()}, {"GOTOOLCHAIN", "local"}, {"GOENV", "off"}, {"GOFLAGS", ""}}, goroot);
  std::string out = r.output;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return r.exit_code == 0 ? fs::path(out) : fs::path();
}

// The compile, asm and link binaries go build runs, by size, modification time (ns)
// and inode. Go's build cache knows a release compiler by its version alone
// (`compile -V=full` prints "compile version go1.27.3" before and after a rebuild),
// so a GOROOT whose cmd/compile was rebuilt from edited sources needs this to build
// anew. Three stat calls, no reading (a content hash would read 40 MB): writing a
// binary in place moves its mtime; installing one as a new file (go install removes
// or renames over the old one; tar, a wheel) gives a new inode even when the mtime
// is kept. Not ctime: a hard link to the file (a GOROOT copied with cp -al) moves it
// without changing the binary. Gathered once per GOROOT in a process, like the
// runtime's; returns the key of Go's build cache for these tools.
uint64_t add_tools_fingerprint(ContentHash& h, const fs::path& goroot) {
  static std::mutex mu;
  static std::map<fs::path, std::vector<std::string>> seen;
  std::lock_guard lock(mu);
  auto [it, fresh] = seen.try_emplace(goroot);
  std::vector<std::string>& rows = it->second;
  if (fresh) {
    const fs::path dir = tool_dir(goroot);
    for (const char* tool : {"compile", "asm", "link"}) {
      struct stat st {};
      if (dir.empty() || ::stat((dir / tool).c_str(), &st) != 0) {
        rows.push_back(fmt::format("{} missing", tool));
        continue;
      }
      rows.push_back(
          fmt::format("{} {} {}.{:09} {}", tool, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec, st.st_ino));
    }
  }
  ContentHash tools;
  for (const auto& r : rows) h.add(r), tools.add(r);
  return tools.h;
}

// A folder name for a version string: "go1.27.3" as it is; a tree built from git
// ("devel go1.28-0123abcd Tue Jan 1 ...") with only safe characters, cut short.
std::string version_folder(const std::string& version) {
  std::string out;
  for (char c : version.substr(0, 40))
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '_';
  return out;
}

// go build -overlay's file in the stage, {"Replace": {GOROOT/src/path: copy}}, with
// the replacing bytes copied beside it; an empty path when there are none.
fs::path write_overlays(const fs::path& stage, const fs::path& goroot,
                        const std::vector<std::pair<std::string, std::string>>& overlays) {
  if (overlays.empty()) return {};
  nlohmann::json replace = nlohmann::json::object();
  for (size_t i = 0; i < overlays.size(); i++) {
    const auto& [path, data] = overlays[i];
    const fs::path copy = fs::absolute(stage / "overlay" / std::to_string(i) / fs::path(path).filename());
    fs::create_directories(copy.parent_path());
    write_file(copy, data);
    replace[(fs::absolute(goroot) / "src" / path).lexically_normal().string()] = copy.string();
  }
  const fs::path json = fs::absolute(stage / "overlay.json");
  write_file(json, nlohmann::json{{"Replace", replace}}.dump(1));
  return json;
}

}  // namespace

bool runtime_file_builds_for_linux(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return false;
  const std::string_view ext = name.substr(dot), stem = name.substr(0, dot);
  if (ext != ".go" && ext != ".s" && ext != ".h") return false;
  if (ext == ".go" && stem.ends_with("_test")) return false;
  static constexpr std::string_view kOtherGoos[] = {"aix",     "android", "darwin", "dragonfly", "freebsd", "hurd",
                                                    "illumos", "ios",     "js",     "nacl",      "netbsd",  "openbsd",
                                                    "plan9",   "solaris", "wasip1", "windows",   "zos"};
  static constexpr std::string_view kKnownArch[] = {
      "386",     "amd64",  "amd64p32", "arm",      "armbe",     "arm64",       "arm64be", "loong64",
      "mips",    "mipsle", "mips64",   "mips64le", "mips64p32", "mips64p32le", "ppc",     "ppc64",
      "ppc64le", "riscv",  "riscv64",  "s390",     "s390x",     "sparc",       "sparc64", "wasm"};
  const auto other = [&](std::string_view w) { return std::ranges::find(kOtherGoos, w) != std::end(kOtherGoos); };
  const auto arch = [&](std::string_view w) { return std::ranges::find(kKnownArch, w) != std::end(kKnownArch); };
  // After the first "_", the last word names a GOOS, or the last two a GOOS and a
  // GOARCH (go/build's known lists).
  const size_t first = stem.find('_');
  if (first == std::string_view::npos) return true;
  const std::string_view words = stem.substr(first + 1);
  const size_t cut = words.rfind('_');
  const std::string_view last = cut == std::string_view::npos ? words : words.substr(cut + 1);
  const std::string_view before = cut == std::string_view::npos ? std::string_view() : words.substr(0, cut);
  if (other(last)) return false;
  if (!before.empty() && other(before.substr(before.rfind('_') + 1)) && arch(last)) return false;
  return true;
}

std::span<const std::string_view> probe_goarches() { return real_goarches(); }

std::string first_goroot_line(const std::string& output, const fs::path& goroot, const fs::path& cwd) {
  std::error_code ec;
  const fs::path root = fs::weakly_canonical(goroot, ec);
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    // "<path>:<line>: message" (go vet and asm add a column: "<path>:<line>:<col>:").
    const auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0) continue;
    size_t end = colon + 1;
    while (end < line.size() && std::isdigit(static_cast<unsigned char>(line[end]))) end++;
    if (end == colon + 1) continue;
    const fs::path named = line.substr(0, colon);
    for (const fs::path& candidate : {named.is_absolute() ? named : cwd / named, goroot / "src" / named}) {
      const fs::path file = fs::weakly_canonical(candidate, ec);
      if (ec || !fs::is_regular_file(file, ec)) continue;
      const fs::path rel = file.lexically_relative(root);
      if (rel.empty() || *rel.begin() == "..") continue;
      return fmt::format("{}:{}", rel.generic_string(), line.substr(colon + 1, end - colon - 1));
    }
  }
  return "";
}

ProbeBuildConfig ProbeBuildConfig::defaults() {
  ProbeBuildConfig c;
  if (const char* v = std::getenv("GOTRAMP_PROBE_SRC"); v && *v)
    c.probe_src = v;
  else if (auto data = data_dir())
    c.probe_src = *data / "probe";
  else
    throw ProbeBuildError(
        "cannot find the probe's sources: no share/gotramp/probe beside the executable (set "
        "GOTRAMP_PROBE_SRC)");
  c.cache = default_cache();
  return c;
}

fs::path probe_elf(const GoToolchain& tc, std::string_view goarch, const ProbeBuildConfig& cfg) {
  if (std::ranges::find(real_goarches(), goarch) == real_goarches().end())
    throw ProbeBuildError(fmt::format("the probe is not built for GOARCH {}", goarch));

  std::vector<std::pair<std::string, std::string>> files;
  for (const char* f : kProbeFiles) files.emplace_back(f, read_file(cfg.probe_src / f));

  // Each replaced file's bytes, read once: what the key holds is what go builds.
  std::vector<std::pair<std::string, std::string>> overlays;
  for (const auto& o : cfg.overlays) overlays.emplace_back(o.path, read_file(o.file));
  std::ranges::sort(overlays);

  ContentHash h;
  h.add("gotramp-probe-3");  // 2: sources kept beside the ELF; 3: the toolchain's tools
  h.add(tc.version);
  h.add(tc.goroot.string());
  add_runtime_fingerprint(h, tc.goroot);
  const uint64_t tools = add_tools_fingerprint(h, tc.goroot);
  h.add(goarch);
  h.add(cfg.strip_dwarf ? "nodwarf" : "dwarf");
  for (const auto& [name, data] : files) h.add(name), h.add(data);
  if (!overlays.empty()) h.add("overlays");
  for (const auto& [path, data] : overlays) h.add(path), h.add(data);

  const fs::path root = cfg.cache / "probes";
  const fs::path out_dir = root / version_folder(tc.version) / std::string(goarch);
  const fs::path elf = out_dir / fmt::format("probe-{:016x}{}.elf", h.h, cfg.strip_dwarf ? "-nodwarf" : "");
  const auto used = [&] {
    note_in_use(elf);
    return elf;
  };
  if (fs::exists(elf)) return used();

  // One build at a time in this process; other processes stage apart and publish
  // with an atomic rename.
  static std::mutex building;
  std::lock_guard lock(building);
  if (fs::exists(elf)) return used();

  fs::create_directories(out_dir);
  const fs::path stage = fresh_stage(root, fmt::format("{}-{:016x}", goarch, h.h));
  for (const auto& [name, data] : files) write_file(stage / name, data);
  const fs::path overlay_json = write_overlays(stage, tc.goroot, overlays);

  const fs::path tmp = fs::path(elf).concat(fmt::format(".tmp{}", getpid()));
  const fs::path gocache = fs::absolute(root / "go-build-tools" / fmt::format("{:016x}", tools));
  const std::map<std::string, std::string> env = {
      {"GOROOT", tc.goroot.string()},
      {"GOOS", "linux"},
      {"GOARCH", std::string(goarch)},
      {"CGO_ENABLED", "0"},
      {"GOTOOLCHAIN", "local"},
      {"GOPROXY", "off"},
      {"GOFLAGS", "-buildvcs=false"},
      {"GO111MODULE", "on"},
      {"GOENV", "off"},
      {"GOWORK", "off"},
      // Go's objects apart per tools fingerprint: its cache keys name a release
      // compiler by version only, so a rebuilt compiler would reuse the old one's.
      {"GOCACHE", gocache.string()},
      {"GOPATH", fs::absolute(root / "gopath").string()},
      {"GOMODCACHE", fs::absolute(root / "gopath" / "pkg" / "mod").string()},
  };
  std::vector<std::string> argv = {tc.go.string(), "build", "-trimpath"};
  if (cfg.strip_dwarf) argv.push_back("-ldflags=-w");
  if (!overlay_json.empty()) argv.push_back("-overlay=" + overlay_json.string());
  argv.insert(argv.end(), {"-o", fs::absolute(tmp).string(), "."});
  ProcessResult r = run_process(argv, env, stage);
  // go names files relative to the folder it ran in: resolved while it exists.
  const std::string failed_at = r.exit_code != 0 ? first_goroot_line(r.output, tc.goroot, stage) : "";
  fs::remove_all(stage);
  if (r.exit_code != 0) {
    fs::remove(tmp);
    // The porter's overlaid files are the likely cause: named, as given.
    std::string with;
    for (const auto& o : cfg.overlays) with += fmt::format(" --overlay {}={}", o.path, o.file.string());
    throw ProbeBuildError(fmt::format("go build of the probe failed for GOARCH={} with {} ({}){}:\n{}", goarch,
                                      tc.version, tc.goroot.string(), with, r.output),
                          failed_at);
  }
  // The sources beside the ELF, under the path -trimpath gives them in DWARF (the
  // module path), for traces that show the lines as written; the runtime's own
  // files are read from the GOROOT.
  const fs::path kept = emu::LineTable::source_dir(elf) / "gotramp" / "probe";
  fs::create_directories(kept);
  for (const auto& [name, data] : files) write_file(kept / name, data);
  for (const auto& [path, data] : overlays) {
    const fs::path to = emu::LineTable::overlay_dir(elf) / "src" / path;
    fs::create_directories(to.parent_path());
    write_file(to, data);
  }
  fs::rename(tmp, elf);
  // The Go build cache's last use is its folder's mtime (go build adds no entry
  // there once its subfolders exist).
  std::error_code ec;
  fs::last_write_time(gocache, fs::file_time_type::clock::now(), ec);
  used();
  // Best effort: a cache that cannot be trimmed still serves this run.
  try {
    enforce_cap(cfg.cache, cfg.cache_cap, gocache);
  } catch (const fs::filesystem_error&) {
  }
  return elf;
}

}  // namespace gotramp::toolchain
