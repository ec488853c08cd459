// ProbeProgram: the guest program a run exercises, described apart from the runtime
// it runs on. It names the functions with a stack-split prologue that scenarios ask
// for (by role), how a run enters them, how deep they recurse, what they return, and
// the closure object the context register points at. Two programs exist: the Go 1.8
// transcriptions' guest_asm/<arch>/funcs.s, entered through their own stubs, and
// probe/main.go as a real toolchain builds it, called by the host as Go's ABI wants.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "emu/arch_spec.hpp"
#include "runtime_model/call_frame.hpp"
#include "runtime_model/fields.hpp"
#include "runtime_model/layout.hpp"

namespace gotramp::model {

// The word the transcriptions' closure captures (funcval.x).
inline constexpr uint64_t kTranscriptionCaptured = 0x5eed0c7f;

// One function of the program.
struct ProbeFunction {
  std::string role;      // what scenarios ask for: "closure", "sum"
  std::string symbol;    // its qualified Go name: "main.newClosure.func1"
  bool closure = false;  // reached through a funcval in the context register
  // The compiler's stack-split prologue class its frame falls in: at most
  // StackSmall, up to StackBig, or beyond (cmd/internal/obj's three compares).
  enum class Frame { Small, Medium, Huge } frame = Frame::Small;
  // How deep it recurses, when the program fixes it (0: the program's depth).
  uint64_t depth = 0;
  // GuestStub programs: the stub that calls it (reading main.depth, storing main.result).
  std::string entry_stub;
  // Its arguments for depth n and the captured word k, in Go's declaration order,
  // as the host passes them (HostCall programs; a stub passes its own).
  std::function<std::vector<GuestArg>(uint64_t n, uint64_t k)> arguments;
  // What it returns for depth n and the captured word k (before the pointer-width wrap).
  std::function<uint64_t(uint64_t n, uint64_t k)> result;

  // Its parameters by class: under the register ABI the integer ones go to the row's
  // integer argument registers in order, the float ones to its float argument
  // registers, as far as each sequence reaches.
  int int_args() const;
  int float_args() const;
};

// "small", "medium", "huge".
const char* frame_class_name(ProbeFunction::Frame f);
// The class of a frame of `frame` bytes: at most stack_small, at most stack_big, or beyond.
ProbeFunction::Frame frame_class(uint64_t frame, uint64_t stack_small, uint64_t stack_big);

struct ProbeProgram {
  std::string name;  // "guest_asm funcs.s", "probe/main.go"
  // How a run enters Go code. GuestStub: the function's entry stub sets up the call,
  // stores the result in main.result and returns to main.harness_exit, where the run
  // ends. HostCall: the host calls the function itself, as Go's ABI wants it, and
  // reads the result where the ABI returns it.
  enum class Entry { GuestStub, HostCall } entry = Entry::GuestStub;
  uint64_t captured = 0;  // the word each closure level reads
  uint64_t depth = 0;     // recursion depth the program fixes; 0: the scenario's
  // The closure object the context register points at: fn, then what it captured.
  std::shared_ptr<const StructLayout> closure;
  // What the closure captured, when it is an object of its own (the probe's
  // *main.probeEnv: k, the word each level reads, and self, the closure); null when
  // the closure holds the word itself (the transcriptions' funcval.x).
  std::shared_ptr<const StructLayout> env;
  ProbeFields fields;  // handles into closure and env, resolved once
  std::vector<ProbeFunction> functions;

  // The function playing a role; throws std::out_of_range naming the role.
  const ProbeFunction& function(std::string_view role) const;
  bool has(std::string_view role) const;
  // How deep a function recurses in a scenario asking for scenario_depth.
  uint64_t depth_of(const ProbeFunction& fn, uint64_t scenario_depth) const;
};

// guest_asm/<arch>/funcs.s (guest_asm/README.md), for an ArchSpec row (cached).
std::shared_ptr<const ProbeProgram> transcription_program(const emu::ArchSpec& spec);
// probe/main.go as its header comment describes it, for an ArchSpec row (cached).
std::shared_ptr<const ProbeProgram> real_probe_program(const emu::ArchSpec& spec);

}  // namespace gotramp::model
