#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include "cli/causes.hpp"
#include "cli/report.hpp"

namespace gotramp::cli {

namespace {

// The columns of the runs' trampolines, each heading once, in the order rows bring
// them: those before the count of checks, then those after it.
std::string format_one_table(const std::vector<VerifyRow>& rows) {
  std::vector<const model::Trampoline*> seen;
  for (const auto& row : rows)
    if (std::find(seen.begin(), seen.end(), row.trampoline) == seen.end()) seen.push_back(row.trampoline);
  std::vector<std::string> before, after;
  for (const auto* t : seen)
    for (const auto& col : t->columns()) {
      auto& list = col.after_checks ? after : before;
      if (std::find(list.begin(), list.end(), col.heading) == list.end()) list.push_back(col.heading);
    }
  std::vector<std::string> head = {"GOARCH", "trampoline", "contract", "scenario"};
  // Rows of a real toolchain's runtime say which Go built it.
  const bool real = std::any_of(rows.begin(), rows.end(), [](const VerifyRow& r) { return r.source != "guest_asm"; });
  if (real) head.insert(head.begin() + 1, "toolchain");
  head.insert(head.end(), before.begin(), before.end());
  head.push_back("checks");
  head.insert(head.end(), after.begin(), after.end());
  head.push_back("verdict");

  std::vector<std::vector<std::string>> cells;
  for (const auto& row : rows) {
    const model::RunReport* r = row.report ? &*row.report : nullptr;
    const auto columns = row.trampoline->columns();
    auto cell = [&](const std::string& heading) -> std::string {
      for (const auto& col : columns)
        if (col.heading == heading) return col.cell(r, *row.spec);
      return "";
    };
    std::vector<std::string> c = {row.spec->goarch, row.trampoline->name, row.contract->name, row.scenario->name};
    if (real) c.insert(c.begin() + 1, row.toolchain);
    for (const auto& h : before) c.push_back(cell(h));
    if (r) {
      int ok = static_cast<int>(std::count_if(r->checks.begin(), r->checks.end(), [](auto& k) { return k.ok; }));
      c.push_back(fmt::format("{}/{}", ok, r->checks.size()));
    } else {
      c.push_back("-");
    }
    for (const auto& h : after) c.push_back(cell(h));
    c.push_back(row.verdict);
    cells.push_back(std::move(c));
  }
  std::vector<size_t> width(head.size());
  for (size_t i = 0; i < head.size(); i++) {
    width[i] = head[i].size();
    for (const auto& c : cells) width[i] = std::max(width[i], c[i].size());
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& c) {
    std::string l;
    for (size_t i = 0; i < c.size(); i++) l += fmt::format("{:<{}}", c[i], i + 1 < c.size() ? width[i] + 2 : 0);
    out += l + "\n";
  };
  line(head);
  for (const auto& c : cells) line(c);
  return out;
}

}  // namespace

// One table per trampoline, in the order rows bring them: each has its own columns.
std::string format_table(const std::vector<VerifyRow>& rows) {
  std::vector<const model::Trampoline*> order;
  for (const auto& row : rows)
    if (std::find(order.begin(), order.end(), row.trampoline) == order.end()) order.push_back(row.trampoline);
  if (order.size() <= 1) return format_one_table(rows);
  std::string out;
  for (const auto* t : order) {
    std::vector<VerifyRow> mine;
    for (const auto& row : rows)
      if (row.trampoline == t) mine.push_back(row);
    out += (out.empty() ? "" : "\n") + format_one_table(mine);
  }
  return out;
}

std::vector<Differential> differentials(const std::vector<VerifyRow>& rows) {
  std::vector<Differential> out;
  for (const auto& a : rows) {
    if (!a.report || a.contract->name != "seed" || a.scenario->expects_failure()) continue;
    for (const auto& b : rows) {
      if (!b.report || b.contract->name != "parent" || b.spec != a.spec || b.scenario != a.scenario) continue;
      Differential d{a.spec->goarch, a.scenario->name, true, ""};
      const auto &ra = *a.report, &rb = *b.report;
      if (ra.grown() != rb.grown())
        d.same = false, d.detail += fmt::format(" growths {} vs {};", ra.grown(), rb.grown());
      if (ra.result_got != rb.result_got)
        d.same = false, d.detail += fmt::format(" result {:#x} vs {:#x};", ra.result_got, rb.result_got);
      for (size_t i = 0; i < std::min(ra.growths.size(), rb.growths.size()); i++)
        if (ra.growths[i].sched_ctxt != rb.growths[i].sched_ctxt) {
          d.same = false;
          d.detail += fmt::format(" g.sched.ctxt at growth {}: {:#x} vs {:#x};", i + 1, ra.growths[i].sched_ctxt,
                                  rb.growths[i].sched_ctxt);
          break;
        }
      out.push_back(d);
    }
  }
  return out;
}

std::string format_differentials(const std::vector<Differential>& ds) {
  if (ds.empty()) return "";
  int same = 0;
  std::string bad;
  for (const auto& d : ds) {
    same += d.same;
    if (!d.same) bad += fmt::format("  {} {}:{}\n", d.goarch, d.scenario, d.detail);
  }
  return fmt::format("\nseed vs parent: same growths, g.sched.ctxt at every growth and result in {} of {} runs\n{}",
                     same, ds.size(), bad);
}

namespace {

// "arm64 morestack modern: closure, noctxt, ...", wrapped to fit a terminal.
std::string runs_line(const std::vector<const VerifyRow*>& rows, const std::string& indent) {
  std::vector<std::pair<std::string, std::string>> groups;  // "arm64 morestack modern" -> scenarios
  for (const VerifyRow* r : rows) {
    const std::string head = fmt::format("{} {} {}", r->spec->goarch, r->trampoline->name, r->contract->name);
    if (groups.empty() || groups.back().first != head) groups.emplace_back(head, "");
    groups.back().second += (groups.back().second.empty() ? "" : ", ") + r->scenario->name;
  }
  std::string out = fmt::format("{}breaks {} run{}:", indent, rows.size(), rows.size() == 1 ? "" : "s");
  size_t col = out.size();
  for (const auto& [head, scenarios] : groups) {
    std::string word = fmt::format(" {}: {};", head, scenarios);
    for (size_t pos = 0; pos < word.size();) {  // at ", " boundaries past the width
      size_t cut = word.size();
      if (col + (cut - pos) > 118) {
        size_t room = 118 > col ? 118 - col : 0;
        size_t comma = word.rfind(", ", pos + room);
        cut = comma != std::string::npos && comma > pos ? comma + 1 : word.size();
      }
      out += word.substr(pos, cut - pos);
      col += cut - pos;
      pos = cut;
      if (pos < word.size()) out += "\n" + indent + "   ", col = indent.size() + 3;
    }
  }
  out.pop_back();  // the last ';'
  return out + "\n";
}

// A story cut to what a cause block shows: the trace before the first failure, and
// of the frame only the slots and fields the Findings name (marked X).
std::string brief_story(const std::string& story) {
  std::string out;
  bool in_trace = true, marked = false;
  size_t pos = 0;
  while (pos < story.size()) {
    size_t nl = story.find('\n', pos);
    std::string line = story.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? story.size() : nl + 1;
    if (in_trace) {
      if (line.empty()) {
        in_trace = false;
        continue;
      }
      out += line + "\n";
      continue;
    }
    const auto first = line.find_first_not_of(' ');
    if (first == std::string::npos) continue;
    if (line.compare(first, 2, "X ") == 0 || line[first] == '^') {
      if (!marked) out += "  the fields and slots they name, at newstack's entry:\n";
      marked = true;
      out += line + "\n";
    }
  }
  return out;
}

// The per-run detail (--verbose): each failed or known row's Findings, then its story.
std::string format_each_run(const std::vector<VerifyRow>& rows,
                            const std::function<std::string(const VerifyRow&)>& story) {
  std::string out;
  for (const auto& row : rows) {
    if (!row.failed() && !row.known() && !row.errored()) continue;
    out += fmt::format("\n{} {} {} {}: {}\n", row.spec->goarch, row.trampoline->name, row.contract->name,
                       row.scenario->name, row.verdict);
    if (!row.report) {
      out += "  " + row.note + "\n";
      continue;
    }
    out += format_run_findings(*row.report);
    for (const auto& p : row.report->printed) out += "  runtime printed: " + p + "\n";
    // A known row is explained by the catalog; an unexplained failure tells its story.
    if (story && row.failed()) out += "\n" + story(row);
  }
  return out;
}

}  // namespace

std::string format_findings(const std::vector<VerifyRow>& rows,
                            const std::function<std::string(const VerifyRow&)>& story, bool verbose) {
  if (verbose) return format_each_run(rows, story);
  const auto causes = group_causes(rows);
  std::string out;
  std::set<const VerifyRow*> told;  // a run's story once, in its first cause's block
  int n = 0;
  for (const auto& g : causes) {
    n++;
    out += fmt::format("\ncause {} of {}: {}\n", n, causes.size(), g.title);
    out += runs_line(g.rows, "  ");
    if (g.checks.find(',') != std::string::npos) out += "  checks it fails: " + g.checks + "\n";
    const VerifyRow& first = *g.rows.front();
    if (!g.first) {  // the toolchain's error, or why the run did not run: its first lines
      int lines = 0;
      for (size_t pos = 0; pos < first.note.size() && lines < 12; lines++) {
        size_t nl = first.note.find('\n', pos);
        out += "  " + first.note.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos) + "\n";
        pos = nl == std::string::npos ? first.note.size() : nl + 1;
      }
      continue;
    }
    out +=
        fmt::format("  first Finding, {} {}:\n    {}\n", first.spec->goarch, first.scenario->name, g.first->message());
    if (g.first->known) out += "    " + format_known_bug(*g.first->known) + "\n";
    if (story && first.failed() && told.insert(&first).second) out += brief_story(story(first));
  }
  if (!causes.empty())
    out +=
        "\n(every run's Findings, trace and frame: add --verbose; one run: gotramp trace or gotramp frame with "
        "--goarch and --scenario)\n";
  return out;
}

