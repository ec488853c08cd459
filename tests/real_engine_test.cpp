// A real toolchain's probe in a bare engine, row by row (riscv64 among them, the row
// with no Go 1.8 transcription): the ELF loads as the row's guest, every register the
// row names holds a full-width value with the probe mapped, the row's Capstone mode
// finds the prologue's call to runtime.morestack_noctxt in main.sum, and running the
// prologue with the stack guard at its highest reaches morestack_noctxt with the
// registers the row says: f's return PC in morestack_link() (riscv64: X5, the JAL
// link), f's caller's PC in morestack_lr (riscv64: X1, RA left alone).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "emu/disasm.hpp"
#include "emu/elf_image.hpp"
#include "emu/engine.hpp"
#include "probe_support.hpp"
#include "registers.hpp"

namespace gotramp::emu {
namespace {

struct ProbeCase {
  std::string toolchain;  // "system" | "bundled"
  const ArchSpec* spec;
};

std::vector<ProbeCase> probe_cases() {
  std::vector<ProbeCase> out;
  for (const auto& a : arch_table())
    if (a.real_toolchains)
      for (const char* tc : {"system", "bundled"}) out.push_back({tc, &a});
  return out;
}

// Whether an instruction's text ends with its branch target, as Capstone prints it:
// absolute (call 0x8098760, bl #0x901c0) or PC-relative (riscv64: jal t0, -0x1624).
bool names_target(const Insn& i, uint64_t target) {
  const int64_t rel = static_cast<int64_t>(target - i.address);
  const std::string abs = fmt::format("{:#x}", target);
  const std::string pcrel = rel < 0 ? fmt::format("-{:#x}", -rel) : fmt::format("{:#x}", rel);
  return i.text.ends_with(" " + abs) || i.text.ends_with("#" + abs) || i.text.ends_with(" " + pcrel);
}

// main.sum's instructions, decoded with the row's Capstone mode.
std::vector<Insn> disassemble(const Engine& e, const ArchSpec& spec, const Symbol& f) {
  Disasm d(spec);
  const std::vector<uint8_t> code = e.read(f.addr, f.size);
  std::vector<Insn> out;
  for (uint64_t off = 0; off < code.size();) {
    auto i = d.one(std::span(code).subspan(off), f.addr + off);
    if (!i) break;  // the padding after the body
    off += i->size;
    out.push_back(std::move(*i));
  }
  return out;
}

constexpr uint64_t kData = 0x30000000, kG = kData + 0x1000, kTls = kData + 0x2000, kSp = kData + 0x8000;
constexpr uint64_t kCallersPc = 0x10101010;  // f's caller's PC, in the link register at f's entry

// At morestack_noctxt's entry, what a row says to read: f's return PC (the prologue's
// link register, or the word CALL pushed) and f's caller's PC.
struct Seen {
  uint64_t ret = 0, lr = 0;
};
Seen seen_by(const ArchSpec& row, const Engine& e) {
  Seen s;
  s.ret = row.has_link() ? e.reg(row.morestack_link()) : e.read_uint(e.sp(), row.call_pushes);
  if (row.has_link()) s.lr = e.reg(row.morestack_lr);
  return s;
}

// Runs main.sum for a goroutine whose stack guard no SP passes, on a stack the
// prologue may spill to, until it reaches morestack_noctxt.
RunResult run_prologue(const ArchSpec& a, Engine& e, const Symbol& sum, const Symbol& noctxt) {
  e.map(kData, 0x10000, kProtRW);
  const uint64_t ones = width_mask(a.ptr_size);
  e.write_ptr(kG, kSp - 0x1000);           // g.stack.lo
  e.write_ptr(kG + a.ptr_size, kSp);       // g.stack.hi
  e.write_ptr(kG + 2 * a.ptr_size, ones);  // g.stackguard0
  e.write_ptr(kG + 3 * a.ptr_size, ones);  // g.stackguard1
  e.install_tls(kTls, 0x1000);
  e.set_current_g(kG);
  if (a.regabi.g.valid()) e.set_reg(a.regabi.g, kG);
  e.set_sp(kSp);
  if (a.has_link()) e.set_reg(a.link, kCallersPc);
  return e.run(sum.addr, noctxt.addr, 200);
}

class ProbeInEngine : public ::testing::TestWithParam<ProbeCase> {
 protected:
  void SetUp() override {
    const ProbeCase& c = GetParam();
    path_ = test::probe_path(c.toolchain, c.spec->goarch);
    image_ = std::make_unique<ElfImage>(ElfImage::load(path_));
    engine_ = std::make_unique<Engine>(*c.spec);
    engine_->load(*image_);
  }
  std::string path_;
  std::unique_ptr<ElfImage> image_;
  std::unique_ptr<Engine> engine_;
};

TEST_P(ProbeInEngine, EveryRegisterIdIsFullWidth) {
  const ArchSpec& a = *GetParam().spec;
  const uint64_t want = test::full_width_pattern(a);
  for (const auto& r : test::named_registers(a)) {
    engine_->set_reg(r, want);
    EXPECT_EQ(engine_->reg(r), want) << a.goarch << " " << r.name << " (Unicorn id " << r.uc << ")";
  }
}

TEST_P(ProbeInEngine, ThePrologueCallsMorestackNoctxtWithTheRowsRegisters) {
  const ArchSpec& a = *GetParam().spec;
  const Engine& e = *engine_;
  const Symbol sum = image_->func("main.sum");
  const Symbol noctxt = image_->func("runtime.morestack_noctxt");
  const auto code = disassemble(e, a, sum);
  ASSERT_FALSE(code.empty()) << path_;
  const Insn* call = nullptr;
  for (const auto& i : code)
    if (names_target(i, noctxt.addr)) call = &i;
  std::string listing;
  for (const auto& i : code) listing += fmt::format("\n  {:#x} {}", i.address, i.text);
  ASSERT_NE(call, nullptr) << "no call to " << noctxt.name << fmt::format(" ({:#x})", noctxt.addr) << listing;
  // The row's prologue link, by the name Capstone (and gdb) give it: jal t0 on riscv64.
  if (a.prologue_link.valid())
    for (const auto& g : a.gdb.regs)
      if (g.uc == a.prologue_link.uc) {
        EXPECT_TRUE(call->text.find(" " + g.name + ",") != std::string::npos) << call->text;
      }

  RunResult r = run_prologue(a, *engine_, sum, noctxt);
  ASSERT_EQ(r.reason, StopReason::Until) << r.detail << listing;
  // f's return PC: in main.sum, past the call (a delay slot may come between).
  const Seen seen = seen_by(a, e);
  EXPECT_GT(seen.ret, call->address) << fmt::format("{:#x}", seen.ret);
  EXPECT_TRUE(sum.contains(seen.ret)) << fmt::format("{:#x}", seen.ret);
  if (a.has_link()) {
    EXPECT_EQ(seen.lr, kCallersPc) << a.morestack_lr.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Real, ProbeInEngine, ::testing::ValuesIn(probe_cases()),
                         [](const auto& info) { return info.param.spec->goarch + "_" + info.param.toolchain; });

// Every PT_LOAD segment of a real probe reads back in the engine as the file has it,
// its bss as zeros up to memsz (one region with the file's part: Engine::load), and
// the page after the last segment is unmapped; the data segment takes stores into
// its bss without touching the file's bytes before it.
TEST(RealLoad, SegmentsReadAsTheFileAndTheirBssAsZero) {
  for (const auto& c : probe_cases()) {
    const ArchSpec& a = *c.spec;
    SCOPED_TRACE(a.goarch + " " + c.toolchain);
    const ElfImage image = ElfImage::load(test::probe_path(c.toolchain, a.goarch));
    Engine e(a);
    e.load(image);
    uint64_t end = 0;
    for (const auto& seg : image.segments()) {
      const auto want = image.bytes(seg);
      EXPECT_EQ(e.read(seg.vaddr, want.size()), std::vector<uint8_t>(want.begin(), want.end()));
      if (seg.memsz > seg.filesz) {
        EXPECT_EQ(e.read(seg.vaddr + seg.filesz, seg.memsz - seg.filesz),
                  std::vector<uint8_t>(seg.memsz - seg.filesz, 0));
        e.write_uint(seg.vaddr + seg.memsz - 8, 8, 0x1122334455667788);
        EXPECT_EQ(e.read_uint(seg.vaddr + seg.memsz - 8, 8), 0x1122334455667788u);
        EXPECT_EQ(e.read(seg.vaddr, want.size()), std::vector<uint8_t>(want.begin(), want.end()));
      }
      end = std::max(end, seg.vaddr + seg.memsz);
    }
    EXPECT_FALSE(e.is_mapped((end + 0xfff) / 0x1000 * 0x1000));
  }
}

// The check above can fail: a row whose prologue links in a register of its own
// (riscv64: T0) read with the two registers swapped, RA taken for the prologue's
// link and T0 for f's caller's PC, reads the wrong values at the same stop.
TEST(RealProfile, ARowWithThePrologueLinksSwappedReadsTheWrongRegisters) {
  int rows = 0;
  for (const auto& c : probe_cases()) {
    const ArchSpec& a = *c.spec;
    if (!a.prologue_link.valid()) continue;
    rows++;
    SCOPED_TRACE(a.goarch + " " + c.toolchain);
    const ElfImage image = ElfImage::load(test::probe_path(c.toolchain, a.goarch));
    Engine e(a);
    e.load(image);
    const Symbol sum = image.func("main.sum");
    RunResult r = run_prologue(a, e, sum, image.func("runtime.morestack_noctxt"));
    ASSERT_EQ(r.reason, StopReason::Until) << r.detail;
    EXPECT_TRUE(sum.contains(seen_by(a, e).ret));
    ArchSpec wrong = a;
    std::swap(wrong.prologue_link, wrong.morestack_lr);
    const Seen seen = seen_by(wrong, e);
    EXPECT_FALSE(sum.contains(seen.ret)) << fmt::format("{:#x}", seen.ret);
    EXPECT_NE(seen.lr, kCallersPc);
  }
  EXPECT_GE(rows, 2);  // riscv64, by both toolchains
}

}  // namespace
}  // namespace gotramp::emu
