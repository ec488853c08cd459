#include "toolchain/guest_build.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <vector>

#include "emu/line_table.hpp"
#include "runtime_model/layout.hpp"
#include "toolchain/cache_store.hpp"
#include "toolchain/content_hash.hpp"
#include "toolchain/process.hpp"
#include "toolchain/stage_dir.hpp"

namespace fs = std::filesystem;

namespace gotramp::toolchain {
namespace {

// The harness files every guest has, besides its trampoline.
constexpr const char* kHarnessFiles[] = {"runtime.s", "funcs.s"};
constexpr const char* kLayoutHeader = "runtime_layout.h";
// The guest's Go module: DWARF names its files "gotramp/guest/morestack.s".
constexpr const char* kModule = "gotramp/guest";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw GuestBuildError(fmt::format("cannot read {}: {}", p.string(), std::strerror(errno)));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary);
  if (!out) throw GuestBuildError(fmt::format("cannot write {}: {}", p.string(), std::strerror(errno)));
  out << data;
  if (!out) throw GuestBuildError(fmt::format("cannot write {}", p.string()));
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// The files an ELF was built from, kept where LineTable looks for them, so that
// traces and findings quote each source line as it was assembled. Published before
// the ELF (whose existence is the cache hit), with a rename: another process
// building the same ELF may have published identical files first. Best effort:
// without the copy, reports give file:line without the text.
void keep_sources(const fs::path& elf, const std::vector<std::pair<std::string, std::string>>& files) {
  std::error_code ec;
  const fs::path dir = emu::LineTable::source_dir(elf);
  if (fs::exists(dir, ec)) return;
  static std::atomic<int> serial{0};
  const fs::path tmp = fs::path(dir).concat(fmt::format(".tmp{}-{}", getpid(), serial++));
  try {
    fs::remove_all(tmp);
    fs::create_directories(tmp / kModule);
    for (const auto& [name, data] : files) write_file(tmp / kModule / name, data);
    fs::rename(tmp, dir, ec);
  } catch (const std::exception&) {
    ec = std::make_error_code(std::errc::io_error);
  }
  if (ec) fs::remove_all(tmp, ec);
}

}  // namespace

std::optional<fs::path> data_dir() {
  std::error_code ec;
  const fs::path bin = fs::read_symlink("/proc/self/exe", ec).parent_path();
  if (ec) return std::nullopt;
  for (const fs::path& d : {bin / ".." / "share" / "gotramp", bin / "share" / "gotramp"})
    if (fs::is_directory(d / "guest_asm", ec)) return fs::weakly_canonical(d, ec);
  return std::nullopt;
}

fs::path default_cache() {
  const std::string home = env_or("HOME", "/tmp");
  return env_or("GOTRAMP_CACHE", fs::path(env_or("XDG_CACHE_HOME", home + "/.cache")) / "gotramp");
}

GuestBuildConfig GuestBuildConfig::defaults() {
  GuestBuildConfig c;
  const auto data = data_dir();
  if (const char* v = std::getenv("GOTRAMP_GUEST_ASM"); v && *v) {
    c.guest_asm = v;
  } else if (data) {
    c.guest_asm = *data / "guest_asm";
  } else {
    std::error_code ec;
    const fs::path bin = fs::read_symlink("/proc/self/exe", ec).parent_path();
    throw GuestBuildError(fmt::format(
        "cannot find gotramp's guest sources: neither {} nor {} exists (install with cmake --install, or set "
        "GOTRAMP_GUEST_ASM)",
        (bin / ".." / "share" / "gotramp" / "guest_asm").lexically_normal().string(),
        (bin / "share" / "gotramp" / "guest_asm").string()));
  }
  if (data) c.prebuilt = *data / "guests";
  c.cache = default_cache();
  c.go = env_or("GOTRAMP_GO", "go");
  return c;
}

void check_trampoline(const fs::path& file) {
  const std::string text = read_file(file);
  std::vector<std::string> missing;
  for (const char* name : {"morestack", "morestack_noctxt"}) {
    // TEXT ·morestack(SB) or TEXT main·morestack(SB): the symbol defined in package main.
    std::regex def(fmt::format("(^|\\n)[ \\t]*TEXT[ \\t]+(main)?\u00b7{}\\(SB\\)", name));
    if (!std::regex_search(text, def)) missing.push_back(name);
  }
  if (missing.empty()) return;
  throw GuestBuildError(
      fmt::format("{} does not define {}: a trampoline must define both morestack and morestack_noctxt "
                  "(TEXT \u00b7morestack(SB),NOSPLIT|NOFRAME,$0-0 and TEXT \u00b7morestack_noctxt(SB),...)",
                  file.string(), missing.size() == 2 ? "morestack or morestack_noctxt" : missing[0]));
}

std::string go_version(const GuestBuildConfig& cfg) {
  ProcessResult r = run_process({cfg.go, "env", "GOVERSION"}, {{"GOENV", "off"}}, fs::current_path());
  std::string v = r.output;
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r' || v.back() == ' ')) v.pop_back();
  if (r.exit_code != 0 || v.empty()) return "unavailable (" + (v.empty() ? "no output" : v) + ")";
  return v;
}