std::string format_known_bug(const model::KnownBug& b) { return fmt::format("{}: {}", b.describe(), b.url); }

std::string format_run_findings(const model::RunReport& r, const std::string& indent) {
  std::string out;
  for (const auto& f : r.findings) {
    out += indent + f.message() + "\n";
    if (f.known) out += indent + "  " + format_known_bug(*f.known) + "\n";
  }
  // Known bugs that only failures not listed were (the verdict counts every failure).
  std::string unlisted;
  for (const auto& b : r.known_bugs)
    if (std::none_of(r.findings.begin(), r.findings.end(), [&](const model::Finding& f) { return f.known == b; }))
      unlisted += fmt::format("{}  {} (among the failures not listed)\n", indent, format_known_bug(*b));
  if (r.findings_omitted == 0) return out;
  std::string per_check;
  for (const auto& c : r.checks) {
    int listed = 0;
    for (const auto& f : r.findings) listed += f.check == c.name;
    if (c.failed > listed)
      per_check += fmt::format("{}{} {}", per_check.empty() ? "" : ", ", c.failed - listed, c.name);
  }
  return out + fmt::format("{}and {} more (not listed: {})\n", indent, r.findings_omitted, per_check) + unlisted;
}

std::string format_run_verdict(const model::RunReport& r) {
  std::string out = fmt::format("\n{} {} {} {}: {}\n", r.goarch, r.trampoline, r.contract, r.scenario, r.verdict);
  out += format_run_findings(r);
  for (const auto& p : r.printed) out += "  runtime printed: " + p + "\n";
  return out;
}

