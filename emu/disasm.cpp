#include "emu/disasm.hpp"

#include <capstone/capstone.h>
#include <dlfcn.h>
#include <fmt/format.h>

#include <cstddef>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace gotramp::emu {

namespace {

// The Capstone entry points gotramp calls, bound from the library once.
struct CapstoneApi {
  decltype(&cs_version) version;
  decltype(&cs_open) open;
  decltype(&cs_close) close;
  decltype(&cs_option) option;
  decltype(&cs_strerror) strerror;
  decltype(&cs_disasm) disasm;
  decltype(&cs_disasm_iter) disasm_iter;
  decltype(&cs_malloc) malloc;
  decltype(&cs_free) free;
};

template <typename F>
void bind(void* lib, F& fn, const char* name) {
  fn = reinterpret_cast<F>(dlsym(lib, name));
  if (!fn) throw std::runtime_error(fmt::format("capstone: {} has no {}", GOTRAMP_CAPSTONE_SONAME, name));
}

// The folders the program's own libraries are searched in, as the loader lists them
// for the program (LD_LIBRARY_PATH, its RUNPATH with $ORIGIN expanded: the wheel's
// folder in the build tree, lib/gotramp installed; then the system's). dlopen alone
// would search the RUNPATH of its caller, which under AddressSanitizer is the
// sanitizer's runtime, not the program. Empty entries (the current folder) are skipped.
std::vector<std::string> program_library_dirs() {
  std::vector<std::string> dirs;
  void* self = dlopen(nullptr, RTLD_NOW);
  Dl_serinfo size{};
  if (!self || dlinfo(self, RTLD_DI_SERINFOSIZE, &size) != 0) return dirs;
  std::vector<std::max_align_t> buf(size.dls_size / sizeof(std::max_align_t) + 1);
  auto* info = reinterpret_cast<Dl_serinfo*>(buf.data());
  if (dlinfo(self, RTLD_DI_SERINFOSIZE, info) != 0 || dlinfo(self, RTLD_DI_SERINFO, info) != 0) return dirs;
  for (unsigned i = 0; i < info->dls_cnt; i++)
    if (info->dls_serpath[i].dls_name[0] != '\0') dirs.emplace_back(info->dls_serpath[i].dls_name);
  return dirs;
}

CapstoneApi load() {
  void* lib = nullptr;
  for (const std::string& dir : program_library_dirs())
    if ((lib = dlopen((dir + "/" + GOTRAMP_CAPSTONE_SONAME).c_str(), RTLD_NOW | RTLD_LOCAL))) break;
  if (!lib) lib = dlopen(GOTRAMP_CAPSTONE_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (!lib) throw std::runtime_error(fmt::format("capstone: cannot load {}: {}", GOTRAMP_CAPSTONE_SONAME, dlerror()));
  CapstoneApi api{};
  bind(lib, api.version, "cs_version");
  bind(lib, api.open, "cs_open");
  bind(lib, api.close, "cs_close");
  bind(lib, api.option, "cs_option");
  bind(lib, api.strerror, "cs_strerror");
  bind(lib, api.disasm, "cs_disasm");
  bind(lib, api.disasm_iter, "cs_disasm_iter");
  bind(lib, api.malloc, "cs_malloc");
  bind(lib, api.free, "cs_free");
  return api;
}

const CapstoneApi& capstone() {
  static std::mutex mu;
  static std::optional<CapstoneApi> api;
  std::lock_guard lock(mu);
  if (!api) api = load();  // a failure throws and is tried again on the next call
  return *api;
}

}  // namespace

std::string capstone_version() {
  int major = 0, minor = 0;
  capstone().version(&major, &minor);
  // The library reports major.minor; the patch level is the header's, the one we built with.
  return fmt::format("{}.{}.{}", major, minor, CS_VERSION_EXTRA);
}

Disasm::Disasm(const ArchSpec& spec) : spec_(spec) {}

size_t Disasm::handle() const {
  if (handle_ != 0) return handle_;
  const CapstoneApi& cs = capstone();
  csh h = 0;
  cs_err err = cs.open(spec_.cs_arch_id, static_cast<cs_mode>(spec_.cs_mode), &h);
  if (err != CS_ERR_OK)
    throw std::runtime_error(
        fmt::format("capstone: cannot open a disassembler for {}: {}", spec_.goarch, cs.strerror(err)));
  // AT&T operand order (source, destination) reads like Plan 9 assembly.
  if (spec_.cs_arch_id == CS_ARCH_X86) cs.option(h, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
  return handle_ = h;
}

Disasm::~Disasm() {
  if (handle_ == 0) return;
  csh h = handle_;
  capstone().close(&h);
}

std::optional<Insn> Disasm::one(std::span<const uint8_t> code, uint64_t address) const {
  const CapstoneApi& cs = capstone();
  cs_insn* insn = nullptr;
  size_t n = cs.disasm(handle(), code.data(), code.size(), address, 1, &insn);
  if (n == 0) return std::nullopt;
  Insn out{insn[0].address, insn[0].size,
           insn[0].op_str[0] ? fmt::format("{} {}", insn[0].mnemonic, insn[0].op_str) : insn[0].mnemonic};
  cs.free(insn, n);
  return out;
}

size_t Disasm::count(std::span<const uint8_t> code, uint64_t address) const {
  const CapstoneApi& cs = capstone();
  const csh h = handle();
  cs_insn* insn = cs.malloc(h);
  const uint8_t* p = code.data();
  size_t left = code.size();
  uint64_t addr = address;
  size_t n = 0;
  while (left > 0 && cs.disasm_iter(h, &p, &left, &addr, insn)) n++;
  cs.free(insn, 1);
  return n;
}

}  // namespace gotramp::emu
