#include "runtime_model/write_barrier.hpp"

namespace gotramp::model {

const char* gc_phase_name(GcPhase p) { return p == GcPhase::Marking ? "marking" : "off"; }

void WriteBarrier::barrier(uint64_t slot, uint64_t ptr) {
  if (!enabled()) return;
  shade(e_.read_ptr(slot));
  shade(ptr);
  for (auto& w : unbarriered_)
    if (w.slot == slot && w.value == ptr && !w.lost) w.repaired = true;
}

bool WriteBarrier::guest_store(uint64_t slot, uint64_t value, UnbarrieredWrite w) {
  if (!enabled()) return true;
  auto it = announced_.find(slot);
  if (it != announced_.end() && it->second == value) {
    announced_.erase(it);
    return true;
  }
  // nil over nil hides nothing from the collector.
  if (w.old == 0 && value == 0) return true;
  w.slot = slot;
  w.value = value;
  // A value already shaded cannot be lost by this store.
  w.repaired = value == 0 || shaded_.contains(value);
  unbarriered_.push_back(std::move(w));
  return false;
}

std::vector<UnbarrieredWrite> WriteBarrier::safe_point() {
  std::vector<UnbarrieredWrite> lost;
  for (auto& w : unbarriered_) {
    if (w.repaired || w.lost) continue;
    w.lost = true;
    lost.push_back(w);
  }
  return lost;
}

}  // namespace gotramp::model
