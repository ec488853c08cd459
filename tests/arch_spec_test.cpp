// The ArchSpec table against docs/DESIGN.md §1: every seed GOARCH, its context register
// and where newstack's argument is; and the rows beyond the seed's file list
// (mips, mipsle from Go 1.8's asm_mipsx.s), kept apart by ArchSpec::in_seed.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include <elf.h>

#include "emu/arch_spec.hpp"

namespace gotramp::emu {
namespace {

TEST(ArchSpec, HasEverySeedGoarchOnce) {
  std::set<std::string> names, seed, transcribed;
  for (const auto& a : arch_table()) {
    EXPECT_TRUE(names.insert(a.goarch).second) << a.goarch;
    if (a.in_seed) seed.insert(a.goarch);
    if (a.transcribed()) transcribed.insert(a.goarch);
  }
  // The seed's eight files cover ten GOARCHes.
  EXPECT_EQ(seed, (std::set<std::string>{"386", "amd64", "amd64p32", "arm", "arm64", "mips64", "mips64le", "ppc64",
                                         "ppc64le", "s390x"}));
  // With Go 1.8's mips and mipsle: every GOARCH Go 1.8 shipped, twelve, each with
  // its transcription; riscv64 (Go 1.14) has none: real toolchains only.
  EXPECT_EQ(transcribed.size(), 12u);
  EXPECT_TRUE(transcribed.count("mips") && transcribed.count("mipsle"));
  EXPECT_EQ(names.size(), 13u);
  ASSERT_NE(find_arch("riscv64"), nullptr);
  EXPECT_FALSE(find_arch("riscv64")->transcribed());
  EXPECT_FALSE(find_arch("riscv64")->in_seed);
  EXPECT_EQ(find_arch("loong64"), nullptr);
}

// Modern toolchains build every row but amd64p32 (gone with NaCl in Go 1.14).
TEST(ArchSpec, RealToolchainsBuildEveryRowButAmd64p32) {
  for (const auto& a : arch_table()) EXPECT_EQ(a.real_toolchains, a.goarch != "amd64p32") << a.goarch;
}

// A GOARCH Go has that no emulator here runs is data beside the table, with the
// reason a user is told; it has no row.
TEST(ArchSpec, Loong64IsAGoarchNoEmulatorRuns) {
  ASSERT_EQ(unemulated_goarches().size(), 1u);
  const Unemulated* u = find_unemulated("loong64");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->why, "no emulator for loong64 (Unicorn 2.1.4 has no LoongArch CPU)");
  EXPECT_EQ(find_unemulated("riscv64"), nullptr);
  for (const auto& e : unemulated_goarches()) EXPECT_EQ(find_arch(e.goarch), nullptr) << e.goarch;
}

// riscv64's facts, from Go's runtime/asm_riscv64.s, cmd/internal/obj/riscv and
// cmd/compile/abi-internal.md (Go 1.19 and 1.27.3).
TEST(ArchSpec, Riscv64RowHasGosRegisters) {
  const ArchSpec& a = *find_arch("riscv64");
  EXPECT_TRUE(a.guest_dir.empty());
  EXPECT_FALSE(a.source.empty());
  EXPECT_EQ(a.ptr_size, 8);
  EXPECT_EQ(a.reg_size, 8);
  EXPECT_EQ(a.order, ByteOrder::Little);
  EXPECT_EQ(a.uc_arch_id, UC_ARCH_RISCV);
  EXPECT_EQ(a.uc_mode, UC_MODE_RISCV64);
  EXPECT_EQ(a.cs_arch_id, CS_ARCH_RISCV);
  EXPECT_EQ(a.cs_mode, CS_MODE_RISCV64 | CS_MODE_RISCVC);  // Go 1.27 emits RVC
  EXPECT_EQ(a.insn_width, 0);
  EXPECT_EQ(a.elf_machine, EM_RISCV);
  ASSERT_EQ(a.regs.size(), 31u);
  EXPECT_EQ(a.regs.front().name, "X1");
  EXPECT_EQ(a.regs.front().uc, UC_RISCV_REG_X1);
  EXPECT_EQ(a.regs.back().name, "X31");
  EXPECT_EQ(a.regs.back().uc, UC_RISCV_REG_X31);
  EXPECT_EQ(a.sp.uc, UC_RISCV_REG_X2);
  EXPECT_EQ(a.link.uc, UC_RISCV_REG_X1);
  EXPECT_EQ(a.ctxt.uc, UC_RISCV_REG_X26);
  EXPECT_EQ(a.g.uc, UC_RISCV_REG_X27);
  EXPECT_EQ(a.morestack_lr.uc, UC_RISCV_REG_X1);      // f's caller's PC stays in RA
  EXPECT_EQ(a.morestack_link().uc, UC_RISCV_REG_X5);  // JAL X5, runtime.morestack
  EXPECT_EQ(a.min_frame, 8);
  EXPECT_EQ(a.stack_align, 8);
  EXPECT_EQ(a.sigset_bytes, 8);
  std::vector<std::string> args;
  for (const auto& r : a.regabi.int_args) args.push_back(r.name);
  EXPECT_EQ(args, (std::vector<std::string>{"X10", "X11", "X12", "X13", "X14", "X15", "X16", "X17", "X8", "X9", "X18",
                                            "X19", "X20", "X21", "X22", "X23"}));
  EXPECT_FALSE(a.regabi.g.valid());  // g has its own register already
  EXPECT_FALSE(a.modern_frame_pointer.valid());
  // gdb-multiarch's riscv:rv64 numbering: x0..x31 as zero..t6, then pc.
  ASSERT_EQ(a.gdb.regs.size(), 33u);
  EXPECT_EQ(a.gdb.regs[2].name, "sp");
  EXPECT_EQ(a.gdb.regs[2].uc, a.sp.uc);
  EXPECT_EQ(a.gdb.regs[27].name, "s11");
  EXPECT_EQ(a.gdb.regs[27].uc, a.g.uc);
  EXPECT_EQ(a.gdb.regs[32].name, "pc");
  EXPECT_EQ(a.gdb.regs[32].uc, a.pc.uc);
}

TEST(ArchSpec, RowsBeyondTheSeedSayWhereTheyComeFrom) {
  for (const auto& a : arch_table()) EXPECT_EQ(a.source.empty(), a.in_seed) << a.goarch;
  EXPECT_FALSE(find_arch("mips")->in_seed);
  EXPECT_EQ(find_arch("mipsle")->source, "Go 1.8 runtime/asm_mipsx.s");
  // Seed rows come first, in the order of the seed's file list.
  bool beyond = false;
  for (const auto& a : arch_table()) {
    EXPECT_FALSE(beyond && a.in_seed) << a.goarch;
    beyond = beyond || !a.in_seed;
  }
}

TEST(ArchSpec, ContextRegisterAndArgumentSlotMatchTheSeed) {
  const std::map<std::string, std::pair<std::string, std::string>> want = {
      {"386", {"DX", "4(SP)"}},
      {"amd64", {"DX", "8(SP)"}},
      {"amd64p32", {"DX", "8(SP)"}},
      {"arm", {"R7", "4(R13)"}},
      {"arm64", {"R26", "8(RSP)"}},
      {"mips64", {"R22", "8(R29)"}},
      {"mips64le", {"R22", "8(R29)"}},
      {"ppc64", {"R11", "32(R1)"}},
      {"ppc64le", {"R11", "32(R1)"}},
      {"s390x", {"R12", "8(R15)"}},
      // Go 1.8's asm_mipsx.s: MOVW R0, -8(R29); ADDU $-8, R29; MOVW REGCTXT, 4(R29).
      {"mips", {"R22", "4(R29)"}},
      {"mipsle", {"R22", "4(R29)"}},
      // No transcription: the slot newstack's argument would have; the modern
      // contract passes ctxt in g.sched.ctxt instead.
      {"riscv64", {"X26", "8(X2)"}},
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
  EXPECT_EQ(find_arch("mips")->order, ByteOrder::Big);
  EXPECT_EQ(find_arch("mipsle")->order, ByteOrder::Little);
  for (const char* m : {"mips", "mipsle"}) {
    const ArchSpec& a = *find_arch(m);
    EXPECT_EQ(a.ptr_size, 4) << m;
    EXPECT_EQ(a.reg_size, 4) << m;
    EXPECT_EQ(a.elf_word, 4) << m;
    EXPECT_EQ(a.min_frame, 4) << m;
    EXPECT_EQ(a.sigset_bytes, 16) << m;  // linux/mipsx sigset: [4]uint32
    EXPECT_EQ(a.guest_dir, "mipsx") << m;
  }
}

// Quirks are row data, measured (docs/internals.md's quirk table): MIPS32 could reach the arena
// through Unicorn's default MMU, but runs on the virtual TLB (guest stores on the
// fast path), and shares MIPS64's fetch-fault translator bug.
TEST(ArchSpec, MipsQuirksAreRowData) {
  for (const char* m : {"mips", "mipsle"}) {
    EXPECT_TRUE(find_arch(m)->tlb_virtual) << m;
    EXPECT_EQ(find_arch(m)->fetch_fault_landing, 0x00000034u) << m;  // TEQ R0, R0
  }
  EXPECT_TRUE(find_arch("mips64")->tlb_virtual);
}

// Registers are the full 32-bit ones on the 32-bit rows (Unicorn ids for R1..R31,
// not their 16-bit halves), so traces show whole values.
TEST(ArchSpec, MipsRegistersAreNumberedR1ToR31) {
  const ArchSpec& a = *find_arch("mips");
  ASSERT_EQ(a.regs.size(), 31u);
  EXPECT_EQ(a.regs.front().uc, UC_MIPS_REG_1);
  EXPECT_EQ(a.regs.front().name, "R1");
  EXPECT_EQ(a.regs.back().uc, UC_MIPS_REG_31);
  EXPECT_EQ(a.ctxt.uc, UC_MIPS_REG_22);
  EXPECT_EQ(a.g.uc, UC_MIPS_REG_30);
  EXPECT_EQ(a.sp.uc, UC_MIPS_REG_29);
  EXPECT_EQ(a.link.uc, UC_MIPS_REG_31);
  EXPECT_EQ(a.morestack_lr.uc, UC_MIPS_REG_3);
}

TEST(ArchSpec, NamesForErrorMessages) {
  EXPECT_EQ(arch_names(),
            "386, amd64, amd64p32, arm, arm64, mips64, mips64le, ppc64, ppc64le, s390x, mips, mipsle, riscv64");
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
