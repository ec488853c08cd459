// CallFrame: where a Go call's arguments and result go, under ABI0 or the register
// ABI (ABIInternal, Go's abi-internal.md), as the host lays out a call into guest
// code. Offsets count from the callee's first argument slot (its entry SP plus the
// row's arg0_offset), as the compiler numbers a frame's incoming arguments.
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

#include "emu/arch_spec.hpp"

namespace gotramp::model {

// The Go ABIs the host calls guest code with: ABI0 (arguments and results in stack
// slots above the return address) and ABIInternal (the register ABI, where the
// profile's runtime uses it: arguments and results in the row's registers, with
// their stack slots reserved as spill space).
enum class Abi { ABI0, ABIInternal };

// One argument the host passes: a word (int, uintptr, pointer: pointer-sized) or a
// float64, with its bits.
struct GuestArg {
  enum class Class { Word, Float64 } cls = Class::Word;
  uint64_t bits = 0;
  static GuestArg word(uint64_t v) { return {Class::Word, v}; }
  static GuestArg float64(double v) { return {Class::Float64, std::bit_cast<uint64_t>(v)}; }
};

// Where one argument or result lives: a register, or a stack offset.
struct ArgPlace {
  emu::Reg reg;         // valid: in this register
  uint64_t offset = 0;  // else: at this offset from the first argument slot
  bool in_register() const { return reg.valid(); }
};

struct CallFrame {
  std::vector<ArgPlace> args;  // one per argument, in declaration order
  ArgPlace result;             // the (single, word) result
  // ABIInternal: where the spill space of the register arguments starts (after the
  // stack-assigned arguments); ABI0: the end of the results (no spill space).
  uint64_t spill = 0;
  uint64_t size = 0;  // bytes of argument area the caller reserves
};

// The assignment of abi-internal.md (integers to the row's integer argument
// registers in order, floats to its float ones, each sequence on its own, the rest
// on the stack in declaration order; one spill slot per register argument after
// them), or ABI0's (every argument and the result on the stack, each at its type's
// alignment: a word at the pointer size, a float64 at RegSize).
CallFrame assign_call(const emu::ArchSpec& spec, Abi abi, const std::vector<GuestArg>& args);

}  // namespace gotramp::model