fs::path guest_dir(const emu::ArchSpec& spec, const GuestBuildConfig& cfg) { return cfg.guest_asm / spec.guest_dir; }

bool has_guest(const emu::ArchSpec& spec, const GuestBuildConfig& cfg) {
  return spec.transcribed() && fs::exists(guest_dir(spec, cfg) / kHarnessFiles[0]);
}

fs::path guest_elf(const emu::ArchSpec& spec, const fs::path& trampoline, const GuestBuildConfig& cfg) {
  const fs::path dir = guest_dir(spec, cfg);
  if (!has_guest(spec, cfg))
    throw GuestBuildError(
        fmt::format("GOARCH {} has no guest code yet ({} is missing)", spec.goarch, (dir / kHarnessFiles[0]).string()));
  if (!fs::exists(trampoline)) throw GuestBuildError(fmt::format("no such trampoline file: {}", trampoline.string()));
  check_trampoline(trampoline);

  // What goes into the build, by staged name.
  std::vector<std::pair<std::string, std::string>> files;
  files.emplace_back("go.mod", fmt::format("module {}\n\ngo 1.19\n", kModule));
  files.emplace_back("main.go", read_file(cfg.guest_asm / "common" / "main.go"));
  for (const char* f : kHarnessFiles) files.emplace_back(f, read_file(dir / f));
  std::string tname = trampoline.filename().string();
  for (const auto& [name, _] : files)
    if (name == tname)
      throw GuestBuildError(
          fmt::format("trampoline file {} collides with the harness file of the same name", trampoline.string()));
  files.emplace_back(tname, read_file(trampoline));
  files.emplace_back(kLayoutHeader, model::asm_header(spec));

  ContentHash h;
  h.add("gotramp-guest-2");  // 2: the sources are kept beside the ELF
  h.add(spec.goarch);
  h.add(spec.build_goarch);
  for (const auto& [name, data] : files) h.add(name), h.add(data);
  const std::string elf_name = fmt::format("{}-{:016x}.elf", trampoline.stem().string(), h.h);
  if (!cfg.prebuilt.empty() && fs::exists(cfg.prebuilt / spec.goarch / elf_name))
    return cfg.prebuilt / spec.goarch / elf_name;
  const fs::path out_dir = cfg.cache / spec.goarch;
  const fs::path elf = out_dir / elf_name;
  if (fs::exists(elf)) {
    keep_sources(elf, files);
    note_in_use(elf);
    return elf;
  }

  // One build at a time in this process: threads verifying two contracts with the
  // same trampoline would otherwise build the same ELF at once. Other processes
  // build in their own stage folder and publish with an atomic rename.
  static std::mutex building;
  std::lock_guard lock(building);
  if (fs::exists(elf)) {
    note_in_use(elf);
    return elf;
  }

  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) throw GuestBuildError(fmt::format("cannot create the guest cache {}: {}", out_dir.string(), ec.message()));
  const fs::path stage = fresh_stage(cfg.cache, fmt::format("{}-{:016x}", spec.goarch, h.h));
  for (const auto& [name, data] : files) write_file(stage / name, data);

  const fs::path tmp = fs::path(elf).concat(fmt::format(".tmp{}", getpid()));
  const std::map<std::string, std::string> env = {
      {"GOOS", "linux"},
      {"GOARCH", spec.build_goarch},
      {"CGO_ENABLED", "0"},
      {"GOPROXY", "off"},
      {"GOFLAGS", "-buildvcs=false"},
      {"GO111MODULE", "on"},
      {"GOENV", "off"},
      {"GOWORK", "off"},
      {"GOCACHE", fs::absolute(cfg.cache / "go-build").string()},
      {"GOPATH", fs::absolute(cfg.cache / "gopath").string()},
      {"GOMODCACHE", fs::absolute(cfg.cache / "gopath" / "pkg" / "mod").string()},
  };
  ProcessResult r = run_process({cfg.go, "build", "-trimpath", "-o", fs::absolute(tmp).string(), "."}, env, stage);
  fs::remove_all(stage);
  if (r.exit_code != 0) {
    fs::remove(tmp);
    // The toolchain names the staged copy ("./x.s:43"): name the file the user gave.
    std::string out = r.output;
    for (const std::string& staged : {(stage / tname).string(), "./" + tname})
      for (size_t at = 0; (at = out.find(staged, at)) != std::string::npos; at += trampoline.string().size())
        out.replace(at, staged.size(), trampoline.string());
    // "# gotramp/guest" is the name of the staged package, no help to anyone.
    if (out.starts_with("# gotramp/guest\n")) out.erase(0, out.find('\n') + 1);
    throw GuestBuildError(
        fmt::format("go build failed for GOARCH={} with trampoline {}:\n{}", spec.goarch, trampoline.string(), out));
  }
  keep_sources(elf, files);
  fs::rename(tmp, elf);
  const fs::path gocache = fs::absolute(cfg.cache / "go-build");
  fs::last_write_time(gocache, fs::file_time_type::clock::now(), ec);
  note_in_use(elf);
  // Best effort: a cache that cannot be trimmed still serves this run.
  try {
    enforce_cap(cfg.cache, cfg.cache_cap, gocache);
  } catch (const fs::filesystem_error&) {
  }
  return elf;
}

}  // namespace gotramp::toolchain
