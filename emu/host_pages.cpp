#include "emu/host_pages.hpp"

#include <fmt/format.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

#include "emu/engine.hpp"

namespace gotramp::emu::host_pages {

namespace {

// What the pool keeps at most: far more than two engines at a time hold (measured:
// 0.85 MiB of stacks per engine for the probe's six recursions, 1.1 MiB for every
// scenario).
constexpr size_t kCap = 64u << 20;

struct Pool {
  std::mutex mu;
  std::multimap<size_t, void*> free;
  size_t kept = 0;
  std::multimap<size_t, Block> lazy;  // by size
  size_t lazy_kept = 0;               // their dirty bytes
};

Pool& pool() {
  static Pool* p = new Pool;  // never destroyed: engines may close during exit
  return *p;
}

}  // namespace

void* take(size_t n) {
  {
    Pool& p = pool();
    std::lock_guard lock(p.mu);
    if (auto it = p.free.find(n); it != p.free.end()) {
      void* m = it->second;
      p.free.erase(it);
      p.kept -= n;
      std::memset(m, 0, n);  // as a fresh mapping: runs never see the last engine's bytes
      return m;
    }
  }
  void* m = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (m == MAP_FAILED) throw EmuError(fmt::format("host memory for {} bytes: {}", n, std::strerror(errno)));
  return m;
}

void give(void* m, size_t n) {
  Pool& p = pool();
  {
    std::lock_guard lock(p.mu);
    if (p.kept + n <= kCap) {
      p.free.emplace(n, m);
      p.kept += n;
      return;
    }
  }
  munmap(m, n);
}

Block take_lazy(size_t n) {
  {
    Pool& p = pool();
    std::lock_guard lock(p.mu);
    if (auto it = p.lazy.find(n); it != p.lazy.end()) {
      Block b = it->second;
      p.lazy.erase(it);
      p.lazy_kept -= b.dirty;
      return b;
    }
  }
  void* m = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED) throw EmuError(fmt::format("host address space for {} bytes: {}", n, std::strerror(errno)));
  return Block{m, n, 0};
}

void give_lazy(Block b) {
  Pool& p = pool();
  {
    std::lock_guard lock(p.mu);
    if (p.lazy_kept + b.dirty <= kCap) {
      p.lazy.emplace(b.n, b);
      p.lazy_kept += b.dirty;
      return;
    }
  }
  munmap(b.p, b.n);
}

}  // namespace gotramp::emu::host_pages
