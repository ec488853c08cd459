// Go 1.8's hybrid write barrier, as the model needs it. While the GC is marking, a
// pointer write shades both the value it overwrites (Yuasa's deletion barrier) and
// the value it writes (Dijkstra's insertion barrier); the shade set records what
// the collector would have greyed. Guest stores into pointer slots of heap objects
// are audited: a store the guest announced through writebarrierptr_prewrite is
// barriered; any other is an unbarriered pointer write, which must be repaired
// (its value shaded) before the goroutine reaches a safe point, or the object it
// installed can be freed while still referenced: a lost write barrier.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "emu/engine.hpp"

namespace gotramp::model {

enum class GcPhase { Off, Marking };
const char* gc_phase_name(GcPhase p);

// A guest store into a pointer slot of a heap object that no barrier covered.
struct UnbarrieredWrite {
  uint64_t pc = 0;
  std::string where;  // "main.morestack+0x3c"
  std::string insn;
  std::string field;  // "g.sched.ctxt"
  uint64_t slot = 0, old = 0, value = 0;
  int growth = 0;
  bool repaired = false;  // its value was shaded before the next safe point
  bool lost = false;      // a safe point came first, with the value still unshaded
};

class WriteBarrier {
 public:
  explicit WriteBarrier(emu::Engine& e) : e_(e) {}

  void set_phase(GcPhase p) { phase_ = p; }
  GcPhase phase() const { return phase_; }
  bool enabled() const { return phase_ == GcPhase::Marking; }

  // *slot = ptr, as Go code writes a pointer: the barrier, then the store.
  void write(uint64_t slot, uint64_t ptr) {
    barrier(slot, ptr);
    e_.write_ptr(slot, ptr);
  }
  // The barrier without a store (writebarrierptr_nostore): shades the slot's
  // current value and ptr; an unbarriered write of ptr to the slot is repaired.
  void barrier(uint64_t slot, uint64_t ptr);
  // writebarrierptr_prewrite, called by guest code just before it stores ptr to
  // slot: the barrier, and that store counts as barriered.
  void prewrite(uint64_t slot, uint64_t ptr) {
    barrier(slot, ptr);
    if (enabled()) announced_[slot] = ptr;
  }

  // A guest store into a pointer slot (called before the store lands). Returns
  // true when a barrier covered it.
  bool guest_store(uint64_t slot, uint64_t value, UnbarrieredWrite w);
  // A safe point: every unbarriered write not repaired by now is lost. Returns the
  // writes newly found lost.
  std::vector<UnbarrieredWrite> safe_point();

  const std::set<uint64_t>& shaded() const { return shaded_; }
  const std::vector<UnbarrieredWrite>& unbarriered() const { return unbarriered_; }

 private:
  void shade(uint64_t obj) {
    if (obj != 0) shaded_.insert(obj);
  }
  emu::Engine& e_;
  GcPhase phase_ = GcPhase::Off;
  std::set<uint64_t> shaded_;
  std::map<uint64_t, uint64_t> announced_;  // slot -> value a barrier covered
  std::vector<UnbarrieredWrite> unbarriered_;
};

}  // namespace gotramp::model
