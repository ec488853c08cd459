// Known upstream runtime bugs: a catalog, kept as data in known_bugs/catalog.json and
// compiled into gotramp, of bugs in Go's own stack-switching assembly that gotramp's
// checks find in released runtimes. A failed check whose Finding matches an entry for
// the run's GOARCH, trampoline and runtime version is explained by it; a run whose
// every failure is explained gets the verdict "known" instead of "FAILED"
// (Harness::set_verdict). The same Finding on a version that has the fix is never
// explained: it is a regression, or a bug planted in a fixed tree.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "runtime_model/go_version.hpp"

namespace gotramp::model {

// A catalog that cannot be read: its message names the entry and the field.
struct CatalogError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A commit of golang/go, by its full hash and subject line.
struct GoCommit {
  std::string hash;  // 40 hex digits
  std::string subject;
  std::string short_hash() const { return hash.substr(0, 10); }  // "93fb2c9074"
};

struct KnownBug {
  std::string id;     // "go63630-morestack-arm64"
  std::string title;  // one line
  // "golang/go#63630"; empty for a bug gotramp found that no upstream issue
  // reports yet (its url then names the section of docs/findings.md that does).
  std::string issue;
  std::string url;  // "https://go.dev/issue/63630", "docs/findings.md#..."

  std::string trampoline;             // "morestack" (entries may name a trampoline no suite tests yet)
  std::vector<std::string> goarches;  // "arm64"
  // Affected: first_affected <= version < fixed_in, as written in the catalog and parsed.
  // fixed_in is empty (and fixed_from past every version) while no release has a fix.
  std::string first_affected, fixed_in;
  GoVersion affected_from, fixed_from;
  std::optional<GoCommit> fix;         // the upstream commit that changed exactly this behaviour
  std::optional<GoCommit> introduced;  // the commit that brought it, when known
  // What affected runtimes do, oldest first; a later step names the commit that
  // changed the behaviour within the range.
  struct Step {
    std::string since;  // a version in [first_affected, fixed_in)
    std::optional<GoCommit> commit;
    std::string what;
  };
  std::vector<Step> behaviour;
  // The Finding it shows as: its check, and how the Finding's slot or field text
  // begins. None for a bug no check finds yet (its trampoline has no suite).
  struct Signature {
    std::string check;        // "newstack-fp"
    std::string slot_prefix;  // "R29 (frame pointer) at newstack's entry"
  };
  std::optional<Signature> finding;
  // Findings the same runs show because of it (the crash a clobbered word leads to).
  std::vector<Signature> also;
  bool reported() const { return !issue.empty(); }
  bool fixed() const { return fix.has_value(); }

  bool affects(const GoVersion& v) const { return affected_from <= v && v < fixed_from; }
  bool for_goarch(std::string_view goarch) const;
  // Whether a Finding of this check about this slot is this bug (the run's GOARCH,
  // trampoline and version are for_run's to check).
  bool matches(std::string_view check, std::string_view slot) const;
  // "known upstream bug golang/go#63630, fixed in go1.25.0 by 93fb2c9074 (runtime:
  // clear frame pointer in morestack)"
  std::string describe() const;
};

// The entries that may explain the failures of one run.
class KnownBugMatcher {
 public:
  KnownBugMatcher() = default;
  explicit KnownBugMatcher(std::vector<std::shared_ptr<const KnownBug>> candidates)
      : candidates_(std::move(candidates)) {}
  // The entry a Finding of this check about this slot is, or nullptr.
  std::shared_ptr<const KnownBug> explain(std::string_view check, std::string_view slot) const;
  bool empty() const { return candidates_.empty(); }
  const std::vector<std::shared_ptr<const KnownBug>>& candidates() const { return candidates_; }

 private:
  std::vector<std::shared_ptr<const KnownBug>> candidates_;
};

class KnownBugs {
 public:
  // Parses and checks a catalog (the format of known_bugs/catalog.json): every field
  // present and well formed, ids unique, versions that parse and a non-empty range,
  // GOARCHes of the ArchSpec table. Throws CatalogError naming the entry and field.
  static KnownBugs parse(std::string_view json_text);
  // The catalog gotramp was built with (known_bugs/catalog.json, compiled in: an
  // installed gotramp has it wherever it is moved). Parsed once.
  static const KnownBugs& builtin();

  const std::vector<std::shared_ptr<const KnownBug>>& entries() const { return entries_; }
  std::shared_ptr<const KnownBug> find(std::string_view id) const;
  // The entries for a run of `trampoline` on `goarch` whose runtime is `toolchain`
  // ("go1.19.8", as the profile names it). No entry applies to a toolchain that names
  // no Go version, such as the Go 1.8 transcriptions' profile (which has none): those
  // runtimes are gotramp's transcriptions and a porter's --asm files, not a release.
  KnownBugMatcher for_run(std::string_view goarch, std::string_view trampoline, std::string_view toolchain) const;

 private:
  std::vector<std::shared_ptr<const KnownBug>> entries_;
};

// known_bugs/catalog.json's text, as CMake embedded it.
extern const std::string_view kBuiltinKnownBugsJson;

}  // namespace gotramp::model
