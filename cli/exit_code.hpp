// gotramp's exit-code contract, the same for every subcommand (README, "Exit status").
#pragma once

#include <stdexcept>
#include <string>

namespace gotramp::cli {

enum ExitCode : int {
  kExitPassed = 0,         // every run passed (verified or diagnosed; known unless --strict)
  kExitFailed = 1,         // a run failed its checks (FAILED; known with --strict), or a GOARCH errored
  kExitBadInput = 2,       // bad input: names, option values, files, a trampoline that does not build
  kExitInternal = 3,       // gotramp itself failed
  kExitTimedOut = 4,       // debug: no gdb connected, or gdb was silent, within --timeout
  kExitInterrupted = 130,  // Ctrl-C (SIGINT): 128 + the signal, as a shell reports it
};

// The exit status of one run's verdict: a known upstream bug passes unless strict.
inline ExitCode exit_for_verdict(const std::string& verdict, bool strict) {
  return verdict == "FAILED" || verdict == "error" || (verdict == "known" && strict) ? kExitFailed : kExitPassed;
}

// Bad input from the user; its message says what is wrong and what would be valid.
struct BadInput : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace gotramp::cli
