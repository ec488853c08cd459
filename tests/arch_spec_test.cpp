// The ArchSpec table against DESIGN §1: every seed GOARCH, its context register
// and where newstack's argument is.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "emu/arch_spec.hpp"

namespace gotramp::emu {
namespace {

TEST(ArchSpec, HasEverySeedGoarchOnce) {
  std::set<std::string> names;
  for (const auto& a : arch_table()) EXPECT_TRUE(names.insert(a.goarch).second) << a.goarch;
  EXPECT_EQ(names, (std::set<std::string>{"386", "amd64", "amd64p32", "arm", "arm64", "mips64", "mips64le", "ppc64",
                                          "ppc64le", "s390x"}));
  EXPECT_EQ(find_arch("riscv64"), nullptr);
}

TEST(ArchSpec, ContextRegisterAndArgumentSlotMatchTheSeed) {
  const std::map<std::string, std::pair<std::string, std::string>> want = {
      {"386", {"DX", "4(SP)"}},        {"amd64", {"DX", "8(SP)"}},   {"amd64p32", {"DX", "8(SP)"}},
      {"arm", {"R7", "4(R13)"}},       {"arm64", {"R26", "8(RSP)"}}, {"mips64", {"R22", "8(R29)"}},
      {"mips64le", {"R22", "8(R29)"}}, {"ppc64", {"R11", "32(R1)"}}, {"ppc64le", {"R11", "32(R1)"}},
      {"s390x", {"R12", "8(R15)"}},
  };
  for (const auto& a : arch_table()) {
    auto [ctxt, slot] = want.at(a.goarch);
    EXPECT_EQ(a.ctxt.name, ctxt) << a.goarch;
    EXPECT_EQ(a.slot(a.arg0_offset()), slot) << a.goarch;
  }
}

TEST(ArchSpec, LinkRegisterMachinesPassTheCallersLr) {
  for (const auto& a : arch_table()) {
    EXPECT_EQ(a.has_link(), a.call_pushes == 0) << a.goarch;
    EXPECT_EQ(a.has_link(), a.morestack_lr.valid()) << a.goarch;
    EXPECT_EQ(a.has_link(), a.g_home == GHome::Register) << a.goarch;
  }
}

TEST(ArchSpec, ByteOrderAndWidths) {
  EXPECT_EQ(find_arch("s390x")->order, ByteOrder::Big);
  EXPECT_EQ(find_arch("ppc64")->order, ByteOrder::Big);
  EXPECT_EQ(find_arch("ppc64le")->order, ByteOrder::Little);
  EXPECT_EQ(find_arch("mips64")->order, ByteOrder::Big);
  EXPECT_EQ(find_arch("amd64p32")->ptr_size, 4);
  EXPECT_EQ(find_arch("amd64p32")->reg_size, 8);
  EXPECT_EQ(find_arch("arm64")->stack_align, 16);
}

TEST(ArchSpec, NamesForErrorMessages) {
  EXPECT_EQ(arch_names(), "386, amd64, amd64p32, arm, arm64, mips64, mips64le, ppc64, ppc64le, s390x");
}

// gotramp debug reads every row's gdb facts: an architecture name, and among its
// registers the ones a porter inspects (PC, SP, the context register, g), at full
// width. Their gdb numbers are what gdb-multiarch 13 uses (tests/debug_test.cpp).
TEST(ArchSpec, GdbFactsNameTheRegistersAPorterReads) {
  for (const auto& a : arch_table()) {
    SCOPED_TRACE(a.goarch);
    EXPECT_FALSE(a.gdb.arch.empty());
    auto width = [&](const Reg& r) {
      for (const auto& g : a.gdb.regs)
        if (g.uc == r.uc) return g.size;
      return 0;
    };
    EXPECT_EQ(width(a.pc), a.reg_size == 8 && a.ptr_size == 4 ? 8 : a.ptr_size);
    EXPECT_EQ(width(a.sp), width(a.pc));
    EXPECT_EQ(width(a.ctxt), width(a.pc));
    if (a.g.valid()) {
      EXPECT_EQ(width(a.g), width(a.pc));
    }
    for (const auto& g : a.gdb.regs) EXPECT_TRUE(g.size == 4 || g.size == 8 || (g.uc < 0 && g.size == 12)) << g.name;
  }
}

}  // namespace
}  // namespace gotramp::emu
