// Integers in a guest's byte order. Every value that crosses between host and guest
// goes through these two functions.
#pragma once

#include <cstdint>

#include "emu/arch_spec.hpp"

namespace gotramp::emu {

inline uint64_t load_uint(const uint8_t* p, int width, ByteOrder order) {
  uint64_t v = 0;
  for (int i = 0; i < width; i++) {
    int shift = order == ByteOrder::Little ? 8 * i : 8 * (width - 1 - i);
    v |= uint64_t{p[i]} << shift;
  }
  return v;
}

inline void store_uint(uint8_t* p, int width, ByteOrder order, uint64_t v) {
  for (int i = 0; i < width; i++) {
    int shift = order == ByteOrder::Little ? 8 * i : 8 * (width - 1 - i);
    p[i] = static_cast<uint8_t>(v >> shift);
  }
}

inline uint64_t width_mask(int width) { return width >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * width)) - 1; }

}  // namespace gotramp::emu
