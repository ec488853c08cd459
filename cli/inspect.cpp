#include "cli/inspect.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "cli/exit_code.hpp"
#include "cli/frame_picture.hpp"
#include "cli/report.hpp"
#include "runtime_model/morestack/g0_frame.hpp"

namespace gotramp::cli {
namespace {

using json = nlohmann::ordered_json;

std::string hex(uint64_t v) { return fmt::format("{:#x}", v); }

Inspection inspection_of(const InspectedRun& run) {
  Inspection w;
  w.spec = &run.harness->spec();
  w.contract = model::find_contract(run.report.contract);
  w.scenario = model::find_scenario(run.report.scenario, run.report.trampoline);
  return w;
}

}  // namespace

// What the frame's slots are checked against: morestack's expectations, or for
// another trampoline's callee only the g0 stack and how code is named.
model::SequenceExpect InspectedRun::frame_expectations() const {
  if (auto* s = dynamic_cast<const model::MorestackSuite*>(harness->suite()))
    return s->frame_expectations(*harness, report);
  model::SequenceExpect want;
  want.g0_stack = harness->arena().g0_stack();
  want.describe_code = [h = harness.get()](uint64_t pc) { return h->describe(pc); };
  return want;
}

const model::G0Frame* frame_of(const InspectedRun& run, int growth) {
  for (const auto& f : run.report.frames)
    if (f.growth == growth) return &f;
  return nullptr;
}

FrameDiagram frame_diagram(const InspectedRun& run, const model::G0Frame& f) {
  const Inspection what = inspection_of(run);
  const auto want = run.frame_expectations();
  return {model::g0_frame_slots(*what.spec, *what.contract, f, want),
          model::goroutine_slots(*what.spec, f, [&](uint64_t pc) { return run.harness->describe(pc); }), want.g0_stack};
}

std::vector<std::pair<std::string, std::string>> goroutine_fields(const InspectedRun& run, const model::G0Frame& f) {
  // A PC names its function; a zero (a field never written) stays a plain 0x0.
  auto d = [&](uint64_t pc) { return pc == 0 ? std::string("0x0") : run.harness->describe(pc); };
  const auto& gp = f.gp;
  const auto& who = f.roles;
  const bool saved = !who.saver.empty();  // by the saver, for the trampoline (gosave_systemstack_switch)
  std::vector<std::pair<std::string, std::string>> out = {
      {"g.sched.sp",
       saved ? fmt::format("{:#x}  {}'s own SP when it called {}", gp.sched_sp, who.trampoline, who.saver)
             : fmt::format("{:#x}  {}'s SP when it called {}", gp.sched_sp, who.interrupted, who.trampoline)},
      {"g.sched.pc",
       d(gp.sched_pc) + (who.morebuf ? "  where f resumes (then branches to its entry)"
                         : saved     ? fmt::format("  where a traceback finds the goroutine ({} sets it)", who.saver)
                                     : fmt::format("  where {} resumes", who.interrupted))},
      {"g.sched.lr", fmt::format("{:#x}", gp.sched_lr)},
      {"g.sched.bp", fmt::format("{:#x}", gp.sched_bp)},
      {"g.sched.g", fmt::format("{:#x}", gp.sched_g)},
      {"g.sched.ctxt", fmt::format("{:#x}", gp.sched_ctxt)},
  };
  if (who.morebuf) {
    out.push_back({"m.morebuf.pc", d(gp.morebuf_pc) + "  f's caller"});
    out.push_back({"m.morebuf.sp", fmt::format("{:#x}  f's caller's SP", gp.morebuf_sp)});
    out.push_back({"m.morebuf.g", fmt::format("{:#x}", gp.morebuf_g)});
  }
  return out;
}

std::filesystem::path guest_elf_for(const Inspection& what, const toolchain::GuestBuildConfig& cfg) {
  const auto file =
      what.asm_file ? *what.asm_file : toolchain::guest_dir(*what.spec, cfg) / what.contract->transcription;
  try {
    return toolchain::guest_elf(*what.spec, file, cfg);
  } catch (const toolchain::GuestBuildError& e) {
    if (what.asm_file) throw BadInput(e.what());  // the porter's file does not build
    throw;                                        // a built-in guest: ours
  }
}

InspectedRun run_one(const Inspection& what, const model::RunOptions& opt, const toolchain::GuestBuildConfig& cfg) {
  InspectedRun run;
  run.harness = what.probe ? model::Harness::for_probe(*what.spec, what.probe->string(), what.toolchain, what.goroot)
                           : model::Harness::for_transcription(*what.spec, guest_elf_for(what, cfg).string());
  run.report = run.harness->run(*what.scenario, *what.contract, opt);
  return run;
}

std::string format_trace(const std::vector<model::TraceStep>& steps, const model::TraceFormat& how) {
  std::string out;
  for (const auto& s : steps) out += model::format_step(s, how) + "\n";
  return out;
}

json trace_json(const InspectedRun& run, int growth) {
  json steps = json::array();
  for (const auto& s : run.report.trace) {
    json regs = json::array(), writes = json::array();
    for (const auto& r : s.regs) regs.push_back({{"name", r.name}, {"before", hex(r.before)}, {"after", hex(r.after)}});
    for (const auto& w : s.writes)
      writes.push_back({{"addr", hex(w.addr)}, {"size", w.size}, {"value", hex(w.value)}, {"meaning", w.meaning}});
    const char* kind = s.kind == model::TraceStep::Kind::Insn   ? "instruction"
                       : s.kind == model::TraceStep::Kind::Host ? "host"
                                                                : "stack-switch";
    json j = {{"kind", kind}, {"growth", s.growth}};
    if (s.kind == model::TraceStep::Kind::Insn) {
      j["n"] = s.n;
      j["pc"] = hex(s.pc);
      j["where"] = s.where;
      j["source"] = s.source;
      j["source_text"] = s.source_text;
      j["instruction"] = s.insn;
      j["sp"] = hex(s.sp);
      j["regs"] = regs;
      j["writes"] = writes;
    } else {
      j["text"] = s.text;
    }
    if (!s.all_regs.empty()) {
      json all = json::object();
      for (const auto& r : s.all_regs) all[r.name] = hex(r.value);
      j["registers"] = all;
    }
    steps.push_back(j);
  }
  return {{"goarch", run.report.goarch},
          {"trampoline", run.report.trampoline},
          {"contract", run.report.contract},
          {"scenario", run.report.scenario},
          {"growth", growth},
          {"verdict", run.report.verdict},
          {"findings", findings_json(run.report)},
          {"findings_omitted", run.report.findings_omitted},
          {"known_bugs", known_bugs_json(run.report.known_bugs)},
          {"steps", steps}};
}

std::optional<std::string> format_frame(const InspectedRun& run, int growth) {
  const model::G0Frame* f = frame_of(run, growth);
  if (!f) return std::nullopt;
  const Inspection what = inspection_of(run);
  const auto& spec = *what.spec;
  FrameDiagram d = frame_diagram(run, *f);
  const int w = 2 + 2 * std::max(spec.ptr_size, spec.entry_slot_size());
  std::string out = fmt::format("g0 frame at {}'s entry, {} {}: {} {} trampoline, {} contract, {} scenario\n",
                                f->roles.callee, f->roles.episode, growth, spec.goarch, what.scenario->trampoline,
                                what.contract->name, what.scenario->name);
  out += fmt::format("{} = {:#x} on the g0 stack; g0.sched.sp = {:#x}; {} = {:#x}{}\n\n", spec.sp.name, f->sp,
                     f->g0_sched_sp, spec.ctxt.name, f->ctxt_reg,
                     spec.has_link() ? fmt::format("; {} = {}", spec.link.name, run.harness->describe(f->link)) : "");
  out += fmt::format("  {:<12} {:<9} {:<{}} {}\n", "address", "slot", "value", w, "meaning");
  // A slot or field a Finding names is marked, as the picture draws it red, and the
  // Findings follow it.
  const auto& findings = run.report.findings;
  auto mark = [](const std::vector<const model::Finding*>& by) { return by.empty() ? ' ' : 'X'; };
  auto named_by = [](const std::vector<const model::Finding*>& by, int indent) {
    std::string lines;
    for (const auto* x : by)
      lines +=
          fmt::format("{:{}}^ {}: expected {}, seen {}\n", "", indent, x->check, x->expected_text(), x->seen_text());
    return lines;
  };
  bool line_drawn = false;
  // High addresses first, as stack diagrams are drawn.
  for (auto it = d.g0.rbegin(); it != d.g0.rend(); ++it) {
    if (it->role != model::FrameSlot::Role::Scheduler && !line_drawn) {
      out += fmt::format("  {:-<70} g0.sched.sp\n", "");
      line_drawn = true;
    }
    const auto by = findings_naming_slot(findings, growth, *it, *f);
    out += fmt::format("{} {:#012x} {:<9} {:#0{}x} {}\n", mark(by), it->addr, it->slot, it->value, w, it->meaning);
    out += named_by(by, 15);
  }
  out += fmt::format("\n{} goroutine g {:#x}, stack [{:#x}, {:#x})\n", f->roles.morebuf ? "interrupted" : "saved",
                     f->gp.g, f->gp.stack_lo, f->gp.stack_hi);
  for (const auto& [k, v] : goroutine_fields(run, *f)) {
    const auto by = findings_naming_field(findings, growth, k);
    out += fmt::format("{} {:<13}= {}\n", mark(by), k, v);
    out += named_by(by, 4);
  }
  if (!d.goroutine.empty()) out += "  goroutine stack around g.sched.sp:\n";
  for (auto it = d.goroutine.rbegin(); it != d.goroutine.rend(); ++it)
    out += fmt::format("    {:#012x} {:<13} {:#0{}x} {}\n", it->addr, it->slot, it->value, w, it->meaning);
  return out;
}

std::optional<json> frame_json(const InspectedRun& run, int growth) {
  const model::G0Frame* f = frame_of(run, growth);
  if (!f) return std::nullopt;
  const Inspection what = inspection_of(run);
  FrameDiagram d = frame_diagram(run, *f);
  const auto& findings = run.report.findings;
  // Each slot and field with the findings that name it (drawn red in the picture).
  auto named = [](const std::vector<const model::Finding*>& v) {
    json a = json::array();
    for (const auto* x : v) a.push_back(finding_text(*x));
    return a;
  };
  auto slots = [&](const std::vector<model::FrameSlot>& v) {
    json a = json::array();
    for (const auto& s : v)
      a.push_back({{"addr", hex(s.addr)},
                   {"slot", s.slot},
                   {"size", s.size},
                   {"value", hex(s.value)},
                   {"role", model::role_name(s.role)},
                   {"meaning", s.meaning},
                   {"named_by", named(findings_naming_slot(findings, growth, s, *f))}});
    return a;
  };
  json fields = json::object(), field_findings = json::object();
  for (const auto& [k, v] : goroutine_fields(run, *f)) {
    fields[k] = v;
    auto by = findings_naming_field(findings, growth, k);
    if (!by.empty()) field_findings[k] = named(by);
  }
  return json{{"goarch", run.report.goarch},
              {"trampoline", run.report.trampoline},
              {"contract", run.report.contract},
              {"scenario", run.report.scenario},
              {"growth", growth},
              {"sp", hex(f->sp)},
              {"g0_sched_sp", hex(f->g0_sched_sp)},
              {"ctxt_reg", what.spec->ctxt.name},
              {"ctxt_reg_value", hex(f->ctxt_reg)},
              {"growths", run.report.episodes},
              {"g0_stack", {{"lo", hex(d.g0_stack.lo)}, {"hi", hex(d.g0_stack.hi)}}},
              {"g0_frame", slots(d.g0)},
              {"goroutine",
               {{"g", hex(f->gp.g)},
                {"stack_lo", hex(f->gp.stack_lo)},
                {"stack_hi", hex(f->gp.stack_hi)},
                {"fields", fields},
                {"field_findings", field_findings},
                {"stack", slots(d.goroutine)}}},
              {"verdict", run.report.verdict},
              {"findings", findings_json(run.report)},
              {"findings_omitted", run.report.findings_omitted},
              {"known_bugs", known_bugs_json(run.report.known_bugs)}};
}

std::string failure_story(const Inspection& what, const toolchain::GuestBuildConfig& cfg,
                          const model::RunReport* failed, StoryCost* cost) {
  model::RunOptions opt;
  opt.trace.enabled = true;
  opt.trace.keep = false;
  if (failed && failed->stop.reason == emu::StopReason::Budget && failed->stop.insns > kStoryWindow)
    opt.trace.from_insn = failed->stop.insns - kStoryWindow;
  InspectedRun run = run_one(what, opt, cfg);
  if (cost) *cost = {run.harness->engine().total_insns(), opt.trace.from_insn};
  std::string out = fmt::format("  the last {} trace lines before the first failure:\n", run.report.trace_tail.size());
  for (const auto& s : run.report.trace_tail) out += "    " + model::format_step(s) + "\n";
  int growth = 0;
  for (const auto& f : run.report.findings)
    if (f.growth > 0) {
      growth = f.growth;
      break;
    }
  if (growth == 0 && !run.report.frames.empty()) growth = run.report.frames.back().growth;
  if (auto diagram = format_frame(run, growth)) {
    out += "\n";
    for (size_t pos = 0; pos < diagram->size();) {
      size_t nl = diagram->find('\n', pos);
      out += "  " + diagram->substr(pos, nl - pos + 1);
      pos = nl == std::string::npos ? diagram->size() : nl + 1;
    }
  } else {
    const model::Trampoline* t = model::find_trampoline(run.report.trampoline);
    // newstack never reached, or a call that switched to no g0 frame (on g0, gsignal).
    out += fmt::format("  (no g0 frame at {}'s entry was recorded: nothing to draw)\n", t ? t->callee : "newstack");
  }
  return out;
}

}  // namespace gotramp::cli
