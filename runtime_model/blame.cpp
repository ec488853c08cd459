// Blame: a Finding about a slot or field names the guest store that caused it.
// A failed run is run again with every guest store logged (runs are
// deterministic, so it fails the same way); each Finding about guest memory then
// looks, among the stores made since its growth's trampoline was entered, for the
// last one that touched the slot, and for where the expected value went instead.
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
      lines_ = std::make_unique<emu::LineTable>(emu::LineTable::load(image_.path()));
    } catch (const emu::ElfError&) {
      lines_ = std::make_unique<emu::LineTable>();  // no DWARF: no source lines
    }
  }
  return lines_.get();
}

void Machine::log_stores_start() {
  Run& r = *run_;
  r.stores.clear();
  r.stores.reserve(1 << 16);
  r.store_hook = engine_.on_write(1, 0, [this](uint64_t addr, int size, uint64_t value) {
    run_->stores.push_back({engine_.pc(), engine_.sp(), addr, size, value & emu::width_mask(size)});
  });
}

void Machine::log_stores_stop() { engine_.remove_hook(run_->store_hook); }

void Machine::blame(Finding& f, std::optional<uint64_t> want) {
  Run& r = *run_;
  if (!r.opt.log_stores || f.size <= 0) return;
  const auto& log = r.stores;
  const size_t from = std::min(r.stores_at_entry, log.size());
  auto overlaps = [&](const Run::Store& s) { return s.addr < f.addr + f.size && f.addr < s.addr + s.size; };
  auto exactly = [&](const Run::Store& s) {
    return s.addr == f.addr && s.size >= f.size && want && (s.value & emu::width_mask(f.size)) == *want;
  };
  auto site = [&](uint64_t pc, std::string& where, std::string& source, std::string& text) {
    where = image_.describe(pc);
    if (auto line = lines()->at(pc)) {
      source = fmt::format("{}:{}", line->short_name(), line->line);
      text = lines()->text(*line).value_or("");
    }
  };

  Cause c;
  std::optional<size_t> last;
  for (size_t i = log.size(); i-- > from;)
    if (overlaps(log[i])) {
      last = i;
      break;
    }
  if (last) {
    const Run::Store& s = log[*last];
    bool stored_right_first = false;
    for (size_t i = from; i < *last; i++) stored_right_first = stored_right_first || exactly(log[i]);
    c.kind = stored_right_first ? Cause::Kind::ClobberedBy : Cause::Kind::WrongStore;
    c.pc = s.pc;
    c.value = s.value;
    site(s.pc, c.where, c.source, c.text);
  }
  // Where the expected value went: a word-sized store of it to another slot. Zero
  // is every cleared word's value, so it tells nothing; and fields of g, m and p
  // are checked on their own (g.sched.lr rightly holds what m.morebuf.pc should).
  if (want && *want != 0 && c.kind != Cause::Kind::ClobberedBy) {
    for (size_t i = from; i < log.size(); i++) {
      const Run::Store& s = log[i];
      if (s.addr == f.addr || s.size < spec_.ptr_size || (s.value & emu::width_mask(spec_.ptr_size)) != *want ||
          arena_.field_at(s.addr))
        continue;
      Cause::Elsewhere e;
      e.addr = s.addr;
      e.slot = store_meaning(s.addr, f.growth, s.sp);
      if (e.slot.empty()) e.slot = fmt::format("{:#x}", s.addr);
      e.pc = s.pc;
      site(s.pc, e.where, e.source, e.text);
      c.instead = std::move(e);
      break;
    }
  }
  f.cause = std::move(c);
}

}  // namespace gotramp::model
