#pragma once
// Host memory behind the guest mappings a run writes whole (stacks), kept when an
// engine closes for the next one to take. A process verifies GOARCH after GOARCH,
// one engine each, and each fresh page costs a fault, a clear and an unmap.
#include <cstddef>

namespace gotramp::emu::host_pages {

// n bytes (a multiple of the page size), zeroed as a fresh mapping is and
// resident; throws EmuError when the host has no memory to give.
void* take(size_t n);

// Memory from take(), for the next take() of the same size; past the pool's cap it
// is unmapped.
void give(void* p, size_t n);

// Address space for a reserved window (Engine::reserve): n bytes of which only the
// pages a run touches are ever backed. Bytes below `dirty` may hold what a closed
// engine left there, so its taker overwrites what it opens of them; the rest are
// pages never touched, zero already.
struct Block {
  void* p = nullptr;
  size_t n = 0;
  size_t dirty = 0;
};
Block take_lazy(size_t n);
// A block from take_lazy(), for the next take_lazy() of the same size; past the
// pool's cap (counted in dirty bytes) it is unmapped.
void give_lazy(Block b);

}  // namespace gotramp::emu::host_pages
