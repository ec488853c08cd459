#include "runtime_model/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace gotramp::model {

std::string Finding::message() const {
  std::string s = fmt::format("{} [{} {} {}", check, goarch, contract, scenario);
  if (growth > 0) s += fmt::format(", growth {}", growth);
  s += "]";
  if (!slot.empty()) s += fmt::format(": {}", slot);
  s += fmt::format(": expected {}, seen {}", expected, seen);
  if (!where.empty()) s += fmt::format(" (at {:#x} {}", pc, where);
  if (!where.empty() && !insn.empty()) s += fmt::format(": {}", insn);
  if (!where.empty()) s += ")";
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
  Check fresh_check;
  fresh_check.name = name;
  auto [it, fresh] = checks_.try_emplace(name, fresh_check);
  if (fresh) order_.push_back(name);
  return it->second;
}

void CheckLog::pass(const std::string& name, std::string detail) {
  Check& c = slot(name);
  c.passed++;
  if (c.ok && !detail.empty()) c.detail = std::move(detail);
}

void CheckLog::fail(Finding f) {
  if (findings_.empty() && on_first_failure) on_first_failure();
  Check& c = slot(f.check);
  if (c.ok) c.detail = f.message();
  c.ok = false;
  int same = 0;
  for (const auto& x : findings_) same += x.check == f.check;
  if (same < kMaxFindingsPerCheck) findings_.push_back(std::move(f));
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

bool CheckLog::all_ok() const {
  for (const auto& [_, c] : checks_)
    if (!c.ok) return false;
  return true;
}

}  // namespace gotramp::model
