#include "cli/versions.hpp"

#include <fmt/format.h>

#include "emu/disasm.hpp"
#include "emu/engine.hpp"

#ifndef GOTRAMP_VERSION
#error "GOTRAMP_VERSION comes from CMake's project(VERSION)"
#endif

namespace gotramp::cli {

ToolVersions tool_versions(const toolchain::GuestBuildConfig& cfg) {
  return {GOTRAMP_VERSION, emu::unicorn_version(), emu::capstone_version(), toolchain::go_version(cfg)};
}

std::string format_versions(const ToolVersions& v) {
  return fmt::format("gotramp {}\nunicorn {}\ncapstone {}\ngo {}\n", v.gotramp, v.unicorn, v.capstone, v.go);
}

}  // namespace gotramp::cli
