// Checks of one value against what a suite's snapshot says it must be: each
// passes, or fails as a Finding in Go's terms (register, g, or a field of a runtime
// object), blamed on the instruction or store behind it when the run logs them.
// And the func value a suite hands its trampoline.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "emu/arch_spec.hpp"
#include "runtime_model/fields.hpp"

namespace gotramp::model {

class Harness;

// A register against want (compared at the row's register width); what: "g at
// fn's entry"; from: where want comes from; pc: where the check is made.
void expect_register(Harness& h, const std::string& check, const emu::Reg& r, const std::string& what, uint64_t want,
                     const std::string& from, uint64_t pc);
// The current g, in its register or its TLS slot; when: "at fn's entry".
void expect_g(Harness& h, const std::string& check, const std::string& when, uint64_t want, const std::string& from,
              uint64_t pc);
// A field of a runtime object (field: "g.sched.pc") against want.
void expect_field(Harness& h, const std::string& check, const std::string& field, uint64_t want, const Slot& slot,
                  const std::string& from, uint64_t pc);

// A func value on the arena's heap whose code is `code`; a closure's carries the
// word `captured` (through the probe program's env object, or as funcval.x).
uint64_t new_func_value(Harness& h, uint64_t code, std::optional<uint64_t> captured);
// The word a closure new_func_value made captured, read as its code would.
uint64_t captured_word(Harness& h, uint64_t func_value);

}  // namespace gotramp::model
