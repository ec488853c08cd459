// gotramp debug under Debian's gdb-multiarch, as a porter uses it: break at
// morestack, run to the call of newstack, read the ctxt argument slot, step over
// the host newstack, watch m.morebuf.pc. Every child runs under a timeout.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "cli/gdb_stub.hpp"
#include "runtime_model/harness.hpp"
#include "runtime_model/morestack/morestack_suite.hpp"
#include "runtime_model/suite.hpp"
#include "support.hpp"
#include "toolchain/process.hpp"

extern char** environ;

namespace gotramp {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A `gotramp debug` child: stdout and stderr go to files; what it printed before
// listening says where it listens, where the guest ELF is and where m lives.
class DebugChild {
 public:
  DebugChild(const emu::ArchSpec& spec, std::vector<std::string> extra = {}, std::string timeout = "30") {
    dir_ = fs::temp_directory_path() / fmt::format("gotramp-debug-{}-{}", getpid(), counter_++);
    fs::create_directories(dir_);
    std::vector<std::string> args = {GOTRAMP_BIN, "debug",       "--goarch",  spec.goarch,
                                     "--gdb",     "127.0.0.1:0", "--timeout", timeout};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, (dir_ / "out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, (dir_ / "err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int rc = posix_spawn(&pid_, GOTRAMP_BIN, &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("cannot start gotramp");
    // Wait (bounded) for the line that says where it listens.
    std::smatch m;
    static const std::regex listening(R"(listening on 127\.0\.0\.1:(\d+))");
    for (int i = 0; i < 600 && port.empty(); i++) {
      banner = slurp(dir_ / "err");
      if (std::regex_search(banner, m, listening))
        port = m[1];
      else
        std::this_thread::sleep_for(50ms);
    }
    static const std::regex elf_re(R"(guest ELF (\S+))"), morebuf(R"(m\.morebuf\.pc\s+at (0x[0-9a-f]+))");
    if (std::regex_search(banner, m, elf_re)) elf = m[1];
    if (std::regex_search(banner, m, morebuf)) morebuf_pc = m[1];
  }
  ~DebugChild() {
    if (pid_ > 0) kill(pid_, SIGKILL), waitpid(pid_, nullptr, 0);
    fs::remove_all(dir_);
  }
  // Its exit status, killing it if it does not end within the deadline.
  int wait(std::chrono::seconds deadline = 60s) {
    int status = 0;
    for (auto until = std::chrono::steady_clock::now() + deadline; std::chrono::steady_clock::now() < until;) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(20ms);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return -2;  // hung
  }
  void interrupt() const { kill(pid_, SIGINT); }
  // A TCP connection to its stub, to speak the protocol raw (or not at all).
  int connect_raw() const {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(std::stoi(port)));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      close(fd);
      return -1;
    }
    return fd;
  }
  std::string out() const { return slurp(dir_ / "out"); }
  std::string err() const { return slurp(dir_ / "err"); }

  std::string banner, port, elf, morebuf_pc;

