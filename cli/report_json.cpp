#include <fmt/format.h>

#include <algorithm>

#include "cli/report.hpp"

namespace gotramp::cli {
namespace {

std::string hex(uint64_t v) { return fmt::format("{:#x}", v); }

nlohmann::ordered_json commit_json(const model::GoCommit& c) { return {{"hash", c.hash}, {"subject", c.subject}}; }

// What a Finding says of the known bug it is: enough to follow it up.
nlohmann::ordered_json known_ref_json(const model::KnownBug& b) {
  using json = nlohmann::ordered_json;
  return {{"id", b.id},
          {"issue", b.reported() ? json(b.issue) : json(nullptr)},
          {"url", b.url},
          {"fixed_in", b.fix ? json(b.fixed_in) : json(nullptr)},
          {"fix", b.fix ? commit_json(*b.fix) : json(nullptr)}};
}

// --overlay as go build -overlay's Replace: each GOROOT file replaced -> the file
// built instead; {} when none.
nlohmann::ordered_json overlays_json(const ToolVersions& v) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& [original, file] : v.overlays) out[original] = file;
  return out;
}

}  // namespace

nlohmann::ordered_json known_bug_json(const model::KnownBug& b) {
  using json = nlohmann::ordered_json;
  json behaviour = json::array();
  for (const auto& s : b.behaviour) {
    json step = {{"since", s.since}};
    if (s.commit) step["commit"] = commit_json(*s.commit);  // a change within the range
    step["what"] = s.what;
    behaviour.push_back(step);
  }
  json out = {{"id", b.id},
              {"title", b.title},
              {"issue", b.reported() ? json(b.issue) : json(nullptr)},
              {"url", b.url},
              {"trampoline", b.trampoline},
              {"goarch", b.goarches},
              {"first_affected", b.first_affected},
              {"fixed_in", b.fix ? json(b.fixed_in) : json(nullptr)},
              {"fix", b.fix ? commit_json(*b.fix) : json(nullptr)},
              {"introduced", b.introduced ? commit_json(*b.introduced) : json(nullptr)},
              {"behaviour", behaviour},
              {"finding",
               b.finding ? json{{"check", b.finding->check}, {"slot_prefix", b.finding->slot_prefix}} : json(nullptr)}};
  if (!b.also.empty()) {
    json also = json::array();
    for (const auto& s : b.also) also.push_back({{"check", s.check}, {"slot_prefix", s.slot_prefix}});
    out["also"] = also;
  }
  return out;
}

nlohmann::ordered_json known_bugs_json(const std::vector<std::shared_ptr<const model::KnownBug>>& bugs) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& b : bugs) out.push_back(known_bug_json(*b));
  return out;
}

nlohmann::ordered_json findings_json(const model::RunReport& r) {
  using json = nlohmann::ordered_json;
  json findings = json::array();
  for (const auto& f : r.findings) {
    json cause = nullptr;
    if (f.cause) {
      const auto& c = *f.cause;
      cause = {{"kind", model::cause_kind_name(c.kind)}};
      // The guilty store or write; null when nothing stored. For a register nothing
      // wrote, the instruction that left the window.
      const bool stored = c.kind != model::Cause::Kind::NeverStored || c.window_start;
      if (!c.reg.empty()) cause[c.kind == model::Cause::Kind::NeverCalled ? "function" : "register"] = c.reg;
      cause["pc"] = stored ? json(hex(c.pc)) : json(nullptr);
      cause["where"] = stored ? json(c.where) : json(nullptr);
      cause["source"] = stored ? json(c.source) : json(nullptr);
      cause["text"] = stored ? json(c.text) : json(nullptr);
      cause["value"] = stored ? json(hex(c.value)) : json(nullptr);
      auto other = [](const std::optional<model::Cause::Elsewhere>& e) {
        return e ? json{{"addr", hex(e->addr)}, {"value", hex(e->value)}, {"slot", e->slot}, {"pc", hex(e->pc)},
                        {"where", e->where},    {"source", e->source},    {"text", e->text}}
                 : json(nullptr);
      };
      cause["instead"] = other(c.instead);
      cause["overwritten"] = other(c.overwritten);
      if (c.window_start) cause["window_start"] = other(c.window_start);
      cause["message"] = c.describe();
    }
    findings.push_back({{"check", f.check},
                        {"growth", f.growth},
                        {"pc", hex(f.pc)},
                        {"where", f.where},
                        {"instruction", f.insn},
                        {"slot", f.slot},
                        {"addr", f.size > 0 ? json(hex(f.addr)) : json(nullptr)},
                        {"register", f.reg.empty() ? json(nullptr) : json(f.reg)},
                        {"expected", f.expected},
                        {"expected_from", f.expected_from},
                        {"expected_symbol", f.expected_symbol.empty() ? json(nullptr) : json(f.expected_symbol)},
                        {"seen", f.seen},
                        {"seen_symbol", f.seen_symbol.empty() ? json(nullptr) : json(f.seen_symbol)},
                        {"cause", cause},
                        {"known", f.known ? known_ref_json(*f.known) : json(nullptr)},
                        {"message", f.message()}});
  }
  return findings;
}

