// "did you mean": the closest of a set of names to a mistyped one.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gotramp::cli {

// The candidate nearest to word by edit distance, if it is near enough to be what
// was meant (at most a third of the word's letters differ, and at least 1).
// A candidate that differs from word only in case is always what was meant
// (ARM64 -> arm64).
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean 'arm64'?)" for the closest candidate, or "" when none is near.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// The same among a table's rows, by one of their members:
// did_you_mean(n, emu::arch_table(), &emu::ArchSpec::goarch).
template <typename Table, typename Row>
std::string did_you_mean(std::string_view word, const Table& table, std::string Row::*name) {
  std::vector<std::string> names;
  for (const auto& row : table) names.push_back(row.*name);
  return did_you_mean(word, names);
}

}  // namespace gotramp::cli
