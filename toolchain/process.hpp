// Running an external program (the Go toolchain) and capturing what it prints.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace gotramp::toolchain {

struct ProcessResult {
  int exit_code = -1;  // -1 when it could not start or died of a signal
  std::string output;  // stdout and stderr, interleaved
};

// Runs argv[0] (searched in PATH) in cwd with the current environment plus env.
ProcessResult run_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                          const std::filesystem::path& cwd);

}  // namespace gotramp::toolchain
