#include "runtime_model/g0_frame.hpp"

#include <fmt/format.h>

#include "emu/byte_order.hpp"

namespace gotramp::model {

std::optional<uint64_t> G0Frame::word(int64_t off, int width, emu::ByteOrder order) const {
  if (off < 0 || static_cast<size_t>(off) + width > bytes.size()) return std::nullopt;
  return emu::load_uint(bytes.data() + off, width, order);
}

std::vector<SlotCheck> check_calling_sequence(const emu::ArchSpec& spec, const Contract& contract, const G0Frame& f,
                                              const SequenceExpect& want) {
  std::vector<SlotCheck> out;
  auto hex = [](uint64_t v) { return fmt::format("{:#x}", v); };
  auto word = [&](int64_t off, int width) -> std::string {
    auto w = f.word(off, width, spec.order);
    return w ? hex(*w) : "(outside the g0 frame)";
  };
  auto add = [&](std::string check, bool ok, std::string slot, std::string expected, std::string seen) {
    out.push_back({std::move(check), ok, std::move(slot), std::move(expected), std::move(seen)});
  };

  // newstack runs on the scheduler stack, as m.g0.
  add("sp-on-g0-stack", want.g0_stack.contains(f.sp), spec.sp.name,
      fmt::format("in g0 stack [{:#x}, {:#x})", want.g0_stack.lo, want.g0_stack.hi), hex(f.sp));
  add("g-is-g0", f.g == want.g0, "g (current goroutine)", hex(want.g0), hex(f.g));

  // newstack's argument: the context register's value at morestack.
  const int arg0 = spec.arg0_offset();
  if (contract.ctxt_is_argument) {
    auto seen = f.word(arg0, spec.ptr_size, spec.order);
    add("ctxt-argument", seen == want.ctxt, spec.slot(arg0) + " ctxt argument", hex(want.ctxt),
        word(arg0, spec.ptr_size));
  }

  // Under it: a zero saved LR in the fresh frame (link-register machines), or the
  // return PC CALL pushed, which must point back into the trampoline (x86).
  const int slot0 = spec.entry_slot_size();
  auto below = f.word(0, slot0, spec.order);
  if (spec.has_link()) {
    // Only a contract that passes an argument builds a frame on g0.
    if (contract.ctxt_is_argument)
      add("slot-below-arg0", below == 0u, spec.slot(0) + " saved LR (zero)", hex(0), word(0, slot0));
    add("return-pc", want.trampoline.contains(f.link), spec.link.name + " (newstack's return address)",
        "inside " + want.trampoline.name, want.describe_code ? want.describe_code(f.link) : hex(f.link));
  } else {
    bool ok = below && want.trampoline.contains(*below);
    add("slot-below-arg0", ok, spec.slot(0) + " return PC", "a return PC inside " + want.trampoline.name,
        below && want.describe_code ? want.describe_code(*below) : word(0, slot0));
  }
  add("sp-aligned", f.sp % spec.stack_align == 0, spec.sp.name, fmt::format("a multiple of {}", spec.stack_align),
      hex(f.sp));

  // The scheduler's frame above g0.sched.sp belongs to the suspended g0: the
  // trampoline must build its frame below it.
  const uint64_t top = f.g0_sched_sp - f.base;
  size_t off = top;
  while (off < f.bytes.size() && f.bytes[off] == want.g0_poison) off++;
  if (off == f.bytes.size()) {
    add("g0-frame-intact", true, "", "", "");
  } else {
    uint64_t word_off = (off - top) / spec.ptr_size * spec.ptr_size;
    std::vector<uint8_t> poison(8, want.g0_poison);
    add("g0-frame-intact", false, fmt::format("g0 stack at g0.sched.sp+{} (the suspended scheduler's frame)", word_off),
        hex(emu::load_uint(poison.data(), spec.ptr_size, spec.order)), word(top + word_off, spec.ptr_size));
  }
  return out;
}

}  // namespace gotramp::model
