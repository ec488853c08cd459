// gotramp debug: one run, stopped at its first instruction, served to one
// gdb-multiarch through the GDB remote protocol (cli/gdb_stub.hpp).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "cli/run_args.hpp"

namespace gotramp::cli {

struct DebugArgs {
  RunArgs run;  // --goarch, --contract, --scenario, --asm, --go, --strict, --cache
  std::string gdb = "127.0.0.1:1234";
  int timeout = 600;  // seconds gdb may stay silent (and take to connect)
};

// Adds the subcommand; run_debug runs it once parsed.
CLI::App* add_debug_command(CLI::App& app, DebugArgs& args);
// Exit status: 0 when the run passed, 1 when it failed or gdb killed it; bad input
// throws BadInput (exit 2, cli/exit_code.hpp).
int run_debug(const DebugArgs& args);

}  // namespace gotramp::cli
