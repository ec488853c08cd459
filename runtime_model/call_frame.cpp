#include "runtime_model/call_frame.hpp"

namespace gotramp::model {
namespace {

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

}  // namespace

CallFrame assign_call(const emu::ArchSpec& spec, Abi abi, const std::vector<GuestArg>& args) {
  CallFrame f;
  const uint64_t w = spec.ptr_size;
  auto size_of = [&](const GuestArg& a) { return a.cls == GuestArg::Class::Float64 ? uint64_t{8} : w; };
  auto align_of = [&](const GuestArg& a) {
    return a.cls == GuestArg::Class::Float64 ? static_cast<uint64_t>(spec.align64()) : w;
  };
  uint64_t off = 0;
  if (abi == Abi::ABI0) {
    for (const auto& a : args) {
      off = align_up(off, align_of(a));
      f.args.push_back({{}, off});
      off += size_of(a);
    }
    f.result.offset = align_up(off, w);
    f.spill = f.size = f.result.offset + w;
    return f;
  }
  size_t ints = 0, floats = 0;
  std::vector<size_t> in_regs;
  for (size_t i = 0; i < args.size(); i++) {
    const bool is_float = args[i].cls == GuestArg::Class::Float64;
    const auto& regs = is_float ? spec.regabi.float_args : spec.regabi.int_args;
    size_t& used = is_float ? floats : ints;
    if (used < regs.size()) {
      f.args.push_back({regs[used++], 0});
      in_regs.push_back(i);
      continue;
    }
    off = align_up(off, align_of(args[i]));
    f.args.push_back({{}, off});
    off += size_of(args[i]);
  }
  f.result.reg = spec.regabi.int_args.front();
  // The spill space: one slot per register argument, pointer-aligned.
  f.spill = align_up(off, w);
  for (size_t i : in_regs) {
    f.args[i].offset = align_up(off, align_of(args[i]));
    off = f.args[i].offset + size_of(args[i]);
  }
  f.size = align_up(off, w);
  return f;
}

}  // namespace gotramp::model