 private:
  static inline int counter_ = 0;
  pid_t pid_ = -1;
  fs::path dir_;
};

// gdb-multiarch -batch with the guest ELF, connected to the child, running cmds.
toolchain::ProcessResult gdb(const DebugChild& child, const std::vector<std::string>& cmds) {
  std::vector<std::string> argv = {"timeout",
                                   "-k",
                                   "5",
                                   "60",
                                   "gdb-multiarch",
                                   "-batch",
                                   "-nx",
                                   child.elf,
                                   "-ex",
                                   "set pagination off",
                                   "-ex",
                                   "set language c",
                                   "-ex",
                                   "target remote 127.0.0.1:" + child.port};
  for (const auto& c : cmds) argv.insert(argv.end(), {"-ex", c});
  return toolchain::run_process(argv, {}, fs::current_path());
}

// The call of newstack in the seed's morestack, found by disassembling it.
uint64_t newstack_call(const emu::ArchSpec& spec, const std::string& elf) {
  auto m_owner = model::Harness::for_transcription(spec, elf);
  model::Harness& m = *m_owner;
  const auto sym = model::MorestackSymbols::resolve(m.image(), m.profile());
  const auto& ms = sym.morestack;
  const std::string target = fmt::format("{:#x}", sym.newstack.addr);
  for (uint64_t pc = ms.addr; pc < ms.addr + ms.size;) {
    std::vector<uint8_t> code(16);
    if (!m.engine().try_read(pc, code)) break;
    auto insn = m.engine().disasm().one(code, pc);
    if (!insn) break;
    if (insn->text.find(target) != std::string::npos) return pc;
    pc += insn->size;
  }
  return 0;
}

const emu::GdbReg& gdb_reg(const emu::ArchSpec& spec, const emu::Reg& r) {
  for (const auto& g : spec.gdb.regs)
    if (g.uc == r.uc) return g;
  throw std::runtime_error(spec.goarch + ": no gdb register for " + r.name);
}

std::string value_after(const std::string& out, const std::string& label) {
  std::smatch m;
  if (std::regex_search(out, m, std::regex(label + R"( (0x[0-9a-f]+))"))) return m[1];
  return "?";
}

// `x/i $pc` inside morestack (Go 1.19 names some assembly functions .abi0).
const std::regex in_morestack(R"(=> 0x[0-9a-f]+ <main\.morestack(\.abi0)?\+\d+>)");

class DebugSession : public ::testing::TestWithParam<const emu::ArchSpec*> {};

// Break at morestack, run to the call of newstack, read the ctxt argument slot
// and the context register, step over newstack, continue to a verified end.
TEST_P(DebugSession, BreakAtMorestackReadCtxtSlotStepOverNewstackContinue) {
  const emu::ArchSpec& spec = *GetParam();
  const uint64_t call = newstack_call(spec, test::seed_elf(spec));
  ASSERT_NE(call, 0u) << "no call of newstack in morestack";
  DebugChild child(spec);
  ASSERT_FALSE(child.port.empty()) << child.banner;
  ASSERT_FALSE(child.elf.empty()) << child.banner;

  // At the call, the argument sits where the callee will find it at
  // arg0_offset once CALL has pushed its return PC (x86), or at arg0_offset
  // itself with a link register.
  const int slot = spec.arg0_offset() - spec.call_pushes;
  const std::string word = spec.ptr_size == 8 ? "unsigned long long" : "unsigned int";
  const std::string ctxt = "$" + gdb_reg(spec, spec.ctxt).name;
  auto r = gdb(child,
               {"break main.morestack", "continue", "delete", fmt::format("break *{:#x}", call), "continue", "x/i $pc",
                fmt::format("x/2{}x $sp", spec.ptr_size == 8 ? 'g' : 'w'),
                fmt::format("printf \"ctxt-slot %#llx\\n\", (unsigned long long)*({}*)($sp + {})", word, slot),
                fmt::format("printf \"ctxt-reg %#llx\\n\", (unsigned long long)({}) {}", word, ctxt), "delete", "stepi",
                "x/i $pc", fmt::format("printf \"resumed-ctxt %#llx\\n\", (unsigned long long)({}) {}", word, ctxt),
                "continue"});
  const std::string out = r.output;
  EXPECT_EQ(r.exit_code, 0) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(Breakpoint 1(\.\d+)?, main\.morestack)"))) << out;
  // At the call, inside morestack, the slot holds the context register's value.
  EXPECT_TRUE(std::regex_search(out, in_morestack)) << out;
  const std::string seen = value_after(out, "ctxt-slot"), want = value_after(out, "ctxt-reg");
  EXPECT_NE(want, "?") << out;
  EXPECT_EQ(seen, want) << out;
  EXPECT_NE(want, "0x0") << out;  // the closure: a real context
  // One stepi runs the host newstack and gogo: gdb lands in the resumed closure
  // with its context register restored.
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(=> 0x[0-9a-f]+ <main\.closure(\.abi0)?\+\d+>)"))) << out;
  EXPECT_EQ(value_after(out, "resumed-ctxt"), want) << out;
  EXPECT_NE(out.find(fmt::format("gotramp: {} morestack seed closure: verified", spec.goarch)), std::string::npos)
      << out;
  EXPECT_NE(out.find("exited normally"), std::string::npos) << out;
  EXPECT_EQ(child.wait(), 0) << child.err();
  EXPECT_NE(child.out().find(fmt::format("{} morestack seed closure: verified", spec.goarch)), std::string::npos);
}

// Where gdb must stop for a write watchpoint on m.morebuf.pc: the instruction
// after the trampoline's first store to it, taken from the run's trace.
uint64_t after_morebuf_pc_store(const emu::ArchSpec& spec, uint64_t addr) {
  auto m_owner = model::Harness::for_transcription(spec, test::seed_elf(spec));
  model::Harness& m = *m_owner;
  model::RunOptions opt;
  opt.trace.enabled = true;
  auto report = m.run(*model::find_scenario("closure"), *model::find_contract("seed"), opt);
  bool stored = false;
  for (const auto& step : report.trace) {
    if (step.kind != model::TraceStep::Kind::Insn) continue;
    if (stored) return step.pc;
    for (const auto& w : step.writes) stored = stored || w.addr == addr;
  }
  return 0;
}

// watch *(long*)&m.morebuf.pc stops right after morestack's store to it, as a
// hardware watchpoint does (gdb steps over the store itself where its gdbarch
// says so: ArchSpec gdb.watch_before_store); kill then ends the run.
TEST_P(DebugSession, WatchpointOnMorebufPcStopsAtTheStore) {
  const emu::ArchSpec& spec = *GetParam();
  DebugChild child(spec);
  ASSERT_FALSE(child.port.empty()) << child.banner;
  ASSERT_FALSE(child.morebuf_pc.empty()) << child.banner;
  const uint64_t want_pc = after_morebuf_pc_store(spec, std::stoull(child.morebuf_pc, nullptr, 16));
  ASSERT_NE(want_pc, 0u);
  const std::string type = spec.ptr_size == 8 ? "long long" : "int";
  auto r = gdb(child, {fmt::format("watch *({}*){}", type, child.morebuf_pc), "continue", "x/i $pc", "kill"});
  const std::string out = r.output;
  EXPECT_NE(out.find("Hardware watchpoint 1"), std::string::npos) << out;
  EXPECT_NE(out.find("Old value = 0"), std::string::npos) << out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(New value = (\d+))"))) << out;
  // The stop is in morestack, right after the store.
  EXPECT_TRUE(std::regex_search(out, in_morestack)) << out;
  EXPECT_NE(out.find(fmt::format("=> {:#x} <", want_pc)), std::string::npos) << "want the stop at " << want_pc << "\n"
                                                                             << out;
  // The value stored is f's caller's PC: code of the guest.
  auto machine_owner = model::Harness::for_transcription(spec, test::seed_elf(spec));
  model::Harness& machine = *machine_owner;
  EXPECT_NE(machine.image().containing(std::stoull(m[1].str())), nullptr) << m[1];
  EXPECT_EQ(child.wait(), 1) << child.err();
  EXPECT_NE(child.err().find("killed by gdb"), std::string::npos) << child.err();
}

// morestack on g0 crashes the trampoline on purpose: gdb sees the signal at the
// crashing instruction (in morestack, or the abort it calls), then the run's
// verdict.
TEST_P(DebugSession, CrashStopsWithASignalAtTheInstruction) {
  const emu::ArchSpec& spec = *GetParam();
  DebugChild child(spec, {"--scenario", "g0"});
  ASSERT_FALSE(child.port.empty()) << child.banner;
  auto r = gdb(child, {"continue", "x/i $pc", "continue"});
  const std::string out = r.output;
  EXPECT_TRUE(std::regex_search(out, std::regex("Program received signal SIG(SEGV|ILL|TRAP)"))) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(=> 0x[0-9a-f]+ <main\.(morestack|abort)(\.abi0)?(\+\d+)?>)")))
      << out;
  EXPECT_NE(out.find(fmt::format("gotramp: {} morestack seed g0: diagnosed", spec.goarch)), std::string::npos) << out;
  EXPECT_EQ(child.wait(), 0) << child.err();
}

INSTANTIATE_TEST_SUITE_P(Verified, DebugSession, ::testing::ValuesIn(test::verified_archs()),
                         [](const auto& info) { return test::arch_param_name(info.param); });

// The same reading shows a broken trampoline's bug: with the ctxt stored one word
// off, the slot at the call does not hold the context register.
TEST(DebugCommand, CtxtSlotOffIsVisibleAtTheCall) {
  const auto& spec = *emu::find_arch("arm64");
  DebugChild child(spec,
                   {"--asm", (fs::path(GOTRAMP_SOURCE_DIR) / "guest_asm/arm64/variants/ctxt-slot-off.s").string()});
  ASSERT_FALSE(child.port.empty()) << child.banner;
  const uint64_t call = newstack_call(spec, child.elf);
  ASSERT_NE(call, 0u);
  auto r =
      gdb(child, {fmt::format("break *{:#x}", call), "continue",
                  fmt::format("printf \"ctxt-slot %#llx\\n\", *(unsigned long long*)($sp + {})", spec.arg0_offset()),
                  "printf \"ctxt-reg %#llx\\n\", (unsigned long long)$x26", "kill"});
  const std::string seen = value_after(r.output, "ctxt-slot"), want = value_after(r.output, "ctxt-reg");
  EXPECT_NE(want, "?") << r.output;
  EXPECT_NE(seen, "?") << r.output;
  EXPECT_NE(seen, want) << r.output;
  EXPECT_EQ(child.wait(), 1) << child.err();
}

// `monitor addresses` answers; gdb detaches: the run goes on to its end and gotramp
// exits with its verdict.
TEST(DebugCommand, DetachRunsToTheEnd) {
  DebugChild child(*emu::find_arch("arm64"));
  ASSERT_FALSE(child.port.empty()) << child.banner;
  auto r = gdb(child, {"stepi", "monitor addresses", "detach"});
  EXPECT_NE(r.output.find("m.morebuf.pc  at 0x"), std::string::npos) << r.output;  // qRcmd
  EXPECT_NE(r.output.find("(Remote target) detached"), std::string::npos) << r.output;
  EXPECT_EQ(child.wait(), 0) << child.err();
  EXPECT_NE(child.out().find("arm64 morestack seed closure: verified"), std::string::npos);
}

// A real toolchain's runtime under gdb (--go): gdb breaks in the toolchain's own
// runtime.morestack, shows its Plan 9 line from the GOROOT, reads the context
// register, and the run still ends verified.
TEST(RealCli, DebugARealToolchainsRuntimeUnderGdb) {
  DebugChild child(*emu::find_arch("arm64"), {"--go", "bundled"});
  ASSERT_FALSE(child.port.empty()) << child.banner;
  static const std::regex dirs(R"(directory ([^']+)')");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(child.banner, m, dirs)) << child.banner;
  auto r = gdb(child, {"directory " + std::string(m[1]), "break runtime.morestack", "continue", "p/x $x26",
                       "x/2gx $x26", "delete", "continue"});
  EXPECT_NE(r.output.find("runtime.morestack () at runtime/asm_arm64.s"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("MOVD\tg_m(g), R8"), std::string::npos) << r.output;  // the line, read from the GOROOT
  static const std::regex x26(R"(\$1 = (0x[0-9a-f]+))");
  ASSERT_TRUE(std::regex_search(r.output, m, x26)) << r.output;
  EXPECT_NE(m[1], "0x0");
  EXPECT_EQ(child.wait(), 0) << child.err();
  EXPECT_NE(child.out().find("arm64 morestack modern closure: verified"), std::string::npos) << child.out();
}

// mcall under gdb-multiarch: the run starts at the toolchain's runtime.mcall (the
// host made the call), R0 holding fn's func value (a heap object of the harness)
// whose first word is park_m's code; a breakpoint at mcall's call of fn (`BL (R4)`,
// go1.27.3) stops there on g0, and the run then goes on to its verdict.
TEST(RealCli, DebugMcallUnderGdb) {
  DebugChild child(*emu::find_arch("arm64"), {"--go", "bundled", "--trampoline", "mcall", "--scenario", "park"});
  ASSERT_FALSE(child.port.empty()) << child.banner;
  auto r = gdb(child, {"p/x $x0", "info symbol *(long *)$x0", "set language c", "break *((char *)'runtime.mcall'+0x50)",
                       "continue", "x/i $pc", "p/x $sp", "delete", "continue"});
  EXPECT_NE(r.output.find("runtime.mcall () at "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("runtime.park_m in section .text"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("blr\tx4"), std::string::npos) << r.output;
  // At the call: SP on the g0 stack, 16 below g0.sched.sp (the arena's).
  EXPECT_NE(r.output.find("= 0x40143fb0"), std::string::npos) << r.output;
  EXPECT_EQ(child.wait(), 0) << child.err();
  EXPECT_NE(child.out().find("arm64 mcall modern park: verified"), std::string::npos) << child.out();
}

// riscv64, the row without a transcription, under gdb-multiarch: the row's gdb
// numbering gives gdb the right registers at the toolchain's runtime.morestack
// (s10 the closure, s11 g, t0 f's return PC after the prologue's JAL, ra f's
// caller's), and a watchpoint on g.sched.ctxt stops after morestack stores it.
TEST(RealCli, DebugRiscv64UnderGdb) {
  DebugChild child(*emu::find_arch("riscv64"), {"--go", "bundled"});
  ASSERT_FALSE(child.port.empty()) << child.banner;
  static const std::regex dirs(R"(directory ([^']+)')"), g(R"(g (0x[0-9a-f]+), m )"),
      ctxt(R"(g\.sched\.ctxt +at (0x[0-9a-f]+))");
  std::smatch d, gm, cm;
  ASSERT_TRUE(std::regex_search(child.banner, d, dirs)) << child.banner;
  ASSERT_TRUE(std::regex_search(child.banner, gm, g)) << child.banner;
  ASSERT_TRUE(std::regex_search(child.banner, cm, ctxt)) << child.banner;
  auto r = gdb(child, {"directory " + std::string(d[1]), "break runtime.morestack", "continue", "p/x $s10", "p/x $s11",
                       "p/a $t0", "p/a $ra", "watch *(long*)" + std::string(cm[1]), "delete 1", "continue", "p/x $s10",
                       "delete", "continue"});
  EXPECT_NE(r.output.find("runtime.morestack () at runtime/asm_riscv64.s:228"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("MOV\tX2, (g_sched+gobuf_sp)(g)"), std::string::npos) << r.output;
  std::smatch m;
  static const std::regex s10(R"(\$1 = (0x[0-9a-f]+))");
  ASSERT_TRUE(std::regex_search(r.output, m, s10)) << r.output;
  const std::string closure = m[1];
  EXPECT_NE(closure, "0x0");
  EXPECT_NE(r.output.find("$2 = " + std::string(gm[1])), std::string::npos) << r.output;
  // t0 (after JAL X5) and ra: both PCs in the closure, the recursion's f and its caller.
  static const std::regex t0(R"(\$3 = 0x[0-9a-f]+ <main\.newClosure\.func1\+\d+>)"),
      ra(R"(\$4 = 0x[0-9a-f]+ <main\.newClosure\.func1\+\d+>)");
  EXPECT_TRUE(std::regex_search(r.output, t0)) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, ra)) << r.output;
  // The watchpoint: the closure stored, then the stop at the next line.
  EXPECT_NE(r.output.find("New value = " + std::to_string(std::stoull(closure, nullptr, 16))), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("asm_riscv64.s:234"), std::string::npos) << r.output;
  EXPECT_EQ(child.wait(), 0) << child.err();
  EXPECT_NE(child.out().find("riscv64 morestack modern closure: verified"), std::string::npos) << child.out();
}

// A failing run: the crash it leads to, then gdb told the verdict and a non-zero
// exit status.
TEST(DebugCommand, BrokenTrampolineExitsNonZeroUnderGdb) {
  const auto& spec = *emu::find_arch("arm64");
  DebugChild child(spec,
                   {"--asm", (fs::path(GOTRAMP_SOURCE_DIR) / "guest_asm/arm64/variants/ctxt-slot-off.s").string()});
  ASSERT_FALSE(child.port.empty()) << child.banner;
  auto r = gdb(child, {"continue", "continue"});
  // The wrong context it resumes with makes the closure fault: gdb sees it.
  EXPECT_NE(r.output.find("Program received signal SIGSEGV"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("gotramp: arm64 morestack seed closure: FAILED"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("exited with code 01"), std::string::npos) << r.output;
  EXPECT_EQ(child.wait(), 1) << child.err();
}

// Ctrl-C: the interrupt byte sent while the run continues stops it with SIGINT.
// Spoken in raw protocol, so that the byte reaches the stub with the continue.
TEST(DebugCommand, InterruptByteStopsARunningTarget) {
  DebugChild child(*emu::find_arch("amd64"));
  ASSERT_FALSE(child.port.empty()) << child.banner;
  const int fd = child.connect_raw();
  ASSERT_GE(fd, 0);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  cli::gdb::Connection conn(fd, 10s);
  conn.send("?");
  EXPECT_EQ(conn.receive(), "T05thread:1;");
  const std::string both = cli::gdb::frame("vCont;c") + "\x03";
  ASSERT_EQ(write(fd, both.data(), both.size()), ssize_t(both.size()));
  EXPECT_EQ(conn.receive(), "T02thread:1;");
  conn.send("vKill;1");
  EXPECT_EQ(conn.receive(), "OK");
  EXPECT_EQ(child.wait(), 1) << child.err();
  EXPECT_NE(child.err().find("killed by gdb"), std::string::npos) << child.err();
}

TEST(DebugCommand, BadAddressAndNoGdbAreReported) {
  auto r = toolchain::run_process({GOTRAMP_BIN, "debug", "--goarch", "amd64", "--gdb", "127.0.0.1:http"}, {},
                                  fs::current_path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("HOST:PORT"), std::string::npos) << r.output;
  // No gdb within --timeout: its own exit status, and the message says so.
  r = toolchain::run_process({GOTRAMP_BIN, "debug", "--goarch", "amd64", "--gdb", "127.0.0.1:0", "--timeout", "1"}, {},
                             fs::current_path());
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.output.find("gotramp debug: timed out: no gdb connected to 127.0.0.1:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(--timeout 1)"), std::string::npos) << r.output;
}

// A gdb that connects and then says nothing past --timeout: timed out too.
TEST(DebugCommand, SilentGdbTimesOut) {
  DebugChild child(*emu::find_arch("amd64"), {}, "1");
  ASSERT_FALSE(child.port.empty()) << child.banner;
  const int fd = child.connect_raw();
  ASSERT_GE(fd, 0);
  EXPECT_EQ(child.wait(), 4) << child.err();
  close(fd);
  EXPECT_NE(child.err().find("timed out: gdb said nothing for 1 s"), std::string::npos) << child.err();
}

// Ctrl-C while gotramp waits for gdb: one line, exit 130.
TEST(DebugCommand, InterruptExits130) {
  DebugChild child(*emu::find_arch("amd64"));
  ASSERT_FALSE(child.port.empty()) << child.banner;
  child.interrupt();
  EXPECT_EQ(child.wait(), 130) << child.err();
  EXPECT_NE(child.err().find("gotramp: interrupted\n"), std::string::npos) << child.err();
}

}  // namespace
}  // namespace gotramp
