#include "runtime_model/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "runtime_model/check_names.hpp"
#include "runtime_model/suite.hpp"

namespace gotramp::model {

const char* cause_kind_name(Cause::Kind k) {
  switch (k) {
    case Cause::Kind::WrongStore:
      return "wrong-store";
    case Cause::Kind::NeverStored:
      return "never-stored";
    case Cause::Kind::ClobberedBy:
      return "clobbered-by";
    case Cause::Kind::WrongWrite:
      return "wrong-write";
    case Cause::Kind::NeverWritten:
      return "never-written";
    case Cause::Kind::NeverCalled:
      return "never-called";
  }
  return "?";
}

// "morestack.s:43 `MOVD R26, 16(RSP)` (0x662cc main.morestack+0x5c)"
static std::string store_site(uint64_t pc, const std::string& where, const std::string& source,
                              const std::string& text) {
  std::string s = source.empty() ? fmt::format("{:#x} {}", pc, where) : source;
  if (!text.empty()) s += fmt::format(" `{}`", text);
  if (!source.empty()) s += fmt::format(" ({:#x} {})", pc, where);
  return s;
}

std::string Cause::describe() const {
  std::string s;
  switch (kind) {
    case Kind::WrongStore:
      s = fmt::format("{:#x} stored by {}", value, store_site(pc, where, source, text));
      break;
    case Kind::NeverStored:
      s = window_start
              ? fmt::format("never stored: no instruction stored to it from {} to {}",
                            store_site(window_start->pc, window_start->where, window_start->source, window_start->text),
                            store_site(pc, where, source, text))
              : "never stored: no instruction stored to it since the trampoline was entered";
      break;
    case Kind::ClobberedBy:
      s = overwritten
              ? fmt::format("{:#x} was stored by {}, ", overwritten->value,
                            store_site(overwritten->pc, overwritten->where, overwritten->source, overwritten->text))
              : "the expected value was stored, ";
      s += fmt::format("then overwritten with {:#x} by {}", value, store_site(pc, where, source, text));
      break;
    case Kind::WrongWrite:
      s = fmt::format("{:#x} written to {} by {}", value, reg, store_site(pc, where, source, text));
      break;
    case Kind::NeverWritten:
      if (window_start && window_start->pc == pc)
        s = fmt::format("never written: {} alone ran before the check, and did not write {}",
                        store_site(pc, where, source, text), reg);
      else
        s = fmt::format(
            "never written: no instruction wrote {} from {} to {}", reg,
            window_start ? store_site(window_start->pc, window_start->where, window_start->source, window_start->text)
                         : std::string("the window's start"),
            store_site(pc, where, source, text));
      break;
    case Kind::NeverCalled:
      s = fmt::format("never called: {}{} no longer calls {}, so the linker left it out", where,
                      source.empty() ? "" : fmt::format(" ({})", source), reg);
      break;
  }
  if (!summary.empty()) s = summary + "; " + s;
  if (instead)
    s += fmt::format("; {:#x} was stored at {} by {} instead", instead->value, instead->slot,
                     store_site(instead->pc, instead->where, instead->source, instead->text));
  return s;
}

// A value with what a porter needs to place it: the symbol it points into, and for
// the expected value where it comes from.
static std::string annotated(const std::string& value, const std::string& symbol, const std::string& from) {
  std::string note = symbol;
  // A value that already names its source ("0x400004d0 (g.sched.ctxt)") keeps its words.
  if (!from.empty() && value.find(from) == std::string::npos) note += (note.empty() ? "" : "; ") + from;
  if (!symbol.empty() && value.find(symbol) != std::string::npos) note = note.substr(symbol.size());
  if (note.starts_with("; ")) note = note.substr(2);
  return note.empty() ? value : fmt::format("{} ({})", value, note);
}

std::string Finding::expected_text() const { return annotated(expected, expected_symbol, expected_from); }
std::string Finding::seen_text() const { return annotated(seen, seen_symbol, ""); }

std::string Finding::message() const {
  std::string s = fmt::format("{} [{} {} {} {}", check, goarch, trampoline, contract, scenario);
  if (growth > 0) {
    const Trampoline* t = find_trampoline(trampoline);
    s += fmt::format(", {} {}", t ? t->episode : "growth", growth);
  }
  s += "]";
  if (!slot.empty()) s += fmt::format(": {}", slot);
  s += fmt::format(": expected {}, seen {}", expected_text(), seen_text());
  if (!where.empty()) s += fmt::format(" (checked at {:#x} {}", pc, where);
  if (!where.empty() && !insn.empty()) s += fmt::format(": {}", insn);
  if (!where.empty()) s += ")";
  if (cause) s += "; cause: " + cause->describe();
  return s;
}

int RunReport::unbarriered_sites() const {
  std::set<std::pair<uint64_t, std::string>> sites;
  for (const auto& w : unbarriered) sites.emplace(w.pc, w.field);
  return static_cast<int>(sites.size());
}

bool RunReport::all_repaired() const {
  return std::all_of(unbarriered.begin(), unbarriered.end(), [](const UnbarrieredWrite& w) { return w.repaired; });
}

Check& CheckLog::slot(const std::string& name) {
  if (auto it = checks_.find(name); it != checks_.end()) return it->second;  // every growth after the first
  if (!is_check_name(name)) throw std::logic_error("check " + name + " is not in check_names() (docs/checks.md)");
  Check fresh_check;
  fresh_check.name = name;
  order_.push_back(name);
  return checks_.emplace(name, std::move(fresh_check)).first->second;
}

void CheckLog::pass(const std::string& name, std::string detail) {
  Check& c = slot(name);
  c.passed++;
  if (c.ok && !detail.empty()) c.detail = std::move(detail);
}

bool CheckLog::keeps(const std::string& check) const {
  auto it = checks_.find(check);
  return it == checks_.end() || it->second.failed < kMaxFindingsPerCheck;
}

void CheckLog::fail(Finding f) {
  if (findings_.empty() && on_first_failure) on_first_failure();
  const bool keep = keeps(f.check);
  Check& c = slot(f.check);
  if (c.ok) c.detail = f.message();
  c.ok = false;
  c.failed++;
  // Every failure is matched, kept or not: the verdict counts them all.
  f.known = known_bugs.explain(f.check, f.slot);
  if (f.known) {
    c.known++;
    if (std::find(matched_.begin(), matched_.end(), f.known) == matched_.end()) matched_.push_back(f.known);
  }
  if (keep)
    findings_.push_back(std::move(f));
  else
    omitted_++;
}

std::vector<Check> CheckLog::checks() const {
  std::vector<Check> out;
  for (const auto& n : order_) {
    Check c = checks_.at(n);
    if (c.ok && c.detail.empty()) c.detail = c.passed == 1 ? "held" : "held " + std::to_string(c.passed) + " times";
    out.push_back(std::move(c));
  }
  return out;
}

std::string verdict_of(const std::vector<Check>& checks, bool expects_failure) {
  bool failed = false, unexplained = false;
  for (const auto& c : checks) {
    failed = failed || !c.ok;
    unexplained = unexplained || (!c.ok && !c.only_known());
  }
  if (unexplained) return "FAILED";
  if (failed) return "known";
  return expects_failure ? "diagnosed" : "verified";
}

bool verdict_passes(const std::string& verdict, bool strict) {
  return verdict == "verified" || verdict == "diagnosed" || (verdict == "known" && !strict);
}

bool CheckLog::all_ok() const {
  for (const auto& [_, c] : checks_)
    if (!c.ok) return false;
  return true;
}

}  // namespace gotramp::model
