// Field handles (runtime_model/fields.hpp): resolved once per profile, they must
// agree with the layouts they came from, carry each field's own width, and refuse
// a runtime that lacks a field the model needs, by name.
#include <gtest/gtest.h>

#include "emu/arch_spec.hpp"
#include "emu/engine.hpp"
#include "runtime_model/fields.hpp"
#include "runtime_model/probe_program.hpp"
#include "runtime_model/profile.hpp"

namespace gotramp::model {
namespace {

TEST(Fields, HandlesAgreeWithTheLayoutsOnEveryRow) {
  for (const emu::ArchSpec& row : emu::arch_table()) {
    if (!row.transcribed()) continue;
    const emu::ArchSpec* spec = &row;
    auto prof = transcription_profile(*spec);
    const Layouts& L = *prof->layouts;
    const RuntimeFields& F = prof->fields;
    const uint64_t w = spec->ptr_size;
    EXPECT_EQ(F.g.sched.ctxt.offset, L.g.offset("sched.ctxt")) << spec->goarch;
    EXPECT_EQ(F.g.sched.buf.offset, L.g.offset("sched")) << spec->goarch;
    EXPECT_EQ(F.g.sched.buf.offset + F.gobuf.ctxt.offset, F.g.sched.ctxt.offset) << spec->goarch;
    EXPECT_EQ(F.g.stack.hi.offset, L.g.offset("stack.hi")) << spec->goarch;
    EXPECT_EQ(F.m.morebuf.pc.offset, L.m.offset("morebuf.pc")) << spec->goarch;
    EXPECT_EQ(F.p.status.offset, L.p.offset("status")) << spec->goarch;
    const ProbeFields& PF = transcription_program(*spec)->fields;
    EXPECT_EQ(PF.closure.x.offset, w) << spec->goarch;
    // Pointers and uintptrs are a word; int32/uint32 fields are four bytes.
    EXPECT_EQ(F.g.sched.ctxt.width, spec->ptr_size) << spec->goarch;
    EXPECT_EQ(F.g.atomicstatus.width, 4) << spec->goarch;
    EXPECT_EQ(F.m.locks.width, 4) << spec->goarch;
    EXPECT_TRUE(F.g.stackAlloc.present()) << spec->goarch;   // Go 1.8 has it
    EXPECT_FALSE(PF.closure.env.present()) << spec->goarch;  // the word is in the closure
  }
}

// Go 1.8's amd64 offsets, worked out by hand (as tests/layout_test.cpp does), so the
// handles are checked against more than the layouts they came from.
TEST(Fields, Amd64HandlesAreGo18Offsets) {
  const RuntimeFields& F = transcription_profile(*emu::find_arch("amd64"))->fields;
  EXPECT_EQ(F.g.stack.hi.offset, 8u);
  EXPECT_EQ(F.g.stackguard0.offset, 16u);
  EXPECT_EQ(F.g.m.offset, 48u);
  EXPECT_EQ(F.g.sched.buf.offset, 64u);
  EXPECT_EQ(F.g.sched.ctxt.offset, 88u);
  EXPECT_EQ(F.g.sched.bp.offset, 112u);
  EXPECT_EQ(F.g.atomicstatus.offset, 184u);
  EXPECT_EQ(F.g.throwsplit.offset, 237u);
  EXPECT_EQ(F.g.throwsplit.width, 1);  // a bool
  EXPECT_EQ(F.m.morebuf.pc.offset, 16u);
  EXPECT_EQ(F.m.curg.offset, 152u);
  EXPECT_EQ(F.gobuf.ctxt.offset, 24u);
}

// A runtime whose g has no stackAlloc (Go 1.9 on) resolves with the handle absent;
// one whose gobuf has no ctxt is refused, naming the struct and the field.
TEST(Fields, AMissingFieldIsNamedAndAnOptionalOneIsAbsent) {
  const Layouts& go18 = layouts_for(*emu::find_arch("arm64"));
  Layouts L(8, 8);
  L.stack = go18.stack, L.gobuf = go18.gobuf, L.g = go18.g, L.m = go18.m, L.p = go18.p, L.funcval = go18.funcval;
  auto drop = [](StructLayout& s, const char* name) {
    std::erase_if(s.fields, [&](const Field& f) { return f.name == name; });
  };
  drop(L.g, "stackAlloc");
  EXPECT_FALSE(RuntimeFields::resolve(L).g.stackAlloc.present());

  // g.sched must now be this L's gobuf: re-point the nested type.
  drop(L.gobuf, "ctxt");
  for (auto& f : L.g.fields)
    if (f.name == "sched") f.type = &L.gobuf;
  try {
    (void)RuntimeFields::resolve(L);
    FAIL() << "a g without sched.ctxt was resolved";
  } catch (const MissingField& e) {
    EXPECT_EQ(e.type, "g");
    EXPECT_EQ(e.path, "sched.ctxt");
    EXPECT_STREQ(e.what(), "g has no field sched.ctxt");
  }
}

// Ptr and Slot: a handle reads and writes the field's bytes, at its width, and no
// other; an absent field cannot be used.
TEST(Fields, SlotsReadAndWriteAtTheFieldsWidth) {
  const emu::ArchSpec& spec = *emu::find_arch("s390x");  // big-endian: width matters
  emu::Engine e{spec};
  const uint64_t base = 0x10000;
  e.map(base, 0x1000, emu::kProtRW);
  auto prof = transcription_profile(spec);
  const RuntimeFields& F = prof->fields;
  Ptr<rt::g> gp(e, base);
  gp[F.g.atomicstatus].set(0x11223344);
  EXPECT_EQ(e.read_uint(base + F.g.atomicstatus.offset, 4), 0x11223344u);
  EXPECT_EQ(e.read_uint(base + F.g.atomicstatus.offset + 4, 4), 0u);  // the next field is untouched
  gp[F.g.sched.ctxt].set(0xfeedface12345678);
  Ptr<rt::gobuf> buf = gp[F.g.sched.buf];
  EXPECT_EQ(buf.addr(), base + F.g.sched.buf.offset);
  EXPECT_EQ(buf[F.gobuf.ctxt].get(), 0xfeedface12345678u);
  EXPECT_THROW(gp[FieldHandle<rt::g>{}].get(), std::logic_error);
}

}  // namespace
}  // namespace gotramp::model
