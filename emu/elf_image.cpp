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
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

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

struct ElfImage::Index {
  struct Entry {
    std::string_view name;  // into the string table
    uint64_t addr = 0, size = 0;
    bool func = false;
  };
  static constexpr uint32_t kEmpty = ~uint32_t{0};

  std::shared_ptr<MappedFile> file;  // what the names point into (with elf)
  std::unique_ptr<Elf, ElfCloser> elf;
  std::vector<Entry> syms;      // function and data symbols, in the table's order
  std::vector<uint32_t> slots;  // by name: indices into syms, kEmpty where free
  struct Func {
    uint64_t addr;
    uint32_t index;  // into syms
  };
  std::vector<Func> funcs;  // function symbols by address
  // The Symbols containing() has handed out, by index into syms (node-based: the
  // pointers stay valid).
  std::mutex mu;
  std::unordered_map<uint32_t, Symbol> made;

  void build();
  const Entry* find(std::string_view name) const;
  const Entry* containing(uint64_t addr, uint32_t* which) const;
};

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
  img.e_flags_ = eh.e_flags;
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
  auto index = std::make_shared<Index>();
  index->file = img.file_;
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
    index->syms.reserve(index->syms.size() + std::min<size_t>(n, file_size / sh.sh_entsize));
    for (size_t k = 0; k < n; k++) {
      GElf_Sym sym;
      if (!gelf_getsym(data, static_cast<int>(k), &sym)) break;
      const char* name = elf_strptr(elf.get(), sh.sh_link, sym.st_name);
      int type = GELF_ST_TYPE(sym.st_info);
      if (!name || !*name || (type != STT_FUNC && type != STT_OBJECT)) continue;
      const std::string_view view(name);
      if (!view.starts_with(symbol_prefix)) continue;
      index->syms.push_back({view, sym.st_value, sym.st_size, type == STT_FUNC});
    }
  }
  if (index->syms.empty())
    fail(path, symbol_prefix.empty() ? "no symbol table (was it stripped?)"
                                     : fmt::format("no symbols named {}* (was it stripped?)", symbol_prefix));
  index->build();
  // The names point into libelf's view of the file: it lives as long as the index.
  index->elf = std::move(elf);
  img.index_ = std::move(index);
  return img;
}

std::optional<Section> ElfImage::section(std::string_view name) const {
  for (const auto& s : sections_)
    if (s.name == name) return s;
  return std::nullopt;
}

void ElfImage::Index::build() {
  // By name, the first of equal names winning: open addressing over the symbols,
  // at most half full.
  size_t cap = 16;
  while (cap < 2 * syms.size()) cap *= 2;
  slots.assign(cap, kEmpty);
  for (uint32_t i = 0; i < syms.size(); i++) {
    for (size_t at = std::hash<std::string_view>{}(syms[i].name) & (cap - 1);; at = (at + 1) & (cap - 1)) {
      if (slots[at] == kEmpty) {
        slots[at] = i;
        break;
      }
      if (syms[slots[at]].name == syms[i].name) break;
    }
  }
  // Functions by address. Of aliases (one address, several names) containing() finds
  // the one sorted last: the largest (runtime.text marks the first function's start
  // with size 0), then the table's first. Go's linker writes its functions as two
  // ascending runs (measured on every probe): they are merged; anything more
  // disordered past the first run is sorted first.
  for (uint32_t i = 0; i < syms.size(); i++)
    if (syms[i].func) funcs.push_back({syms[i].addr, i});
  const auto before = [this](const Func& a, const Func& b) {
    if (a.addr != b.addr) return a.addr < b.addr;
    if (syms[a.index].size != syms[b.index].size) return syms[a.index].size < syms[b.index].size;
    return a.index > b.index;
  };
  const auto run_end = std::is_sorted_until(funcs.begin(), funcs.end(), before);
  if (std::is_sorted_until(run_end, funcs.end(), before) != funcs.end()) std::sort(run_end, funcs.end(), before);
  std::inplace_merge(funcs.begin(), run_end, funcs.end(), before);
}

const ElfImage::Index::Entry* ElfImage::Index::find(std::string_view name) const {
  const size_t mask = slots.size() - 1;
  for (size_t at = std::hash<std::string_view>{}(name)&mask;; at = (at + 1) & mask) {
    if (slots[at] == kEmpty) return nullptr;
    if (syms[slots[at]].name == name) return &syms[slots[at]];
  }
}

const ElfImage::Index::Entry* ElfImage::Index::containing(uint64_t addr, uint32_t* which) const {
  auto it = std::upper_bound(funcs.begin(), funcs.end(), addr, [](uint64_t a, const Func& f) { return a < f.addr; });
  if (it == funcs.begin()) return nullptr;
  --it;
  const Entry& e = syms[it->index];
  if (!(addr >= e.addr && addr < e.addr + e.size)) return nullptr;
  if (which) *which = it->index;
  return &e;
}

std::optional<Symbol> ElfImage::symbol(std::string_view name) const {
  const Index::Entry* e = index_->find(name);
  if (!e) return std::nullopt;
  return Symbol{std::string(e->name), e->addr, e->size};
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
  uint32_t which = 0;
  const Index::Entry* e = index_->containing(addr, &which);
  if (!e) return nullptr;
  std::lock_guard lock(index_->mu);
  auto [it, fresh] = index_->made.try_emplace(which);
  if (fresh) it->second = Symbol{std::string(e->name), e->addr, e->size};
  return &it->second;
}

std::string ElfImage::describe(uint64_t addr) const {
  const Index::Entry* s = index_->containing(addr, nullptr);
  if (!s) return fmt::format("{:#x}", addr);
  std::string_view name = s->name;
  if (name.size() > 5 && name.ends_with(".abi0")) name.remove_suffix(5);
  return addr == s->addr ? std::string(name) : fmt::format("{}+{:#x}", name, addr - s->addr);
}

}  // namespace gotramp::emu