std::string format_known_bugs(const std::vector<std::shared_ptr<const model::KnownBug>>& bugs) {
  std::vector<std::vector<std::string>> rows = {{"id", "issue", "trampoline", "GOARCH", "affected", "fix", "finding"}};
  for (const auto& b : bugs)
    rows.push_back({b->id, b->reported() ? b->issue : "unreported", b->trampoline,
                    fmt::format("{}", fmt::join(b->goarches, ",")),
                    b->fix ? fmt::format("{} <= version < {}", b->first_affected, b->fixed_in)
                           : fmt::format("{} <= version", b->first_affected),
                    b->fix ? fmt::format("{} {}", b->fix->short_hash(), b->fix->subject) : "(none yet)",
                    b->finding ? fmt::format("{}: {}...", b->finding->check, b->finding->slot_prefix)
                               : "(no check finds it yet)"});
  std::vector<size_t> width(rows[0].size());
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); i++) width[i] = std::max(width[i], r[i].size());
  std::string out;
  for (const auto& r : rows) {
    std::string l;
    for (size_t i = 0; i < r.size(); i++) l += fmt::format("{:<{}}", r[i], i + 1 < r.size() ? width[i] + 2 : 0);
    out += l + "\n";
  }
  for (const auto& b : bugs) out += fmt::format("\n{}: {}\n  {}\n", b->id, b->title, format_known_bug(*b));
  return out;
}

std::string format_summary(const std::vector<VerifyRow>& rows) {
  int verified = 0, diagnosed = 0, known = 0, failed = 0, errors = 0, unverified = 0, inapplicable = 0;
  std::vector<std::string> why;  // each reason once
  for (const auto& row : rows) {
    if (row.verdict == "not applicable") {
      inapplicable++;
      if (std::find(why.begin(), why.end(), row.note) == why.end()) why.push_back(row.note);
    }
    verified += row.verdict == "verified";
    diagnosed += row.verdict == "diagnosed";
    known += row.known();
    failed += row.failed();
    errors += row.errored();
    unverified += row.verdict == "not yet verified";
  }
  std::string out = fmt::format("{} verified, {} diagnosed, ", verified, diagnosed);
  if (known) out += fmt::format("{} known, ", known);
  out += fmt::format("{} FAILED", failed);
  if (errors) out += fmt::format(", {} error", errors);
  if (unverified) out += fmt::format(", {} not yet verified", unverified);
  if (inapplicable) out += fmt::format(", {} not applicable ({})", inapplicable, fmt::join(why, "; "));
  return out + "\n";
}

}  // namespace gotramp::cli
