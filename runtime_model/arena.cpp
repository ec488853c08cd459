#include "runtime_model/arena.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace gotramp::model {

Arena::Arena(emu::Engine& e) : e_(e) {
  e_.map(kHeapBase, kHeapSize, emu::kProtRW, emu::Engine::Populate::OnTouch);  // a run uses a few KiB
  e_.map(kG0StackBase, kG0StackSize, emu::kProtRW);
  e_.map(kExitPad, emu::Engine::kPageSize, emu::kProtAll);
  // Stacks are carved from one window: a new slot costs no Unicorn region where
  // the row allows it, and the pages between slots stay unmapped guards.
  e_.reserve(kStackRegion, kStackRegion + kStackRegionSize);
  e_.install_tls(tls_block(), kTlsSize);
  reset();
}

void Arena::reset() {
  for (auto& slot : slots_) slot.live = false;
  high_guard_ = 0;
  next_across_ = true;
  objects_.clear();
  // Keep the TLS block (the 386 descriptor table lives there); zero what the last
  // run allocated.
  e_.fill(kHeapBase + kTlsSize, heap_next_ - (kHeapBase + kTlsSize), 0);
  heap_next_ = kHeapBase + kTlsSize;
  e_.fill(kG0StackBase, kG0StackSize, kG0Poison);
}

uint64_t Arena::alloc(const StructLayout& type, std::string name) {
  uint64_t addr = (heap_next_ + 15) & ~uint64_t{15};
  if (addr + type.size > kHeapBase + kHeapSize)
    throw emu::EmuError(fmt::format("arena: heap full allocating {}", name));
  heap_next_ = addr + type.size;
  objects_.push_back({std::move(name), &type, addr});
  return addr;
}

std::optional<Arena::FieldRef> Arena::field_at(uint64_t addr) const {
  for (const auto& o : objects_) {
    if (addr < o.addr || addr >= o.addr + o.type->size) continue;
    if (auto at = o.type->at(addr - o.addr))
      return FieldRef{fmt::format("{}.{}", o.name, at->path), at->field, o.addr + at->field_offset};
    return FieldRef{o.name, nullptr, o.addr};
  }
  return std::nullopt;
}

void Arena::place_stacks_across_sign_bit(uint64_t guard) {
  high_guard_ = guard;
  next_across_ = true;
}

// A slot not in use holds kFreedStackPoison whole (map_slot, alloc_across,
// stackfree): what a stack holds never depends on the runs that used its slot
// before (a failed run is run again to blame it).
StackSpan Arena::stackalloc(uint64_t n) {
  StackSpan s = take_slot(n);
  e_.fill(s.lo, n, 0);  // zeroed, as fresh memory is
  return s;
}

StackSpan Arena::stackalloc_for_copy(uint64_t n) { return take_slot(n); }

StackSpan Arena::take_slot(uint64_t n) {
  if (n == 0 || (n & (n - 1)) != 0) throw emu::EmuError(fmt::format("arena: stack size {} is not a power of 2", n));
  const bool high = high_guard_ != 0;
  if (high && std::exchange(next_across_, !next_across_)) return alloc_across(n);
  for (auto& slot : slots_)
    if (!slot.live && !slot.across && slot.span.size() == n && (slot.span.lo >= kAboveSignBit) == high) {
      slot.live = true;
      return slot.span;
    }
  StackSpan s =
      high ? map_slot(n, above_next_, kHighRegionEnd) : map_slot(n, stack_next_, kStackRegion + kStackRegionSize);
  slots_.push_back({s, true, false});
  return s;
}

// A new slot of n bytes at next, below end, with an unmapped page above it.
StackSpan Arena::map_slot(uint64_t n, uint64_t& next, uint64_t end) {
  const uint64_t page = emu::Engine::kPageSize;
  uint64_t mapped = (n + page - 1) / page * page;
  if (next + mapped > end) throw emu::EmuError(fmt::format("arena: no room for a {}-byte stack", n));
  e_.carve(next, mapped, kFreedStackPoison);
  // The stack sits at the top of its pages so that the unmapped page above hi
  // catches reads past the top.
  StackSpan s{next + mapped - n, next + mapped};
  next += mapped + page;
  return s;
}

// The high-stack world's stack across 0x80000000: stack.lo + guard 64 bytes below
// it. Only one lives at a time (the stacks alternate), so the slot is reused at
// whatever size comes next.
StackSpan Arena::alloc_across(uint64_t n) {
  const uint64_t lo = (kSignBit - high_guard_ - 64) & ~uint64_t{63};
  const uint64_t hi = lo + n;
  if (hi > kAboveSignBit) throw emu::EmuError(fmt::format("arena: no room for a {}-byte stack across 0x80000000", n));
  std::erase_if(slots_, [](const Slot& s) {
    if (s.across && s.live) throw emu::EmuError("arena: two stacks across 0x80000000 at once");
    return s.across;
  });
  if (lo < kAcrossWindow) throw emu::EmuError(fmt::format("arena: a stack guard of {} bytes", high_guard_));
  if (!std::exchange(across_mapped_, true)) e_.map(kAcrossWindow, kAboveSignBit - kAcrossWindow, emu::kProtRW);
  StackSpan s{lo, hi};
  e_.fill(lo, n, kFreedStackPoison);  // as any slot not in use, whatever the last stack across left
  slots_.push_back({s, true, true});
  return s;
}

void Arena::stackfree(StackSpan s) {
  for (auto& slot : slots_)
    if (slot.live && slot.span.lo == s.lo) {
      slot.live = false;
      e_.fill(s.lo, s.size(), kFreedStackPoison);
      return;
    }
  throw emu::EmuError(fmt::format("arena: stackfree of a stack not allocated: [{:#x}, {:#x})", s.lo, s.hi));
}

std::optional<StackSpan> Arena::stack_containing(uint64_t addr) const {
  if (g0_stack().contains(addr)) return g0_stack();
  for (const auto& slot : slots_)
    if (slot.live && slot.span.contains(addr)) return slot.span;
  return std::nullopt;
}

}  // namespace gotramp::model
