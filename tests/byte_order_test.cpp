// Byte order, end to end: the ctxt argument newstack read on each row, decoded
// again with the other byte order, is a Finding naming the slot, never a silent
// pass. One test per verified row, big- and little-endian alike.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "runtime_model/harness.hpp"
#include "runtime_model/morestack/g0_frame.hpp"
#include "runtime_model/morestack/morestack_suite.hpp"
#include "runtime_model/suite.hpp"
#include "support.hpp"

namespace gotramp::model {
namespace {

struct ByteOrderTest : ::testing::TestWithParam<const emu::ArchSpec*> {};

TEST_P(ByteOrderTest, SwappedReadOfTheCtxtArgumentIsAFinding) {
  const emu::ArchSpec& spec = *GetParam();
  auto m_owner = Harness::for_transcription(spec, test::seed_elf(spec));
  Harness& m = *m_owner;
  RunReport r = m.run(*find_scenario("closure"), *find_contract("seed"));
  ASSERT_EQ(r.verdict, "verified");
  ASSERT_FALSE(r.frames.empty());
  const G0Frame& frame = r.frames.front();

  SequenceExpect want;
  want.ctxt = r.ctxt_set;
  want.trampoline = MorestackSymbols::resolve(m.image(), m.profile()).morestack;
  want.g0_stack = {Arena::kG0StackBase, Arena::kG0StackBase + Arena::kG0StackSize};
  want.g0 = frame.g;

  auto ctxt_check = [&](const emu::ArchSpec& as) {
    for (const auto& c : check_calling_sequence(as, *find_contract("seed"), frame, want))
      if (c.check == "ctxt-argument") return c;
    ADD_FAILURE() << "no ctxt-argument check";
    return SlotCheck{};
  };
  // Read in the row's own order, the captured frame holds the closure pointer.
  SlotCheck right = ctxt_check(spec);
  EXPECT_TRUE(right.ok) << right.expected << " vs " << right.seen;

  emu::ArchSpec swapped = spec;
  swapped.order = spec.order == emu::ByteOrder::Big ? emu::ByteOrder::Little : emu::ByteOrder::Big;
  SlotCheck wrong = ctxt_check(swapped);
  EXPECT_FALSE(wrong.ok) << "a " << (spec.order == emu::ByteOrder::Big ? "big" : "little")
                         << "-endian slot read the other way round still passed";
  EXPECT_EQ(wrong.slot, spec.slot(spec.arg0_offset()) + " ctxt argument");
  EXPECT_EQ(wrong.expected, fmt::format("{:#x}", r.ctxt_set));
  EXPECT_NE(wrong.seen, wrong.expected);
}

INSTANTIATE_TEST_SUITE_P(Verified, ByteOrderTest, ::testing::ValuesIn(test::verified_archs()),
                         [](const auto& info) { return test::arch_param_name(info.param); });

}  // namespace
}  // namespace gotramp::model
