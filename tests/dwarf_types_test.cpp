// DwarfTypes on probes built by both real toolchains (Debian's Go 1.19 and the
// bundled 1.27.3) for all twelve GOARCHes: the runtime's structs as DWARF gives
// them, checked against facts that must hold and against go/types' layout of the
// same toolchain's runtime source (tests/layout_oracle). Then the error paths.
#include "emu/dwarf_types.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "emu/elf_image.hpp"
#include "probe_support.hpp"
#include "toolchain/process.hpp"

namespace gotramp::emu {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kRuntimeStructs = {"runtime.g",       "runtime.m", "runtime.gobuf", "runtime.stack",
                                                  "runtime.funcval", "runtime.p", "main.probeEnv"};

struct ProbeCase {
  std::string toolchain;  // "system" or "bundled"
  std::string goarch;
};

std::vector<ProbeCase> probe_cases() {
  std::vector<ProbeCase> out;
  for (const char* tc : {"system", "bundled"})
    for (std::string_view a : toolchain::probe_goarches()) out.push_back({tc, std::string(a)});
  return out;
}

std::vector<std::string> member_names(const DwarfStruct& s) {
  std::vector<std::string> out;
  for (const auto& m : s.members) out.push_back(m.name);
  return out;
}

// gobuf as each tested Go version declares it in runtime/runtime2.go: Go 1.19 still
// has ret (the return value of a function that gogo resumes); 1.27 no longer does.
std::vector<std::string> expected_gobuf(const toolchain::GoVersion& v) {
  if (v.minor == 19) return {"sp", "pc", "g", "ctxt", "ret", "lr", "bp"};
  if (v.minor == 27) return {"sp", "pc", "g", "ctxt", "lr", "bp"};
  ADD_FAILURE() << "no expectation for go1." << v.minor;
  return {};
}

class ProbeDwarf : public ::testing::TestWithParam<ProbeCase> {
 protected:
  std::string probe() const { return test::probe_path(GetParam().toolchain, GetParam().goarch); }
};

TEST_P(ProbeDwarf, ReadsTheRuntimeStructs) {
  const std::string path = probe();
  const int ptr = ElfImage::load(path, "main.").word_bytes();
  EXPECT_EQ(ptr, (GetParam().goarch == "386" || GetParam().goarch == "arm" || GetParam().goarch == "mips" ||
                  GetParam().goarch == "mipsle")
                     ? 4
                     : 8);
  DwarfTypes t = DwarfTypes::read(path, kRuntimeStructs);
  EXPECT_TRUE(t.missing().empty()) << t.missing().front();

  const DwarfStruct& gobuf = t.get("runtime.gobuf");
  const auto want = expected_gobuf(test::real_toolchain(GetParam().toolchain).parsed);
  EXPECT_EQ(member_names(gobuf), want);
  for (size_t i = 0; i < gobuf.members.size(); i++) {
    EXPECT_EQ(gobuf.members[i].offset, i * ptr) << gobuf.members[i].name;
    EXPECT_EQ(gobuf.members[i].size, uint64_t(ptr)) << gobuf.members[i].name;
  }
  EXPECT_EQ(gobuf.size, want.size() * ptr);

  const DwarfStruct& stack = t.get("runtime.stack");
  EXPECT_EQ(member_names(stack), (std::vector<std::string>{"lo", "hi"}));
  EXPECT_EQ(t.field("runtime.stack", "hi").offset, uint64_t(ptr));
  EXPECT_EQ(stack.size, 2u * ptr);
  EXPECT_EQ(t.field("runtime.funcval", "fn").offset, 0u);
  EXPECT_EQ(t.field("runtime.funcval", "fn").size, uint64_t(ptr));

  // The probe's closure environment, as probe/main.go documents it.
  EXPECT_EQ(member_names(t.get("main.probeEnv")), (std::vector<std::string>{"k", "self"}));
  EXPECT_EQ(t.field("main.probeEnv", "self").offset, uint64_t(ptr));

  // g starts with its stack and guards; sched is a gobuf held by value, so the
  // nested path adds the two offsets.
  EXPECT_EQ(t.field("runtime.g", "stack").offset, 0u);
  EXPECT_EQ(t.field("runtime.g", "stack.hi").offset, uint64_t(ptr));
  EXPECT_EQ(t.field("runtime.g", "stackguard0").offset, 2u * ptr);
  EXPECT_EQ(t.field("runtime.g", "sched").type_name, "runtime.gobuf");
  EXPECT_EQ(t.field("runtime.g", "sched.ctxt").offset,
            t.field("runtime.g", "sched").offset + t.field("runtime.gobuf", "ctxt").offset);
  EXPECT_EQ(t.field("runtime.g", "sched.ctxt").size, uint64_t(ptr));
  EXPECT_EQ(t.field("runtime.g", "m").type_name, "*runtime.m");
  EXPECT_EQ(t.field("runtime.m", "g0").type_name, "*runtime.g");
  EXPECT_EQ(t.field("runtime.m", "morebuf").type_name, "runtime.gobuf");
  EXPECT_EQ(t.field("runtime.m", "morebuf.pc").offset,
            t.field("runtime.m", "morebuf").offset + t.field("runtime.gobuf", "pc").offset);
  EXPECT_EQ(t.field("runtime.m", "curg").type_name, "*runtime.g");
}

// Every member of the structs gotramp's model touches sits where go/types puts it
// when it lays out the same toolchain's runtime source for that GOARCH. (runtime.p
// is left out: go/types does not know the gc compiler's 8-byte alignment of
// atomic.Int64/Uint64 on 4-byte GOARCHes, and p holds such fields.)
TEST_P(ProbeDwarf, MatchesTheTypeCheckersLayout) {
  DwarfTypes t = DwarfTypes::read(probe(), kRuntimeStructs);
  test::OracleLayout o = test::oracle_layout(GetParam().toolchain, GetParam().goarch);
  for (const char* name : {"runtime.gobuf", "runtime.stack", "runtime.funcval", "runtime.g", "runtime.m"}) {
    const DwarfStruct& s = t.get(name);
    ASSERT_TRUE(o.order.contains(name)) << name;
    EXPECT_EQ(member_names(s), o.order[name]) << name;
    EXPECT_EQ(s.size, o.struct_size[name]) << name;
    for (const auto& m : s.members) {
      const auto& om = o.members[std::string(name) + "." + m.name];
      EXPECT_EQ(m.offset, om.offset) << name << "." << m.name;
      EXPECT_EQ(m.size, om.size) << name << "." << m.name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Probes, ProbeDwarf, ::testing::ValuesIn(probe_cases()),
                         [](const auto& info) { return info.param.toolchain + "_" + info.param.goarch; });

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const DwarfError& e) {
    return e.what();
  }
  return "(no error)";
}

// The oracle comparison is sharp: the 1.19 probe's gobuf is not the 1.27 layout.
TEST(ProbeDwarfErrors, TheOracleTellsGoVersionsApart) {
  DwarfTypes t = DwarfTypes::read(test::probe_path("system", "amd64"), kRuntimeStructs);
  test::OracleLayout newer = test::oracle_layout("bundled", "amd64");
  EXPECT_NE(member_names(t.get("runtime.gobuf")), newer.order["runtime.gobuf"]);
  EXPECT_NE(t.get("runtime.gobuf").size, newer.struct_size["runtime.gobuf"]);
}

TEST(ProbeDwarfErrors, AStrippedBinaryHasNoDwarf) {
  const std::string path = test::probe_path("bundled", "amd64", /*strip_dwarf=*/true);
  EXPECT_NE(path, test::probe_path("bundled", "amd64"));
  EXPECT_EQ(error_of([&] { DwarfTypes::read(path, kRuntimeStructs); }),
            fmt::format("no DWARF in {} (built with -ldflags=-w?)", path));
  // The stripped binary still loads as an ELF: only its DWARF is gone.
  EXPECT_GT(ElfImage::load(path, "main.").func("main.sum").size, 0u);
}

TEST(ProbeDwarfErrors, AMissingStructOrFieldIsNamed) {
  const std::string path = test::probe_path("bundled", "amd64");
  DwarfTypes t = DwarfTypes::read(path, std::vector<std::string>{"runtime.gobuf", "runtime.nosuch", "runtime.g"});
  EXPECT_EQ(t.missing(), std::vector<std::string>{"runtime.nosuch"});
  EXPECT_FALSE(t.has("runtime.nosuch"));
  EXPECT_EQ(error_of([&] { t.get("runtime.nosuch"); }), path + ": DWARF has no struct runtime.nosuch");
  EXPECT_EQ(error_of([&] { t.field("runtime.gobuf", "ret"); }), path + ": runtime.gobuf has no field ret");
  EXPECT_EQ(error_of([&] { t.field("runtime.g", "sched.ret"); }), path + ": runtime.gobuf has no field ret");
  EXPECT_EQ(error_of([&] { t.field("runtime.g", "m.curg"); }),
            path + ": runtime.g.m is a *runtime.m, not a struct, so it has no field curg");
  // Go 1.19 still has it.
  DwarfTypes old = DwarfTypes::read(test::probe_path("system", "amd64"), std::vector<std::string>{"runtime.gobuf"});
  EXPECT_EQ(old.field("runtime.gobuf", "ret").offset, 32u);
}

TEST(DwarfTypesErrors, NotAnElfOrNoFile) {
  fs::path p = fs::temp_directory_path() / ("gotramp-not-elf-" + std::to_string(getpid()));
  std::ofstream(p) << "#!/bin/sh\necho this is not an ELF\n";
  EXPECT_EQ(error_of([&] { DwarfTypes::read(p.string(), kRuntimeStructs); }), p.string() + ": not an ELF file");
  fs::remove(p);
  EXPECT_NE(error_of([&] { DwarfTypes::read("/nonexistent/probe.elf", kRuntimeStructs); }).find("cannot open"),
            std::string::npos);
  const uint8_t junk[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
  EXPECT_EQ(error_of([&] { DwarfTypes::read_memory(junk, "junk", kRuntimeStructs); }), "junk: not an ELF file");
}

TEST(ProbeDwarfErrors, AnImageInMemoryWithoutDebugInfo) {
  // The stripped probe of another toolchain and GOARCH, read from memory.
  const std::string path = test::probe_path("system", "arm64", /*strip_dwarf=*/true);
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(error_of([&] { DwarfTypes::read_memory(bytes, "mem", kRuntimeStructs); }),
            "no DWARF in mem (built with -ldflags=-w?)");
}

}  // namespace
}  // namespace gotramp::emu

