#include "cli/versions.hpp"

#include <fmt/format.h>

#include "emu/disasm.hpp"
#include "emu/engine.hpp"

#ifndef GOTRAMP_VERSION
#error "GOTRAMP_VERSION comes from CMake's project(VERSION)"
#endif

namespace gotramp::cli {

ToolVersions tool_versions(const toolchain::GuestBuildConfig& cfg) {
  ToolVersions v;
  v.gotramp = GOTRAMP_VERSION, v.unicorn = emu::unicorn_version(), v.capstone = emu::capstone_version();
  v.go = toolchain::go_version(cfg);
  return v;
}

std::string format_versions(const ToolVersions& v) {
  return fmt::format("gotramp {}\nunicorn {}\ncapstone {}\ngo {}\n", v.gotramp, v.unicorn, v.capstone, v.go);
}

}  // namespace gotramp::cli
