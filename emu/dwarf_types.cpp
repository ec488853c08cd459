#include "emu/dwarf_types.hpp"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <set>

namespace gotramp::emu {
namespace {

struct ElfCloser {
  void operator()(Elf* e) const { elf_end(e); }
};
struct DwarfCloser {
  void operator()(Dwarf* d) const { dwarf_end(d); }
};

[[noreturn]] void fail(const std::string& file, const std::string& what) {
  throw DwarfError(fmt::format("{}: {}", file, what));
}

// Whether the ELF has a DWARF info section at all (plain or zlib-compressed).
bool has_debug_info(Elf* elf) {
  size_t shstrndx = 0;
  if (elf_getshdrstrndx(elf, &shstrndx) != 0) return false;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh)) continue;
    const char* name = elf_strptr(elf, shstrndx, sh.sh_name);
    if (name && (std::strcmp(name, ".debug_info") == 0 || std::strcmp(name, ".zdebug_info") == 0)) return true;
  }
  return false;
}

const char* die_name(Dwarf_Die* die) {
  const char* n = dwarf_diename(die);
  return n ? n : "";
}

}  // namespace

// Walks the top-level DIEs of every compilation unit once, decoding the wanted
// structs (and the structs their members hold by value) as it meets them.
struct DwarfReader {
  DwarfTypes& out;
  std::set<std::string, std::less<>> wanted;

  void decode_struct(Dwarf_Die* die, int depth) {
    std::string name = die_name(die);
    if (name.empty() || out.structs_.contains(name) || depth > 16) return;
    DwarfStruct s;
    s.name = name;
    Dwarf_Word size = 0;
    if (dwarf_aggregate_size(die, &size) == 0) s.size = size;
    out.structs_.emplace(name, DwarfStruct{});  // marks it seen, against cycles
    Dwarf_Die child;
    if (dwarf_child(die, &child) == 0) {
      do {
        if (dwarf_tag(&child) != DW_TAG_member) continue;
        DwarfMember m;
        m.name = die_name(&child);
        Dwarf_Attribute attr;
        Dwarf_Word off = 0;
        if (dwarf_attr(&child, DW_AT_data_member_location, &attr) && dwarf_formudata(&attr, &off) == 0) m.offset = off;
        Dwarf_Die type;
        if (dwarf_attr(&child, DW_AT_type, &attr) && dwarf_formref_die(&attr, &type)) {
          m.type_name = die_name(&type);
          Dwarf_Word tsize = 0;
          if (dwarf_aggregate_size(&type, &tsize) == 0) m.size = tsize;
          Dwarf_Die peeled;
          if (dwarf_peel_type(&type, &peeled) == 0 && dwarf_tag(&peeled) == DW_TAG_structure_type)
            decode_struct(&peeled, depth + 1);
        }
        s.members.push_back(std::move(m));
      } while (dwarf_siblingof(&child, &child) == 0);
    }
    out.structs_[name] = std::move(s);
  }

  bool all_found() const {
    for (const auto& w : wanted)
      if (!out.structs_.contains(w)) return false;
    return true;
  }

  void scan(Dwarf* dw) {
    Dwarf_Off off = 0, next = 0;
    size_t header_size = 0;
    while (!all_found() && dwarf_nextcu(dw, off, &next, &header_size, nullptr, nullptr, nullptr) == 0) {
      Dwarf_Die cu;
      if (dwarf_offdie(dw, off + header_size, &cu)) {
        Dwarf_Die die;
        if (dwarf_child(&cu, &die) == 0) {
          do {
            if (dwarf_tag(&die) != DW_TAG_structure_type) continue;
            const char* n = dwarf_diename(&die);
            if (n && wanted.contains(std::string_view(n))) decode_struct(&die, 0);
          } while (dwarf_siblingof(&die, &die) == 0);
        }
      }
      off = next;
    }
    for (const auto& w : wanted)
      if (!out.structs_.contains(w)) out.missing_.push_back(w);
  }
};

namespace {

DwarfTypes read_elf(Elf* elf, const std::string& label, std::span<const std::string> names) {
  if (!elf || elf_kind(elf) != ELF_K_ELF) fail(label, "not an ELF file");
  if (!has_debug_info(elf)) throw DwarfError(fmt::format("no DWARF in {} (built with -ldflags=-w?)", label));
  std::unique_ptr<Dwarf, DwarfCloser> dw(dwarf_begin_elf(elf, DWARF_C_READ, nullptr));
  if (!dw) fail(label, fmt::format("unreadable DWARF: {}", dwarf_errmsg(-1)));
  DwarfTypes t;
  DwarfReader r{t, {names.begin(), names.end()}};
  r.scan(dw.get());
  return t;
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

const DwarfMember* DwarfStruct::member(std::string_view member_name) const {
  for (const auto& m : members)
    if (m.name == member_name) return &m;
  return nullptr;
}

DwarfTypes DwarfTypes::read_memory(std::span<const uint8_t> image, const std::string& label,
                                   std::span<const std::string> names) {
  static const bool libelf_ok = elf_version(EV_CURRENT) != EV_NONE;
  if (!libelf_ok) fail(label, "libelf is too old");
  std::unique_ptr<Elf, ElfCloser> elf(
      elf_memory(reinterpret_cast<char*>(const_cast<uint8_t*>(image.data())), image.size()));
  DwarfTypes t = read_elf(elf.get(), label, names);
  t.file_ = label;
  return t;
}

DwarfTypes DwarfTypes::read(const std::string& path, std::span<const std::string> names) {
  static const bool libelf_ok = elf_version(EV_CURRENT) != EV_NONE;
  if (!libelf_ok) fail(path, "libelf is too old");
  Fd fd{open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) fail(path, fmt::format("cannot open: {}", std::strerror(errno)));
  std::unique_ptr<Elf, ElfCloser> elf(elf_begin(fd.fd, ELF_C_READ_MMAP_PRIVATE, nullptr));
  DwarfTypes t = read_elf(elf.get(), path, names);
  t.file_ = path;
  return t;
}

const DwarfStruct& DwarfTypes::get(std::string_view struct_name) const {
  auto it = structs_.find(struct_name);
  if (it == structs_.end()) fail(file_, fmt::format("DWARF has no struct {}", struct_name));
  return it->second;
}

DwarfField DwarfTypes::field(std::string_view struct_name, std::string_view path) const {
  const DwarfStruct* s = &get(struct_name);
  DwarfField f;
  f.type_name = s->name;
  f.size = s->size;
  std::string_view rest = path;
  while (true) {
    size_t dot = rest.find('.');
    std::string_view step = rest.substr(0, dot);
    const DwarfMember* m = s->member(step);
    if (!m) fail(file_, fmt::format("{} has no field {}", s->name, step));
    f.offset += m->offset;
    f.size = m->size;
    f.type_name = m->type_name;
    if (dot == std::string_view::npos) return f;
    rest = rest.substr(dot + 1);
    auto it = structs_.find(m->type_name);
    if (it == structs_.end())
      fail(file_, fmt::format("{}.{} is a {}, not a struct, so it has no field {}", s->name, step,
                              m->type_name.empty() ? "value of an unnamed type" : m->type_name, rest));
    s = &it->second;
  }
}

}  // namespace gotramp::emu
