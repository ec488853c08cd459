#include "runtime_model/probe_program.hpp"

#include <map>
#include <mutex>
#include <stdexcept>

#include "emu/byte_order.hpp"

namespace gotramp::model {
namespace {

// f(n), as the closures and the transcriptions' functions take it.
std::vector<GuestArg> depth_only(uint64_t n, uint64_t) { return {GuestArg::word(n)}; }
// sum(k, n), medium(k, n), huge(k, n).
std::vector<GuestArg> word_and_depth(uint64_t n, uint64_t k) { return {GuestArg::word(k), GuestArg::word(n)}; }

// regargs(n, k+1, ..., k+15, 0.5, 1.5, ..., 15.5), as probe/main.go's main calls it.
std::vector<GuestArg> regargs_arguments(uint64_t n, uint64_t k) {
  std::vector<GuestArg> a = {GuestArg::word(n)};
  for (uint64_t i = 1; i <= 15; i++) a.push_back(GuestArg::word(k + i));
  for (int i = 0; i < 16; i++) a.push_back(GuestArg::float64(i + 0.5));
  return a;
}
// Each level adds n ^ (a1 ^ ... ^ a15) and the floats' sum, 128.
uint64_t regargs_result(uint64_t n, uint64_t k) {
  uint64_t x = 0, s = 0;
  for (uint64_t i = 1; i <= 15; i++) x ^= k + i;
  for (uint64_t i = 0; i <= n; i++) s += (i ^ x) + 128;
  return s;
}

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
       .frame = ProbeFunction::Frame::Small,
       .depth = 0,
       .entry_stub = "main.entry_closure",
       .arguments = depth_only,
       .result = [](uint64_t n, uint64_t k) { return n * k + n * (n + 1) / 2; }},
      {.role = "sum",
       .symbol = "main.sum",
       .closure = false,
       .frame = ProbeFunction::Frame::Small,
       .depth = 0,
       .entry_stub = "main.entry_plain",
       .arguments = depth_only,
       .result = [](uint64_t n, uint64_t) { return n * (n + 1) / 2; }},
  };
  return p;
}

// probe/main.go: sum, the closures, medium and huge return sum(k ^ i for i in 0..n).
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
  p->depth = 2600;           // probeDepth: at least five growths from 2 KiB on every GOARCH
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
  // probe/main.go's depths: the program's for sum and the closure, its own for the
  // larger frames (mediumDepth, hugeDepth, regDepth).
  auto fn = [](std::string role, std::string symbol, bool closure, ProbeFunction::Frame frame, uint64_t depth,
               bool takes_word) {
    return ProbeFunction{.role = std::move(role),
                         .symbol = std::move(symbol),
                         .closure = closure,
                         .frame = frame,
                         .depth = depth,
                         .entry_stub = "",
                         .arguments = takes_word ? word_and_depth : depth_only,
                         .result = xor_sum};
  };
  using F = ProbeFunction::Frame;
  p->functions = {
      fn("closure", "main.newClosure.func1", true, F::Small, 0, false),
      fn("sum", "main.sum", false, F::Small, 0, true),
      fn("medium", "main.medium", false, F::Medium, 300, true),
      fn("huge", "main.huge", false, F::Huge, 48, true),
      fn("closure-huge", "main.newHugeClosure.func1", true, F::Huge, 48, false),
      ProbeFunction{.role = "regargs",
                    .symbol = "main.regargs",
                    .closure = false,
                    .frame = F::Medium,
                    .depth = 300,
                    .entry_stub = "",
                    .arguments = regargs_arguments,
                    .result = regargs_result},
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

const char* frame_class_name(ProbeFunction::Frame f) {
  switch (f) {
    case ProbeFunction::Frame::Small:
      return "small";
    case ProbeFunction::Frame::Medium:
      return "medium";
    case ProbeFunction::Frame::Huge:
      return "huge";
  }
  return "?";
}

ProbeFunction::Frame frame_class(uint64_t frame, uint64_t stack_small, uint64_t stack_big) {
  if (frame <= stack_small) return ProbeFunction::Frame::Small;
  return frame <= stack_big ? ProbeFunction::Frame::Medium : ProbeFunction::Frame::Huge;
}

int ProbeFunction::int_args() const {
  int n = 0;
  for (const auto& a : arguments(0, 0)) n += a.cls == GuestArg::Class::Word;
  return n;
}

int ProbeFunction::float_args() const {
  int n = 0;
  for (const auto& a : arguments(0, 0)) n += a.cls == GuestArg::Class::Float64;
  return n;
}

bool ProbeProgram::has(std::string_view role) const {
  for (const auto& f : functions)
    if (f.role == role) return true;
  return false;
}

uint64_t ProbeProgram::depth_of(const ProbeFunction& fn, uint64_t scenario_depth) const {
  return fn.depth ? fn.depth : depth ? depth : scenario_depth;
}

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
