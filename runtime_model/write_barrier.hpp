// Go 1.8's hybrid write barrier, as far as pointer writes the host makes on the
// guest's behalf: while the GC is marking, a pointer write shades both the value it
// overwrites (Yuasa deletion barrier) and the value it writes (Dijkstra insertion
// barrier). The shade set records what the collector would have greyed.
#pragma once

#include <cstdint>
#include <set>

#include "emu/engine.hpp"

namespace gotramp::model {

enum class GcPhase { Off, Marking };

class WriteBarrier {
 public:
  explicit WriteBarrier(emu::Engine& e) : e_(e) {}

  void set_phase(GcPhase p) { phase_ = p; }
  GcPhase phase() const { return phase_; }
  bool enabled() const { return phase_ == GcPhase::Marking; }

  // *slot = ptr with the barrier (a Go pointer assignment).
  void write(uint64_t slot, uint64_t ptr) {
    prewrite(slot, ptr);
    e_.write_ptr(slot, ptr);
  }
  // writebarrierptr_prewrite(slot, ptr): the barrier without the store.
  void prewrite(uint64_t slot, uint64_t ptr) {
    if (!enabled()) return;
    shade(e_.read_ptr(slot));
    shade(ptr);
  }
  void shade(uint64_t obj) {
    if (obj != 0) shaded_.insert(obj);
  }
  const std::set<uint64_t>& shaded() const { return shaded_; }
  void reset() { shaded_.clear(); }

 private:
  emu::Engine& e_;
  GcPhase phase_ = GcPhase::Off;
  std::set<uint64_t> shaded_;
};

}  // namespace gotramp::model
