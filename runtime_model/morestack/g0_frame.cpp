#include "runtime_model/morestack/g0_frame.hpp"

#include <fmt/format.h>

#include "emu/byte_order.hpp"

#include <algorithm>

namespace gotramp::model {

std::optional<uint64_t> G0Frame::word(int64_t off, int width, emu::ByteOrder order) const {
  if (off < 0 || static_cast<size_t>(off) + width > bytes.size()) return std::nullopt;
  return emu::load_uint(bytes.data() + off, width, order);
}

const char* role_name(FrameSlot::Role r) {
  switch (r) {
    case FrameSlot::Role::ReturnPc:
      return "return-pc";
    case FrameSlot::Role::SavedLr:
      return "saved-lr";
    case FrameSlot::Role::CtxtArgument:
      return "ctxt-argument";
    case FrameSlot::Role::Argument:
      return "argument";
    case FrameSlot::Role::FixedFrame:
      return "fixed-frame";
    case FrameSlot::Role::Padding:
      return "padding";
    case FrameSlot::Role::Scheduler:
      return "scheduler-frame";
    case FrameSlot::Role::GoroutineWord:
      return "goroutine";
  }
  return "?";
}

std::vector<FrameSlot> g0_frame_slots(const emu::ArchSpec& spec, const Contract& contract, const G0Frame& f,
                                      const SequenceExpect& want) {
  std::vector<FrameSlot> out;
  const int64_t frame_size = static_cast<int64_t>(f.g0_sched_sp - f.sp);
  const int arg0 = spec.arg0_offset();
  auto add = [&](int64_t off, int size, FrameSlot::Role role, std::string meaning) {
    auto v = f.word(off, size, spec.order);
    out.push_back({f.sp + off, spec.slot(off), size, v.value_or(0), role, std::move(meaning)});
  };
  int64_t off = 0;
  auto arg_at = [&](int64_t o) {
    return std::find_if(f.roles.args.begin(), f.roles.args.end(), [&](const auto& p) { return p.first == o; });
  };
  while (off < frame_size) {
    if (off == 0 && (!spec.has_link() || arg_at(0) == f.roles.args.end())) {
      // At newstack's entry, 0(SP) is what CALL pushed (x86), or the saved-LR
      // word of the frame the trampoline built for the call (link registers).
      const int size = spec.entry_slot_size();
      if (spec.has_link()) {
        add(0, size, FrameSlot::Role::SavedLr, "saved LR (zero): the frame's return-address word, unused");
      } else {
        auto v = f.word(0, size, spec.order).value_or(0);
        add(0, size, FrameSlot::Role::ReturnPc,
            fmt::format("return PC into {}: ",
                        f.roles.trampoline == "morestack" ? "the trampoline" : f.roles.trampoline) +
                (want.describe_code ? want.describe_code(v) : fmt::format("{:#x}", v)) +
                (f.roles.returns ? fmt::format(" (where {} returns)", f.roles.callee)
                                 : std::string(" (the crash-if-returns instruction)")));
      }
      off += size;
    } else if (auto a = arg_at(off); a != f.roles.args.end()) {
      add(off, spec.ptr_size, FrameSlot::Role::Argument, a->second);
      off += spec.ptr_size;
    } else if (contract.newstack.ctxt_is_argument && off == arg0) {
      add(off, spec.ptr_size, FrameSlot::Role::CtxtArgument,
          fmt::format("ctxt argument: newstack's first argument ({} at morestack)", spec.ctxt.name));
      off += spec.ptr_size;
    } else if (spec.has_link() && off < spec.min_frame) {
      add(off, spec.ptr_size, FrameSlot::Role::FixedFrame, "fixed frame (reserved words of the ABI's FIXED_FRAME)");
      off += spec.ptr_size;
    } else {
      // What a push wider than a pointer leaves (amd64p32's PUSHQ), or alignment.
      int size = static_cast<int>(std::min<int64_t>(spec.ptr_size, frame_size - off));
      add(off, size, FrameSlot::Role::Padding, "padding");
      off += size;
    }
  }
  const int64_t top = static_cast<int64_t>(f.bytes.size());
  for (; off + spec.ptr_size <= top; off += spec.ptr_size) {
    bool intact = true;
    for (int i = 0; i < spec.ptr_size; i++) intact = intact && f.bytes[off + i] == want.g0_poison;
    // The scheduler's first two words, and any word the trampoline clobbered.
    if (intact && off - frame_size >= 2 * spec.ptr_size) continue;
    add(off, spec.ptr_size, FrameSlot::Role::Scheduler,
        fmt::format("scheduler's frame, g0.sched.sp+{}: {}", off - frame_size,
                    intact ? "untouched" : "CLOBBERED by the trampoline"));
  }
  return out;
}

std::vector<FrameSlot> goroutine_slots(const emu::ArchSpec& spec, const G0Frame& f,
                                       const std::function<std::string(uint64_t)>& describe_code) {
  std::vector<FrameSlot> out;
  const auto& gp = f.gp;
  const int w = spec.ptr_size;
  for (size_t i = 0; i + w <= gp.bytes.size(); i += w) {
    const uint64_t addr = gp.base + i;
    const int64_t rel = static_cast<int64_t>(addr - gp.sched_sp);
    uint64_t v = emu::load_uint(gp.bytes.data() + i, w, spec.order);
    std::string meaning;
    const std::string& fn = f.roles.interrupted;
    if (!f.roles.saver.empty()) {
      // g.sched.sp is the trampoline's own SP as it called the saver.
      const std::string& t = f.roles.trampoline;
      if (!spec.has_link() && rel == -static_cast<int64_t>(spec.call_pushes))
        meaning = fmt::format("return PC into {}, pushed by its CALL to {}", t, f.roles.saver);
      else if (rel < 0)
        meaning = fmt::format("below {}'s SP: free", t);
      else
        meaning = fmt::format("{}'s frame, then {}'s", t, fn);
    } else if (!f.roles.morebuf) {
      // The trampoline was called like any function: g.sched.sp is its caller's SP.
      if (!spec.has_link() && rel == -static_cast<int64_t>(spec.call_pushes))
        meaning = fmt::format("return PC into {}, pushed by its CALL to {} (= g.sched.pc)", fn, f.roles.trampoline);
      else if (rel < 0)
        meaning = fmt::format("below {}'s SP: free", fn);
      else
        meaning = fmt::format("{}'s frame", fn);
    } else if (!spec.has_link() && rel == -static_cast<int64_t>(spec.call_pushes))
      meaning = "return PC into f, pushed by f's CALL to morestack (= g.sched.pc)";
    else if (!spec.has_link() && rel == 0)
      meaning = "f's return address into its caller (= m.morebuf.pc)";
    else if (spec.has_link() && rel == 0)
      meaning = "f's caller's saved-LR word (f built no frame yet)";
    else if (rel < 0)
      meaning = "below f's SP: free";
    else
      meaning = "f's caller's frame (f's arguments and beyond)";
    if (describe_code && (meaning.find("return") != std::string::npos)) meaning += ": " + describe_code(v);
    out.push_back({addr, rel >= 0 ? fmt::format("g.sched.sp+{}", rel) : fmt::format("g.sched.sp{}", rel), w, v,
                   FrameSlot::Role::GoroutineWord, std::move(meaning)});
  }
  return out;
}

std::vector<SlotCheck> check_calling_sequence(const emu::ArchSpec& spec, const Contract& contract, const G0Frame& f,
                                              const SequenceExpect& want) {
  std::vector<SlotCheck> out;
  auto hex = [](uint64_t v) { return fmt::format("{:#x}", v); };
  auto word = [&](int64_t off, int width) -> std::string {
    auto w = f.word(off, width, spec.order);
    return w ? hex(*w) : "(outside the g0 frame)";
  };
  // A check's words (slot, expected, seen, where the expectation comes from) are
  // written only when it fails: every growth runs these, and nearly all pass.
  struct Words {
    std::string slot, expected, seen, from;
  };
  auto add = [&](std::string check, bool ok, const auto& words) {
    SlotCheck c;
    c.check = std::move(check), c.ok = ok;
    if (!ok) {
      Words w = words();
      c.slot = std::move(w.slot), c.expected = std::move(w.expected), c.seen = std::move(w.seen);
      c.expected_from = std::move(w.from);
    }
    out.push_back(std::move(c));
  };
  // The last check added is about the frame slot at SP+off.
  auto in_memory = [&](int64_t off, int size, std::optional<uint64_t> value = std::nullopt) {
    out.back().addr = f.sp + off;
    out.back().size = size;
    out.back().want = value;
  };

  // newstack runs on the scheduler stack, as m.g0.
  add("sp-on-g0-stack", want.g0_stack.contains(f.sp), [&] {
    return Words{spec.sp.name, fmt::format("in g0 stack [{:#x}, {:#x})", want.g0_stack.lo, want.g0_stack.hi), hex(f.sp),
                 "the g0 stack's bounds, g0.stack.{lo,hi}"};
  });
  add("g-is-g0", f.g == want.g0, [&] {
    return Words{f.g_slot ? "g (current goroutine, in TLS)" : "g (current goroutine)", hex(want.g0), hex(f.g),
                 "m.g0: the trampoline switches to the scheduler's goroutine"};
  });
  if (f.g_slot) out.back().addr = f.g_slot, out.back().size = spec.ptr_size, out.back().want = want.g0;

  // newstack's argument: the context register's value at morestack.
  const int arg0 = spec.arg0_offset();
  if (contract.newstack.ctxt_is_argument) {
    auto seen = f.word(arg0, spec.ptr_size, spec.order);
    add("ctxt-argument", seen == want.ctxt, [&] {
      return Words{spec.slot(arg0) + " ctxt argument", hex(want.ctxt), word(arg0, spec.ptr_size),
                   want.ctxt ? fmt::format("the closure f runs with, in {} at morestack's entry", spec.ctxt.name)
                             : fmt::format("zero: f needs no context, so morestack_noctxt clears {}", spec.ctxt.name)};
    });
    in_memory(arg0, spec.ptr_size, want.ctxt);
  }

  // Under it: a zero saved LR in the fresh frame (link-register machines), or the
  // return PC CALL pushed, which must point back into the trampoline (x86).
  const int slot0 = spec.entry_slot_size();
  auto below = f.word(0, slot0, spec.order);
  if (spec.has_link()) {
    if (contract.trampoline.builds_g0_frame) {
      add(contract.names.saved_lr_check, below == 0u, [&] {
        return Words{spec.slot(0) + " " + contract.names.saved_lr_slot, hex(0), word(0, slot0),
                     "the zero saved LR of the g0 frame the trampoline builds for newstack"};
      });
      in_memory(0, slot0);
    }
    add("return-pc", want.trampoline.contains(f.link), [&] {
      return Words{spec.link.name + " (newstack's return address)", "inside " + want.trampoline.name,
                   want.describe_code ? want.describe_code(f.link) : hex(f.link),
                   "the trampoline's call of newstack: it returns into the trampoline, which crashes"};
    });
  } else {
    add(contract.names.return_pc_check, below && want.trampoline.contains(*below), [&] {
      return Words{spec.slot(0) + " " + contract.names.return_pc_slot, "a return PC inside " + want.trampoline.name,
                   below && want.describe_code ? want.describe_code(*below) : word(0, slot0),
                   "the trampoline's CALL of newstack pushes it"};
    });
    in_memory(0, slot0);
  }
  add("sp-aligned", f.sp % spec.stack_align == 0, [&] {
    return Words{spec.sp.name, fmt::format("a multiple of {}", spec.stack_align), hex(f.sp),
                 "the ABI's stack alignment at a call"};
  });

  // The scheduler's frame above g0.sched.sp belongs to the suspended g0: the
  // trampoline must build its frame below it.
  const uint64_t top = f.g0_sched_sp - f.base;
  size_t off = top;
  while (off < f.bytes.size() && f.bytes[off] == want.g0_poison) off++;
  if (off == f.bytes.size()) {
    add("g0-frame-intact", true, [] { return Words{}; });
  } else {
    uint64_t word_off = (off - top) / spec.ptr_size * spec.ptr_size;
    add("g0-frame-intact", false, [&] {
      std::vector<uint8_t> poison(8, want.g0_poison);
      return Words{fmt::format("g0 stack at g0.sched.sp+{} (the suspended scheduler's frame)", word_off),
                   hex(emu::load_uint(poison.data(), spec.ptr_size, spec.order)), word(top + word_off, spec.ptr_size),
                   "the harness's poison in the scheduler's frame: no trampoline may write there"};
    });
    in_memory(static_cast<int64_t>(top + word_off), spec.ptr_size);
  }
  return out;
}

}  // namespace gotramp::model
