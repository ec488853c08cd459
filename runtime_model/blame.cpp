// Blame: a Finding about a slot or field names the guest store that caused it.
// A failed run is run again with a log of the guest stores each trampoline makes
// (runs are deterministic, so it fails the same way); each Finding about guest
// memory then looks, among the stores made since its growth's trampoline was
// entered, for the last one that touched the slot, and for where the expected
// value went instead.
#include <fmt/format.h>

#include <algorithm>

#include "emu/byte_order.hpp"
#include "emu/elf_image.hpp"
#include "runtime_model/machine.hpp"
#include "runtime_model/machine_run.hpp"

namespace gotramp::model {

const emu::LineTable* Machine::lines() {
  if (!lines_) {
    try {
      lines_ =
          std::make_unique<emu::LineTable>(emu::LineTable::load(image_.path(), prof_->line_files, prof_->source_roots));
    } catch (const emu::ElfError&) {
      lines_ = std::make_unique<emu::LineTable>();  // no DWARF: no source lines
    }
  }
  return lines_.get();
}

void Machine::log_stores_start() {
  Run& r = *run_;
  r.stores.clear();
  r.stores_dropped = false;
  r.store_hook = engine_.on_write(1, 0, [this](uint64_t addr, int size, uint64_t value) {
    Run& run = *run_;
    if (!run.entry) return;  // between growths: nothing a Finding can blame
    if (run.stores.size() == Run::kMaxStores) {
      run.stores.erase(run.stores.begin(), run.stores.begin() + Run::kMaxStores / 2);
      run.stores_dropped = true;
    }
    run.stores.push_back({engine_.pc(), engine_.sp(), addr, size, value & emu::width_mask(size)});
  });
}

void Machine::log_stores_stop() { engine_.remove_hook(*run_->store_hook); }

// The instruction at pc as a porter reads it: symbol, source line and its text.
void Machine::describe_store(uint64_t pc, std::string& where, std::string& source, std::string& text) {
  where = image_.describe(pc);
  if (auto line = lines()->at(pc)) {
    source = fmt::format("{}:{}", line->short_name(), line->line);
    text = lines()->text(*line).value_or("");
  }
}

Cause Machine::store_cause(uint64_t pc, uint64_t value) {
  Cause c;
  c.kind = Cause::Kind::WrongStore;
  c.pc = pc;
  c.value = value;
  describe_store(pc, c.where, c.source, c.text);
  return c;
}

Cause::Elsewhere Machine::elsewhere(const LoggedStore& s, uint64_t value, int growth) {
  Cause::Elsewhere e;
  e.addr = s.addr;
  e.value = value;
  e.slot = store_meaning(s.addr, growth, s.sp);
  if (e.slot.empty()) e.slot = fmt::format("{:#x}", s.addr);
  e.pc = s.pc;
  describe_store(s.pc, e.where, e.source, e.text);
  return e;
}

void Machine::blame(Finding& f, std::optional<uint64_t> want) {
  Run& r = *run_;
  if (!r.opt.log_stores || f.size <= 0) return;
  const auto& log = r.stores;  // the stores since the trampoline was entered
  auto overlaps = [&](const LoggedStore& s) { return s.addr < f.addr + f.size && f.addr < s.addr + s.size; };
  // The first `size` bytes a store wrote, as a value: its high bytes on big-endian rows.
  auto leading = [&](const LoggedStore& s, int size) {
    const uint64_t v = spec_.order == emu::ByteOrder::Big ? s.value >> (8 * (s.size - size)) : s.value;
    return v & emu::width_mask(size);
  };
  auto right = [&](const LoggedStore& s) {
    return s.addr == f.addr && s.size >= f.size && want && leading(s, f.size) == *want;
  };

  Cause c;
  auto last = std::find_if(log.rbegin(), log.rend(), overlaps);
  if (last == log.rend() && r.stores_dropped) return;  // it may have been stored before the log starts
  if (last != log.rend()) {
    c = store_cause(last->pc, last->value);
    auto right_first = std::find_if(last + 1, log.rend(), right);
    if (right_first != log.rend()) {
      c.kind = Cause::Kind::ClobberedBy;
      c.overwritten = elsewhere(*right_first, *want, f.growth);
    }
  }
  // Where the expected value went: a word-sized store of it to another slot. Zero
  // is every cleared word's value, so it tells nothing; and fields of g, m and p
  // are checked on their own (g.sched.lr rightly holds what m.morebuf.pc should).
  if (want && *want != 0 && c.kind != Cause::Kind::ClobberedBy) {
    auto went = std::find_if(log.begin(), log.end(), [&](const LoggedStore& s) {
      return s.addr != f.addr && s.size >= spec_.ptr_size && leading(s, spec_.ptr_size) == *want &&
             !arena_.field_at(s.addr);
    });
    if (went != log.end()) c.instead = elsewhere(*went, *want, f.growth);
  }
  f.cause = std::move(c);
}

}  // namespace gotramp::model
