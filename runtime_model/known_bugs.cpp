#include "runtime_model/known_bugs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "emu/arch_spec.hpp"

namespace gotramp::model {
namespace {

using json = nlohmann::json;

// Reads one entry, naming it and the field in every complaint.
class EntryReader {
 public:
  EntryReader(const json& j, size_t index) : j_(j), where_(fmt::format("entry {}", index + 1)) {
    if (!j_.is_object()) fail("", "is not an object");
    if (j_.contains("id") && j_["id"].is_string())
      where_ = fmt::format("entry {} ({})", index + 1, j_["id"].get<std::string>());
  }

  [[noreturn]] void fail(std::string_view field, std::string_view what) const {
    throw CatalogError(field.empty() ? fmt::format("known bugs catalog: {} {}", where_, what)
                                     : fmt::format("known bugs catalog: {}: {} {}", where_, field, what));
  }

  const json& field(const json& in, std::string_view name, std::string_view path) const {
    auto it = in.find(name);
    if (it == in.end()) fail(path, "is missing");
    return *it;
  }

  std::string text(const json& in, std::string_view name, std::string_view path) const {
    const json& v = field(in, name, path);
    if (!v.is_string() || v.get<std::string>().empty()) fail(path, "must be a non-empty string");
    return v.get<std::string>();
  }

  // A Finding about no one slot (diagnosis's, run-completed's) has an empty one,
  // which the prefix "" matches.
  std::string slot_prefix(const json& in, const std::string& path) const {
    const json& v = field(in, "slot_prefix", path);
    if (!v.is_string()) fail(path, "must be a string");
    return v.get<std::string>();
  }

  GoCommit commit(const json& v, std::string_view path) const {
    if (!v.is_object()) fail(path, "must be an object {hash, subject}");
    only(v, {"hash", "subject"}, path);
    GoCommit c{text(v, "hash", fmt::format("{}.hash", path)), text(v, "subject", fmt::format("{}.subject", path))};
    if (c.hash.size() != 40 || !std::all_of(c.hash.begin(), c.hash.end(),
                                            [](unsigned char ch) { return std::isxdigit(ch) && !std::isupper(ch); }))
      fail(fmt::format("{}.hash", path),
           fmt::format("\"{}\" is not a full commit hash (40 lower-case hex digits)", c.hash));
    return c;
  }

  GoVersion version(const std::string& v, std::string_view path) const {
    auto parsed = GoVersion::parse(v);
    if (!parsed || parsed->stage == GoVersion::Stage::Devel)
      fail(path, fmt::format("\"{}\" is not a Go release (go1.12, go1.21.0, go1.25rc1)", v));
    return *parsed;
  }

  // Every key of an object is one it may have: a misspelt field is an error, not ignored.
  void only(const json& obj, std::initializer_list<std::string_view> keys, std::string_view path) const {
    for (auto it = obj.begin(); it != obj.end(); ++it)
      if (std::find(keys.begin(), keys.end(), it.key()) == keys.end())
        fail(path.empty() ? it.key() : fmt::format("{}.{}", path, it.key()), "is not a field of the catalog's format");
  }

