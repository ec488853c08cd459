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
// The findings of failed rows, one per line, each row followed by story(row).
std::string format_findings(const std::vector<VerifyRow>& rows,
                            const std::function<std::string(const VerifyRow&)>& story = {});
// A run's Findings, one per line with its cause, then "and N more" for the
// failures counted but not listed.
std::string format_run_findings(const model::RunReport& r, const std::string& indent = "  ");
// The end of trace and frame output: the run's verdict and its Findings.
std::string format_run_verdict(const model::RunReport& r);
// "12 verified, 3 diagnosed, 1 FAILED" (and "N not yet verified" when there are).
std::string format_summary(const std::vector<VerifyRow>& rows);
nlohmann::ordered_json findings_json(const model::RunReport& r);
nlohmann::ordered_json to_json(const model::RunReport& r);
nlohmann::ordered_json to_json(const std::vector<VerifyRow>& rows, const ToolVersions& versions);

// JUnit XML for CI: one <testsuite> per GOARCH with one <testcase> per run
// (classname gotramp.<goarch>.<contract>, name the scenario); a failed run's
// <failure> holds its findings and story(row). Rows not yet verified are
// <skipped>. Seed-vs-parent comparisons form their own suite, "seed-vs-parent".
std::string to_junit(const std::vector<VerifyRow>& rows, const ToolVersions& versions,
                     const std::function<std::string(const VerifyRow&)>& story);

}  // namespace gotramp::cli
