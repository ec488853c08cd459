// One cause, one entry: the Findings of failed runs grouped by what broke them (the
// same guilty instruction, or the same slot never stored), each group listing the
// runs it broke. Verify prints a block per cause; annotations and JUnit name the
// cause's source line.
#pragma once

#include <string>
#include <vector>

#include "cli/verify_cmd.hpp"

namespace gotramp::cli {

struct CauseGroup {
  // What broke the runs: the guilty instruction as a porter reads it, or the slot
  // never stored, or the toolchain's error.
  std::string title;
  std::string kind;  // "wrong-store", "never-stored", ..., "error", "" when blame found none
  // The cause's source line, relative to the GOROOT (or the guest file's name):
  // "src/runtime/asm_arm64.s" and 465; empty and 0 when unknown.
  std::string file;
  int line = 0;
  std::vector<const VerifyRow*> rows;  // the runs it broke, in the report's order
  // The first Finding of the first run (nullptr for a toolchain error: see note).
  const model::Finding* first = nullptr;
  std::string checks;  // the checks that failed by it, "morebuf.pc, sched.ctxt"
};

// The causes of every failed, known and error row, in the order their first run comes.
std::vector<CauseGroup> group_causes(const std::vector<VerifyRow>& rows);

// "src/runtime/asm_arm64.s:465" split at its last colon; file alone when no line.
void split_source(const std::string& source, std::string& file, int& line);

// A cause's source as CI tools want it, relative to the repository: a real
// runtime's is already relative to its GOROOT ("src/runtime/asm_arm64.s:465"); a
// guest file named by its name alone ("ctxt-slot-off.s:42") becomes the --asm path
// as given, or the transcription's guest_asm/<folder>/ file ("guest_asm/arm64/
// morestack.s:43").
std::string repo_source(const VerifyRow& row, const std::string& source);

// GitHub Actions workflow commands, one ::error per cause of a failing row
// (::warning for a known upstream bug unless strict), with its file and line when
// known: https://docs.github.com/actions/reference/workflow-commands-for-github-actions
std::string github_annotations(const std::vector<CauseGroup>& causes, bool strict);

}  // namespace gotramp::cli
