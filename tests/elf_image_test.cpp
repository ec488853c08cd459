// ElfImage on real guest ELFs, and on files that are not.
#include <gtest/gtest.h>

#include <fstream>

#include <gelf.h>
#include <libelf.h>

#include <fcntl.h>
#include <unistd.h>

#include <map>

#include "emu/elf_image.hpp"
#include "probe_support.hpp"
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

// A real probe's function symbols come in more than one ascending run (Go's linker
// writes two): every function start, read here from the symbol table with libelf,
// is found by containing(); of aliases (several names at one address) the largest,
// then the table's first. (runtime.text, size 0, shares the first function's start.)
TEST(ElfImage, EveryFunctionOfARealProbeIsFoundAtItsStartAliasesByTheLargest) {
  const std::string path = test::probe_path("bundled", "amd64");
  ElfImage img = ElfImage::load(path);
  elf_version(EV_CURRENT);
  const int fd = open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
  ASSERT_NE(elf, nullptr);
  std::map<uint64_t, std::pair<std::string, uint64_t>> first_at;  // address -> (name, size) of the largest
  size_t funcs = 0, aliases = 0, descents = 0;
  uint64_t last = 0;
  for (Elf_Scn* scn = nullptr; (scn = elf_nextscn(elf, scn));) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    for (size_t k = 0; k < sh.sh_size / sh.sh_entsize; k++) {
      GElf_Sym sym;
      gelf_getsym(data, static_cast<int>(k), &sym);
      const char* name = elf_strptr(elf, sh.sh_link, sym.st_name);
      if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || !name || !*name) continue;
      funcs++;
      descents += sym.st_value < last;
      last = sym.st_value;
      auto [at, fresh] = first_at.try_emplace(sym.st_value, name, sym.st_size);
      if (!fresh) aliases++;
      if (!fresh && sym.st_size > at->second.second) at->second = {name, sym.st_size};
    }
  }
  elf_end(elf);
  close(fd);
  ASSERT_GT(funcs, 1000u);
  EXPECT_GE(descents, 1u) << "the table is one ascending run: the merge is not exercised";
  EXPECT_GE(aliases, 1u) << "no aliases: their order is not exercised";
  for (const auto& [addr, first] : first_at) {
    if (first.second == 0) continue;  // an empty symbol contains nothing
    const Symbol* s = img.containing(addr);
    ASSERT_NE(s, nullptr) << first.first;
    EXPECT_EQ(s->addr, addr) << first.first;
    EXPECT_EQ(s->name, first.first) << "of " << aliases << " aliases";
  }
}

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
