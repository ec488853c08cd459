#include "cli/svg_canvas.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace gotramp::cli {
namespace {

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

// Characters, not bytes: every character of a monospace font has one advance.
size_t utf8_length(const std::string& s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xc0) != 0x80; }));
}

}  // namespace

double SvgCanvas::text_width(const std::string& utf8, double size) {
  return static_cast<double>(utf8_length(utf8)) * kAdvanceEm * size;
}

void SvgCanvas::grow(double x, double y) {
  right_ = std::max(right_, x);
  bottom_ = std::max(bottom_, y);
}

std::string SvgCanvas::box(double x, double y, double w, double h, const std::string& fill, const std::string& stroke,
                           double stroke_width) {
  std::string id = fmt::format("r{}", next_id_++);
  body_ += fmt::format(
      "<rect id=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\" stroke=\"{}\" "
      "stroke-width=\"{}\"/>\n",
      id, x, y, w, h, fill, stroke, stroke_width);
  grow(x + w + stroke_width, y + h + stroke_width);
  return id;
}

void SvgCanvas::text(double x, double y, const std::string& utf8, const std::string& box, const TextStyle& style) {
  std::string attrs;
  if (style.fill) attrs += fmt::format(" fill=\"{}\"", style.fill);
  if (style.size != SvgDefaults::kFontSize) attrs += fmt::format(" font-size=\"{}\"", style.size);
  if (style.bold) attrs += " font-weight=\"bold\"";
  std::string content = escape_xml(utf8);
  if (!style.tail.empty())
    content += fmt::format("<tspan fill=\"{}\">{}</tspan>", style.tail_fill ? style.tail_fill : "#000000",
                           escape_xml(style.tail));
  body_ += fmt::format("<text id=\"t{}\" data-box=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\"{}>{}</text>\n", next_id_++, box, x,
                       y, attrs, content);
  grow(x + text_width(utf8 + style.tail, style.size), y + style.size * 0.3);
}

void SvgCanvas::line(double x1, double y1, double x2, double y2, const std::string& colour, double width) {
  body_ +=
      fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"{}\"/>\n",
                  x1, y1, x2, y2, colour, width);
  grow(std::max(x1, x2) + width, std::max(y1, y2) + width);
}

void SvgCanvas::polygon(const std::string& points, const std::string& colour) {
  body_ += fmt::format("<polygon points=\"{}\" fill=\"{}\"/>\n", points, colour);
}

std::string SvgCanvas::svg(double margin) const {
  const int w = static_cast<int>(right_ + margin + 0.5), h = static_cast<int>(bottom_ + margin + 0.5);
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"{2}\" font-size=\"{3}\" xml:space=\"preserve\" style=\"white-space: pre\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n{4}</svg>\n",
      w, h, SvgDefaults::kFontFamily, SvgDefaults::kFontSize, body_);
}

}  // namespace gotramp::cli
