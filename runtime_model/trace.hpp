// Instruction traces of a run, for debugging trampoline frames: every guest
// instruction with its Plan 9 source line, disassembly, the registers it changed
// and the memory it wrote, each store named in Go's terms; the host's newstack as
// one step saying what it did; and the switches between goroutine and g0 stacks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gotramp::model {

struct RegChange {
  std::string name;  // Plan 9 name
  uint64_t before = 0, after = 0;
};

struct RegValue {
  std::string name;  // Plan 9 name
  uint64_t value = 0;
};

struct MemWrite {
  uint64_t addr = 0;
  int size = 0;
  uint64_t value = 0;
  std::string meaning;  // "g.sched.sp", "g0 stack 8(RSP) = ctxt argument"
};

struct TraceStep {
  enum class Kind { Insn, Host, StackSwitch };
  Kind kind = Kind::Insn;
  uint64_t n = 0;  // instruction number in the run (Insn)
  int growth = 0;  // the growth in progress: 0 before the first morestack
  uint64_t pc = 0;
  uint64_t sp = 0;          // SP before the instruction
  std::string where;        // "main.morestack+0x5c"
  std::string source;       // "morestack.s:47"
  std::string source_text;  // that line as written: "MOVD R26, 8(RSP)"
  std::string insn;         // Capstone disassembly
  std::vector<RegChange> regs;
  std::vector<MemWrite> writes;
  std::string text;  // Host and StackSwitch steps
  // With TraceOptions::all_regs: every general register after the step, in the
  // row's order, and how many hex digits a register holds (2 * sys.RegSize).
  std::vector<RegValue> all_regs;
  int reg_digits = 0;
};

struct TraceOptions {
  bool enabled = false;
  bool keep = true;     // keep the steps (false: only the tail before the first failure)
  int growth = 0;       // only the steps around this growth (0: the whole run)
  size_t context = 24;  // instructions kept before the window opens
  size_t tail = 16;     // steps kept before the first failure
  // Trace only from this instruction on (0: from the first). The run gets there
  // untraced, at full speed, then goes on traced: a run that ends on its budget is
  // told from a window before its end without tracing the whole budget.
  uint64_t from_insn = 0;
  bool all_regs = false;  // every general register at every step (trace --regs)
};

struct TraceFormat {
  bool plan9 = false;  // the Plan 9 source text only, without Capstone's disassembly
};

// One line per step, without host addresses (guest addresses are fixed by the
// ELF and the arena, so the output is stable).
// An instruction line reads: number, PC, source line, symbol, the line's Plan 9
// text, Capstone's disassembly of what ran, then what it changed. With all_regs,
// indented lines with every register follow.
std::string format_step(const TraceStep& s, const TraceFormat& how = {});

}  // namespace gotramp::model
