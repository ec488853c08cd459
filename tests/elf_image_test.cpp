// ElfImage on real guest ELFs, and on files that are not.
#include <gtest/gtest.h>

#include <fstream>

#include "emu/elf_image.hpp"
#include "support.hpp"

namespace gotramp::emu {
namespace {

class ElfImageTest : public ::testing::TestWithParam<const ArchSpec*> {};

TEST_P(ElfImageTest, LoadsAGuestElf) {
  const ArchSpec& spec = *GetParam();
  ElfImage img = ElfImage::load(test::seed_elf(spec));
  EXPECT_EQ(img.machine(), spec.elf_machine);
  EXPECT_EQ(img.word_bytes(), spec.elf_word);
  EXPECT_EQ(img.order(), spec.order);
  EXPECT_FALSE(img.segments().empty());
  Symbol ms = img.func("main.morestack");
  EXPECT_GT(ms.size, 0u);
  // The assembly body, never the register-ABI wrapper.
  EXPECT_TRUE(ms.name == "main.morestack" || ms.name == "main.morestack.abi0") << ms.name;
  if (img.symbol("main.morestack.abi0")) {
    EXPECT_EQ(ms.name, "main.morestack.abi0");
  }
  EXPECT_EQ(img.describe(ms.addr), "main.morestack");
  EXPECT_EQ(img.describe(ms.addr + 4), "main.morestack+0x4");
  ASSERT_NE(img.containing(ms.addr + 1), nullptr);
  EXPECT_EQ(img.containing(ms.addr + 1)->addr, ms.addr);
  EXPECT_GT(img.var("main.result").addr, 0u);
  EXPECT_THROW(img.func("main.no_such_function"), ElfError);
}

INSTANTIATE_TEST_SUITE_P(Verified, ElfImageTest, ::testing::ValuesIn(test::verified_archs()),
                         [](const auto& info) { return test::arch_param_name(info.param); });

std::string write_temp(const std::string& name, const std::string& data) {
  auto p = std::filesystem::temp_directory_path() / name;
  std::ofstream(p, std::ios::binary) << data;
  return p.string();
}

TEST(ElfImage, MissingFileIsAClearError) {
  try {
    ElfImage::load("/nonexistent/guest.elf");
    FAIL();
  } catch (const ElfError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open"), std::string::npos) << e.what();
  }
}

TEST(ElfImage, NotAnElfIsAClearError) {
  auto p = write_temp("gotramp-not-elf.bin", "this is plain text, not an ELF file");
  EXPECT_THROW(ElfImage::load(p), ElfError);
}

TEST(ElfImage, TruncatedElfIsAClearError) {
  // A real guest cut short: its headers point past the end of the file.
  std::ifstream in(test::seed_elf(*find_arch("amd64")), std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), {});
  auto p = write_temp("gotramp-truncated.elf", data.substr(0, 4096));
  try {
    ElfImage::load(p);
    FAIL() << "a truncated ELF loaded";
  } catch (const ElfError& e) {
    EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gotramp::emu
