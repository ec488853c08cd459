#include "emu/elf_image.hpp"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace gotramp::emu {
namespace {

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};
struct ElfCloser {
  void operator()(Elf* e) const { elf_end(e); }
};

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw ElfError(fmt::format("{}: {}", path, what));
}

}  // namespace

ElfImage::MappedFile::~MappedFile() {
  if (data) munmap(const_cast<uint8_t*>(data), size);
}

ElfImage ElfImage::load(const std::string& path, std::string_view symbol_prefix) {
  static const bool libelf_ok = elf_version(EV_CURRENT) != EV_NONE;  // once, thread-safely
  if (!libelf_ok) fail(path, "libelf is too old");
  Fd fd{open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) fail(path, fmt::format("cannot open: {}", std::strerror(errno)));
  struct stat st;
  if (fstat(fd.fd, &st) != 0 || st.st_size == 0) fail(path, "empty or unreadable file");

  ElfImage img;
  img.path_ = path;
  img.file_ = std::make_shared<MappedFile>();
  void* m = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd.fd, 0);
  if (m == MAP_FAILED) fail(path, fmt::format("cannot map: {}", std::strerror(errno)));
  img.file_->data = static_cast<const uint8_t*>(m);
  img.file_->size = static_cast<size_t>(st.st_size);
  std::unique_ptr<Elf, ElfCloser> elf(
      elf_memory(reinterpret_cast<char*>(const_cast<uint8_t*>(img.file_->data)), img.file_->size));
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF) fail(path, "not an ELF file");
  GElf_Ehdr eh;
  if (!gelf_getehdr(elf.get(), &eh)) fail(path, fmt::format("bad ELF header: {}", elf_errmsg(-1)));
  if (eh.e_type != ET_EXEC) fail(path, "not an executable ELF (a guest is built with go build)");
  img.machine_ = eh.e_machine;
  img.word_bytes_ = eh.e_ident[EI_CLASS] == ELFCLASS32 ? 4 : 8;
  img.order_ = eh.e_ident[EI_DATA] == ELFDATA2MSB ? ByteOrder::Big : ByteOrder::Little;

  const size_t file_size = img.file_->size;

  size_t nphdr = 0;
  if (elf_getphdrnum(elf.get(), &nphdr) != 0) fail(path, fmt::format("bad program headers: {}", elf_errmsg(-1)));
  for (size_t i = 0; i < nphdr; i++) {
    GElf_Phdr ph;
    if (!gelf_getphdr(elf.get(), static_cast<int>(i), &ph)) fail(path, "unreadable program header");
    if (ph.p_type != PT_LOAD) continue;
    if (ph.p_filesz > ph.p_memsz || ph.p_offset > file_size || ph.p_filesz > file_size - ph.p_offset)
      fail(path, fmt::format("PT_LOAD segment {} lies outside the file", i));
    if (ph.p_memsz > (uint64_t{1} << 32) || ph.p_vaddr + ph.p_memsz < ph.p_vaddr)
      fail(path, fmt::format("PT_LOAD segment {} has an implausible size {:#x}", i, ph.p_memsz));
    img.segments_.push_back({ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz, ph.p_flags});
  }
  if (img.segments_.empty()) fail(path, "no PT_LOAD segments");

  size_t shstrndx = 0;
  const bool named = elf_getshdrstrndx(elf.get(), &shstrndx) == 0;
  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(elf.get(), scn)) != nullptr) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh)) continue;
    if (const char* name = named ? elf_strptr(elf.get(), shstrndx, sh.sh_name) : nullptr; name && *name) {
      std::span<const uint8_t> bytes;
      if (sh.sh_type != SHT_NOBITS && sh.sh_offset <= file_size && sh.sh_size <= file_size - sh.sh_offset)
        bytes = img.file().subspan(sh.sh_offset, sh.sh_size);
      img.sections_.push_back({name, sh.sh_addr, bytes});
    }
    if (sh.sh_type != SHT_SYMTAB || sh.sh_entsize == 0) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (!data) fail(path, "unreadable symbol table");
    size_t n = sh.sh_size / sh.sh_entsize;
    for (size_t k = 0; k < n; k++) {
      GElf_Sym sym;
      if (!gelf_getsym(data, static_cast<int>(k), &sym)) break;
      const char* name = elf_strptr(elf.get(), sh.sh_link, sym.st_name);
      int type = GELF_ST_TYPE(sym.st_info);
      if (!name || !*name || (type != STT_FUNC && type != STT_OBJECT)) continue;
      if (!std::string_view(name).starts_with(symbol_prefix)) continue;
      Symbol s{name, sym.st_value, sym.st_size};
      if (type == STT_FUNC) img.funcs_.push_back(s);
      img.by_name_.emplace(s.name, s);
    }
  }
  if (img.by_name_.empty())
    fail(path, symbol_prefix.empty() ? "no symbol table (was it stripped?)"
                                     : fmt::format("no symbols named {}* (was it stripped?)", symbol_prefix));
  std::sort(img.funcs_.begin(), img.funcs_.end(), [](const Symbol& a, const Symbol& b) { return a.addr < b.addr; });
  return img;
}

std::optional<Section> ElfImage::section(std::string_view name) const {
  for (const auto& s : sections_)
    if (s.name == name) return s;
  return std::nullopt;
}

std::optional<Symbol> ElfImage::symbol(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

std::optional<Symbol> ElfImage::find_func(std::string_view name) const {
  if (auto s = symbol(fmt::format("{}.abi0", name))) return s;
  return symbol(name);
}

Symbol ElfImage::func(std::string_view name) const {
  if (auto s = find_func(name)) return *s;
  fail(path_, fmt::format("no function {}", name));
}

Symbol ElfImage::var(std::string_view name) const {
  if (auto s = symbol(name)) return *s;
  fail(path_, fmt::format("no variable {}", name));
}

const Symbol* ElfImage::containing(uint64_t addr) const {
  auto it =
      std::upper_bound(funcs_.begin(), funcs_.end(), addr, [](uint64_t a, const Symbol& s) { return a < s.addr; });
  if (it == funcs_.begin()) return nullptr;
  --it;
  return it->contains(addr) ? &*it : nullptr;
}

std::string ElfImage::describe(uint64_t addr) const {
  const Symbol* s = containing(addr);
  if (!s) return fmt::format("{:#x}", addr);
  std::string name = s->name;
  if (name.size() > 5 && name.ends_with(".abi0")) name.resize(name.size() - 5);
  return addr == s->addr ? name : fmt::format("{}+{:#x}", name, addr - s->addr);
}

}  // namespace gotramp::emu
