// Printing verify results: a table for people, JSON for programs.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/verify_cmd.hpp"
#include "cli/versions.hpp"

namespace gotramp::cli {

std::string format_table(const std::vector<VerifyRow>& rows);

// The same scenario under the seed and the parent contract must end alike.
struct Differential {
  std::string goarch, scenario;
  bool same = true;
  std::string detail;  // what differed
};
std::vector<Differential> differentials(const std::vector<VerifyRow>& rows);
std::string format_differentials(const std::vector<Differential>& ds);
// The Findings of FAILED, known and error rows, a block per cause (cli/causes.hpp):
// what broke the runs, the runs it broke, the first Finding and the first run's
// story cut to its trace and the fields it names. verbose: per run instead, each
// Finding on its line (a known upstream bug's entry on the line after) and each
// FAILED row's whole story(row).
std::string format_findings(const std::vector<VerifyRow>& rows,
                            const std::function<std::string(const VerifyRow&)>& story = {}, bool verbose = false);
// A run's Findings, one per line with its cause, a known upstream bug's entry on the
// line after, then "and N more" for the failures counted but not listed.
std::string format_run_findings(const model::RunReport& r, const std::string& indent = "  ");
// The end of trace and frame output: the run's verdict and its Findings.
std::string format_run_verdict(const model::RunReport& r);
// "known upstream bug golang/go#63630, fixed in go1.25.0 by 93fb2c9074 (runtime: clear
// frame pointer in morestack): https://go.dev/issue/63630"
std::string format_known_bug(const model::KnownBug& b);
// "12 verified, 3 diagnosed, 1 FAILED" ("N known" before FAILED and "N not yet verified"
// after it when there are such rows).
std::string format_summary(const std::vector<VerifyRow>& rows);
// gotramp known-bugs: one row per catalog entry.
std::string format_known_bugs(const std::vector<std::shared_ptr<const model::KnownBug>>& bugs);
nlohmann::ordered_json findings_json(const model::RunReport& r);
// A catalog entry as the catalog spells it (known_bugs/catalog.json).
nlohmann::ordered_json known_bug_json(const model::KnownBug& b);
nlohmann::ordered_json known_bugs_json(const std::vector<std::shared_ptr<const model::KnownBug>>& bugs);
nlohmann::ordered_json to_json(const model::RunReport& r);
// "passed" is the exit status's: known rows fail it under strict.
nlohmann::ordered_json to_json(const std::vector<VerifyRow>& rows, const ToolVersions& versions, bool strict = false);

// JUnit XML for CI: one <testsuite> per GOARCH with one <testcase> per run
// (classname gotramp.<goarch>.<trampoline>.<contract>, name the scenario); a failed
// run's <failure> holds its findings and story(row). A known run passes, naming its
// bugs in <system-out> and a known-bug property each; under strict it is a <failure
// type="known">. Rows not yet verified are <skipped>. Seed-vs-parent comparisons form
// their own suite, "seed-vs-parent".
std::string to_junit(const std::vector<VerifyRow>& rows, const ToolVersions& versions,
                     const std::function<std::string(const VerifyRow&)>& story, bool strict = false);

}  // namespace gotramp::cli
