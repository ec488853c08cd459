// Checkers proven by real defects: every broken trampoline under guest_asm/*/variants
// must fail, with the Findings its gotramp-expect lines declare, each naming the
// slot and both values.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "runtime_model/machine.hpp"
#include "support.hpp"

namespace gotramp::model {
namespace {

struct Variant {
  const emu::ArchSpec* spec;
  std::filesystem::path file;
  std::vector<std::pair<std::string, std::string>> expect;  // check, slot prefix
};

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
      Variant v{spec, f, {}};
      std::ifstream in(f);
      for (std::string line; std::getline(in, line);) {
        const std::string tag = "// gotramp-expect: ";
        if (!line.starts_with(tag)) continue;
        std::istringstream ss(line.substr(tag.size()));
        std::string check, slot;
        ss >> check >> slot;
        v.expect.emplace_back(check, slot);
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
  auto cfg = test::guest_config();
  Machine m(*v.spec, toolchain::guest_elf(*v.spec, v.file, cfg).string());
  RunReport r = m.run(*find_scenario("closure"), *find_contract("seed"));
  EXPECT_EQ(r.verdict, "FAILED");
  for (const auto& [check, slot] : v.expect) {
    bool found = false;
    for (const auto& f : r.findings) {
      if (f.check != check || !f.slot.starts_with(slot)) continue;
      // The first growth already shows the defect.
      if (!found) {
        EXPECT_EQ(f.growth, 1) << f.message();
      }
      found = true;
      EXPECT_FALSE(f.expected.empty());
      EXPECT_FALSE(f.seen.empty());
      EXPECT_NE(f.expected, f.seen) << f.message();
      EXPECT_FALSE(f.where.empty()) << f.message();
    }
    std::string all;
    for (const auto& f : r.findings) all += "\n  " + f.message();
    EXPECT_TRUE(found) << "no Finding " << check << " at " << slot << "; got:" << all;
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
