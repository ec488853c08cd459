// What a report was made with: gotramp's version (CMake's project VERSION, the one
// place it is set) and those of the emulator, the disassembler and the Go toolchain.
#pragma once

#include <string>

#include "toolchain/guest_build.hpp"

namespace gotramp::cli {

struct ToolVersions {
  std::string gotramp, unicorn, capstone, go;
};

ToolVersions tool_versions(const toolchain::GuestBuildConfig& cfg);
// "gotramp 0.2.0\nunicorn 2.1.4\ncapstone 5.0.9\ngo go1.19.8\n"
std::string format_versions(const ToolVersions& v);

}  // namespace gotramp::cli
