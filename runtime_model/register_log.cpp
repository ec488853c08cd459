#include "runtime_model/register_log.hpp"

namespace gotramp::model {

void RegisterLog::start(emu::Engine& e, std::vector<emu::Reg> regs) {
  e_ = &e;
  regs_ = std::move(regs);
  values_.assign(regs_.size(), 0);
  writes_.assign(regs_.size(), std::nullopt);
  open_ = false;
  hook_ = e.on_code_range(1, 0, [this](uint64_t pc) { on_insn(pc); });
}

void RegisterLog::stop(emu::Engine& e) {
  if (hook_) e.remove_hook(*hook_);
  hook_.reset();
  open_ = false;
}

void RegisterLog::open_window() {
  open_ = true;
  first_pc_ = last_pc_ = 0;
  for (size_t i = 0; i < regs_.size(); i++) values_[i] = e_->reg(regs_[i]), writes_[i].reset();
}

void RegisterLog::settle() {
  if (!open_ || last_pc_ == 0) return;
  for (size_t i = 0; i < regs_.size(); i++) {
    const uint64_t v = e_->reg(regs_[i]);
    if (v != values_[i]) writes_[i] = Write{last_pc_, v}, values_[i] = v;
  }
}

// Before each instruction: what the one before it changed.
void RegisterLog::on_insn(uint64_t pc) {
  if (!open_) return;
  settle();
  if (first_pc_ == 0) first_pc_ = pc;
  last_pc_ = pc;
}

std::optional<RegisterLog::Write> RegisterLog::last_write(int uc) const {
  for (size_t i = 0; i < regs_.size(); i++)
    if (regs_[i].uc == uc) return writes_[i];
  return std::nullopt;
}

}  // namespace gotramp::model
