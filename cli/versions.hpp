// What a report was made with: gotramp's version (CMake's project VERSION, the one
// place it is set) and those of the emulator, the disassembler and the Go toolchain.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "toolchain/guest_build.hpp"

namespace gotramp::cli {

struct ToolVersions {
  std::string gotramp, unicorn, capstone;
  std::string go;  // the Go that assembled and linked the guests
  // With --go, the toolchain under test: as the user named it (bundled, system or a
  // path), its version and its GOROOT; empty for the Go 1.8 transcriptions.
  std::string toolchain, toolchain_version, goroot;
  // --overlay: each GOROOT file replaced (its absolute path) and the file built instead.
  std::vector<std::pair<std::string, std::string>> overlays;

  // The Go whose runtime the report is about: the toolchain under test, else the
  // guests' (their runtime is the transcription, assembled by it).
  const std::string& go_under_test() const { return toolchain_version.empty() ? go : toolchain_version; }
};

ToolVersions tool_versions(const toolchain::GuestBuildConfig& cfg);
// "gotramp 0.2.0\nunicorn 2.1.4\ncapstone 5.0.9\ngo go1.19.8\n"
std::string format_versions(const ToolVersions& v);

}  // namespace gotramp::cli
