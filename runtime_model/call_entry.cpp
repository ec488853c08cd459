#include "runtime_model/call_entry.hpp"

#include "emu/byte_order.hpp"
#include "runtime_model/harness.hpp"

namespace gotramp::model {

CallEntry call_entry(Harness& h) {
  const emu::ArchSpec& spec = h.spec();
  emu::Engine& e = h.engine();
  CallEntry c;
  c.sp = e.sp();
  if (spec.has_link()) {
    c.ret_pc = e.reg(spec.link) & emu::width_mask(spec.ptr_size);
    c.caller_sp = c.sp;
  } else {
    c.ret_pc = e.read_uint(c.sp, spec.call_pushes);
    c.caller_sp = c.sp + spec.call_pushes;
  }
  c.g = e.current_g();
  if (h.fp().valid()) c.fp = e.reg(h.fp()) & emu::width_mask(spec.ptr_size);
  return c;
}

void enter_as_go_caller(Harness& h, uint64_t top, uint64_t caller_sp) {
  const emu::ArchSpec& spec = h.spec();
  emu::Engine& e = h.engine();
  const WorldObjects& w = h.world();
  const uint64_t word = spec.ptr_size;
  if (h.fp().valid()) {
    const uint64_t outer = top - 2 * word;
    const uint64_t inner = spec.fp_below_sp ? caller_sp - word : top - 8 * word;
    e.write_ptr(outer, 0);
    e.write_ptr(inner, outer);
    e.set_reg(h.fp(), inner);
  }
  e.set_reg(spec.ctxt, Harness::kCtxtPoison & emu::width_mask(spec.ptr_size));
  e.set_current_g(w.runner);
  if (h.profile().regabi && spec.regabi.g.valid()) e.set_reg(spec.regabi.g, w.runner);
}

}  // namespace gotramp::model
