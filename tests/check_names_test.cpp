// docs/checks.md is the glossary of every check name a report can carry: it and the
// code's list (runtime_model/check_names.cpp) hold the same names both ways, the
// check log refuses any other name, and each contract reports the word at newstack's
// SP under its own name.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include "runtime_model/check_names.hpp"
#include "runtime_model/contract.hpp"
#include "runtime_model/report.hpp"

namespace gotramp {
namespace {

std::set<std::string> glossary_names() {
  std::ifstream in(std::filesystem::path(GOTRAMP_SOURCE_DIR) / "docs" / "checks.md");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::set<std::string> names;
  const std::regex heading(R"((^|\n)### `([^`]+)`\n)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), heading); it != std::sregex_iterator(); ++it)
    names.insert((*it)[2]);
  return names;
}

TEST(CheckGlossary, EveryCheckNameIsInDocsChecksMdAndEveryEntryIsACheckName) {
  const auto documented = glossary_names();
  ASSERT_FALSE(documented.empty()) << "docs/checks.md has no `### \\`name\\`` entries";
  for (const auto& n : model::check_names()) EXPECT_TRUE(documented.count(n)) << n << " is not in docs/checks.md";
  for (const auto& n : documented) EXPECT_TRUE(model::is_check_name(n)) << n << " is documented but no check";
}

TEST(CheckGlossary, TheCheckLogRefusesANameTheGlossaryLacks) {
  model::CheckLog log;
  EXPECT_NO_THROW(log.pass("morebuf.pc"));
  EXPECT_THROW(log.pass("morebuf-pc-typo"), std::logic_error);
  model::Finding f;
  f.check = "no-such-check";
  EXPECT_THROW(log.fail(f), std::logic_error);
}

// newstack() takes no argument since Go 1.10: the modern contract never speaks of
// an argument slot; the Go 1.8 contracts keep their names.
TEST(CheckGlossary, TheModernContractNamesTheWordAtNewstacksSpForWhatItIs) {
  const auto& modern = model::find_contract("modern")->names;
  EXPECT_EQ(modern.saved_lr_check, "g0-frame-saved-lr");
  EXPECT_EQ(modern.return_pc_check, "return-pc");
  for (const auto* s : {&modern.saved_lr_check, &modern.saved_lr_slot, &modern.return_pc_check, &modern.return_pc_slot})
    EXPECT_EQ(s->find("arg"), std::string::npos) << *s;
  for (const char* c : {"seed", "parent", "parent-norepair"})
    EXPECT_EQ(model::find_contract(c)->names.saved_lr_check, "slot-below-arg0") << c;
}

}  // namespace
}  // namespace gotramp
