// Issue 9 (3): traces in the porter's language, and traces that do not lie. Every
// register value a trace prints is compared with the value the CPU held, read by
// a code hook of the test's own at the next instruction; every instruction line
// carries its Plan 9 source text, read independently here from guest_asm/.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "runtime_model/harness.hpp"
#include "runtime_model/morestack/morestack_suite.hpp"
#include "runtime_model/suite.hpp"
#include "support.hpp"
#include "toolchain/process.hpp"

namespace gotramp::model {
namespace {

// Every register value a printed step shows, "NAME=0xVALUE" (not the
// "[0xADDR]=0xVALUE" of a store): the changes after "|" and the --regs dump.
std::vector<std::pair<std::string, uint64_t>> printed_registers(const std::string& text) {
  std::vector<std::pair<std::string, uint64_t>> out;
  std::istringstream in(text);
  for (std::string word; in >> word;) {
    const auto eq = word.find("=0x");
    if (eq == std::string::npos || eq == 0 || word[0] == '[') continue;
    const std::string name = word.substr(0, eq);
    bool is_name = std::isupper(static_cast<unsigned char>(name[0]));
    for (char c : name) is_name = is_name && (std::isupper(static_cast<unsigned char>(c)) || std::isdigit(c));
    if (is_name) out.emplace_back(name, std::stoull(word.substr(eq + 3), nullptr, 16));
  }
  return out;
}

// What the CPU held at one instruction's hook: its PC and every register of the
// row, through the row's ids (EveryRegisterIdOfEveryRowIsFullWidth proves them
// full width).
struct Snapshot {
  uint64_t pc = 0;
  bool host_entry = false;  // taken as a host function was entered, before it ran
  std::map<std::string, uint64_t> regs;
};

struct TracedRun {
  std::unique_ptr<Harness> harness;
  std::vector<Snapshot> cpu;  // one per instruction hook, in order
  RunReport report;
  // Functions the host runs in place of the guest's (their first instruction is
  // never a trace step).
  bool host(uint64_t pc) const { return harness->host_implemented(pc); }
};

// A traced run of one growth's window with every register dumped, and beside it
// the test's own record of the CPU: a code hook of its own at every instruction,
// and the harness's call as a host function is entered (the suite's own hooks,
// installed first, run the host there before any later hook sees the CPU).
TracedRun traced(const emu::ArchSpec& spec, int growth) {
  TracedRun t;
  t.harness = Harness::for_transcription(spec, test::seed_elf(spec));
  Harness& m = *t.harness;
  m.prepare(*find_scenario("closure"));
  auto snapshot = [&t, &m, &spec](uint64_t pc, bool host_entry) {
    Snapshot s;
    s.pc = pc;
    s.host_entry = host_entry;
    for (const auto& r : spec.regs) s.regs[r.name] = m.engine().reg(r);
    t.cpu.push_back(std::move(s));
  };
  m.engine().on_code_range(1, 0, [&](uint64_t pc) { snapshot(pc, false); });
  RunOptions opt;
  opt.trace.enabled = true;
  opt.trace.growth = growth;
  opt.trace.all_regs = true;
  opt.host_entered = [&](uint64_t pc) { snapshot(pc, true); };
  t.report = m.run(*find_scenario("closure"), *find_contract("seed"), opt);
  return t;
}

// The tracer numbers the instructions it shows: every instruction but a host
// function's first. Index n-1 is where instruction n is in t.cpu.
std::vector<size_t> numbered(const TracedRun& t) {
  std::vector<size_t> out;
  for (size_t j = 0; j < t.cpu.size(); j++)
    if (!t.cpu[j].host_entry && !t.host(t.cpu[j].pc)) out.push_back(j);
  return out;
}

struct Trace : ::testing::TestWithParam<const emu::ArchSpec*> {};

// Every value a trace prints, deltas and --regs dumps, is what the CPU held after
// that step: at the next instruction, or, for the call of a host function, as the
// host was entered; after a host step, at the instruction the host resumed.
TEST_P(Trace, EveryPrintedRegisterIsTheCpusValue) {
  const auto& spec = *GetParam();
  TracedRun t = traced(spec, 2);
  ASSERT_GE(t.report.frames.size(), 2u);
  const auto index = numbered(t);
  int compared = 0, calls_into_host = 0, host_steps = 0;
  size_t last = 0;  // t.cpu index of the last instruction step
  for (const auto& step : t.report.trace) {
    if (step.kind == TraceStep::Kind::StackSwitch) continue;
    const std::string text = format_step(step);
    const auto printed = printed_registers(text);
    ASSERT_GE(printed.size(), spec.regs.size()) << "--regs prints every register: " << text;
    const Snapshot* after = nullptr;
    if (step.kind == TraceStep::Kind::Insn) {
      ASSERT_GE(step.n, 1u);
      ASSERT_LE(step.n, index.size());
      last = index[step.n - 1];
      ASSERT_EQ(t.cpu[last].pc, step.pc) << text;
      ASSERT_LT(last + 1, t.cpu.size());
      after = &t.cpu[last + 1];
      calls_into_host += after->host_entry;
    } else {
      // The host was entered (last+1), its function's first instruction hooked
      // after it ran (last+2), and the next instruction is where it resumed.
      ASSERT_LT(last + 3, t.cpu.size());
      ASSERT_TRUE(t.cpu[last + 1].host_entry) << text;
      after = &t.cpu[last + 3];
      host_steps++;
    }
    for (const auto& [name, value] : printed) {
      ASSERT_TRUE(after->regs.count(name)) << name << " is no register of " << spec.goarch << ": " << text;
      EXPECT_EQ(value, after->regs.at(name)) << spec.goarch << " " << name << ": " << text;
      compared++;
    }
  }
  EXPECT_GE(calls_into_host, 1);
  EXPECT_GE(host_steps, 1);
  EXPECT_GT(compared, 50 * static_cast<int>(spec.regs.size()));
}

// The trace of the first growth, from the start of the run, too: steps before the
// window opened are kept as its context.
TEST_P(Trace, TheFirstGrowthsWindowToo) {
  const auto& spec = *GetParam();
  TracedRun t = traced(spec, 1);
  const auto index = numbered(t);
  int compared = 0;
  for (const auto& step : t.report.trace) {
    if (step.kind != TraceStep::Kind::Insn) continue;
    const size_t j = index.at(step.n - 1);
    ASSERT_EQ(t.cpu[j].pc, step.pc);
    ASSERT_EQ(step.all_regs.size(), spec.regs.size());
    for (const auto& r : step.all_regs) {
      EXPECT_EQ(r.value, t.cpu.at(j + 1).regs.at(r.name)) << spec.goarch << " " << r.name << " at step " << step.n;
      compared++;
    }
  }
  EXPECT_GT(compared, 50 * static_cast<int>(spec.regs.size()));
}

// Each instruction line shows its Plan 9 source line as written in guest_asm/.
std::vector<std::string> lines_of(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST_P(Trace, InstructionsShowTheirPlan9SourceText) {
  const auto& spec = *GetParam();
  TracedRun t = traced(spec, 1);
  const auto dir = toolchain::guest_dir(spec, test::guest_config());
  std::map<std::string, std::vector<std::string>> files;
  int checked = 0;
  for (const auto& step : t.report.trace) {
    if (step.kind != TraceStep::Kind::Insn || step.source.empty()) continue;
    const auto colon = step.source.rfind(':');
    const std::string file = step.source.substr(0, colon);
    const int line = std::stoi(step.source.substr(colon + 1));
    if (!files.count(file)) files[file] = lines_of(dir / file);
    const auto& lines = files[file];
    ASSERT_LE(line, static_cast<int>(lines.size())) << step.source;
    const std::string& written = lines[line - 1];
    ASSERT_FALSE(step.source_text.empty()) << step.source << ": " << written;
    // The text is the line's code, blanks made single: every word of it is there,
    // in order, and no comment.
    std::istringstream words(step.source_text);
    size_t pos = 0;
    for (std::string w; words >> w;) {
      pos = written.find(w, pos);
      ASSERT_NE(pos, std::string::npos) << step.source_text << " vs " << written;
    }
    EXPECT_EQ(step.source_text.find("//"), std::string::npos) << step.source_text;
    checked++;
  }
  EXPECT_GT(checked, 40);
}

// A porter's own trampoline (--asm) shows its own lines: the source text comes from
// the file the ELF was built from, kept beside it.
TEST_P(Trace, APortersOwnTrampolineShowsItsLines) {
  const auto& spec = *GetParam();
  const auto variant = toolchain::guest_dir(spec, test::guest_config()) / "variants" / "ctxt-slot-off.s";
  auto r = toolchain::run_process(
      {GOTRAMP_BIN, "trace", "--goarch", spec.goarch, "--growth", "1", "--json", "--asm", variant.string()}, {}, ".");
  ASSERT_EQ(r.exit_code, 1) << "trace of a failed run exits 1: " << r.output.substr(0, 2000);
  const auto lines = lines_of(variant);
  int checked = 0;
  const auto trace = nlohmann::json::parse(r.output);
  for (const auto& step : trace["steps"]) {
    if (step["kind"] != "instruction") continue;
    const std::string source = step["source"];
    if (!source.starts_with("ctxt-slot-off.s:")) continue;
    const int line = std::stoi(source.substr(source.find(':') + 1));
    ASSERT_LE(line, static_cast<int>(lines.size()));
    const std::string text = step["source_text"];
    ASSERT_FALSE(text.empty()) << source;
    std::istringstream words(text);
    size_t pos = 0;
    for (std::string w; words >> w;) {
      pos = lines[line - 1].find(w, pos);
      ASSERT_NE(pos, std::string::npos) << text << " vs " << lines[line - 1];
    }
    checked++;
  }
  EXPECT_GT(checked, 10);
}

// --regs in JSON: every step carries every register, by its Plan 9 name; and every
// instruction its source text.
TEST_P(Trace, JsonCarriesSourceTextAndEveryRegister) {
  const auto& spec = *GetParam();
  auto r = toolchain::run_process({GOTRAMP_BIN, "trace", "--goarch", spec.goarch, "--growth", "1", "--regs", "--json"},
                                  {}, ".");
  ASSERT_EQ(r.exit_code, 0) << r.output.substr(0, 2000);
  auto j = nlohmann::json::parse(r.output);
  int insns = 0;
  for (const auto& step : j["steps"]) {
    if (step["kind"] != "instruction") continue;
    insns++;
    EXPECT_FALSE(step["source_text"].get<std::string>().empty()) << step.dump();
    ASSERT_TRUE(step.contains("registers")) << step.dump();
    for (const auto& reg : spec.regs) EXPECT_TRUE(step["registers"].contains(reg.name)) << reg.name;
  }
  EXPECT_GT(insns, 40);
}

INSTANTIATE_TEST_SUITE_P(Verified, Trace, ::testing::ValuesIn(test::verified_archs()),
                         [](const auto& info) { return test::arch_param_name(info.param); });

// The line that lied: on amd64 and amd64p32 morestack's first instruction loads g
// into BX, and the trace printed BX=0x3e0 (Unicorn's 16-bit BX) while g was
// 0x400003e0. The printed value is the whole g.
TEST(TraceX86, MorestackLoadsTheWholeGIntoBx) {
  for (const char* goarch : {"amd64", "amd64p32"}) {
    const auto& spec = *emu::find_arch(goarch);
    TracedRun t = traced(spec, 1);
    ASSERT_FALSE(t.report.frames.empty());
    const uint64_t g = t.report.frames[0].gp.g;
    ASSERT_GT(g, 0xffffu);  // wider than 16 bits, or the test could not tell
    const TraceStep* entry = nullptr;
    for (const auto& s : t.report.trace)
      if (s.kind == TraceStep::Kind::Insn && s.where == "main.morestack") entry = &s;
    ASSERT_NE(entry, nullptr);
    EXPECT_NE(format_step(*entry).find(fmt::format("| BX={:#x}", g)), std::string::npos) << format_step(*entry);
  }
}

// --plan9 shows the source text alone; without it Capstone's disassembly follows.
TEST(TraceCli, Plan9ShowsTheSourceTextWithoutDisassembly) {
  auto run = [](std::vector<std::string> extra) {
    std::vector<std::string> argv = {GOTRAMP_BIN, "trace", "--goarch", "arm64", "--growth", "1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return toolchain::run_process(argv, {}, ".");
  };
  auto both = run({}), plan9 = run({"--plan9"});
  ASSERT_EQ(both.exit_code, 0);
  ASSERT_EQ(plan9.exit_code, 0);
  // morestack.s: MOVD R26, 8(RSP); Capstone: str x26, [sp, #8].
  EXPECT_NE(both.output.find("MOVD R26, 8(RSP)"), std::string::npos);
  EXPECT_NE(both.output.find("str x26, [sp, #8]"), std::string::npos);
  EXPECT_NE(plan9.output.find("MOVD R26, 8(RSP)"), std::string::npos);
  EXPECT_EQ(plan9.output.find("str x26, [sp, #8]"), std::string::npos);
}

// Without --growth, trace shows one growth: the first that failed (else the first),
// and says so and how to see the others; --whole traces every growth.
TEST(TraceCli, WithoutGrowthItTracesTheFirstFailingGrowthAndSaysHowToSeeTheRest) {
  auto lines = [](const std::string& s) { return std::count(s.begin(), s.end(), '\n'); };
  auto trace = [](std::vector<std::string> extra) {
    std::vector<std::string> argv = {GOTRAMP_BIN, "trace", "--goarch", "arm64"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return toolchain::run_process(argv, {}, ".");
  };
  auto first = trace({}), growth1 = trace({"--growth", "1"}), whole = trace({"--whole"});
  ASSERT_EQ(first.exit_code, 0) << first.output.substr(0, 2000);
  EXPECT_NE(first.output.find("gotramp: tracing growth 1 of "), std::string::npos) << first.output.substr(0, 500);
  EXPECT_NE(first.output.find("(the first); --growth N for another, --whole for the whole run ("), std::string::npos);
  // The note aside, what --growth 1 prints.
  EXPECT_EQ(first.output.substr(first.output.find('\n') + 1), growth1.output);
  EXPECT_GT(lines(whole.output), 3 * lines(growth1.output));
  EXPECT_EQ(whole.output.find("gotramp: tracing growth"), std::string::npos);
  EXPECT_NE(trace({"--whole", "--growth", "2"}).exit_code, 0);  // one or the other

  // A failing run: the first growth that failed.
  const std::string broken = std::string(GOTRAMP_SOURCE_DIR) + "/guest_asm/arm64/variants/no-morebuf-pc.s";
  auto failed = trace({"--asm", broken});
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.output.find("gotramp: tracing growth 1 of "), std::string::npos) << failed.output.substr(0, 500);
  EXPECT_NE(failed.output.find("(the first to fail)"), std::string::npos);
}

}  // namespace
}  // namespace gotramp::model
