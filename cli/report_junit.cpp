// verify --junit: the report as JUnit XML, the format CI systems show as tests.
#include <fmt/format.h>

#include <map>
#include <pugixml.hpp>
#include <sstream>

#include "cli/causes.hpp"
#include "cli/report.hpp"

namespace gotramp::cli {
namespace {

// The text of a failed run: the findings as verify prints them, then the story (a
// known run's failures are explained by the catalog: it has none).
std::string failure_text(const VerifyRow& row, const std::function<std::string(const VerifyRow&)>& story) {
  std::string out;
  if (!row.report) return row.note + "\n";
  out += format_run_findings(*row.report, "");
  for (const auto& p : row.report->printed) out += "runtime printed: " + p + "\n";
  if (story && row.failed()) out += "\n" + story(row);
  return out;
}

std::string failure_message(const VerifyRow& row) {
  if (!row.report) return row.note;
  const auto& f = row.report->findings;
  if (f.empty()) return "FAILED";
  return f.size() == 1 ? f[0].message() : fmt::format("{} findings; the first: {}", f.size(), f[0].message());
}

// "known upstream bug golang/go#63630, fixed in go1.25.0 ...; known upstream bug ..."
std::string known_message(const model::RunReport& r) {
  std::string out;
  for (const auto& b : r.known_bugs) out += (out.empty() ? "" : "; ") + format_known_bug(*b);
  return out;
}

// A property per known upstream bug the run's failures were: name known-bug, value
// the entry's id, issue and fixed version.
void add_known_properties(pugi::xml_node testcase, const model::RunReport& r) {
  auto props = testcase.append_child("properties");
  for (const auto& b : r.known_bugs) {
    auto p = props.append_child("property");
    p.append_attribute("name") = "known-bug";
    p.append_attribute("value") = fmt::format("{} {} {}", b->id, b->reported() ? b->issue : "unreported",
                                              b->fix ? "fixed in " + b->fixed_in : std::string("not fixed"))
                                      .c_str();
  }
}

struct Suite {
  pugi::xml_node node;
  int tests = 0, failures = 0, errors = 0, skipped = 0;
  double time = 0;
};

// Where a run's failure is in the sources, for CI annotations: its first Finding's
// cause, or its error's place ("src/runtime/asm_arm64.s", 465).
void add_place(pugi::xml_node testcase, const VerifyRow& row) {
  std::string source = row.error_source;
  if (row.report)
    for (const auto& f : row.report->findings)
      if (f.cause && !f.cause->source.empty()) {
        source = f.cause->source;
        break;
      }
  if (source.empty()) return;
  std::string file;
  int line = 0;
  split_source(repo_source(row, source), file, line);
  testcase.append_attribute("file") = file.c_str();
  if (line > 0) testcase.append_attribute("line") = line;
}

void add_properties(pugi::xml_node suite, const ToolVersions& v) {
  auto props = suite.append_child("properties");
  for (const auto& [k, val] :
       {std::pair{"gotramp", v.gotramp}, std::pair{"unicorn", v.unicorn}, std::pair{"capstone", v.capstone},
        std::pair{"go", v.go_under_test()}, std::pair{"toolchain", v.toolchain}, std::pair{"goroot", v.goroot},
        std::pair{"guest_go", v.go}}) {
    if (val.empty() && std::string_view(k) != "go") continue;  // no toolchain under test: the transcriptions
    auto p = props.append_child("property");
    p.append_attribute("name") = k;
    p.append_attribute("value") = val.c_str();
  }
  // One per --overlay: "GOROOT file=the file built instead".
  for (const auto& [original, file] : v.overlays) {
    auto p = props.append_child("property");
    p.append_attribute("name") = "overlay";
    p.append_attribute("value") = (original + "=" + file).c_str();
  }
}

}  // namespace

std::string to_junit(const std::vector<VerifyRow>& rows, const ToolVersions& versions,
                     const std::function<std::string(const VerifyRow&)>& story, bool strict) {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto root = doc.append_child("testsuites");
  root.append_attribute("name") = "gotramp verify";

  std::vector<std::string> order;  // suites in the order their first run appears
  std::map<std::string, Suite> suites;
  auto suite = [&](const std::string& name) -> Suite& {
    auto [it, fresh] = suites.try_emplace(name);
    if (fresh) {
      order.push_back(name);
      it->second.node = root.append_child("testsuite");
      it->second.node.append_attribute("name") = name.c_str();
      add_properties(it->second.node, versions);
    }
    return it->second;
  };

  for (const auto& row : rows) {
    Suite& s = suite(row.spec->goarch);
    auto tc = s.node.append_child("testcase");
    tc.append_attribute("classname") =
        fmt::format("gotramp.{}.{}.{}", row.spec->goarch, row.trampoline->name, row.contract->name).c_str();
    tc.append_attribute("name") = row.scenario->name.c_str();
    tc.append_attribute("time") = fmt::format("{:.6f}", row.seconds).c_str();
    s.time += row.seconds;
    if (row.fails(strict) || row.known()) add_place(tc, row);
    s.tests++;
    if (row.known()) add_known_properties(tc, *row.report);
    if (row.errored()) {
      s.errors++;
      auto e = tc.append_child("error");
      e.append_attribute("type") = "error";
      e.append_attribute("message") = failure_message(row).c_str();
      e.text() = failure_text(row, {}).c_str();
    } else if (row.fails(strict)) {
      s.failures++;
      auto f = tc.append_child("failure");
      f.append_attribute("type") = row.known() ? "known" : "FAILED";
      f.append_attribute("message") = (row.known() ? known_message(*row.report) : failure_message(row)).c_str();
      f.text() = failure_text(row, story).c_str();
    } else if (row.known()) {
      tc.append_child("system-out").text() =
          fmt::format("known: every failure is a known upstream runtime bug\n{}", failure_text(row, story)).c_str();
    } else if (!row.report) {
      s.skipped++;
      tc.append_child("skipped").append_attribute("message") = (row.verdict + ": " + row.note).c_str();
    } else {
      tc.append_child("system-out").text() =
          fmt::format("{}: {} checks passed", row.verdict, row.report->checks.size()).c_str();
    }
  }
  for (const auto& d : differentials(rows)) {
    Suite& s = suite("seed-vs-parent");
    auto tc = s.node.append_child("testcase");
    tc.append_attribute("classname") = fmt::format("gotramp.{}.seed-vs-parent", d.goarch).c_str();
    tc.append_attribute("name") = d.scenario.c_str();
    s.tests++;
    if (!d.same) {
      s.failures++;
      auto f = tc.append_child("failure");
      f.append_attribute("type") = "seed and parent differ";
      f.append_attribute("message") = d.detail.c_str();
      f.text() = d.detail.c_str();
    }
  }

  int tests = 0, failures = 0, errors = 0, skipped = 0;
  double time = 0;
  for (const auto& name : order) {
    Suite& s = suites[name];
    s.node.append_attribute("tests") = s.tests;
    s.node.append_attribute("failures") = s.failures;
    s.node.append_attribute("errors") = s.errors;
    s.node.append_attribute("skipped") = s.skipped;
    s.node.append_attribute("time") = fmt::format("{:.6f}", s.time).c_str();
    tests += s.tests, failures += s.failures, errors += s.errors, skipped += s.skipped, time += s.time;
  }
  root.append_attribute("tests") = tests;
  root.append_attribute("failures") = failures;
  root.append_attribute("errors") = errors;
  root.append_attribute("skipped") = skipped;
  root.append_attribute("time") = fmt::format("{:.6f}", time).c_str();
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

}  // namespace gotramp::cli
