// ContentHash: FNV-1a over a sequence of strings, a stable key for build caches
// (the same inputs give the same key in every process and on every machine).
#pragma once

#include <cstdint>
#include <string_view>

namespace gotramp::toolchain {

struct ContentHash {
  uint64_t h = 0xcbf29ce484222325ULL;
  void add(std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
    h = (h ^ 0xff) * 0x100000001b3ULL;  // separator: ("ab", "c") differs from ("a", "bc")
  }
};

}  // namespace gotramp::toolchain
