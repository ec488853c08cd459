// Toolchains whose compiler was rebuilt from planted sources (tests/planted_goroot.hpp):
// probe_elf gives a rebuilt compiler probes of its own, even when the cache and Go's
// build cache hold what the old compiler built at the same GOROOT; and the planted
// prologue bug the project's checks are for is in the code that compiler emits.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "emu/disasm.hpp"
#include "emu/elf_image.hpp"
#include "planted_goroot.hpp"
#include "probe_support.hpp"
#include "toolchain/probe_build.hpp"
#include "toolchain/process.hpp"

namespace gotramp::test {
namespace {

namespace fs = std::filesystem;
using emu::Insn;

constexpr const char* kTools[] = {"compile", "asm", "link"};

// A harmless change to arm64's stack-split prologue that shows in machine code: the
// block that calls morestack sets R3 to 0x7a11 just before it copies LR into R3 (the
// register arguments are spilled by then, and R3 is overwritten at once).
GorootEdit marked_prologue() {
  return {"cmd/internal/obj/arm64/obj7.go", "\t// MOV\tLR, R3\n\tmovlr := obj.Appendp(spill, c.newprog)\n",
          "\t// Planted by gotramp's tests: MOVD $0x7a11, R3.\n"
          "\tmark := obj.Appendp(spill, c.newprog)\n"
          "\tmark.As = AMOVD\n"
          "\tmark.From.Type = obj.TYPE_CONST\n"
          "\tmark.From.Offset = 0x7a11\n"
          "\tmark.To.Type = obj.TYPE_REG\n"
          "\tmark.To.Reg = REG_R3\n"
          "\n"
          "\t// MOV\tLR, R3\n"
          "\tmovlr := obj.Appendp(mark, c.newprog)\n"};
}
constexpr const char* kMark = "mov x3, #0x7a11";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
// Whether two files hold the same bytes (compared here: gtest would print 10 MB).
bool same_bytes(const fs::path& a, const fs::path& b) { return slurp(a) == slurp(b); }

// The address at the end of a branch's text: "b.ls #0x86860" -> 0x86860.
uint64_t branch_target(const Insn& i) {
  const auto at = i.text.rfind("#0x");
  return at == std::string::npos ? 0 : std::strtoull(i.text.c_str() + at + 1, nullptr, 16);
}
std::string mnemonic(const Insn& i) { return i.text.substr(0, i.text.find(' ')); }
std::string operands(const Insn& i) {
  const auto at = i.text.find(' ');
  return at == std::string::npos ? "" : i.text.substr(at + 1);
}

// main.sum's call of morestack in an arm64 probe, split where the prologue's stack
// check branches to it: what runs before the BL (the spills, MOV LR, R3) and after it
// up to the branch back to main.sum's entry (the reloads).
struct MorestackCall {
  std::vector<Insn> before;
  Insn call;
  std::vector<Insn> after;
  Insn back;
};
MorestackCall morestack_call(const fs::path& elf) {
  const auto img = emu::ElfImage::load(elf.string());
  const emu::Symbol sum = img.func("main.sum");
  const emu::Symbol noctxt = img.func("runtime.morestack_noctxt");
  std::span<const uint8_t> code;
  for (const auto& s : img.segments())
    if (sum.addr >= s.vaddr && sum.addr + sum.size <= s.vaddr + s.filesz)
      code = img.bytes(s).subspan(sum.addr - s.vaddr, sum.size);
  if (code.empty()) throw std::runtime_error("main.sum is in no segment of " + elf.string());
  const emu::Disasm d(*emu::find_arch("arm64"));
  std::vector<Insn> insns;
  for (uint64_t off = 0; off < code.size();) {
    auto i = d.one(code.subspan(off), sum.addr + off);
    if (!i) break;
    off += i->size;
    insns.push_back(*i);
  }
  MorestackCall out;
  uint64_t block = 0;  // where the stack check's b.ls goes
  for (const auto& i : insns)
    if (mnemonic(i) == "b.ls" && !block) block = branch_target(i);
  size_t k = 0;
  while (k < insns.size() && insns[k].address != block) ++k;
  for (; k < insns.size() && !(mnemonic(insns[k]) == "bl" && branch_target(insns[k]) == noctxt.addr); ++k)
    out.before.push_back(insns[k]);
  if (k == insns.size()) throw std::runtime_error("no call of runtime.morestack_noctxt in main.sum of " + elf.string());
  out.call = insns[k++];
  for (; k < insns.size() && mnemonic(insns[k]) != "b"; ++k) out.after.push_back(insns[k]);
  if (k == insns.size()) throw std::runtime_error("no branch after morestack_noctxt in main.sum of " + elf.string());
  out.back = insns[k];
  if (branch_target(out.back) != sum.addr)
    throw std::runtime_error("main.sum's morestack call does not branch back to its entry: " + out.back.text);
  return out;
}

bool marked(const fs::path& elf) {
  for (const auto& i : morestack_call(elf).before)
    if (i.text == kMark) return true;
  return false;
}

std::vector<std::string> texts(const std::vector<Insn>& v) {
  std::vector<std::string> out;
  for (const auto& i : v) out.push_back(i.text);
  return out;
}

// Runs f in a child process and returns what it returns. A probe built there leaves
// this process's per-GOROOT fingerprints ungathered, as a gotramp run before a
// compiler rebuild would.
std::string in_child(const std::function<std::string()>& f) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(fds[0]);
    std::string out;
    int code = 0;
    try {
      out = f();
    } catch (const std::exception& e) {
      out = e.what();
      code = 1;
    }
    for (size_t done = 0; done < out.size();) {
      const ssize_t n = write(fds[1], out.data() + done, out.size() - done);
      if (n <= 0) _exit(2);
      done += static_cast<size_t>(n);
    }
    _exit(code);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("the child failed: " + out);
  return out;
}

std::vector<fs::path> folders(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(PlantedToolchain, RebuildsOnlyTheToolsAnEditChangesAndLeavesThePinnedGorootAlone) {
  const fs::path pinned = pinned_goroot();
  const fs::path rebuilt = planted_goroot("arm64-marked-prologue", {marked_prologue()});
  const fs::path pinned_tools = tool_dir(pinned), rebuilt_tools = tool_dir(rebuilt);
  // cmd/internal/obj/arm64 is in compile and asm, not in link.
  EXPECT_FALSE(fs::equivalent(rebuilt_tools / "compile", pinned_tools / "compile"));
  EXPECT_FALSE(fs::equivalent(rebuilt_tools / "asm", pinned_tools / "asm"));
  EXPECT_TRUE(fs::equivalent(rebuilt_tools / "link", pinned_tools / "link"));
  EXPECT_FALSE(same_bytes(rebuilt_tools / "compile", pinned_tools / "compile"));
  // Everything else is the pinned GOROOT's own file; the edited one is not, and the
  // pinned one still has the text the edit replaced.
  EXPECT_TRUE(fs::equivalent(rebuilt / "src" / "runtime" / "asm_arm64.s", pinned / "src" / "runtime" / "asm_arm64.s"));
  const fs::path obj7 = fs::path("src") / marked_prologue().file;
  EXPECT_FALSE(fs::equivalent(rebuilt / obj7, pinned / obj7));
  EXPECT_NE(slurp(rebuilt / obj7).find(marked_prologue().instead), std::string::npos);
  EXPECT_NE(slurp(pinned / obj7).find(marked_prologue().text), std::string::npos);
  EXPECT_EQ(slurp(pinned / obj7).find("0x7a11"), std::string::npos);
  // Asked again, the helper hands back the cached copy: nothing is rebuilt.
  const auto compiled = fs::last_write_time(rebuilt_tools / "compile");
  EXPECT_EQ(planted_goroot("arm64-marked-prologue", {marked_prologue()}), rebuilt);
  EXPECT_EQ(fs::last_write_time(rebuilt_tools / "compile"), compiled);
}

TEST(PlantedToolchain, ARebuiltCompilerGetsFreshProbesNotTheOldCompilersObjects) {
  const fs::path pinned_tools = tool_dir(pinned_goroot());
  const fs::path rebuilt = planted_goroot("arm64-marked-prologue", {marked_prologue()});
  const fs::path rebuilt_tools = tool_dir(rebuilt);

  // One GOROOT path that goes through a compiler rebuild: the planted sources with the
  // pinned compile, asm and link first, the rebuilt ones afterwards (linked in as new
  // files, as go install puts them), and a cache of its own.
  const fs::path home = fs::path(GOTRAMP_BUILD_DIR) / "planted-goroots" / "rebuilt-in-place";
  const fs::path goroot = home / "go";
  fs::remove_all(home);
  fs::create_directories(home);
  auto cp = toolchain::run_process({"cp", "-al", rebuilt.string(), goroot.string()}, {}, home);
  ASSERT_EQ(cp.exit_code, 0) << cp.output;
  const fs::path tools = tool_dir(goroot);
  auto install_tools = [&](const fs::path& from) {
    for (const char* t : kTools) {
      fs::remove(tools / t);
      fs::create_hard_link(from / t, tools / t);
    }
  };
  install_tools(pinned_tools);
  auto cfg = toolchain::ProbeBuildConfig::defaults();
  cfg.cache = home / "cache";
  const fs::path gocaches = cfg.cache / "probes" / "go-build-tools";

  // An earlier run built the probe with the old compiler.
  const fs::path before = in_child(
      [&] { return toolchain::probe_elf(toolchain::resolve_toolchain(goroot.string()), "arm64", cfg).string(); });
  const auto old_gocache = folders(gocaches);
  ASSERT_EQ(old_gocache.size(), 1u);

  install_tools(rebuilt_tools);
  const fs::path after = toolchain::probe_elf(toolchain::resolve_toolchain(goroot.string()), "arm64", cfg);
  EXPECT_NE(after, before);
  EXPECT_FALSE(same_bytes(after, before));
  EXPECT_FALSE(marked(before));
  EXPECT_TRUE(marked(after));
  // Go's objects went to a cache of the rebuilt tools' own.
  const auto both = folders(gocaches);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_TRUE(both[0] == old_gocache[0] || both[1] == old_gocache[0]);

  // Why: the old compiler's cache would have handed the rebuilt one its objects (Go
  // names a release compiler by its version alone). The same go build as probe_elf's,
  // by the rebuilt tools with the old cache, gives the old compiler's code.
  const fs::path stage = home / "stage";
  fs::create_directories(stage);
  for (const char* f : {"go.mod", "main.go"}) fs::copy_file(cfg.probe_src / f, stage / f);
  const fs::path stale = home / "stale.elf";
  auto r = toolchain::run_process({(goroot / "bin" / "go").string(), "build", "-trimpath", "-o", stale.string(), "."},
                                  {{"GOROOT", goroot.string()},
                                   {"GOOS", "linux"},
                                   {"GOARCH", "arm64"},
                                   {"CGO_ENABLED", "0"},
                                   {"GOTOOLCHAIN", "local"},
                                   {"GOPROXY", "off"},
                                   {"GOFLAGS", "-buildvcs=false"},
                                   {"GO111MODULE", "on"},
                                   {"GOENV", "off"},
                                   {"GOWORK", "off"},
                                   {"GOCACHE", old_gocache[0].string()},
                                   {"GOPATH", (home / "gopath").string()}},
                                  stage);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(marked(stale));
  EXPECT_TRUE(same_bytes(stale, before));

  // The pinned toolchain's probe has no mark either; the rebuilt GOROOT's own has it.
  EXPECT_FALSE(marked(probe_path("bundled", "arm64")));
  EXPECT_TRUE(marked(toolchain::probe_elf(toolchain::resolve_toolchain(rebuilt.string()), "arm64", cfg)));
}

// The planted prologue bug: after runtime.morestack_noctxt returns, main.sum (whose
// k and n arrive in R0 and R1) branches back to its entry without reloading them from
// the slots it spilled them to. The pinned compiler reloads every spilled register.
TEST(PlantedToolchain, Arm64PrologueWithoutUnspillReloadsNothingAfterMorestack) {
  const fs::path bug_root = arm64_prologue_without_unspill_goroot();
  const fs::path pinned_tools = tool_dir(pinned_goroot()), bug_tools = tool_dir(bug_root);
  EXPECT_FALSE(fs::equivalent(bug_tools / "compile", pinned_tools / "compile"));

  const MorestackCall good = morestack_call(probe_path("bundled", "arm64"));
  const MorestackCall bad = morestack_call(toolchain::probe_elf(toolchain::resolve_toolchain(bug_root.string()),
                                                                "arm64", toolchain::ProbeBuildConfig::defaults()));

  // Both spill the register arguments to the frame-to-be, then MOV LR, R3.
  std::vector<std::string> spills;
  for (const auto& i : good.before)
    if (mnemonic(i) == "str" || mnemonic(i) == "stp") spills.push_back(i.text);
  ASSERT_FALSE(spills.empty()) << fmt::format("{}", fmt::join(texts(good.before), "\n"));
  EXPECT_EQ(texts(bad.before), texts(good.before));
  ASSERT_FALSE(good.before.empty());
  EXPECT_EQ(good.before.back().text, "mov x3, x30");

  // The pinned prologue reloads what it spilled, slot for slot, and nothing else.
  std::vector<std::string> reloads;
  for (const auto& i : good.before)
    if (mnemonic(i) == "str" || mnemonic(i) == "stp")
      reloads.push_back((mnemonic(i) == "str" ? "ldr " : "ldp ") + operands(i));
  EXPECT_EQ(texts(good.after), reloads);

  // The planted one branches straight back: no LDR, no LDP, nothing.
  EXPECT_TRUE(bad.after.empty()) << fmt::format("{}", fmt::join(texts(bad.after), "\n"));
  EXPECT_EQ(bad.call.address + bad.call.size, bad.back.address);
}

}  // namespace
}  // namespace gotramp::test
