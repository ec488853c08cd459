#include "cli/frame_picture.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "cli/inspect.hpp"
#include "cli/svg_canvas.hpp"

namespace gotramp::cli {

std::vector<const model::Finding*> findings_naming_slot(const std::vector<model::Finding>& findings, int growth,
                                                        const model::FrameSlot& slot, const model::G0Frame& f) {
  std::vector<const model::Finding*> out;
  const bool scheduler = slot.role == model::FrameSlot::Role::Scheduler;
  const std::string sched_word =
      scheduler ? fmt::format("g0.sched.sp+{} ", slot.addr - f.g0_sched_sp) : std::string("\x01");
  for (const auto& x : findings) {
    if (x.growth != growth || slot.role == model::FrameSlot::Role::GoroutineWord) continue;
    const bool by_offset = x.slot.starts_with(slot.slot + " ");
    const bool by_sched = scheduler && x.slot.find(sched_word) != std::string::npos;
    if (by_offset || by_sched) out.push_back(&x);
  }
  return out;
}

std::vector<const model::Finding*> findings_naming_field(const std::vector<model::Finding>& findings, int growth,
                                                         const std::string& field) {
  std::vector<const model::Finding*> out;
  for (const auto& x : findings)
    if (x.growth == growth && (x.slot == field || x.slot.starts_with(field + " "))) out.push_back(&x);
  return out;
}

std::string finding_text(const model::Finding& f) {
  return fmt::format("{}: expected {}, seen {}", f.check, f.expected, f.seen);
}

namespace {

using Role = model::FrameSlot::Role;

constexpr double kMargin = 20, kRow = 24, kFindingLine = 18, kStripe = 6, kPad = 14, kGap = 48;
constexpr const char* kRed = "#c00000";
constexpr const char* kRedFill = "#ffd9d9";

const char* role_fill(Role r) {
  switch (r) {
    case Role::CtxtArgument:
      return "#ffe08a";
    case Role::Argument:
      return "#fff3c4";
    case Role::SavedLr:
    case Role::ReturnPc:
      return "#b9e3ff";
    case Role::Scheduler:
      return "#e4e4e4";
    case Role::FixedFrame:
      return "#d9f2d0";
    case Role::Padding:
      return "#ffffff";
    case Role::GoroutineWord:
      return "#f4f0ff";
  }
  return "#ffffff";
}

const char* verdict_colour(const std::string& verdict) {
  if (verdict == "verified") return "#087a08";
  if (verdict == "diagnosed") return "#a35c00";
  if (verdict == "known") return "#6a3d9a";  // failed, by known upstream bugs only
  if (verdict == "FAILED") return kRed;
  return "#000000";
}

// One row of a column: a box holding a line of text, and under it, in red, the
// text of every Finding that names it.
struct Row {
  std::string text;
  std::string fill = "#ffffff";  // the role's colour
  std::vector<std::string> findings;
  uint64_t addr = 0;
  bool red() const { return !findings.empty(); }
  double height() const { return kRow + kFindingLine * static_cast<double>(findings.size()); }
  double width() const {
    double w = SvgCanvas::text_width(text);
    for (const auto& f : findings) w = std::max(w, SvgCanvas::text_width("✗ " + f));
    return w + 2 * kPad;
  }
};

double column_width(const std::vector<Row>& rows) {
  double w = 0;
  for (const auto& r : rows) w = std::max(w, r.width());
  return w;
}

// Draws rows top-down from y; returns the y below the last, and each row's top.
double draw_rows(SvgCanvas& c, double x, double y, double width, const std::vector<Row>& rows,
                 std::vector<double>* tops = nullptr) {
  for (const auto& r : rows) {
    if (tops) tops->push_back(y);
    const std::string box =
        c.box(x, y, width, r.height(), r.red() ? kRedFill : r.fill, r.red() ? kRed : "#333333", r.red() ? 2.5 : 1);
    // A red row keeps its role's colour in a stripe on its left.
    if (r.red()) c.box(x + 2, y + 2, kStripe, r.height() - 4, r.fill, r.fill, 0);
    c.text(x + kPad, y + 16, r.text, box, {});
    double fy = y + kRow + 12;
    for (const auto& f : r.findings) {
      c.text(x + kPad, fy, "✗ " + f, box, {.fill = kRed, .bold = true});
      fy += kFindingLine;
    }
    y += r.height();
  }
  return y;
}

// An arrow from the left pointing at (x, y), labelled.
void arrow(SvgCanvas& c, double x, double y, const std::string& label, const char* colour) {
  const double len = 22;
  const double lx = x - len - 6 - SvgCanvas::text_width(label);
  if (!label.empty()) c.text(lx, y + 4, label, "", {.fill = colour, .bold = true});
  c.line(x - len - 4, y, x - 6, y, colour, 2);
  c.polygon(fmt::format("{},{} {},{} {},{}", x - 1, y, x - 9, y - 5, x - 9, y + 5), colour);
}

}  // namespace

std::optional<std::string> frame_svg(const InspectedRun& run, int growth) {
  const model::G0Frame* f = frame_of(run, growth);
  if (!f) return std::nullopt;
  const auto& report = run.report;
  const auto& spec = run.harness->spec();
  const FrameDiagram d = frame_diagram(run, *f);
  const auto& findings = report.findings;
  const int digits = 2 * std::max(spec.ptr_size, spec.entry_slot_size());
  SvgCanvas c;
  double y = kMargin + 18;

  // Heading: what ran, which growth, and the verdict.
  c.text(kMargin, y,
         fmt::format("GOARCH {}  ·  {}  ·  contract {}  ·  scenario {}  ·  {} {} of {}  ·  verdict ", spec.goarch,
                     report.trampoline, report.contract, report.scenario, f->roles.episode, growth, report.episodes),
         "", {.size = 17, .bold = true, .tail = report.verdict, .tail_fill = verdict_colour(report.verdict)});
  y += 24;
  c.text(kMargin, y,
         fmt::format("the g0 frame at {}'s entry, as the emulator saw it, beside the goroutine {} {}", f->roles.callee,
                     f->roles.trampoline, f->roles.morebuf ? "interrupted" : "saved"),
         "", {});
  y += 26;

  // The findings of this growth, in red; the others counted.
  int here = 0, elsewhere = 0;
  for (const auto& x : findings) (x.growth == growth ? here : elsewhere)++;
  if (here == 0 && elsewhere == 0) {
    c.text(kMargin, y, "no findings: every check held", "", {.fill = verdict_colour("verified"), .bold = true});
    y += 20;
  }
  for (const auto& x : findings) {
    if (x.growth != growth) continue;
    c.text(
        kMargin, y,
        fmt::format("✗ {}{}{}: expected {}, seen {}", x.check, x.slot.empty() ? "" : ": ", x.slot, x.expected, x.seen),
        "", {.fill = kRed, .bold = true});
    y += 18;
  }
  if (elsewhere > 0) {
    c.text(kMargin, y,
           fmt::format("({} finding{} at other growths or after gogo)", elsewhere, elsewhere == 1 ? "" : "s"), "",
           {.fill = kRed});
    y += 18;
  }
  y += 10;

  // Legend: the slot roles.
  double lx = kMargin;
  const std::pair<Role, const char*> roles[] = {
      {Role::ReturnPc, "return-pc / saved-lr"}, {Role::CtxtArgument, "ctxt-argument"},
      {Role::FixedFrame, "fixed-frame"},        {Role::Padding, "padding"},
      {Role::Scheduler, "scheduler-frame"},     {Role::GoroutineWord, "goroutine stack word"},
  };
  c.text(lx, y + 12, "legend:", "", {.bold = true});
  lx += SvgCanvas::text_width("legend:") + 12;
  auto swatch = [&](const char* fill, const char* stroke, const std::string& label) {
    c.box(lx, y, 16, 16, fill, stroke, stroke == kRed ? 2.5 : 1);
    c.text(lx + 22, y + 12, label, "", {});
    lx += 22 + SvgCanvas::text_width(label) + 18;
  };
  for (const auto& [role, label] : roles) swatch(role_fill(role), "#333333", label);
  if (!f->roles.args.empty()) swatch(role_fill(Role::Argument), "#333333", "argument");
  swatch(kRedFill, kRed, "named by a finding");
  y += 40;

  // The g0 column: high addresses on top.
  const std::string sp_name = spec.sp.name;
  std::vector<Row> g0;
  for (auto it = d.g0.rbegin(); it != d.g0.rend(); ++it) {
    Row r;
    r.addr = it->addr;
    r.fill = role_fill(it->role);
    r.text = fmt::format("{:#012x}  {:<9} {:#0{}x}  {}", it->addr, it->slot, it->value, digits + 2, it->meaning);
    for (const auto* x : findings_naming_slot(findings, growth, *it, *f)) r.findings.push_back(finding_text(*x));
    if (it->meaning.find("CLOBBERED") != std::string::npos && r.findings.empty())
      r.findings.push_back("CLOBBERED: the scheduler's frame above g0.sched.sp was written");
    g0.push_back(std::move(r));
  }
  std::vector<std::string> g0_head = {
      fmt::format("g0 stack [{:#x}, {:#x}), high addresses on top", d.g0_stack.lo, d.g0_stack.hi),
      fmt::format("{} = {:#x} at {}'s entry; g0.sched.sp = {:#x}", sp_name, f->sp, f->roles.callee, f->g0_sched_sp),
      fmt::format("{} (context register) = {:#x}", spec.ctxt.name, f->ctxt_reg),
  };
  if (spec.has_link()) g0_head.push_back(fmt::format("{} = {}", spec.link.name, run.harness->describe(f->link)));
  g0_head.push_back(fmt::format("g = {:#x}", f->g));
  // Findings about the frame as a whole: SP itself, the link register, g.
  std::vector<std::string> frame_findings;
  for (const auto& x : findings)
    if (x.growth == growth && (x.slot == sp_name || x.slot.starts_with("g (") ||
                               (spec.has_link() && x.slot.starts_with(spec.link.name + " "))))
      frame_findings.push_back(fmt::format("{}: {}", x.slot, finding_text(x)));
  const bool sp_wrong = std::any_of(findings.begin(), findings.end(),
                                    [&](const model::Finding& x) { return x.growth == growth && x.slot == sp_name; });

  // The goroutine column.
  std::vector<Row> fields;
  for (const auto& [k, v] : goroutine_fields(run, *f)) {
    Row r;
    r.text = fmt::format("{:<13}= {}", k, v);
    for (const auto* x : findings_naming_field(findings, growth, k)) r.findings.push_back(finding_text(*x));
    fields.push_back(std::move(r));
  }
  std::vector<Row> words;
  for (auto it = d.goroutine.rbegin(); it != d.goroutine.rend(); ++it) {
    Row r;
    r.addr = it->addr;
    r.fill = role_fill(it->role);
    r.text =
        fmt::format("{:#012x}  {:<14} {:#0{}x}  {}", it->addr, it->slot, it->value, 2 * spec.ptr_size + 2, it->meaning);
    words.push_back(std::move(r));
  }
  const std::vector<std::string> gp_head = {
      fmt::format("{} goroutine g {:#x} (m.curg)", f->roles.morebuf ? "interrupted" : "saved", f->gp.g),
      fmt::format("its stack [{:#x}, {:#x}), {} bytes", f->gp.stack_lo, f->gp.stack_hi,
                  f->gp.stack_hi - f->gp.stack_lo),
  };

  // Column positions: room on the left for the SP arrow.
  const double arrow_room = SvgCanvas::text_width(sp_name) + 40;
  const double x0 = kMargin + arrow_room;
  double w0 = column_width(g0);
  for (const auto& h : g0_head) w0 = std::max(w0, SvgCanvas::text_width(h));
  for (const auto& h : frame_findings) w0 = std::max(w0, SvgCanvas::text_width("✗ " + h));
  const double sched_label = SvgCanvas::text_width("g0.sched.sp") + 16;
  const double x1 = x0 + w0 + sched_label + kGap;
  const double w1 = std::max({column_width(fields), column_width(words)});

  // g0 column.
  double gy = y;
  for (size_t i = 0; i < g0_head.size(); i++, gy += 18) c.text(x0, gy + 12, g0_head[i], "", {.bold = i == 0});
  for (const auto& h : frame_findings) {
    c.text(x0, gy + 12, "✗ " + h, "", {.fill = kRed, .bold = true});
    gy += 18;
  }
  gy += 8;
  std::vector<double> tops;
  draw_rows(c, x0, gy, w0, g0, &tops);
  for (size_t i = 0; i < g0.size(); i++) {
    if (g0[i].addr == f->g0_sched_sp && i > 0) {
      // g0.sched.sp: the boundary between the scheduler's frame and newstack's.
      const double ly = tops[i] + g0[i].height();
      c.line(x0 - 4, ly, x0 + w0 + 8, ly, "#1f3fbf", 3);
      c.text(x0 + w0 + 12, ly + 5, "g0.sched.sp", "", {.fill = "#1f3fbf", .bold = true});
    }
    if (g0[i].addr == f->sp) arrow(c, x0, tops[i] + kRow / 2, sp_name, sp_wrong ? kRed : "#000000");
  }

  // Goroutine column.
  double ry = y;
  for (size_t i = 0; i < gp_head.size(); i++, ry += 18) c.text(x1, ry + 12, gp_head[i], "", {.bold = i == 0});
  ry += 8;
  ry = draw_rows(c, x1, ry, w1, fields) + 16;
  if (!words.empty()) {
    c.text(x1, ry + 12, "the goroutine stack around g.sched.sp, high addresses on top", "", {.bold = true});
    ry += 20;
    const bool top_is_hi = d.goroutine.back().addr + d.goroutine.back().size >= f->gp.stack_hi;
    c.text(x1, ry + 12,
           fmt::format("stack.hi = {:#x}{}", f->gp.stack_hi, top_is_hi ? "" : "  (the words up to it not shown)"), "",
           {.fill = "#555555"});
    ry += 20;
    std::vector<double> wtops;
    ry = draw_rows(c, x1, ry, w1, words, &wtops);
    for (size_t i = 0; i < words.size(); i++)
      if (words[i].addr == f->gp.sched_sp) arrow(c, x1, wtops[i] + kRow / 2, "", "#000000");
    c.text(x1, ry + 14, fmt::format("stack.lo = {:#x}", f->gp.stack_lo), "", {.fill = "#555555"});
  }
  return c.svg(kMargin);
}

}  // namespace gotramp::cli
