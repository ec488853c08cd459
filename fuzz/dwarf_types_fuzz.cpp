// libFuzzer target: emu::DwarfTypes::read_memory on arbitrary bytes, asking for
// the runtime's structs by their Go names and for the seeds' C structs by theirs,
// then resolving nested member paths. It returns layouts or throws DwarfError;
// it never crashes, reads out of bounds (ASan) or hangs.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "emu/dwarf_types.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::string> names = {
      "runtime.g", "runtime.m", "runtime.gobuf", "runtime.stack", "runtime.funcval", "g", "m", "gobuf", "stack"};
  // libelf may write into an image it parses (byte-order conversion): hand it a copy.
  std::vector<uint8_t> image(data, data + size);
  try {
    gotramp::emu::DwarfTypes t = gotramp::emu::DwarfTypes::read_memory(image, "fuzz", names);
    for (const char* outer : {"runtime.g", "g", "runtime.m", "m"})
      for (const char* path : {"sched.ctxt", "stack.hi", "morebuf.pc", "g0", "sched"}) {
        try {
          (void)t.field(outer, path);
        } catch (const gotramp::emu::DwarfError&) {
        }
      }
  } catch (const gotramp::emu::DwarfError&) {
  }
  return 0;
}