namespace gotramp::emu {
namespace {

// A static C program of two compilation units, built here with the C compiler:
// the first with enough struct DIEs to outgrow the prefix of .debug_info the
// reader inflates first, the second defining `late`. With -gz=zlib the DWARF is
// compressed as Go's is; without it, it is read in place.
std::string c_program(const std::string& tag, bool compressed) {
  fs::path dir = fs::temp_directory_path() / fmt::format("gotramp-dwarf-{}-{}", tag, getpid());
  fs::create_directories(dir);
  {
    std::ofstream big(dir / "big.c");
    for (int i = 0; i < 1500; i++)
      big << fmt::format("struct filler{0} {{ long a{0}, b{0}, c{0}, d{0}; }} filler{0};\n", i);
    std::ofstream late(dir / "late.c");
    late << "struct inner { long lo, hi; };\n"
            "struct late { int tag; struct inner in; void *p; } late_value;\n"
            "void _start(void) { for (;;) late_value.tag++; }\n";
  }
  const std::string out = (dir / "prog").string();
  std::vector<std::string> argv = {"cc", "-g", "-O0",   "-nostdlib", "-static", "-Wl,-e,_start",
                                   "-o", out,  "big.c", "late.c"};
  if (compressed) argv.insert(argv.begin() + 2, "-gz=zlib");
  auto r = toolchain::run_process(argv, {}, dir);
  if (r.exit_code != 0) throw std::runtime_error("cc failed:\n" + r.output);
  return out;
}

TEST(DwarfTypesC, FindsAStructBeyondTheInflatedPrefix) {
  for (bool compressed : {true, false}) {
    const std::string path = c_program(compressed ? "z" : "plain", compressed);
    DwarfTypes t = DwarfTypes::read(path, std::vector<std::string>{"late", "filler0", "nosuch"});
    EXPECT_EQ(t.missing(), std::vector<std::string>{"nosuch"}) << compressed;
    EXPECT_EQ(t.get("filler0").size, 32u);
    EXPECT_EQ(t.field("late", "in.hi").offset, 16u) << compressed;
    EXPECT_EQ(t.field("late", "in.hi").type_name, "long int");
    EXPECT_EQ(t.field("late", "p").offset, 24u);
    EXPECT_EQ(t.get("late").size, 32u);
    fs::remove_all(fs::path(path).parent_path());
  }
}

}  // namespace
}  // namespace gotramp::emu
