// libFuzzer target: emu::ElfImage::load on arbitrary bytes. Whatever the file
// holds, the loader returns an image or throws ElfError; it never crashes, reads
// out of bounds (ASan) or hangs. The bytes reach the loader as a file, as a
// user's binary does, through a memfd.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "emu/elf_image.hpp"

namespace {

int memfd() {
  static int fd = memfd_create("gotramp-fuzz-elf", 0);
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int fd = memfd();
  if (fd < 0 || ftruncate(fd, 0) != 0) return 0;
  if (size > 0 && pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) return 0;
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  try {
    gotramp::emu::ElfImage img = gotramp::emu::ElfImage::load(path);
    // Walk what the loader exposes, as the engine and the tracer do.
    for (const auto& s : img.segments()) (void)img.bytes(s);
    if (auto f = img.find_func("main.morestack")) (void)img.describe(f->addr + 1);
    for (const auto& s : img.segments()) (void)img.describe(s.vaddr), (void)img.containing(s.vaddr);
    (void)img.symbol("main.sum");
  } catch (const gotramp::emu::ElfError&) {
  }
  return 0;
}
