// Every prologue shape (issue 15, item 5): the call primitive's ABI assignment, the
// pclntab reader against the toolchain's own go tool nm and objdump, the high-stack
// world's stacks, and what the CLI says of scenarios a program or a row cannot run.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "cli/verify_cmd.hpp"
#include "probe_support.hpp"
#include "runtime_model/harness.hpp"
#include "runtime_model/pclntab.hpp"
#include "runtime_model/suite.hpp"
#include "support.hpp"
#include "toolchain/process.hpp"

namespace gotramp {
namespace {

using model::Abi;
using model::CallFrame;
using model::GuestArg;

constexpr uint64_t kSignBit = 0x80000000;

std::vector<GuestArg> regargs_arguments(const emu::ArchSpec& spec) {
  return model::real_probe_program(spec)->function("regargs").arguments(300, 0x5a5a1234);
}

// ---- The call primitive: abi-internal.md's assignment on every row.

// Under the register ABI the integers take the row's integer registers in order and
// the floats its float registers, each sequence on its own; what does not fit goes
// to the stack in declaration order; the result comes back in the first integer
// register; the spill space of every register argument follows the stack part.
TEST(CallFrame, TheRegisterAbiFillsEachSequenceInOrderThenTheStack) {
  int rows = 0;
  for (const auto& spec : emu::arch_table()) {
    if (spec.regabi.int_args.empty()) continue;  // no register ABI on this row
    rows++;
    const auto args = regargs_arguments(spec);
    const CallFrame f = model::assign_call(spec, Abi::ABIInternal, args);
    ASSERT_EQ(f.args.size(), args.size());
    size_t ints = 0, floats = 0, on_stack = 0;
    uint64_t last_offset = 0;
    for (size_t i = 0; i < args.size(); i++) {
      const bool is_float = args[i].cls == GuestArg::Class::Float64;
      const auto& regs = is_float ? spec.regabi.float_args : spec.regabi.int_args;
      size_t& used = is_float ? floats : ints;
      const std::string what = fmt::format("{} argument {}", spec.goarch, i);
      if (used < regs.size()) {
        ASSERT_TRUE(f.args[i].in_register()) << what;
        EXPECT_EQ(f.args[i].reg.name, regs[used].name) << what;
        used++;
      } else {
        ASSERT_FALSE(f.args[i].in_register()) << what;
        if (on_stack++)
          EXPECT_EQ(f.args[i].offset, last_offset + 8) << what;  // declaration order, 8-byte slots
        else
          EXPECT_EQ(f.args[i].offset, 0u) << what;
        last_offset = f.args[i].offset;
      }
    }
    EXPECT_EQ(f.result.reg.name, spec.regabi.int_args.front().name) << spec.goarch;
    EXPECT_EQ(f.spill, 8 * on_stack) << spec.goarch;
    EXPECT_EQ(f.size, 8 * args.size()) << spec.goarch << ": stack part and spill space, 8 bytes an argument";
  }
  EXPECT_EQ(rows, 6);  // amd64, arm64, ppc64, ppc64le, s390x, riscv64
}

// The register counts of abi-internal.md: amd64 9 and 15, s390x 8 and 16, ppc64 12
// and 12, arm64 and riscv64 16 and 16 (every argument in a register).
TEST(CallFrame, WhatGoesToTheStackFollowsEachRowsRegisterCounts) {
  auto stack_args = [](const char* goarch) {
    const auto& spec = *emu::find_arch(goarch);
    const auto args = regargs_arguments(spec);
    const CallFrame f = model::assign_call(spec, Abi::ABIInternal, args);
    std::vector<std::string> out;  // "a9@0": which argument, at what offset
    for (size_t i = 0; i < args.size(); i++)
      if (!f.args[i].in_register())
        out.push_back(fmt::format("{}{}@{}", i <= 15 ? "a" : "f", i <= 15 ? i : i - 16, f.args[i].offset));
    return out;
  };
  EXPECT_EQ(stack_args("amd64"),
            (std::vector<std::string>{"a9@0", "a10@8", "a11@16", "a12@24", "a13@32", "a14@40", "a15@48", "f15@56"}));
  EXPECT_EQ(stack_args("s390x"),
            (std::vector<std::string>{"a8@0", "a9@8", "a10@16", "a11@24", "a12@32", "a13@40", "a14@48", "a15@56"}));
  EXPECT_EQ(stack_args("ppc64le"),
            (std::vector<std::string>{"a12@0", "a13@8", "a14@16", "a15@24", "f12@32", "f13@40", "f14@48", "f15@56"}));
  EXPECT_TRUE(stack_args("arm64").empty());
  EXPECT_TRUE(stack_args("riscv64").empty());
}

// ABI0 (no registers): everything on the stack, each at its type's alignment; a
// float64 is aligned to RegSize, 4 bytes on the 32-bit rows; the result follows the
// arguments at the next pointer-aligned offset.
TEST(CallFrame, Abi0PutsEverythingOnTheStackWithGosAlignment) {
  for (const auto& spec : emu::arch_table()) {
    const uint64_t w = spec.ptr_size;
    const std::vector<GuestArg> mixed = {GuestArg::word(1), GuestArg::float64(2), GuestArg::word(3)};
    const CallFrame m = model::assign_call(spec, Abi::ABI0, mixed);
    // A float64 after one word: 4-aligned where RegSize is 4 (386, arm, mips, mipsle).
    EXPECT_EQ(m.args[1].offset, spec.reg_size == 4 ? 4u : 8u) << spec.goarch;
    EXPECT_EQ(m.args[2].offset, m.args[1].offset + 8) << spec.goarch;
    EXPECT_EQ(m.result.offset, m.args[2].offset + w) << spec.goarch;

    const auto args = regargs_arguments(spec);
    const CallFrame f = model::assign_call(spec, Abi::ABI0, args);
    for (const auto& p : f.args) EXPECT_FALSE(p.in_register()) << spec.goarch;
    EXPECT_EQ(f.args[16].offset, 16 * w) << spec.goarch << ": f0 after n and a1..a15";
    EXPECT_EQ(f.args[31].offset, 16 * w + 15 * 8) << spec.goarch;
    EXPECT_EQ(f.result.offset, 16 * w + 16 * 8) << spec.goarch;
    EXPECT_EQ(f.size, f.result.offset + w) << spec.goarch << ": no spill space";
  }
}

// ---- pclntab: the probe's functions as go tool nm and objdump show them.

using test::real_cases;
using test::real_name;
using test::RealCase;

// go tool TOOL ARGS of a toolchain ("system", "bundled"): its output, or nullopt when
// the tool says it does not know the binary's architecture.
std::optional<std::string> go_tool(const std::string& selector, std::vector<std::string> args) {
  const auto& tc = test::real_toolchain(selector);
  args.insert(args.begin(), {tc.go.string(), "tool"});
  auto r = toolchain::run_process(args, {{"GOROOT", tc.goroot.string()}}, std::filesystem::current_path());
  if (r.exit_code != 0 && r.output.find("unsupported architecture") != std::string::npos) return std::nullopt;
  if (r.exit_code != 0) throw std::runtime_error("go tool failed: " + r.output);
  return r.output;
}

class Pclntab : public ::testing::TestWithParam<RealCase> {};

// Every main.* function of the probe: pclntab finds it at its entry and its last
// byte, with nm's name and address; Go 1.19 writes the table with magic 0xfffffff0,
// Go 1.20 and later with 0xfffffff1.
TEST_P(Pclntab, FindsEveryFunctionWhereGoToolNmPutsIt) {
  const RealCase& c = GetParam();
  const std::string elf = test::probe_path(c.toolchain, c.spec->goarch);
  const auto image = emu::ElfImage::load(elf);
  const auto tab = model::Pclntab::read(image);
  const bool go119 = test::real_toolchain(c.toolchain).version.starts_with("go1.19");
  EXPECT_EQ(tab.magic(), go119 ? model::Pclntab::kGo118Magic : model::Pclntab::kGo120Magic);
  EXPECT_EQ(tab.ptr_size(), c.spec->ptr_size);
  std::istringstream nm(go_tool(c.toolchain, {"nm", "-size", "-sort", "address", elf}).value());
  std::set<std::string> found;
  for (std::string line; std::getline(nm, line);) {
    std::istringstream in(line);
    std::string addr, size, type, name;
    if (!(in >> addr >> size >> type >> name) || (type != "T" && type != "t") || !name.starts_with("main.")) continue;
    const uint64_t entry = std::stoull(addr, nullptr, 16), bytes = std::stoull(size);
    auto f = tab.find(entry);
    ASSERT_TRUE(f) << name;
    EXPECT_EQ(f->name, name);
    EXPECT_EQ(f->entry, entry) << name;
    EXPECT_GE(f->end, entry + bytes) << name;
    auto last = tab.find(entry + bytes - 1);
    ASSERT_TRUE(last) << name;
    EXPECT_EQ(last->entry, entry) << name;
    found.insert(name);
  }
  for (const auto& fn : model::real_probe_program(*c.spec)->functions) EXPECT_TRUE(found.count(fn.symbol)) << fn.symbol;
  EXPECT_FALSE(tab.find(0));
}

// The numbers in an instruction's text, as the magnitudes of its immediates:
// "ADDI $-408, X2, X7" -> 408; "LEAQ 0xfffffe68(SP), R12" -> 408 (a 32-bit
// displacement, negative).
std::set<uint64_t> immediates(const std::string& text) {
  std::set<uint64_t> out;
  static const std::regex number(R"((-?)(0x[0-9a-fA-F]+|\d+))");
  for (std::sregex_iterator it(text.begin(), text.end(), number), end; it != end; ++it) {
    const uint64_t v = std::stoull((*it)[2].str(), nullptr, 0);
    out.insert(v);
    if (v >> 31 == 1 && v <= 0xffffffff) out.insert(0x100000000 - v);  // a negative 32-bit value
    if (v >> 63 == 1) out.insert(~v + 1);
  }
  return out;
}

// The frame each probe function's prologue checks for is the pclntab's largest SP
// delta, in the class the probe program declares, the huge frame 1216 words beyond
// the medium one (give or take a word of spill slot or alignment: the two are
// compiled apart): and the prologue of a medium frame computes SP - (frame -
// StackSmall) with that very immediate (Go 1.27.3's go tool objdump, which reads
// Go 1.19's binaries too and knows riscv64 and s390x, unlike Go 1.19's; MIPS it
// does not disassemble).
TEST_P(Pclntab, FrameSizesAreThoseThePrologueComparesFor) {
  const RealCase& c = GetParam();
  const std::string elf = test::probe_path(c.toolchain, c.spec->goarch);
  const auto image = emu::ElfImage::load(elf);
  const auto tab = model::Pclntab::read(image);
  auto h = model::Harness::for_probe(*c.spec, elf, test::real_toolchain(c.toolchain).version);
  const auto& P = h->profile();
  std::map<std::string, uint64_t> frame;
  for (const auto& fn : h->program().functions) {
    auto f = tab.find(image.func(fn.symbol).addr);
    ASSERT_TRUE(f) << fn.symbol;
    frame[fn.role] = f->max_sp_delta;
    EXPECT_EQ(model::frame_class(f->max_sp_delta, P.stack_small, P.stack_big), fn.frame)
        << fn.symbol << ": " << f->max_sp_delta << " bytes";
  }
  const uint64_t words = (frame["huge"] - frame["medium"]) / c.spec->ptr_size;
  EXPECT_GE(words, 1280u - 64 - 1) << frame["huge"] << " and " << frame["medium"] << " bytes";
  EXPECT_LE(words, 1280u - 64 + 1) << frame["huge"] << " and " << frame["medium"] << " bytes";
  for (const char* role : {"medium", "regargs"}) {
    const std::string symbol = h->program().function(role).symbol;
    const auto text =
        go_tool("bundled", {"objdump", "-s", "^" + std::regex_replace(symbol, std::regex("\\."), "\\.") + "$", elf});
    if (!text) {
      EXPECT_EQ(c.spec->uc_arch_id, UC_ARCH_MIPS) << "go tool objdump knows every other GOARCH";
      continue;
    }
    std::istringstream dump(*text);
    std::string prologue;
    int n = 0;
    for (std::string line; std::getline(dump, line) && n < 6;)
      if (!line.starts_with("TEXT")) prologue += line + "\n", n++;
    EXPECT_TRUE(immediates(prologue).count(frame[role] - P.stack_small))
        << symbol << ": frame " << frame[role] << ", prologue:\n"
        << prologue;
  }
}

INSTANTIATE_TEST_SUITE_P(Real, Pclntab, ::testing::ValuesIn(real_cases()), real_name);

// The transcriptions are linked by Go 1.19: their pclntab is Go 1.18's format, and
// knows their hand-written functions.
class TranscriptionPclntab : public ::testing::TestWithParam<const emu::ArchSpec*> {};
TEST_P(TranscriptionPclntab, KnowsTheTranscribedFunctions) {
  const auto image = emu::ElfImage::load(test::seed_elf(*GetParam()), "main.");
  const auto tab = model::Pclntab::read(image);
  EXPECT_EQ(tab.magic(), model::Pclntab::kGo118Magic);
  for (const char* fn : {"main.closure", "main.sum", "main.morestack"}) {
    auto f = tab.find(image.func(fn).addr);
    ASSERT_TRUE(f) << fn;
    EXPECT_EQ(f->name + (f->name.ends_with(".abi0") ? "" : ".abi0"), std::string(fn) + ".abi0");
    EXPECT_LE(f->max_sp_delta, 128u) << fn;
  }
}
INSTANTIATE_TEST_SUITE_P(Verified, TranscriptionPclntab, ::testing::ValuesIn(test::verified_archs()),
                         [](const auto& info) { return test::arch_param_name(info.param); });

// ---- The high-stack world.

struct FirstStack {
  uint64_t lo = 0, hi = 0, guard = 0, sp = 0;
};
// Where a run of s starts: its goroutine's first stack and the SP the exercise is
// entered with (a run with no budget stops before the first instruction).
FirstStack first_stack(model::Harness& h, const model::Scenario& s, const model::Contract& c) {
  model::RunOptions opt;
  opt.budget = 1;
  model::RunReport r = h.run(s, c, opt);
  FirstStack out;
  out.sp = h.engine().sp();
  auto span = h.arena().stack_containing(out.sp);
  if (!span) throw std::runtime_error("the entry SP is on no stack");
  out.lo = span->lo, out.hi = span->hi;
  out.guard = out.lo + h.profile().stack_guard;
  return out;
}

// The class of a stack: across 0x80000000, or wholly above or below it.
std::string place(uint64_t lo, uint64_t hi) {
  return lo < kSignBit && hi > kSignBit ? "across" : lo >= kSignBit ? "above" : "below";
}

// In the high-stack world every run starts on a stack across 0x80000000, its guard
// below and its SP above; later stacks alternate above it and across it; and every
// prologue class meets a stack across it where the value its compare takes, SP -
// max(0, frame - StackSmall), lies above 0x80000000 while the guard lies below. A
// row whose Linux has no user space there (MIPS32) is refused, with the reason.
void check_high_stack_world(model::Harness& h, const model::Contract& c) {
  const emu::ArchSpec& spec = h.spec();
  const auto tab = model::Pclntab::read(h.image());
  const auto& P = h.profile();
  for (const auto& s : model::scenarios()) {
    if (s.world.stacks != model::World::Stacks::AcrossSignBit || !h.program().has(s.exercise.function)) continue;
    const std::string what = spec.goarch + " " + s.name;
    const std::string why = model::world_unavailable(s.world, spec);
    if (spec.user_top < 0xb0000000) {
      EXPECT_NE(why.find(fmt::format("{:#x}", spec.user_top)), std::string::npos) << what << ": " << why;
      EXPECT_THROW(h.run(s, c), std::invalid_argument) << what;
      continue;
    }
    ASSERT_EQ(why, "") << what;
    const FirstStack first = first_stack(h, s, c);
    EXPECT_LT(first.guard, kSignBit) << what;
    EXPECT_GT(first.sp, kSignBit) << what;
    EXPECT_GT(first.hi, first.sp) << what;

    const model::RunReport r = h.run(s, c);
    if (r.verdict == "known") {
      // Debian's Go 1.19 on amd64 and arm64: golang/go#63630 alone.
      std::set<std::string> failed;
      for (const auto& check : r.checks)
        if (!check.ok) failed.insert(check.name);
      EXPECT_EQ(failed, std::set<std::string>{"newstack-fp"}) << what;
    } else {
      ASSERT_EQ(r.verdict, "verified") << what;
    }
    EXPECT_GE(r.grown(), 5) << what;
    EXPECT_EQ(r.result_got, r.result_expected) << what;
    ASSERT_FALSE(r.growths.empty());
    EXPECT_EQ(r.growths[0].old_lo, first.lo) << what;
    for (const auto& g : r.growths)
      EXPECT_EQ(place(g.new_lo, g.new_hi), place(g.old_lo, g.old_hi) == "across" ? "above" : "across")
          << what << " growth " << g.n;
    // The compare of the exercise's class, with SP above 0x80000000 and the guard
    // below: at the first call, or as f resumes on a new stack across it.
    const auto& fn = h.program().function(s.exercise.function);
    const uint64_t frame = tab.find(h.program_symbols().functions.at(fn.role).addr)->max_sp_delta;
    const uint64_t off = frame > P.stack_small ? frame - P.stack_small : 0;
    auto straddles = [&](uint64_t sp, uint64_t lo) { return sp - off > kSignBit && lo + P.stack_guard < kSignBit; };
    bool exercised = straddles(first.sp, first.lo);
    for (const auto& g : r.growths) exercised = exercised || straddles(g.new_hi - g.copied, g.new_lo);
    EXPECT_TRUE(exercised) << what << ": a " << model::frame_class_name(fn.frame) << " frame of " << frame
                           << " bytes never compared across 0x80000000";
  }
}

class HighStack : public ::testing::TestWithParam<RealCase> {};
TEST_P(HighStack, EveryShapeMeetsStacksAcrossTheSignBit) {
  const RealCase& c = GetParam();
  auto h = model::Harness::for_probe(*c.spec, test::probe_path(c.toolchain, c.spec->goarch),
                                     test::real_toolchain(c.toolchain).version);
  check_high_stack_world(*h, *model::find_contract("modern"));
}
INSTANTIATE_TEST_SUITE_P(Real, HighStack, ::testing::ValuesIn(real_cases()), real_name);

class TranscriptionHighStack : public ::testing::TestWithParam<const emu::ArchSpec*> {};
TEST_P(TranscriptionHighStack, TheClosureMeetsStacksAcrossTheSignBit) {
  auto h = model::Harness::for_transcription(*GetParam(), test::seed_elf(*GetParam()));
  check_high_stack_world(*h, *model::find_contract("seed"));
}
INSTANTIATE_TEST_SUITE_P(Verified, TranscriptionHighStack, ::testing::ValuesIn(test::verified_archs()),
                         [](const auto& info) { return test::arch_param_name(info.param); });

// ---- What the CLI says.

toolchain::ProcessResult gotramp(std::vector<std::string> args) {
  args.insert(args.begin(), GOTRAMP_BIN);
  return toolchain::run_process(args, {}, std::filesystem::current_path());
}

// The shapes are the probe's: named without --go they are bad input that says so;
// "all" leaves them out of the transcriptions' runs.
TEST(Shapes, ScenariosOnlyTheProbeHasNeedGo) {
  for (const char* command : {"verify", "trace", "frame"}) {
    auto r = gotramp({command, "--goarch", "arm64", "--scenario", "huge"});
    EXPECT_EQ(r.exit_code, 2) << command << ": " << r.output;
    EXPECT_NE(r.output.find("main.huge"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("huge"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("guest_asm funcs.s"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("--go"), std::string::npos) << r.output;
  }
  auto all = gotramp({"verify", "--goarch", "arm64", "--contract", "seed", "--json"});
  ASSERT_EQ(all.exit_code, 0) << all.output.substr(0, 2000);
  std::set<std::string> ran;
  const auto j = nlohmann::json::parse(all.output);
  for (const auto& run : j["runs"]) ran.insert(run["scenario"].get<std::string>());
  EXPECT_TRUE(ran.count("high-stack"));
  for (const char* shape : {"medium", "huge", "closure-huge", "regargs", "high-stack-huge"})
    EXPECT_FALSE(ran.count(shape)) << shape;
}

// A row that cannot have the high-stack world gets a row that says so, not a run:
// verify exits 0 and names the reason; trace and frame, which look at one run,
// refuse it as bad input.
TEST(Shapes, MipsSaysItCannotHaveStacksAcross0x80000000) {
  auto r = gotramp({"verify", "--goarch", "mips,mips64", "--contract", "seed", "--scenario", "high-stack"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex("\\nmips +morestack +seed +high-stack .* not applicable\\n")))
      << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex("\\nmips64 +morestack +seed +high-stack .* verified\\n")))
      << r.output;
  EXPECT_NE(r.output.find("1 verified, 0 diagnosed, 0 FAILED, 1 not applicable (linux/mips gives user space only up "
                          "to 0x7fff8000"),
            std::string::npos)
      << r.output;
  auto t = gotramp({"trace", "--goarch", "mipsle", "--scenario", "high-stack", "--growth", "1"});
  EXPECT_EQ(t.exit_code, 2) << t.output;
  EXPECT_NE(t.output.find("0x7fff8000"), std::string::npos) << t.output;
}

}  // namespace
}  // namespace gotramp
