#include "emu/disasm.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace gotramp::emu {

std::string capstone_version() {
  int major = 0, minor = 0;
  cs_version(&major, &minor);
  // The library reports major.minor; the patch level is the header's, the one we built with.
  return fmt::format("{}.{}.{}", major, minor, CS_VERSION_EXTRA);
}

Disasm::Disasm(const ArchSpec& spec) {
  csh h = 0;
  cs_err err = cs_open(spec.cs_arch_id, static_cast<cs_mode>(spec.cs_mode), &h);
  if (err != CS_ERR_OK)
    throw std::runtime_error(
        fmt::format("capstone: cannot open a disassembler for {}: {}", spec.goarch, cs_strerror(err)));
  // AT&T operand order (source, destination) reads like Plan 9 assembly.
  if (spec.cs_arch_id == CS_ARCH_X86) cs_option(h, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
  handle_ = h;
}

Disasm::~Disasm() {
  csh h = handle_;
  cs_close(&h);
}

std::optional<Insn> Disasm::one(std::span<const uint8_t> code, uint64_t address) const {
  cs_insn* insn = nullptr;
  size_t n = cs_disasm(handle_, code.data(), code.size(), address, 1, &insn);
  if (n == 0) return std::nullopt;
  Insn out{insn[0].address, insn[0].size,
           insn[0].op_str[0] ? fmt::format("{} {}", insn[0].mnemonic, insn[0].op_str) : insn[0].mnemonic};
  cs_free(insn, n);
  return out;
}

size_t Disasm::count(std::span<const uint8_t> code, uint64_t address) const {
  cs_insn* insn = cs_malloc(handle_);
  const uint8_t* p = code.data();
  size_t left = code.size();
  uint64_t addr = address;
  size_t n = 0;
  while (left > 0 && cs_disasm_iter(handle_, &p, &left, &addr, insn)) n++;
  cs_free(insn, 1);
  return n;
}

}  // namespace gotramp::emu
