#include "runtime_model/probe_program.hpp"

#include <map>
#include <mutex>
#include <stdexcept>

#include "emu/byte_order.hpp"

namespace gotramp::model {
namespace {

std::shared_ptr<const ProbeProgram> make_transcription(const emu::ArchSpec& spec) {
  auto p = std::make_shared<ProbeProgram>();
  p->name = "guest_asm funcs.s";
  p->entry = ProbeProgram::Entry::GuestStub;
  p->captured = kTranscriptionCaptured;
  // The layouts live as long as the program (layouts_for caches them forever).
  p->closure = std::shared_ptr<const StructLayout>(std::shared_ptr<const StructLayout>{}, &layouts_for(spec).funcval);
  p->fields = ProbeFields::resolve(*p->closure, nullptr, spec.ptr_size);
  // The closure adds the captured word and its level at every level; sum adds
  // only its level.
  p->functions = {
      {.role = "closure",
       .symbol = "main.closure",
       .closure = true,
       .args = ProbeFunction::Args::Depth,
       .int_args = 1,
       .float_args = 0,
       .frame = ProbeFunction::Frame::Small,
       .entry_stub = "main.entry_closure",
       .result = [](uint64_t n, uint64_t k) { return n * k + n * (n + 1) / 2; }},
      {.role = "sum",
       .symbol = "main.sum",
       .closure = false,
       .args = ProbeFunction::Args::Depth,
       .int_args = 1,
       .float_args = 0,
       .frame = ProbeFunction::Frame::Small,
       .entry_stub = "main.entry_plain",
       .result = [](uint64_t n, uint64_t) { return n * (n + 1) / 2; }},
  };
  return p;
}

// probe/main.go: both recursions return sum(k ^ i for i in 0..n).
uint64_t xor_sum(uint64_t n, uint64_t k) {
  uint64_t s = 0;
  for (uint64_t i = 0; i <= n; i++) s += k ^ i;
  return s;
}

std::shared_ptr<const ProbeProgram> make_real_probe(const emu::ArchSpec& spec) {
  const uint64_t w = spec.ptr_size;
  auto p = std::make_shared<ProbeProgram>();
  p->name = "probe/main.go";
  p->entry = ProbeProgram::Entry::HostCall;
  p->captured = 0x5a5a1234;  // probeWord
  p->depth = 5000;           // probeDepth: at least five growths from 2 KiB on every GOARCH
  // main.probeEnv is { k uintptr; self func(int) uintptr }: two pointer-sized words
  // (probe/main.go's header; tests/dwarf_types_test.cpp checks it against DWARF).
  auto env = std::make_shared<StructLayout>();
  env->name = "probeEnv";
  env->fields = {{"k", Kind::Uintptr, 0, w, nullptr}, {"self", Kind::Pointer, w, w, nullptr}};
  env->size = 2 * w;
  env->align = w;
  // The closure main.newClosure.func1 captures one word, env: {fn, env}.
  auto closure = std::make_shared<StructLayout>();
  closure->name = "closure";
  closure->fields = {{"fn", Kind::Uintptr, 0, w, nullptr}, {"env", Kind::Pointer, w, w, nullptr}};
  closure->size = 2 * w;
  closure->align = w;
  p->closure = closure;
  p->env = env;
  p->fields = ProbeFields::resolve(*closure, env.get(), spec.ptr_size);
  p->functions = {
      {.role = "closure",
       .symbol = "main.newClosure.func1",
       .closure = true,
       .args = ProbeFunction::Args::Depth,
       .int_args = 1,
       .float_args = 0,
       .frame = ProbeFunction::Frame::Small,
       .entry_stub = "",
       .result = xor_sum},
      {.role = "sum",
       .symbol = "main.sum",
       .closure = false,
       .args = ProbeFunction::Args::WordAndDepth,
       .int_args = 2,
       .float_args = 0,
       .frame = ProbeFunction::Frame::Small,
       .entry_stub = "",
       .result = xor_sum},
  };
  return p;
}

// One program per row and kind, made on first use.
using Cache = std::map<const emu::ArchSpec*, std::shared_ptr<const ProbeProgram>>;
std::shared_ptr<const ProbeProgram> cached(Cache& cache, const emu::ArchSpec& spec,
                                           std::shared_ptr<const ProbeProgram> (*make)(const emu::ArchSpec&)) {
  static std::mutex mu;
  std::lock_guard lock(mu);
  auto& slot = cache[&spec];
  if (!slot) slot = make(spec);
  return slot;
}

}  // namespace

const ProbeFunction& ProbeProgram::function(std::string_view role) const {
  for (const auto& f : functions)
    if (f.role == role) return f;
  throw std::out_of_range(std::string(name) + " has no function for the role " + std::string(role));
}

std::shared_ptr<const ProbeProgram> transcription_program(const emu::ArchSpec& spec) {
  static Cache cache;
  return cached(cache, spec, &make_transcription);
}

std::shared_ptr<const ProbeProgram> real_probe_program(const emu::ArchSpec& spec) {
  static Cache cache;
  return cached(cache, spec, &make_real_probe);
}

}  // namespace gotramp::model