  KnownBug read() const {
    only(j_,
         {"id", "title", "issue", "url", "trampoline", "goarch", "first_affected", "fixed_in", "fix", "introduced",
          "behaviour", "finding", "also"},
         "");
    KnownBug b;
    b.id = text(j_, "id", "id");
    b.title = text(j_, "title", "title");
    b.url = text(j_, "url", "url");
    if (field(j_, "issue", "issue").is_null()) {
      // Found by gotramp, reported nowhere upstream yet: the repository says where.
      const std::string doc = "docs/findings.md#";
      if (!b.url.starts_with(doc) || b.url.size() == doc.size())
        fail("url", fmt::format("\"{}\" is not a section of {} (an entry without an issue cites gotramp's own report)",
                                b.url, doc.substr(0, doc.size() - 1)));
    } else {
      b.issue = text(j_, "issue", "issue");
      const std::string prefix = "golang/go#";
      const std::string number = b.issue.starts_with(prefix) ? b.issue.substr(prefix.size()) : "";
      if (number.empty() || !std::all_of(number.begin(), number.end(), [](unsigned char c) { return std::isdigit(c); }))
        fail("issue", fmt::format("\"{}\" is not golang/go#N", b.issue));
      if (b.url != "https://go.dev/issue/" + number)
        fail("url", fmt::format("\"{}\" is not the issue's address, https://go.dev/issue/{}", b.url, number));
    }
    b.trampoline = text(j_, "trampoline", "trampoline");

    const json& goarch = field(j_, "goarch", "goarch");
    if (!goarch.is_array() || goarch.empty()) fail("goarch", "must be a non-empty list of GOARCHes");
    for (const auto& g : goarch) {
      if (!g.is_string()) fail("goarch", "must list GOARCHes as strings");
      const std::string name = g.get<std::string>();
      if (!emu::find_arch(name) && !emu::find_unemulated(name))
        fail("goarch", fmt::format("\"{}\" is not a GOARCH; valid: {}", name, emu::arch_names()));
      b.goarches.push_back(name);
    }

    b.first_affected = text(j_, "first_affected", "first_affected");
    b.affected_from = version(b.first_affected, "first_affected");
    const bool unfixed = field(j_, "fixed_in", "fixed_in").is_null();
    if (unfixed != field(j_, "fix", "fix").is_null())
      fail(unfixed ? "fix" : "fixed_in", "and fixed_in are both null (no fix yet) or both given");
    if (unfixed) {
      b.fixed_from = GoVersion{std::numeric_limits<int>::max(), 0};  // after every release
    } else {
      b.fixed_in = text(j_, "fixed_in", "fixed_in");
      b.fixed_from = version(b.fixed_in, "fixed_in");
      if (!(b.affected_from < b.fixed_from))
        fail("fixed_in", fmt::format("{} does not come after first_affected {}", b.fixed_in, b.first_affected));
      b.fix = commit(field(j_, "fix", "fix"), "fix");
    }
    if (const json& v = field(j_, "introduced", "introduced"); !v.is_null()) b.introduced = commit(v, "introduced");

    const json& steps = field(j_, "behaviour", "behaviour");
    if (!steps.is_array() || steps.empty()) fail("behaviour", "must be a non-empty list of {since, what}");
    GoVersion previous;
    for (size_t i = 0; i < steps.size(); i++) {
      const std::string path = fmt::format("behaviour[{}]", i);
      const json& s = steps[i];
      if (!s.is_object()) fail(path, "must be an object {since, commit, what}");
      only(s, {"since", "commit", "what"}, path);
      KnownBug::Step step;
      step.since = text(s, "since", path + ".since");
      const GoVersion since = version(step.since, path + ".since");
      if (i == 0 && since != b.affected_from)
        fail(path + ".since", fmt::format("{} is not first_affected {}", step.since, b.first_affected));
      if (i > 0 && !(previous < since))
        fail(path + ".since", fmt::format("{} does not come after {}", step.since, b.behaviour.back().since));
      if (!b.affects(since))
        fail(path + ".since", fmt::format("{} is outside the affected range [{}, {})", step.since, b.first_affected,
                                          unfixed ? "unfixed" : b.fixed_in));
      if (auto it = s.find("commit"); it != s.end() && !it->is_null()) step.commit = commit(*it, path + ".commit");
      // A change within the range has a commit to cite; the first step's is `introduced`.
      if (i > 0 && !step.commit) fail(path + ".commit", "is missing: a change of behaviour cites its commit");
      step.what = text(s, "what", path + ".what");
      b.behaviour.push_back(std::move(step));
      previous = since;
    }

    if (const json& f = field(j_, "finding", "finding"); !f.is_null()) {
      if (!f.is_object()) fail("finding", "must be an object {check, slot_prefix} or null");
      only(f, {"check", "slot_prefix"}, "finding");
      b.finding = KnownBug::Signature{text(f, "check", "finding.check"), slot_prefix(f, "finding.slot_prefix")};
    }
    if (auto it = j_.find("also"); it != j_.end()) {
      if (!it->is_array() || !b.finding) fail("also", "must be a list of {check, slot_prefix}, beside a finding");
      for (size_t i = 0; i < it->size(); i++) {
        const std::string path = fmt::format("also[{}]", i);
        const json& f = (*it)[i];
        if (!f.is_object()) fail(path, "must be an object {check, slot_prefix}");
        only(f, {"check", "slot_prefix"}, path);
        b.also.push_back({text(f, "check", path + ".check"), slot_prefix(f, path + ".slot_prefix")});
      }
    }
    return b;
  }

 private:
  const json& j_;
  std::string where_;
};

}  // namespace

bool KnownBug::for_goarch(std::string_view goarch) const {
  return std::find(goarches.begin(), goarches.end(), goarch) != goarches.end();
}

bool KnownBug::matches(std::string_view check, std::string_view slot) const {
  if (!finding) return false;
  if (check == finding->check && slot.starts_with(finding->slot_prefix)) return true;
  for (const auto& s : also)
    if (check == s.check && slot.starts_with(s.slot_prefix)) return true;
  return false;
}

std::string KnownBug::describe() const {
  if (!reported()) return "bug found by gotramp, not reported upstream yet";
  if (!fix) return fmt::format("known upstream bug {}, not fixed yet", issue);
  return fmt::format("known upstream bug {}, fixed in {} by {} ({})", issue, fixed_in, fix->short_hash(), fix->subject);
}

std::shared_ptr<const KnownBug> KnownBugMatcher::explain(std::string_view check, std::string_view slot) const {
  for (const auto& b : candidates_)
    if (b->matches(check, slot)) return b;
  return nullptr;
}

KnownBugs KnownBugs::parse(std::string_view json_text) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw CatalogError(fmt::format("known bugs catalog: not JSON: {}", e.what()));
  }
  if (!doc.is_object() || !doc.contains("entries") || !doc["entries"].is_array())
    throw CatalogError("known bugs catalog: no \"entries\" list");
  KnownBugs out;
  std::set<std::string> ids;
  for (size_t i = 0; i < doc["entries"].size(); i++) {
    KnownBug b = EntryReader(doc["entries"][i], i).read();
    if (!ids.insert(b.id).second)
      throw CatalogError(fmt::format("known bugs catalog: entry {}: id \"{}\" is used twice", i + 1, b.id));
    out.entries_.push_back(std::make_shared<const KnownBug>(std::move(b)));
  }
  return out;
}

const KnownBugs& KnownBugs::builtin() {
  static const KnownBugs catalog = parse(kBuiltinKnownBugsJson);
  return catalog;
}

std::shared_ptr<const KnownBug> KnownBugs::find(std::string_view id) const {
  for (const auto& b : entries_)
    if (b->id == id) return b;
  return nullptr;
}

KnownBugMatcher KnownBugs::for_run(std::string_view goarch, std::string_view trampoline,
                                   std::string_view toolchain) const {
  auto version = GoVersion::parse(toolchain);
  if (!version) return {};
  std::vector<std::shared_ptr<const KnownBug>> candidates;
  for (const auto& b : entries_)
    if (b->finding && b->trampoline == trampoline && b->for_goarch(goarch) && b->affects(*version))
      candidates.push_back(b);
  return KnownBugMatcher(std::move(candidates));
}

}  // namespace gotramp::model
