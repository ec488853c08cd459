// RegisterLog: which guest instruction last wrote each register, inside windows the
// harness opens (from gogo's first instruction until the goroutine restarted, for
// morestack), for blame: a Finding about a register names the instruction that
// loaded the wrong value, or says that none did. Off the fast path: it hooks every
// instruction, and only blamed re-runs make one.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "emu/arch_spec.hpp"
#include "emu/engine.hpp"

namespace gotramp::model {

class RegisterLog {
 public:
  struct Write {
    uint64_t pc = 0;     // the instruction that wrote the register
    uint64_t value = 0;  // what it wrote
  };

  // Follows `regs` (by Unicorn id) from here on; windows start closed.
  void start(emu::Engine& e, std::vector<emu::Reg> regs);
  void stop(emu::Engine& e);
  bool active() const { return hook_.has_value(); }

  // A window opens: writes before it are forgotten.
  void open_window();
  // The register values as they are now belong to the last instruction that ran
  // (a check in a block hook runs before the block's first instruction is seen).
  void settle();
  void close_window() { open_ = false; }
  bool in_window() const { return open_; }

  // The last write to a register inside the window, if any.
  std::optional<Write> last_write(int uc) const;
  // The window's first instruction and the last one that ran in it.
  uint64_t first_pc() const { return first_pc_; }
  uint64_t last_pc() const { return last_pc_; }

 private:
  void on_insn(uint64_t pc);
  emu::Engine* e_ = nullptr;
  std::vector<emu::Reg> regs_;
  std::vector<uint64_t> values_;
  std::vector<std::optional<Write>> writes_;
  bool open_ = false;
  uint64_t first_pc_ = 0, last_pc_ = 0;
  std::optional<emu::Engine::HookId> hook_;
};

}  // namespace gotramp::model
