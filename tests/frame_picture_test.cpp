// Issue 9 (4): frame pictures worth opening. Per GOARCH, for a good run and for
// broken trampolines: every text stays inside its box, measured on the picture as
// librsvg renders it; the heading, legend, SP arrow, addresses and stack bounds are
// there; every slot or field a Finding names is drawn red with the Finding's text;
// the picture renders to PNG (kept in the temp folder, to be looked at).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "support.hpp"
#include "toolchain/process.hpp"

namespace gotramp {
namespace {

namespace fs = std::filesystem;
constexpr const char* kRed = "#c00000";

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Rect {
  double x = 0, y = 0, w = 0, h = 0;
  std::string fill, stroke;
};
struct Text {
  std::string id, box, content;
  double x = 0, y = 0;
};
struct Picture {
  double width = 0, height = 0;
  std::map<std::string, Rect> rects;
  std::vector<Text> texts;
  // The text elements whose content holds s.
  std::vector<const Text*> find(const std::string& s) const {
    std::vector<const Text*> out;
    for (const auto& t : texts)
      if (t.content.find(s) != std::string::npos) out.push_back(&t);
    return out;
  }
  const Rect* box_of(const Text& t) const {
    auto it = rects.find(t.box);
    return it == rects.end() ? nullptr : &it->second;
  }
};

std::string unescape(std::string s) {
  s = std::regex_replace(s, std::regex("<[^>]*>"), "");  // tspans
  for (auto [from, to] : {std::pair{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&amp;", "&"}})
    s = std::regex_replace(s, std::regex(from), to);
  return s;
}

Picture parse(const std::string& svg) {
  Picture p;
  std::smatch m;
  if (std::regex_search(svg, m, std::regex("<svg [^>]*width=\"([0-9.]+)\" height=\"([0-9.]+)\"")))
    p.width = std::stod(m[1]), p.height = std::stod(m[2]);
  const std::regex rect(
      "<rect id=\"(r[0-9]+)\" x=\"([0-9.]+)\" y=\"([0-9.]+)\" width=\"([0-9.]+)\" height=\"([0-9.]+)\" "
      "fill=\"([^\"]*)\" stroke=\"([^\"]*)\"");
  for (std::sregex_iterator it(svg.begin(), svg.end(), rect), end; it != end; ++it) {
    const auto& r = *it;
    p.rects[r[1]] = {std::stod(r[2]), std::stod(r[3]), std::stod(r[4]), std::stod(r[5]), r[6], r[7]};
  }
  const std::regex text(
      "<text id=\"(t[0-9]+)\" data-box=\"([^\"]*)\" x=\"([0-9.]+)\" y=\"([0-9.]+)\"[^>]*>(.*)</text>");
  for (std::sregex_iterator it(svg.begin(), svg.end(), text), end; it != end; ++it) {
    const auto& t = *it;
    p.texts.push_back({t[1], t[2], unescape(t[5]), std::stod(t[3]), std::stod(t[4])});
  }
  return p;
}

// The ink extents of one element as librsvg renders it: rsvg-convert --export-id
// crops its output to them.
std::optional<std::pair<double, double>> rendered_size(const fs::path& svg, const std::string& id) {
  auto r = toolchain::run_process({"rsvg-convert", "--export-id", id, "--format", "svg", svg.string()}, {}, ".");
  std::smatch m;
  if (r.exit_code != 0 ||
      !std::regex_search(r.output, m, std::regex("<svg [^>]*width=\"([0-9.]+)\" height=\"([0-9.]+)\"")))
    return std::nullopt;
  return std::pair{std::stod(m[1]), std::stod(m[2])};
}

// Every text whose rendered ink leaves its box (or the page, for texts in none):
// one message each. A text starts where its ink does (no leading blank), so its
// ink spans [x, x + rendered width).
std::vector<std::string> texts_outside_their_boxes(const fs::path& svg) {
  const Picture p = parse(read(svg));
  std::vector<std::string> out;
  if (p.texts.empty()) out.push_back("no text at all");
  for (const auto& t : p.texts) {
    Rect box{0, 0, p.width, p.height, "", ""};
    if (!t.box.empty()) {
      if (!p.box_of(t)) {
        out.push_back(t.id + ": no box " + t.box);
        continue;
      }
      box = *p.box_of(t);
    }
    if (t.content.starts_with(" ")) out.push_back(t.id + " starts with a blank: " + t.content);
    auto size = rendered_size(svg, t.id);
    if (!size) {
      out.push_back(t.id + ": librsvg cannot render it");
      continue;
    }
    const auto [w, h] = *size;
    if (t.x < box.x || t.x + w > box.x + box.w - 1 || t.y - h < box.y || t.y > box.y + box.h)
      out.push_back(
          fmt::format("{} \"{}\" ink [{:.1f}, {:.1f}) x [{:.1f}, {:.1f}] leaves its box [{:.1f}, {:.1f}) x "
                      "[{:.1f}, {:.1f}]",
                      t.id, t.content, t.x, t.x + w, t.y - h, t.y, box.x, box.x + box.w, box.y, box.y + box.h));
  }
  return out;
}

toolchain::ProcessResult gotramp(std::vector<std::string> args) {
  args.insert(args.begin(), GOTRAMP_BIN);
  return toolchain::run_process(args, {}, fs::current_path());
}

// The pictures are kept where a person can open them.
fs::path picture_dir() {
  auto d = fs::temp_directory_path() / "gotramp-pictures";
  fs::create_directories(d);
  return d;
}

struct Drawn {
  fs::path svg, png;
  Picture picture;
  nlohmann::json frame;
  int exit_code = 0;
  std::string output;
};

// gotramp frame --svg for a run, its JSON, and the PNG librsvg renders from it.
Drawn draw(const emu::ArchSpec& spec, const std::string& name, std::vector<std::string> extra) {
  Drawn d;
  d.svg = picture_dir() / fmt::format("{}-{}.svg", spec.goarch, name);
  d.png = fs::path(d.svg).replace_extension(".png");
  fs::remove(d.svg);
  std::vector<std::string> args = {"frame", "--goarch", spec.goarch, "--svg", d.svg.string(), "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = gotramp(args);
  d.exit_code = r.exit_code;
  d.output = r.output;
  if (r.exit_code > 1 || !fs::exists(d.svg)) return d;
  d.frame = nlohmann::json::parse(r.output);
  d.picture = parse(read(d.svg));
  auto png = toolchain::run_process({"rsvg-convert", d.svg.string(), "-o", d.png.string()}, {}, ".");
  EXPECT_EQ(png.exit_code, 0) << png.output;
  return d;
}

// The PNG is a picture of the SVG's size.
void expect_png_of_size(const Drawn& d) {
  std::ifstream in(d.png, std::ios::binary);
  unsigned char head[24] = {};
  in.read(reinterpret_cast<char*>(head), sizeof head);
  ASSERT_EQ(std::string(reinterpret_cast<char*>(head) + 1, 3), "PNG") << d.png;
  auto be32 = [&](int at) {
    return static_cast<double>(uint32_t(head[at]) << 24 | uint32_t(head[at + 1]) << 16 | uint32_t(head[at + 2]) << 8 |
                               uint32_t(head[at + 3]));
  };
  EXPECT_EQ(be32(16), d.picture.width);
  EXPECT_EQ(be32(20), d.picture.height);
}

// The text of the g0 frame's row for a slot of the frame JSON ("0x0040143fb8  8(RSP)").
const Text* g0_row(const Picture& p, const nlohmann::json& slot) {
  const std::string head = fmt::format("{:#012x}  {}", std::stoull(slot["addr"].get<std::string>(), nullptr, 16),
                                       slot["slot"].get<std::string>());
  for (const auto& t : p.texts)
    if (t.content.starts_with(head)) return &t;
  return nullptr;
}

bool red(const Picture& p, const Text& t) {
  const Rect* r = p.box_of(t);
  return r && r->stroke == kRed;
}

struct FramePicture : ::testing::TestWithParam<const emu::ArchSpec*> {};

TEST_P(FramePicture, AGoodRunIsDrawnWholeWithHeadingLegendArrowAndBounds) {
  const auto& spec = *GetParam();
  Drawn d = draw(spec, "good", {});
  ASSERT_EQ(d.exit_code, 0) << d.output;
  const Picture& p = d.picture;
  for (const auto& msg : texts_outside_their_boxes(d.svg)) ADD_FAILURE() << spec.goarch << ": " << msg;
  expect_png_of_size(d);
  // Heading: GOARCH, contract, scenario, growth, verdict.
  EXPECT_EQ(p.find(fmt::format("GOARCH {}  ·  morestack  ·  contract seed  ·  scenario closure  ·  growth 1 of ",
                               spec.goarch))
                .size(),
            1u);
  ASSERT_FALSE(p.find("verdict verified").empty());
  EXPECT_FALSE(p.find("no findings").empty());
  // Legend: every role.
  for (const char* role :
       {"return-pc / saved-lr", "ctxt-argument", "fixed-frame", "padding", "scheduler-frame", "named by a finding"})
    EXPECT_EQ(std::count_if(p.texts.begin(), p.texts.end(), [&](const Text& t) { return t.content == role; }), 1)
        << role;
  // The SP arrow, labelled with the row's SP, and g0.sched.sp.
  bool arrow = false;
  for (const auto& t : p.texts) arrow = arrow || (t.content == spec.sp.name && t.box.empty());
  EXPECT_TRUE(arrow) << spec.sp.name;
  EXPECT_FALSE(p.find("g0.sched.sp").empty());
  // Every g0 slot: its absolute address beside its offset, in a box of its own, none red.
  ASSERT_GE(d.frame["g0_frame"].size(), 2u);
  for (const auto& slot : d.frame["g0_frame"]) {
    const Text* row = g0_row(p, slot);
    ASSERT_NE(row, nullptr) << slot.dump();
    EXPECT_FALSE(red(p, *row)) << row->content;
  }
  // The goroutine stack's bounds.
  const auto& gp = d.frame["goroutine"];
  const std::string bounds =
      fmt::format("[{}, {})", gp["stack_lo"].get<std::string>(), gp["stack_hi"].get<std::string>());
  EXPECT_FALSE(p.find(bounds).empty()) << bounds;
  EXPECT_FALSE(p.find("stack.lo = " + gp["stack_lo"].get<std::string>()).empty());
  EXPECT_FALSE(p.find("stack.hi = " + gp["stack_hi"].get<std::string>()).empty());
  // No box with text in it is red (the legend's red swatch holds none).
  for (const auto& t : p.texts) EXPECT_FALSE(red(p, t)) << t.content;
}

// A trampoline that stores the context one word off: the slots its findings name
// are red, with the findings' text in their boxes, and so is any clobbered
// scheduler word.
TEST_P(FramePicture, ABrokenTrampolinesNamedSlotsAreRed) {
  const auto& spec = *GetParam();
  const auto variant = toolchain::guest_dir(spec, test::guest_config()) / "variants" / "ctxt-slot-off.s";
  Drawn d = draw(spec, "ctxt-slot-off", {"--asm", variant.string()});
  ASSERT_EQ(d.exit_code, 1) << "frame of a failed run exits 1: " << d.output;
  ASSERT_TRUE(fs::exists(d.svg));
  const Picture& p = d.picture;
  for (const auto& msg : texts_outside_their_boxes(d.svg)) ADD_FAILURE() << spec.goarch << ": " << msg;
  expect_png_of_size(d);
  EXPECT_FALSE(p.find("verdict FAILED").empty());
  int named = 0;
  for (const auto& slot : d.frame["g0_frame"]) {
    const Text* row = g0_row(p, slot);
    ASSERT_NE(row, nullptr) << slot.dump();
    const bool clobbered = slot["meaning"].get<std::string>().find("CLOBBERED") != std::string::npos;
    if (slot["named_by"].empty() && !clobbered) {
      EXPECT_FALSE(red(p, *row)) << row->content;
      continue;
    }
    named++;
    EXPECT_TRUE(red(p, *row)) << row->content;
    for (const auto& text : slot["named_by"]) {
      bool in_box = false;
      for (const Text* t : p.find(text.get<std::string>())) in_box = in_box || t->box == row->box;
      EXPECT_TRUE(in_box) << text << " is not drawn in the box of " << row->content;
    }
  }
  // The ctxt argument's slot is named: the findings reach the picture.
  EXPECT_GE(named, 1) << d.output.substr(0, 3000);
}

// m.morebuf.pc never stored: the field is zero, and drawn red with its finding.
TEST_P(FramePicture, AZeroMorebufPcIsRed) {
  const auto& spec = *GetParam();
  const auto variant = picture_dir() / fmt::format("{}-no-morebuf-pc", spec.goarch) / "morestack.s";
  ASSERT_EQ(test::write_seed_without_morebuf_pc(spec, variant), 1) << "the seed's morestack.s stores m.morebuf.pc once";
  Drawn d = draw(spec, "no-morebuf-pc", {"--asm", variant.string()});
  ASSERT_EQ(d.exit_code, 1) << "frame of a failed run exits 1: " << d.output;
  ASSERT_TRUE(fs::exists(d.svg));
  const Picture& p = d.picture;
  for (const auto& msg : texts_outside_their_boxes(d.svg)) ADD_FAILURE() << spec.goarch << ": " << msg;
  expect_png_of_size(d);
  ASSERT_TRUE(d.frame["goroutine"]["field_findings"].contains("m.morebuf.pc")) << d.output.substr(0, 3000);
  const auto rows = p.find("m.morebuf.pc = 0x0");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(red(p, *rows[0]));
  for (const auto& text : d.frame["goroutine"]["field_findings"]["m.morebuf.pc"]) {
    bool in_box = false;
    for (const Text* t : p.find(text.get<std::string>())) in_box = in_box || t->box == rows[0]->box;
    EXPECT_TRUE(in_box) << text;
  }
}

INSTANTIATE_TEST_SUITE_P(Verified, FramePicture, ::testing::ValuesIn(test::verified_archs()),
                         [](const auto& info) { return test::arch_param_name(info.param); });

// The box check itself: a text cut by its box, as the old fixed-size picture cut
// "where f resumes (then branches to i", is caught; one that fits is not.
TEST(FramePictureCheck, TextRunningPastItsBoxIsCaught) {
  const auto svg = picture_dir() / "box-check.svg";
  std::ofstream(svg)
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"400\" height=\"100\" "
         "font-family=\"DejaVu Sans Mono, monospace\" font-size=\"13\" xml:space=\"preserve\">\n"
         "<rect id=\"r0\" x=\"10.0\" y=\"10.0\" width=\"200.0\" height=\"24.0\" fill=\"#fff\" "
         "stroke=\"#333\"/>\n"
         "<text id=\"t1\" data-box=\"r0\" x=\"18.0\" y=\"26.0\">g.sched.pc   = 0x66204 (main.closure+0x64)  "
         "where f resumes (then branches to its entry)</text>\n"
         "<rect id=\"r2\" x=\"10.0\" y=\"50.0\" width=\"200.0\" height=\"24.0\" fill=\"#fff\" "
         "stroke=\"#333\"/>\n"
         "<text id=\"t3\" data-box=\"r2\" x=\"18.0\" y=\"66.0\">g.sched.lr   = 0x0</text>\n"
         "</svg>\n";
  const auto out = texts_outside_their_boxes(svg);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].starts_with("t1 ")) << out[0];
}

}  // namespace
}  // namespace gotramp