nlohmann::ordered_json to_json(const model::RunReport& r) {
  using json = nlohmann::ordered_json;
  json checks = json::array();
  for (const auto& c : r.checks)
    checks.push_back(
        {{"name", c.name}, {"ok", c.ok}, {"failures", c.failed}, {"known", c.known}, {"detail", c.detail}});
  json findings = findings_json(r);
  json known_ids = json::array();
  for (const auto& b : r.known_bugs) known_ids.push_back(b->id);
  json writes = json::array();
  for (const auto& w : r.unbarriered)
    writes.push_back({{"field", w.field},
                      {"pc", hex(w.pc)},
                      {"where", w.where},
                      {"instruction", w.insn},
                      {"old", hex(w.old)},
                      {"value", hex(w.value)},
                      {"growth", w.growth},
                      {"repaired", w.repaired},
                      {"lost", w.lost}});
  const bool audited = r.gc_phase == "marking";
  json shaded = json::array();
  for (uint64_t o : r.shaded) shaded.push_back(hex(o));
  json growths = json::array();
  for (const auto& g : r.growths) {
    json j = {
        {"n", g.n}, {"ctxt_read", hex(g.ctxt_read)}, {"sched_ctxt", hex(g.sched_ctxt)}, {"preempted", g.preempted}};
    if (!g.preempted) {
      j["function"] = g.function;
      j["old_stack"] = {hex(g.old_lo), hex(g.old_hi)};
      j["new_stack"] = {hex(g.new_lo), hex(g.new_hi)};
      j["bytes_copied"] = g.copied;
      j["frame_pointer_fixes"] = g.fp_fixes;
    }
    growths.push_back(j);
  }
  json out = {
      {"goarch", r.goarch},
      {"trampoline", r.trampoline},
      {"contract", r.contract},
      {"scenario", r.scenario},
      {"ctxt_reg", r.ctxt_reg},
      {"arg_slot", r.arg_slot},
      {"ctxt_set", hex(r.ctxt_set)},
      {"ctxt_read", r.ctxt_read ? json(hex(*r.ctxt_read)) : json(nullptr)},
      {"growths", r.grown()},
      {"preemptions", r.preemptions},
      {"checks", checks},
      {"findings", findings},
      {"findings_omitted", r.findings_omitted},
      {"known_bugs", known_ids},
      {"result", {{"expected", hex(r.result_expected)}, {"got", hex(r.result_got)}}},
      {"stop",
       {{"reason", emu::stop_reason_name(r.stop.reason)},
        {"pc", hex(r.stop.pc)},
        {"detail", r.stop.detail},
        {"instructions", r.stop.insns}}},
      {"gc_phase", r.gc_phase},
      // Audited only while the GC marks (closure-gc): null when not audited.
      {"unbarriered_pointer_writes", audited ? json(r.unbarriered_sites()) : json(nullptr)},
      {"unbarriered_pointer_write_events", audited ? json(r.unbarriered.size()) : json(nullptr)},
      {"repaired", audited ? json(r.all_repaired()) : json(nullptr)},
      {"unbarriered_writes", writes},
      {"shaded", shaded},
      {"throw", r.throw_text ? json(*r.throw_text) : json(nullptr)},
      {"printed", r.printed},
      {"growth_details", growths},
      {"verdict", r.verdict},
      {"notes", r.notes},
  };
  return out;
}

nlohmann::ordered_json to_json(const std::vector<VerifyRow>& rows, const ToolVersions& versions, bool strict) {
  using json = nlohmann::ordered_json;
  json runs = json::array();
  bool passed = true;
  std::vector<std::shared_ptr<const model::KnownBug>> known;  // every run's, each once
  for (const auto& row : rows) {
    passed = passed && !row.fails(strict);
    if (row.report) {
      for (const auto& b : row.report->known_bugs)
        if (std::find(known.begin(), known.end(), b) == known.end()) known.push_back(b);
      json run = to_json(*row.report);
      // Where the run's runtime came from, after its GOARCH.
      json out = json::object();
      for (auto it = run.begin(); it != run.end(); ++it) {
        out[it.key()] = it.value();
        if (it.key() == "goarch") out["toolchain"] = row.toolchain, out["source"] = row.source;
      }
      runs.push_back(std::move(out));
      continue;
    }
    json run = {{"goarch", row.spec->goarch},
                {"toolchain", row.toolchain},
                {"source", row.source},
                {"trampoline", row.trampoline->name},
                {"contract", row.contract->name},
                {"scenario", row.scenario->name},
                {"ctxt_reg", row.spec->ctxt.name},
                {"arg_slot", row.spec->slot(row.spec->arg0_offset())},
                {"verdict", row.verdict},
                {"note", row.note}};
    // An error's place in the toolchain's sources, when its message names one.
    if (row.errored()) run["error_source"] = row.error_source.empty() ? json(nullptr) : json(row.error_source);
    runs.push_back(std::move(run));
  }
  json diff = json::array();
  for (const auto& d : differentials(rows)) {
    passed = passed && d.same;
    diff.push_back({{"goarch", d.goarch}, {"scenario", d.scenario}, {"same", d.same}, {"detail", d.detail}});
  }
  return {{"tool", "gotramp"},
          {"version", versions.gotramp},
          {"unicorn", versions.unicorn},
          {"capstone", versions.capstone},
          {"go", versions.go_under_test()},
          {"toolchain", versions.toolchain.empty() ? json(nullptr) : json(versions.toolchain)},
          {"goroot", versions.goroot.empty() ? json(nullptr) : json(versions.goroot)},
          {"overlays", overlays_json(versions)},
          {"guest_go", versions.go},
          {"passed", passed},
          {"strict", strict},
          {"runs", runs},
          {"differential", diff},
          {"known_bugs", known_bugs_json(known)}};
}

}  // namespace gotramp::cli
