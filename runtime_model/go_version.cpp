#include "runtime_model/go_version.hpp"

#include <fmt/format.h>

#include <charconv>

namespace gotramp::model {
namespace {

// The first Go whose first release is named "go1.N.0" (and "go1.N" its language version).
constexpr int kFirstDotZeroMinor = 21;

// Reads a decimal number at the front of s.
std::optional<int> number(std::string_view& s) {
  if (s.empty() || s.front() < '0' || s.front() > '9') return std::nullopt;
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end == s.data()) return std::nullopt;
  s.remove_prefix(static_cast<size_t>(end - s.data()));
  return v;
}

bool eat(std::string_view& s, std::string_view word) {
  if (!s.starts_with(word)) return false;
  s.remove_prefix(word.size());
  return true;
}

bool ends_version(std::string_view rest) {
  return rest.empty() || rest.front() == ' ' || rest.front() == '\t' || rest.front() == '-' || rest.front() == '+' ||
         rest.front() == '\n';
}

}  // namespace

std::optional<GoVersion> GoVersion::parse(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  const bool devel = eat(text, "devel ");
  if (!eat(text, "go")) return std::nullopt;
  GoVersion v;
  auto major = number(text);
  if (!major) return std::nullopt;
  v.major = *major;
  if (eat(text, ".")) {
    auto minor = number(text);
    if (!minor) return std::nullopt;
    v.minor = *minor;
  }
  const bool dot_zero_era = v.major > 1 || v.minor >= kFirstDotZeroMinor;
  if (devel) {
    // "devel go1.28-0123abcd Tue ...": the development of 1.28.
    if (!ends_version(text)) return std::nullopt;
    v.stage = Stage::Devel;
    return v;
  }
  if (eat(text, ".")) {
    auto patch = number(text);
    if (!patch) return std::nullopt;
    v.stage = Stage::Release;
    v.patch = *patch;
  } else if (const bool beta = eat(text, "beta"); beta || eat(text, "rc")) {
    auto n = number(text);
    if (!n) return std::nullopt;
    v.stage = beta ? Stage::Beta : Stage::ReleaseCandidate;
    v.prerelease = *n;
  } else {
    v.stage = dot_zero_era ? Stage::Language : Stage::Release;
  }
  if (!ends_version(text)) return std::nullopt;
  return v;
}

std::string GoVersion::str() const {
  switch (stage) {
    case Stage::Language:
      return fmt::format("go{}.{}", major, minor);
    case Stage::Devel:
      return fmt::format("devel go{}.{}", major, minor);
    case Stage::Beta:
      return fmt::format("go{}.{}beta{}", major, minor, prerelease);
    case Stage::ReleaseCandidate:
      return fmt::format("go{}.{}rc{}", major, minor, prerelease);
    case Stage::Release:
      break;
  }
  const bool dot_zero_era = major > 1 || minor >= kFirstDotZeroMinor;
  if (patch == 0 && !dot_zero_era) return fmt::format("go{}.{}", major, minor);
  return fmt::format("go{}.{}.{}", major, minor, patch);
}

}  // namespace gotramp::model
