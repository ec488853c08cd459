#include "cli/inspect.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "runtime_model/g0_frame.hpp"

namespace gotramp::cli {
namespace {

using json = nlohmann::ordered_json;

std::string hex(uint64_t v) { return fmt::format("{:#x}", v); }

std::string escape_xml(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

const model::G0Frame* frame_of(const InspectedRun& run, int growth) {
  if (growth < 1 || growth > static_cast<int>(run.report.frames.size())) return nullptr;
  return &run.report.frames[growth - 1];
}

struct Diagram {
  std::vector<model::FrameSlot> g0, goroutine;
};

Diagram diagram(const InspectedRun& run, const model::G0Frame& f, const Inspection& what) {
  const auto want = run.machine->frame_expectations(run.report);
  return {model::g0_frame_slots(*what.spec, *what.contract, f, want),
          model::goroutine_slots(*what.spec, f, [&](uint64_t pc) { return run.machine->describe(pc); })};
}

Inspection inspection_of(const InspectedRun& run) {
  Inspection w;
  w.spec = &run.machine->spec();
  w.contract = model::find_contract(run.report.contract);
  w.scenario = model::find_scenario(run.report.scenario);
  return w;
}

std::vector<std::pair<std::string, std::string>> goroutine_fields(const InspectedRun& run, const model::G0Frame& f) {
  auto d = [&](uint64_t pc) { return run.machine->describe(pc); };
  const auto& gp = f.gp;
  return {
      {"g.sched.sp", fmt::format("{:#x}  f's SP when it called morestack", gp.sched_sp)},
      {"g.sched.pc", d(gp.sched_pc) + "  where f resumes (then branches to its entry)"},
      {"g.sched.lr", fmt::format("{:#x}", gp.sched_lr)},
      {"g.sched.bp", fmt::format("{:#x}", gp.sched_bp)},
      {"g.sched.g", fmt::format("{:#x}", gp.sched_g)},
      {"g.sched.ctxt", fmt::format("{:#x}", gp.sched_ctxt)},
      {"m.morebuf.pc", d(gp.morebuf_pc) + "  f's caller"},
      {"m.morebuf.sp", fmt::format("{:#x}  f's caller's SP", gp.morebuf_sp)},
      {"m.morebuf.g", fmt::format("{:#x}", gp.morebuf_g)},
  };
}

}  // namespace

InspectedRun run_one(const Inspection& what, const model::RunOptions& opt, const toolchain::GuestBuildConfig& cfg) {
  auto file =
      what.trampoline ? *what.trampoline : toolchain::guest_dir(*what.spec, cfg) / what.contract->trampoline_file;
  InspectedRun run;
  run.machine = std::make_unique<model::Machine>(*what.spec, toolchain::guest_elf(*what.spec, file, cfg).string());
  run.report = run.machine->run(*what.scenario, *what.contract, opt);
  return run;
}

std::string format_trace(const std::vector<model::TraceStep>& steps) {
  std::string out;
  for (const auto& s : steps) out += model::format_step(s) + "\n";
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
      j["instruction"] = s.insn;
      j["sp"] = hex(s.sp);
      j["regs"] = regs;
      j["writes"] = writes;
    } else {
      j["text"] = s.text;
    }
    steps.push_back(j);
  }
  return {{"goarch", run.report.goarch},     {"contract", run.report.contract},
          {"scenario", run.report.scenario}, {"growth", growth},
          {"verdict", run.report.verdict},   {"steps", steps}};
}

