// Integers in a guest's byte order. Every value that crosses between host and guest
// goes through these two functions.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

#include "emu/arch_spec.hpp"

namespace gotramp::emu {

inline uint64_t load_uint(const uint8_t* p, int width, ByteOrder order) {
  const bool swap = (order == ByteOrder::Big) == (std::endian::native == std::endian::little);
  switch (width) {
    case 1:
      return p[0];
    case 2: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      return swap ? __builtin_bswap16(v) : v;
    }
    case 4: {
      uint32_t v;
      std::memcpy(&v, p, 4);
      return swap ? __builtin_bswap32(v) : v;
    }
    case 8: {
      uint64_t v;
      std::memcpy(&v, p, 8);
      return swap ? __builtin_bswap64(v) : v;
    }
  }
  uint64_t v = 0;  // odd widths, byte by byte
  for (int i = 0; i < width; i++) v |= uint64_t{p[i]} << (order == ByteOrder::Little ? 8 * i : 8 * (width - 1 - i));
  return v;
}

inline void store_uint(uint8_t* p, int width, ByteOrder order, uint64_t v) {
  const bool swap = (order == ByteOrder::Big) == (std::endian::native == std::endian::little);
  switch (width) {
    case 1:
      p[0] = static_cast<uint8_t>(v);
      return;
    case 2: {
      uint16_t x = swap ? __builtin_bswap16(static_cast<uint16_t>(v)) : static_cast<uint16_t>(v);
      std::memcpy(p, &x, 2);
      return;
    }
    case 4: {
      uint32_t x = swap ? __builtin_bswap32(static_cast<uint32_t>(v)) : static_cast<uint32_t>(v);
      std::memcpy(p, &x, 4);
      return;
    }
    case 8: {
      uint64_t x = swap ? __builtin_bswap64(v) : v;
      std::memcpy(p, &x, 8);
      return;
    }
  }
  for (int i = 0; i < width; i++)
    p[i] = static_cast<uint8_t>(v >> (order == ByteOrder::Little ? 8 * i : 8 * (width - 1 - i)));
}

inline uint64_t width_mask(int width) { return width >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * width)) - 1; }

}  // namespace gotramp::emu
