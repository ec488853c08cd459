// Reading the runtime's struct layouts from a probe's DWARF (emu/dwarf_types), as
// the real-toolchain path will once per binary: each iteration opens the ELF and
// reads the structs afresh (nothing is cached in the process), so one iteration is
// what a cold process pays, short of starting.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "emu/dwarf_types.hpp"
#include "toolchain/go_toolchain.hpp"
#include "toolchain/probe_build.hpp"

namespace {

void BM_DwarfRuntimeLayouts(benchmark::State& state, const char* selector) {
  const auto tc = gotramp::toolchain::resolve_toolchain(selector);
  const std::string probe =
      gotramp::toolchain::probe_elf(tc, "amd64", gotramp::toolchain::ProbeBuildConfig::defaults()).string();
  const std::vector<std::string> names = {"runtime.g",       "runtime.m", "runtime.gobuf", "runtime.stack",
                                          "runtime.funcval", "runtime.p", "main.probeEnv"};
  for (auto _ : state) {
    auto t = gotramp::emu::DwarfTypes::read(probe, names);
    benchmark::DoNotOptimize(t.field("runtime.g", "sched.ctxt").offset);
  }
  state.SetLabel(tc.version + " amd64 probe, 7 structs");
}
BENCHMARK_CAPTURE(BM_DwarfRuntimeLayouts, system, "system")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DwarfRuntimeLayouts, bundled, "bundled")->Unit(benchmark::kMillisecond);

}  // namespace