std::optional<std::string> format_frame(const InspectedRun& run, int growth) {
  const model::G0Frame* f = frame_of(run, growth);
  if (!f) return std::nullopt;
  const Inspection what = inspection_of(run);
  const auto& spec = *what.spec;
  Diagram d = diagram(run, *f, what);
  const int w = 2 + 2 * std::max(spec.ptr_size, spec.entry_slot_size());
  std::string out = fmt::format("g0 frame at newstack's entry, growth {}: {} {} contract, {} scenario\n", growth,
                                spec.goarch, what.contract->name, what.scenario->name);
  out += fmt::format("{} = {:#x} on the g0 stack; g0.sched.sp = {:#x}; {} = {:#x}{}\n\n", spec.sp.name, f->sp,
                     f->g0_sched_sp, spec.ctxt.name, f->ctxt_reg,
                     spec.has_link() ? fmt::format("; {} = {}", spec.link.name, run.machine->describe(f->link)) : "");
  out += fmt::format("  {:<12} {:<9} {:<{}} {}\n", "address", "slot", "value", w, "meaning");
  bool line_drawn = false;
  // High addresses first, as stack diagrams are drawn.
  for (auto it = d.g0.rbegin(); it != d.g0.rend(); ++it) {
    if (it->role != model::FrameSlot::Role::Scheduler && !line_drawn) {
      out += fmt::format("  {:-<70} g0.sched.sp\n", "");
      line_drawn = true;
    }
    out += fmt::format("  {:#012x} {:<9} {:#0{}x} {}\n", it->addr, it->slot, it->value, w, it->meaning);
  }
  out +=
      fmt::format("\ninterrupted goroutine g {:#x}, stack [{:#x}, {:#x})\n", f->gp.g, f->gp.stack_lo, f->gp.stack_hi);
  for (const auto& [k, v] : goroutine_fields(run, *f)) out += fmt::format("  {:<13}= {}\n", k, v);
  if (!d.goroutine.empty()) out += "  goroutine stack around g.sched.sp:\n";
  for (auto it = d.goroutine.rbegin(); it != d.goroutine.rend(); ++it)
    out += fmt::format("    {:#012x} {:<13} {:#0{}x} {}\n", it->addr, it->slot, it->value, w, it->meaning);
  return out;
}

std::optional<json> frame_json(const InspectedRun& run, int growth) {
  const model::G0Frame* f = frame_of(run, growth);
  if (!f) return std::nullopt;
  const Inspection what = inspection_of(run);
  Diagram d = diagram(run, *f, what);
  auto slots = [](const std::vector<model::FrameSlot>& v) {
    json a = json::array();
    for (const auto& s : v)
      a.push_back({{"addr", hex(s.addr)},
                   {"slot", s.slot},
                   {"size", s.size},
                   {"value", hex(s.value)},
                   {"role", model::role_name(s.role)},
                   {"meaning", s.meaning}});
    return a;
  };
  json fields = json::object();
  for (const auto& [k, v] : goroutine_fields(run, *f)) fields[k] = v;
  return json{{"goarch", run.report.goarch},
              {"contract", run.report.contract},
              {"scenario", run.report.scenario},
              {"growth", growth},
              {"sp", hex(f->sp)},
              {"g0_sched_sp", hex(f->g0_sched_sp)},
              {"ctxt_reg", what.spec->ctxt.name},
              {"ctxt_reg_value", hex(f->ctxt_reg)},
              {"g0_frame", slots(d.g0)},
              {"goroutine", {{"g", hex(f->gp.g)}, {"fields", fields}, {"stack", slots(d.goroutine)}}}};
}

// A short label for a slot, to fit in a box.
std::string short_label(const model::FrameSlot& slot, const emu::ArchSpec& spec, const InspectedRun& run) {
  switch (slot.role) {
    case model::FrameSlot::Role::ReturnPc:
      return "return PC -> " + run.machine->describe(slot.value);
    case model::FrameSlot::Role::SavedLr:
      return "saved LR (zero)";
    case model::FrameSlot::Role::CtxtArgument:
      return "ctxt argument (" + spec.ctxt.name + ")";
    case model::FrameSlot::Role::FixedFrame:
      return "fixed frame (reserved)";
    case model::FrameSlot::Role::Padding:
      return "padding";
    case model::FrameSlot::Role::Scheduler:
      return slot.meaning.find("CLOBBERED") != std::string::npos ? "scheduler's frame: CLOBBERED"
                                                                 : "scheduler's frame: untouched";
    case model::FrameSlot::Role::GoroutineWord:
      break;
  }
  return slot.meaning;
}

