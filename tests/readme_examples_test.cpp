// Every command the README shows (a `$ ` line in a code block) is run, and what the
// README shows under it must be what it prints: each shown line, in order, is a line
// of the real output; "..." alone skips any number of lines, and a line ending in
// "..." matches a line that starts with what comes before it. `gotramp` and
// `build/gotramp` are the built binary; commands run from the checkout. A command
// ending in " &" (debug) runs in the foreground on a free port with a one-second
// --timeout: its `listening on` line names that port instead.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "toolchain/process.hpp"

namespace gotramp {
namespace {

namespace fs = std::filesystem;

struct Example {
  int line = 0;  // the README line of the `$ ` command
  std::string command;
  std::vector<std::string> shown;
};

std::vector<Example> readme_examples() {
  std::ifstream in(fs::path(GOTRAMP_SOURCE_DIR) / "README.md");
  std::vector<Example> out;
  bool code = false, in_example = false;  // in a code block; after its `$ ` line
  size_t indent = 0;
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    n++;
    const size_t first = line.find_first_not_of(' ');
    if (first != std::string::npos && line.compare(first, 3, "```") == 0) {
      code = !code;
      indent = first;
      in_example = false;
      continue;
    }
    if (!code) continue;
    const std::string text = line.size() >= indent ? line.substr(indent) : "";
    if (text.starts_with("$ ")) {
      out.push_back({n, text.substr(2), {}});
      in_example = true;
    } else if (in_example) {
      out.back().shown.push_back(text);
    }
  }
  return out;
}

// "gotramp ..." and "build/gotramp ..." as the built binary.
std::string runnable(std::string command) {
  for (const std::string word : {"build/gotramp ", "gotramp "})
    if (command.starts_with(word)) return std::string(GOTRAMP_BIN) + " " + command.substr(word.size());
  return command;
}

// Whether every shown line is in the output, in order ("..." skips; "X ..." is a prefix).
std::string mismatch(const std::vector<std::string>& shown, const std::string& output) {
  std::vector<std::string> lines;
  std::istringstream in(output);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  size_t at = 0;
  for (const auto& want : shown) {
    const auto first = want.find_first_not_of(' ');
    if (first == std::string::npos || want.substr(first) == "...") continue;
    const bool prefix = want.ends_with(" ...");
    const std::string body = prefix ? want.substr(0, want.size() - 4) : want;
    auto it = std::find_if(lines.begin() + static_cast<long>(at), lines.end(),
                           [&](const std::string& l) { return prefix ? l.starts_with(body) : l == body; });
    if (it == lines.end()) return want;
    at = static_cast<size_t>(it - lines.begin()) + 1;
  }
  return "";
}

// The comparison itself: a shown line the output lacks, or one out of order, is
// named; "..." skips and "X ..." is a prefix.
TEST(ReadmeExamples, AShownLineNotPrintedIsNamed) {
  const std::string output = "GOARCH  verdict\narm64   verified\n\n1 verified, 0 FAILED\n";
  EXPECT_EQ(mismatch({"GOARCH  verdict", "...", "1 verified, 0 FAILED"}, output), "");
  EXPECT_EQ(mismatch({"arm64 ...", "1 verified ..."}, output), "");
  EXPECT_EQ(mismatch({"2 verified, 0 FAILED"}, output), "2 verified, 0 FAILED");
  EXPECT_EQ(mismatch({"1 verified, 0 FAILED", "arm64   verified"}, output), "arm64   verified");  // order
  EXPECT_EQ(mismatch({"arm64"}, output), "arm64");  // a whole line, unless it ends in " ..."
}

TEST(ReadmeExamples, EveryCommandPrintsWhatTheReadmeShows) {
  const auto examples = readme_examples();
  ASSERT_GE(examples.size(), 5u);
  for (const auto& e : examples) {
    std::string command = runnable(e.command);
    std::vector<std::string> shown = e.shown;
    if (command.ends_with(" &")) {
      command = command.substr(0, command.size() - 2) + " --gdb 127.0.0.1:0 --timeout 1";
      for (auto& l : shown)
        if (l.starts_with("listening on 127.0.0.1:")) l = "listening on 127.0.0.1: ...";
    }
    auto r = toolchain::run_process({"bash", "-c", command}, {}, GOTRAMP_SOURCE_DIR);
    EXPECT_NE(r.exit_code, -1) << "README.md:" << e.line << ": " << e.command;
    EXPECT_EQ(mismatch(shown, r.output), "")
        << "README.md:" << e.line << ": `" << e.command << "` does not print that line; it printed:\n"
        << r.output.substr(0, 6000);
  }
}

}  // namespace
}  // namespace gotramp
