// gotramp's exit-code contract, the same for every subcommand (README, "Exit status").
#pragma once

#include <stdexcept>

namespace gotramp::cli {

enum ExitCode : int {
  kExitPassed = 0,    // every run passed (verified or diagnosed)
  kExitFailed = 1,    // a run failed its checks
  kExitBadInput = 2,  // bad input: names, option values, files, a trampoline that does not build
  kExitInternal = 3,  // gotramp itself failed
};

// Bad input from the user; its message says what is wrong and what would be valid.
struct BadInput : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace gotramp::cli
