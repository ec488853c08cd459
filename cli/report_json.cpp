#include <fmt/format.h>

#include "cli/report.hpp"

namespace gotramp::cli {
namespace {

std::string hex(uint64_t v) { return fmt::format("{:#x}", v); }

}  // namespace

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
      if (!c.reg.empty()) cause["register"] = c.reg;
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
                        {"seen", f.seen},
                        {"cause", cause},
                        {"message", f.message()}});
  }
  return findings;
}

nlohmann::ordered_json to_json(const model::RunReport& r) {
  using json = nlohmann::ordered_json;
  json checks = json::array();
  for (const auto& c : r.checks)
    checks.push_back({{"name", c.name}, {"ok", c.ok}, {"failures", c.failed}, {"detail", c.detail}});
  json findings = findings_json(r);
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
  };
  return out;
}

nlohmann::ordered_json to_json(const std::vector<VerifyRow>& rows, const ToolVersions& versions) {
  using json = nlohmann::ordered_json;
  json runs = json::array();
  bool passed = true;
  for (const auto& row : rows) {
    passed = passed && !row.failed();
    if (row.report) {
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
    runs.push_back({{"goarch", row.spec->goarch},
                    {"toolchain", row.toolchain},
                    {"source", row.source},
                    {"trampoline", row.trampoline->name},
                    {"contract", row.contract->name},
                    {"scenario", row.scenario->name},
                    {"ctxt_reg", row.spec->ctxt.name},
                    {"arg_slot", row.spec->slot(row.spec->arg0_offset())},
                    {"verdict", row.verdict},
                    {"note", row.note}});
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
          {"go", versions.go},
          {"passed", passed},
          {"runs", runs},
          {"differential", diff}};
}

}  // namespace gotramp::cli
