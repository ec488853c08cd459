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

}  // namespace gotramp::emu::host_pages
