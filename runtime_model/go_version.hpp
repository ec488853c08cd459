// Go versions in the order Go releases them: which runtimes a known upstream bug
// affects (runtime_model/known_bugs.hpp) is a range of them.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace gotramp::model {

// A Go version as a toolchain names itself (its VERSION file, `go env GOVERSION`):
// "go1.19.8", "go1.21.0", "go1.25rc1", "go1.8", "devel go1.28-0123abcd Tue ...".
//
// The order is the order of Go's history:
//   go1.19.8 < go1.20 < go1.21 < devel go1.21 < go1.21rc1 < go1.21.0 < go1.21.1 < devel go1.22
// Since Go 1.21 the first release of 1.N is "go1.N.0" and "go1.N" alone is the language
// version, which comes before every toolchain of 1.N (as in Go's own go/version).
// Before Go 1.21 the first release was named "go1.N": it is go1.N.0. A devel tree of
// 1.N ("devel go1.N-hash ...") is developed after 1.(N-1) branched: it comes after every
// 1.(N-1) release and before 1.N's first beta or release candidate.
struct GoVersion {
  enum class Stage { Language, Devel, Beta, ReleaseCandidate, Release };
  // Compared in declaration order.
  int major = 0, minor = 0;
  Stage stage = Stage::Release;
  int prerelease = 0;  // Beta, ReleaseCandidate: the number (rc1 is 1)
  int patch = 0;       // Release: go1.21.3 is 3

  // nullopt for text that names no Go version ("", "weekly.2011-01-01", an old
  // "devel +0123abcd" tree that does not say which version it develops). Text after
  // the version is allowed past a space, '-' or '+': "go1.22.0 X:boringcrypto".
  static std::optional<GoVersion> parse(std::string_view text);
  // The canonical name: "go1.8", "go1.21", "devel go1.28", "go1.25rc1", "go1.21.0".
  std::string str() const;
  auto operator<=>(const GoVersion&) const = default;
};

}  // namespace gotramp::model
