// Checkers proven by real defects: every broken trampoline under guest_asm/*/variants
// must fail, with the Findings its gotramp-expect lines declare, each naming the
// slot and both values, and blamed on the store its cause= names:
//
//   // gotramp-expect: CHECK [SLOT-PREFIX] [cause=never-stored | cause=wrong-store:LINE | cause=clobbered-by:LINE]
//   // gotramp-scenario: NAME        (default: closure)
//
// LINE is the line of the variant file holding the guilty store.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "runtime_model/harness.hpp"
#include "runtime_model/morestack/morestack_suite.hpp"
#include "runtime_model/suite.hpp"
#include "support.hpp"

namespace gotramp::model {
namespace {

struct Expect {
  std::string check, slot;  // check name, slot prefix
  std::string cause;        // "never-stored", "wrong-store", "clobbered-by"; empty: not declared
  int line = 0;             // the guilty store's line in the variant file
};

struct Variant {
  const emu::ArchSpec* spec;
  std::filesystem::path file;
  std::string scenario = "closure";
  std::vector<Expect> expect;
};

// Words separated by single spaces: how a Cause quotes a source line.
std::string words(const std::string& s) {
  std::istringstream in(s);
  std::string out;
  for (std::string w; in >> w;) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::string line_of(const std::filesystem::path& file, int n) {
  std::ifstream in(file);
  std::string line;
  for (int i = 0; i < n && std::getline(in, line); i++) {
  }
  return line;
}

std::vector<Variant> variants() {
  std::vector<Variant> out;
  auto cfg = test::guest_config();
  for (const emu::ArchSpec* spec : test::verified_archs()) {
    auto dir = toolchain::guest_dir(*spec, cfg) / "variants";
    if (!std::filesystem::is_directory(dir)) continue;
    std::vector<std::filesystem::path> files;
    for (const auto& f : std::filesystem::directory_iterator(dir))
      if (f.path().extension() == ".s") files.push_back(f.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      Variant v{spec, f, "closure", {}};
      std::ifstream in(f);
      for (std::string line; std::getline(in, line);) {
        const std::string tag = "// gotramp-expect: ", scenario = "// gotramp-scenario: ";
        if (line.starts_with(scenario)) v.scenario = words(line.substr(scenario.size()));
        if (!line.starts_with(tag)) continue;
        std::istringstream ss(line.substr(tag.size()));
        Expect e;
        ss >> e.check;
        for (std::string w; ss >> w;) {
          if (!w.starts_with("cause=")) {
            e.slot = w;
            continue;
          }
          e.cause = w.substr(6);
          if (auto colon = e.cause.find(':'); colon != std::string::npos) {
            e.line = std::stoi(e.cause.substr(colon + 1));
            e.cause.resize(colon);
          }
        }
        v.expect.push_back(e);
      }
      out.push_back(v);
    }
  }
  return out;
}

struct Negative : ::testing::TestWithParam<Variant> {};

TEST_P(Negative, BrokenTrampolineFailsWithTheDeclaredFindings) {
  const Variant& v = GetParam();
  ASSERT_FALSE(v.expect.empty()) << v.file << " declares no gotramp-expect line";
  const Scenario* scenario = find_scenario(v.scenario);
  ASSERT_NE(scenario, nullptr) << v.file << " names no scenario of ours: " << v.scenario;
  auto cfg = test::guest_config();
  auto m_owner = Harness::for_transcription(*v.spec, toolchain::guest_elf(*v.spec, v.file, cfg).string());
  Harness& m = *m_owner;
  RunReport r = m.run(*scenario, *find_contract("seed"));
  EXPECT_EQ(r.verdict, "FAILED");
  for (const Expect& e : v.expect) {
    bool found = false;
    for (const auto& f : r.findings) {
      if (f.check != e.check || !f.slot.starts_with(e.slot)) continue;
      // The first growth already shows the defect, and blames its cause.
      if (!found) {
        if (!scenario->expects_failure()) {
          EXPECT_EQ(f.growth, 1) << f.message();
        }
        if (!e.cause.empty()) {
          ASSERT_TRUE(f.cause) << "no cause: " << f.message();
          EXPECT_EQ(cause_kind_name(f.cause->kind), e.cause) << f.message();
          if (e.line > 0) {
            EXPECT_EQ(f.cause->source, fmt::format("{}:{}", v.file.filename().string(), e.line)) << f.message();
            EXPECT_EQ(f.cause->text, words(line_of(v.file, e.line))) << f.message();
            EXPECT_NE(f.cause->pc, 0u);
          } else {
            ASSERT_EQ(e.cause, "never-stored") << "a cause= of another kind names its LINE";
            // The window nothing stored it in: from the trampoline's first
            // instruction to the one that left it (the call of newstack).
            ASSERT_TRUE(f.cause->window_start) << f.message();
            EXPECT_EQ(f.cause->window_start->where, "main.morestack") << f.message();
            EXPECT_NE(f.message().find("never stored"), std::string::npos) << f.message();
          }
        }
      }
      found = true;
      EXPECT_FALSE(f.expected.empty());
      EXPECT_FALSE(f.seen.empty());
      EXPECT_NE(f.expected, f.seen) << f.message();
      EXPECT_FALSE(f.where.empty()) << f.message();
    }
    std::string all;
    for (const auto& f : r.findings) all += "\n  " + f.message();
    EXPECT_TRUE(found) << "no Finding " << e.check << " at " << e.slot << "; got:" << all;
  }
  // Every listed Finding about a slot or field says what caused it.
  for (const auto& f : r.findings)
    if (f.size > 0) {
      EXPECT_TRUE(f.cause) << "no cause: " << f.message();
    }
}

INSTANTIATE_TEST_SUITE_P(Variants, Negative, ::testing::ValuesIn(variants()), [](const auto& info) {
  std::string name = info.param.spec->goarch + "_" + info.param.file.stem().string();
  for (char& c : name)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
});

}  // namespace
}  // namespace gotramp::model