std::optional<std::string> frame_svg(const InspectedRun& run, int growth) {
  const model::G0Frame* f = frame_of(run, growth);
  if (!f) return std::nullopt;
  const Inspection what = inspection_of(run);
  const auto& spec = *what.spec;
  Diagram d = diagram(run, *f, what);
  const int row = 30, left = 20, box = 600, col = 720, width = 1400;
  auto fields = goroutine_fields(run, *f);
  const int rows = static_cast<int>(std::max(d.g0.size() + 1, fields.size() + d.goroutine.size() + 2));
  const int height = 90 + rows * row + 20;
  auto color = [](model::FrameSlot::Role r) {
    switch (r) {
      case model::FrameSlot::Role::CtxtArgument:
        return "#ffe08a";
      case model::FrameSlot::Role::SavedLr:
      case model::FrameSlot::Role::ReturnPc:
        return "#b9e3ff";
      case model::FrameSlot::Role::Scheduler:
        return "#e4e4e4";
      case model::FrameSlot::Role::FixedFrame:
        return "#d9f2d0";
      default:
        return "#ffffff";
    }
  };
  const int digits = 2 * std::max(spec.ptr_size, spec.entry_slot_size());
  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"monospace\" "
      "font-size=\"13\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      width, height);
  s += fmt::format("<text x=\"{}\" y=\"24\" font-size=\"16\" font-weight=\"bold\">{}</text>\n", left,
                   escape_xml(fmt::format("{} {} contract, {} scenario: the g0 frame at newstack's entry, growth {}",
                                          spec.goarch, what.contract->name, what.scenario->name, growth)));
  s += fmt::format("<text x=\"{}\" y=\"50\">{}</text>\n", left,
                   escape_xml(fmt::format("g0 stack, {} = {:#x}, high addresses on top", spec.sp.name, f->sp)));
  s += fmt::format("<text x=\"{}\" y=\"50\">{}</text>\n", col,
                   escape_xml(fmt::format("interrupted goroutine g {:#x}", f->gp.g)));
  int y = 64;
  bool line_drawn = false;
  for (auto it = d.g0.rbegin(); it != d.g0.rend(); ++it) {
    if (it->role != model::FrameSlot::Role::Scheduler && !line_drawn) {
      s += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#c00\" stroke-width=\"3\"/>\n", left, y,
                       left + box + 10, y);
      s += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#c00\">g0.sched.sp</text>\n", left + box + 14, y + 4);
      line_drawn = true;
    }
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#333\"/>\n", left, y, box,
                     row, color(it->role));
    s += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", left + 8, y + 20,
                     escape_xml(fmt::format("{:<8} {:#0{}x}", it->slot, it->value, digits + 2)));
    s += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", left + 290, y + 20,
                     escape_xml(short_label(*it, spec, run).substr(0, 38)));
    y += row;
  }
  int gy = 64;
  for (const auto& [k, v] : fields) {
    s += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", col, gy + 20,
                     escape_xml(fmt::format("{:<13}= {}", k, v.substr(0, 64))));
    gy += row;
  }
  for (auto it = d.goroutine.rbegin(); it != d.goroutine.rend(); ++it) {
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#f4f0ff\" stroke=\"#333\"/>\n", col, gy,
                     width - col - left, row);
    s += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", col + 8, gy + 20,
                     escape_xml(fmt::format("{:<14} {:#0{}x}  {}", it->slot, it->value, 2 * spec.ptr_size + 2,
                                            it->meaning.substr(0, 44))));
    gy += row;
  }
  s += "</svg>\n";
  return s;
}

std::string failure_story(const Inspection& what, const toolchain::GuestBuildConfig& cfg,
                          const model::RunReport* failed, StoryCost* cost) {
  model::RunOptions opt;
  opt.trace.enabled = true;
  opt.trace.keep = false;
  if (failed && failed->stop.reason == emu::StopReason::Budget && failed->stop.insns > kStoryWindow)
    opt.trace.from_insn = failed->stop.insns - kStoryWindow;
  InspectedRun run = run_one(what, opt, cfg);
  if (cost) *cost = {run.machine->engine().total_insns(), opt.trace.from_insn};
  std::string out = fmt::format("  the last {} trace lines before the first failure:\n", run.report.trace_tail.size());
  for (const auto& s : run.report.trace_tail) out += "    " + model::format_step(s) + "\n";
  int growth = 0;
  for (const auto& f : run.report.findings)
    if (f.growth > 0) {
      growth = f.growth;
      break;
    }
  if (growth == 0) growth = static_cast<int>(run.report.frames.size());
  if (auto diagram = format_frame(run, growth)) {
    out += "\n";
    for (size_t pos = 0; pos < diagram->size();) {
      size_t nl = diagram->find('\n', pos);
      out += "  " + diagram->substr(pos, nl - pos + 1);
      pos = nl == std::string::npos ? diagram->size() : nl + 1;
    }
  } else {
    out += "  (newstack was never reached: no frame to draw)\n";
  }
  return out;
}

}  // namespace gotramp::cli
