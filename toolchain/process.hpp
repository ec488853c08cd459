// Running an external program (the Go toolchain) and capturing what it prints.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace gotramp::toolchain {

struct ProcessResult {
  int exit_code = -1;      // -1 when it could not start or died of a signal
  std::string output;      // stdout and stderr, interleaved
  bool timed_out = false;  // killed when its time ran out (exit_code -1)
};

// Runs argv[0] (searched in PATH) in cwd with the current environment plus env.
// With a timeout, a program still running (or holding its output open) that long
// after it started is killed (SIGKILL) and reaped.
ProcessResult run_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                          const std::filesystem::path& cwd,
                          std::chrono::milliseconds timeout = std::chrono::milliseconds::zero());

// Waits until the child pid exits or the deadline passes, and kills it (SIGKILL) in
// the second case: true when it was killed. The caller reaps it either way. Without
// pidfds (Linux before 5.3) it cannot wait and returns false at once.
bool kill_after(int pid, std::chrono::steady_clock::time_point deadline);

}  // namespace gotramp::toolchain
