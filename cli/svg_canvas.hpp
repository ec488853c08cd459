// SvgCanvas: an SVG picture that grows to hold what is drawn on it, in a monospace
// font whose runs of spaces are kept (xml:space="preserve"), so that text can be
// measured by its length and laid out in columns. Each text records the box it
// belongs in (data-box), so tests can check that no text runs past its box.
#pragma once

#include <string>

namespace gotramp::cli {

struct SvgDefaults {
  static constexpr double kFontSize = 13;
  static constexpr const char* kFontFamily = "DejaVu Sans Mono, monospace";
};

struct TextStyle {
  const char* fill = nullptr;  // nullptr: black
  double size = SvgDefaults::kFontSize;
  bool bold = false;
  std::string tail = {};  // a last part drawn in another colour (a verdict)
  const char* tail_fill = nullptr;
};

class SvgCanvas {
 public:
  // A character's advance in the font, in em: DejaVu Sans Mono's is 0.602; the
  // layout rounds up.
  static constexpr double kAdvanceEm = 0.61;
  static double text_width(const std::string& utf8, double size = SvgDefaults::kFontSize);

  // Returns the box's id, for the texts drawn in it.
  std::string box(double x, double y, double w, double h, const std::string& fill, const std::string& stroke,
                  double stroke_width);
  // Baseline at y. box: the id of the box the text must stay inside ("" for the page).
  void text(double x, double y, const std::string& utf8, const std::string& box, const TextStyle& style);
  void line(double x1, double y1, double x2, double y2, const std::string& colour, double width);
  void polygon(const std::string& points, const std::string& colour);
  // The document, sized to its content plus a margin.
  std::string svg(double margin) const;

 private:
  void grow(double x, double y);
  std::string body_;
  double right_ = 0, bottom_ = 0;
  int next_id_ = 0;
};

}  // namespace gotramp::cli
