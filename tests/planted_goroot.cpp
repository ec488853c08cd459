#include "planted_goroot.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "probe_support.hpp"
#include "toolchain/process.hpp"

namespace gotramp::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTools[] = {"compile", "asm", "link"};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A new file under f's name: the old one is unlinked first, so the other names of a
// hard link (the pinned GOROOT's) keep their data.
void rewrite(const fs::path& f, const std::string& data) {
  fs::remove(f);
  std::ofstream out(f, std::ios::binary);
  out << data;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + f.string());
}

// A file as the file system knows it: inode, size and modification time.
std::string identity(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return "missing";
  return fmt::format("inode {} size {} mtime {}.{:09}", st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

// What the go command of a copy runs with while it builds the copy's tools: nothing
// from the user's environment or the network, Go's cache inside the build tree, the
// host's GOOS and GOARCH (an empty value is the default).
std::map<std::string, std::string> tool_build_env(const fs::path& goroot, const fs::path& work) {
  return {{"GOROOT", goroot.string()},
          {"GOTOOLCHAIN", "local"},
          {"GOPROXY", "off"},
          {"GOFLAGS", "-buildvcs=false"},
          {"GOENV", "off"},
          {"GOWORK", "off"},
          {"GO111MODULE", ""},
          {"GOEXPERIMENT", ""},
          {"GOOS", ""},
          {"GOARCH", ""},
          {"CGO_ENABLED", "0"},
          {"GOCACHE", (work / "go-build").string()},
          {"GOPATH", (work / "gopath").string()},
          {"GOMODCACHE", (work / "gopath" / "pkg" / "mod").string()}};
}

// Holds an exclusive lock on a file while it lives: two test processes (CTest entries
// run in parallel) never make the same copy at once.
class FileLock {
 public:
  explicit FileLock(const fs::path& p) : fd_(::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0) throw std::runtime_error("cannot lock " + p.string());
  }
  ~FileLock() { ::close(fd_); }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

void check_name(const std::string& name) {
  if (name.empty() || name == "." || name == ".." ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != std::string::npos)
    throw std::runtime_error("planted_goroot: \"" + name + "\" is not a folder name");
}

void check_edit(const GorootEdit& e) {
  const fs::path f(e.file);
  bool up = false;
  for (const auto& part : f) up = up || part == "..";
  if (e.file.empty() || f.is_absolute() || up)
    throw std::runtime_error("planted_goroot: \"" + e.file + "\" is not a path inside GOROOT/src");
  if (e.text.empty()) throw std::runtime_error("planted_goroot: an edit of " + e.file + " replaces no text");
}

// Everything a copy is made from: the pinned GOROOT (a reinstalled one has new
// inodes) and each edit, lengths first so no two lists read the same.
std::string stamp_of(const fs::path& pinned, const std::vector<GorootEdit>& edits) {
  std::string s = "gotramp-planted-goroot-1\n";
  s += fmt::format("pinned {} VERSION {} bin/go {}\n", pinned.string(), identity(pinned / "VERSION"),
                   identity(pinned / "bin" / "go"));
  for (const auto& e : edits)
    s += fmt::format("edit {} {}:{} {}:{}\n", e.file, e.text.size(), e.text, e.instead.size(), e.instead);
  return s;
}

// The import path of the package an edit under src/cmd/ is in ("cmd/internal/obj/arm64";
// vendored ones by their own path).
std::string cmd_package(const GorootEdit& e) {
  std::string dir = fs::path(e.file).parent_path().generic_string();
  if (dir.starts_with("cmd/vendor/")) dir = dir.substr(std::string("cmd/vendor/").size());
  return dir;
}

// Rebuilds in the copy every one of compile, asm and link that has an edited cmd
// package among its own and its dependencies, with the copy's go (whose compile is
// still the pinned one), into a folder beside the copy; each new binary then takes
// its tool's name by rename, never written through the hard link.
void rebuild_tools(const fs::path& goroot, const std::vector<GorootEdit>& edits, const fs::path& home,
                   const fs::path& work) {
  std::set<std::string> edited;
  for (const auto& e : edits)
    if (e.file.starts_with("cmd/")) edited.insert(cmd_package(e));
  if (edited.empty()) return;

  const auto env = tool_build_env(goroot, work);
  const std::string go = (goroot / "bin" / "go").string();
  std::vector<std::string> list = {go, "list", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}"};
  for (const char* t : kTools) list.push_back(std::string("cmd/") + t);
  auto r = toolchain::run_process(list, env, goroot);
  if (r.exit_code != 0) throw std::runtime_error("go list of the copy's tools failed:\n" + r.output);
  std::vector<std::string> tools;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string main_pkg, pkg;
    words >> main_pkg;
    bool hit = edited.contains(main_pkg);
    while (words >> pkg) hit = hit || edited.contains(pkg);
    if (hit) tools.push_back(main_pkg.substr(std::string("cmd/").size()));
  }
  if (tools.empty()) {
    std::string names;
    for (const auto& p : edited) names += " " + p;
    throw std::runtime_error("planted_goroot: the edits under src/cmd/ (" + names.substr(1) +
                             ") change none of compile, asm and link");
  }

  const fs::path fresh = home / "tools-new";
  fs::remove_all(fresh);
  fs::create_directories(fresh);
  std::vector<std::string> build = {go, "build", "-o", fresh.string() + "/"};
  for (const auto& t : tools) build.push_back("cmd/" + t);
  const auto t0 = std::chrono::steady_clock::now();
  r = toolchain::run_process(build, env, goroot);
  if (r.exit_code != 0) throw std::runtime_error("go build of the copy's tools failed:\n" + r.output);
  const fs::path dir = tool_dir(goroot);
  for (const auto& t : tools) fs::rename(fresh / t, dir / t);
  fs::remove_all(fresh);
  std::string names;
  for (const auto& t : tools) names += " " + t;
  fmt::print(stderr, "planted_goroot: rebuilt{} in {}: {:.1f} s\n", names, goroot.string(),
             std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

}  // namespace

fs::path pinned_goroot() { return real_toolchain("bundled").goroot; }

fs::path tool_dir(const fs::path& goroot) {
  auto r = toolchain::run_process({(goroot / "bin" / "go").string(), "env", "GOTOOLDIR"},
                                  {{"GOROOT", goroot.string()}, {"GOTOOLCHAIN", "local"}, {"GOENV", "off"}}, goroot);
  std::string out = r.output;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  if (r.exit_code != 0 || out.empty())
    throw std::runtime_error("go env GOTOOLDIR failed for " + goroot.string() + ":\n" + r.output);
  return out;
}

fs::path planted_goroot(const std::string& name, const std::vector<GorootEdit>& edits) {
  check_name(name);
  for (const auto& e : edits) check_edit(e);
  const fs::path pinned = pinned_goroot();
  const fs::path work = fs::path(GOTRAMP_BUILD_DIR) / "planted-goroots";
  const fs::path home = work / name;
  const fs::path dst = home / "go";
  const fs::path stamp = home / "stamp";
  fs::create_directories(home);
  FileLock lock(home / "lock");
  const std::string want = stamp_of(pinned, edits);
  if (fs::exists(stamp) && fs::exists(dst) && slurp(stamp) == want) return dst;

  fs::remove(stamp);
  fs::remove_all(dst);
  auto cp = toolchain::run_process({"cp", "-al", pinned.string(), dst.string()}, {}, home);
  if (cp.exit_code != 0) {
    fs::remove_all(dst);
    cp = toolchain::run_process({"cp", "-a", pinned.string(), dst.string()}, {}, home);
  }
  if (cp.exit_code != 0) throw std::runtime_error("cannot copy the GOROOT: " + cp.output);

  // The pinned files the copy shares and might have written through: its tools and
  // the edited files, as they are before.
  std::map<fs::path, std::string> before;
  const fs::path pinned_tools = tool_dir(pinned);
  for (const char* t : kTools) before[pinned_tools / t] = identity(pinned_tools / t);
  std::map<fs::path, std::string> pinned_text;
  for (const auto& e : edits) {
    const fs::path p = pinned / "src" / e.file;
    before[p] = identity(p);
    if (!pinned_text.contains(p)) pinned_text[p] = slurp(p);
  }

  for (const auto& e : edits) {
    const fs::path f = dst / "src" / e.file;
    std::string s = slurp(f);
    const auto at = s.find(e.text);
    if (at == std::string::npos || s.find(e.text, at + 1) != std::string::npos)
      throw std::runtime_error(f.string() + ": the text to replace is not there exactly once: " + e.text);
    s.replace(at, e.text.size(), e.instead);
    rewrite(f, s);
  }
  rebuild_tools(dst, edits, home, work);

  for (const auto& [p, id] : before)
    if (identity(p) != id)
      throw std::runtime_error("planted_goroot: the pinned GOROOT's " + p.string() + " changed: " + id + " -> " +
                               identity(p));
  for (const auto& [p, text] : pinned_text)
    if (slurp(p) != text) throw std::runtime_error("planted_goroot: the pinned GOROOT's " + p.string() + " changed");
  rewrite(stamp, want);
  return dst;
}

fs::path edited_copy(const GorootEdit& edit, const fs::path& dir) {
  check_edit(edit);
  std::string s = slurp(pinned_goroot() / "src" / edit.file);
  const auto at = s.find(edit.text);
  if (at == std::string::npos || s.find(edit.text, at + 1) != std::string::npos)
    throw std::runtime_error(edit.file + ": the text to replace is not there exactly once: " + edit.text);
  s.replace(at, edit.text.size(), edit.instead);
  fs::create_directories(dir);
  const fs::path out = dir / fs::path(edit.file).filename();
  rewrite(out, s);
  return out;
}

GorootEdit arm64_prologue_without_unspill() {
  return {"cmd/internal/obj/arm64/obj7.go", "\tunspill := c.cursym.Func().UnspillRegisterArgs(pcdata, c.newprog)\n",
          "\tunspill := pcdata // planted bug: the spilled register arguments are never reloaded\n"};
}

fs::path arm64_prologue_without_unspill_goroot() {
  return planted_goroot("arm64-prologue-without-unspill", {arm64_prologue_without_unspill()});
}

}  // namespace gotramp::test
