// Go 1.8 layouts per pointer width. Expected offsets are Go 1.8's (runtime2.go
// field order, gc sizes), worked out independently of layout.cpp.
#include <gtest/gtest.h>

#include "emu/arch_spec.hpp"
#include "runtime_model/layout.hpp"

namespace gotramp::model {
namespace {

const Layouts& L(const char* goarch) { return layouts_for(*emu::find_arch(goarch)); }

TEST(Layout, Amd64MatchesGo18) {
  const Layouts& l = L("amd64");
  EXPECT_EQ(l.gobuf.offset("ctxt"), 24u);
  EXPECT_EQ(l.gobuf.offset("bp"), 48u);
  EXPECT_EQ(l.gobuf.size, 56u);
  EXPECT_EQ(l.g.offset("stackguard0"), 16u);
  EXPECT_EQ(l.g.offset("m"), 48u);
  EXPECT_EQ(l.g.offset("sched"), 64u);
  EXPECT_EQ(l.g.offset("sched.ctxt"), 88u);
  EXPECT_EQ(l.g.offset("syscallsp"), 120u);
  EXPECT_EQ(l.g.offset("atomicstatus"), 184u);
  EXPECT_EQ(l.g.offset("throwsplit"), 237u);
  EXPECT_EQ(l.m.offset("morebuf"), 8u);
  EXPECT_EQ(l.m.offset("gsignal"), 80u);
  EXPECT_EQ(l.m.offset("curg"), 152u);
  EXPECT_EQ(l.m.offset("locks"), 216u);
  EXPECT_EQ(l.p.offset("status"), 12u);
}

TEST(Layout, ThirtyTwoBitPortsUseFourByteWords) {
  for (const char* a : {"386", "arm"}) {
    const Layouts& l = L(a);
    EXPECT_EQ(l.gobuf.offset("ctxt"), 12u) << a;
    EXPECT_EQ(l.gobuf.size, 28u) << a;
    EXPECT_EQ(l.g.offset("sched"), 32u) << a;
    EXPECT_EQ(l.g.offset("throwsplit"), 133u) << a;
    // int64 fields are 4-aligned on 386 and arm.
    EXPECT_EQ(l.g.offset("goid"), 100u) << a;
    EXPECT_EQ(l.m.offset("curg"), 84u) << a;
    EXPECT_EQ(l.p.offset("status"), 8u) << a;
  }
}

TEST(Layout, Amd64p32HasEightByteRegisters) {
  const Layouts& l = L("amd64p32");
  // gobuf.ret is a sys.Uintreg: 8 bytes, 8-aligned.
  EXPECT_EQ(l.gobuf.offset("ret"), 16u);
  EXPECT_EQ(l.gobuf.offset("lr"), 24u);
  EXPECT_EQ(l.gobuf.offset("bp"), 28u);
  EXPECT_EQ(l.gobuf.size, 32u);
  EXPECT_EQ(l.g.offset("syscallsp"), 64u);
  EXPECT_EQ(l.g.offset("goid"), 104u);
  EXPECT_EQ(l.m.offset("procid"), 48u);
  EXPECT_EQ(l.m.offset("curg"), 88u);
}

TEST(Layout, Mips64SigsetShiftsTheRestOfM) {
  EXPECT_EQ(L("mips64").m.offset("tls"), 104u);
  EXPECT_EQ(L("mips64").m.offset("curg"), 160u);
  EXPECT_EQ(L("ppc64").m.offset("curg"), 152u);
}

// mips and mipsle: 4-byte words like arm, int64 4-aligned (Widthreg 4), and a
// 16-byte sigset ([4]uint32 on linux/mipsx) that moves m.tls and all after it.
// Cross-checked with go/types' gc sizes for GOARCH=mips on runtime2.go's order.
TEST(Layout, MipsIsThirtyTwoBitWithAWideSigset) {
  for (const char* a : {"mips", "mipsle"}) {
    const Layouts& l = L(a);
    EXPECT_EQ(l.gobuf.offset("ctxt"), 12u) << a;
    EXPECT_EQ(l.gobuf.size, 28u) << a;
    EXPECT_EQ(l.g.offset("sched"), 32u) << a;
    EXPECT_EQ(l.g.offset("sched.ctxt"), 44u) << a;
    EXPECT_EQ(l.g.offset("goid"), 100u) << a;
    EXPECT_EQ(l.g.offset("waitsince"), 108u) << a;
    EXPECT_EQ(l.g.offset("throwsplit"), 133u) << a;
    EXPECT_EQ(l.m.offset("morebuf"), 4u) << a;
    EXPECT_EQ(l.m.offset("procid"), 36u) << a;  // uint64 after a uint32, 4-aligned
    EXPECT_EQ(l.m.offset("gsignal"), 44u) << a;
    EXPECT_EQ(l.m.offset("sigmask"), 48u) << a;
    EXPECT_EQ(l.m.offset("tls"), 64u) << a;
    EXPECT_EQ(l.m.offset("curg"), 92u) << a;
    EXPECT_EQ(l.m.offset("locks"), 128u) << a;
    EXPECT_EQ(l.funcval.offset("x"), 4u) << a;
  }
  // Same words as arm, but arm's sigset is 8 bytes.
  EXPECT_EQ(L("arm").m.offset("curg"), 84u);
  std::string h = asm_header(*emu::find_arch("mipsle"));
  EXPECT_NE(h.find("#define m_gsignal 44\n"), std::string::npos);
  EXPECT_NE(h.find("#define FIXED_FRAME 4\n"), std::string::npos);
}

TEST(Layout, OnlyCtxtIsAPointerInGobuf) {
  const Layouts& l = L("arm64");
  for (const auto& f : l.gobuf.fields) EXPECT_EQ(f.is_pointer(), f.name == "ctxt") << f.name;
}

TEST(Layout, AtNamesTheInnermostField) {
  const Layouts& l = L("amd64");
  auto at = l.g.at(91);  // inside sched.ctxt
  ASSERT_TRUE(at);
  EXPECT_EQ(at->path, "sched.ctxt");
  EXPECT_EQ(at->field_offset, 88u);
  auto mb = l.m.at(8 + 8);
  ASSERT_TRUE(mb);
  EXPECT_EQ(mb->path, "morebuf.pc");
  EXPECT_FALSE(l.gobuf.at(1000));
}

TEST(Layout, UnknownFieldThrows) { EXPECT_THROW(L("amd64").g.offset("sched.nope"), std::out_of_range); }

TEST(Layout, AssemblerHeaderComesFromTheLayouts) {
  std::string h = asm_header(*emu::find_arch("ppc64le"));
  EXPECT_NE(h.find("#define g_sched 64\n"), std::string::npos);
  EXPECT_NE(h.find("#define gobuf_ctxt 24\n"), std::string::npos);
  EXPECT_NE(h.find("#define m_morebuf 8\n"), std::string::npos);
  EXPECT_NE(h.find("#define FIXED_FRAME 32\n"), std::string::npos);
  std::string h386 = asm_header(*emu::find_arch("386"));
  EXPECT_NE(h386.find("#define g_sched 32\n"), std::string::npos);
  EXPECT_NE(h386.find("#define FIXED_FRAME 0\n"), std::string::npos);
}

}  // namespace
}  // namespace gotramp::model
