#include "runtime_model/expect.hpp"

#include <fmt/format.h>

#include "emu/byte_order.hpp"
#include "runtime_model/harness.hpp"

namespace gotramp::model {

void expect_register(Harness& h, const std::string& check, const emu::Reg& r, const std::string& what, uint64_t want,
                     const std::string& from, uint64_t pc) {
  CheckLog& log = h.log();
  const uint64_t mask = emu::width_mask(h.spec().reg_size);
  const uint64_t got = h.engine().reg(r) & mask;
  if (got == (want & mask)) return log.pass(check);
  Finding f =
      h.finding(check, fmt::format("{} ({})", r.name, what), h.hex(want), h.describe_value(got), h.episode(), pc);
  f.expected_from = from;
  f.expected_symbol = h.code_symbol(want);
  f.seen_symbol = h.code_symbol(got);
  if (log.keeps(check))
    h.blame_register(f, r);
  else
    f.reg = r.name;
  log.fail(std::move(f));
}

void expect_g(Harness& h, const std::string& check, const std::string& when, uint64_t want, const std::string& from,
              uint64_t pc) {
  const emu::ArchSpec& spec = h.spec();
  emu::Engine& e = h.engine();
  CheckLog& log = h.log();
  if (spec.g.valid()) return expect_register(h, check, spec.g, "g " + when, want, from, pc);
  const uint64_t got = e.current_g();
  if (got == want) return log.pass(check);
  Finding f = h.finding(check, "g in TLS " + when, h.hex(want), h.hex(got), h.episode(), pc);
  f.expected_from = from;
  f.addr = *e.g_memory(), f.size = spec.ptr_size;
  if (log.keeps(check)) h.blame(f, want);
  log.fail(std::move(f));
}

void expect_field(Harness& h, const std::string& check, const std::string& field, uint64_t want, const Slot& slot,
                  const std::string& from, uint64_t pc) {
  CheckLog& log = h.log();
  const uint64_t got = slot.get();
  if (got == want) return log.pass(check);
  Finding f = h.finding(check, field, h.hex(want), h.hex(got), h.episode(), pc);
  f.addr = slot.addr(), f.size = slot.width();
  f.expected_from = from;
  f.expected_symbol = h.code_symbol(want);
  f.seen_symbol = h.code_symbol(got);
  if (log.keeps(check)) h.blame(f, want);
  log.fail(std::move(f));
}

uint64_t new_func_value(Harness& h, uint64_t code, std::optional<uint64_t> captured) {
  emu::Engine& e = h.engine();
  const ProbeProgram& prog = h.program();
  const ProbeFields& PF = prog.fields;
  Ptr<rt::closure> fv(e, h.arena().alloc(*prog.closure, "fn"));
  fv[PF.closure.fn].set(code);
  if (captured) {
    if (prog.env) {
      Ptr<rt::env> env(e, h.arena().alloc(*prog.env, "env"));
      env[PF.env.k].set(*captured);
      fv[PF.closure.env].set(env.addr());
    } else {
      fv[PF.closure.x].set(*captured);
    }
  }
  return fv.addr();
}

uint64_t captured_word(Harness& h, uint64_t func_value) {
  emu::Engine& e = h.engine();
  const ProbeProgram& prog = h.program();
  const ProbeFields& PF = prog.fields;
  Ptr<rt::closure> fv(e, func_value);
  return prog.env ? Ptr<rt::env>(e, fv[PF.closure.env].get())[PF.env.k].get() : fv[PF.closure.x].get();
}

}  // namespace gotramp::model
