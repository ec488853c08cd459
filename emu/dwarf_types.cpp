#include "emu/dwarf_types.hpp"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <vector>

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

// Linkers may zlib-compress the DWARF sections (Go's does), and then inflating them
// is most of what a read costs: libdw inflates every one of them when it opens the
// DWARF (about 7 ms for the Go 1.27 probe, 6 of them for .debug_info's 520 KB),
// while the structs asked for there sit in the first tens of KB of .debug_info. So before libdw
// sees the ELF, the reader inflates .debug_info itself, only up to a prefix of
// whole compilation units, and hands libdw empty line, frame, location and range
// tables, which type DIEs never use. If a wanted struct lies beyond the prefix,
// the reader opens the ELF again with the whole section.
class DebugSections {
 public:
  // Prepares elf; returns false when it has no .debug_info at all.
  bool prepare(Elf* elf, size_t info_prefix) {
    size_t shstrndx = 0;
    if (elf_getshdrstrndx(elf, &shstrndx) != 0) return false;
    bool has_info = false;
    for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
      GElf_Shdr sh;
      if (!gelf_getshdr(scn, &sh)) continue;
      const char* name = elf_strptr(elf, shstrndx, sh.sh_name);
      if (!name) continue;
      std::string_view n(name);
      if (n == ".debug_info" || n == ".zdebug_info") has_info = true;
      if (sh.sh_type == SHT_NOBITS || (sh.sh_flags & SHF_COMPRESSED) == 0) continue;
      if (n == ".debug_info") {
        info_complete_ = inflate_prefix(elf, scn, info_prefix);
      } else if (kUnused.contains(n)) {
        replace(scn, nullptr, 0);
      }
    }
    return has_info;
  }
  // Whether .debug_info was given in full (so a missing name is really missing).
  bool info_complete() const { return info_complete_; }

 private:
  static inline const std::set<std::string_view> kUnused = {".debug_line",     ".debug_frame",    ".debug_loc",
                                                            ".debug_loclists", ".debug_ranges",   ".debug_rnglists",
                                                            ".debug_aranges",  ".debug_pubnames", ".debug_pubtypes"};

  // The section's data becomes buf[0, size), uncompressed.
  static bool replace(Elf_Scn* scn, void* buf, size_t size) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh)) return false;
    sh.sh_flags &= ~static_cast<GElf_Xword>(SHF_COMPRESSED);
    sh.sh_size = size;
    if (!gelf_update_shdr(scn, &sh)) return false;
    Elf_Data* d = elf_getdata(scn, nullptr);
    if (!d) return false;
    d->d_buf = buf;
    d->d_size = size;
    d->d_type = ELF_T_BYTE;
    return true;
  }

  // Inflates the first whole compilation units of a zlib-compressed .debug_info,
  // at least `prefix` bytes of them. Returns whether the section is whole: all of
  // it inflated here, or left for libdw to inflate (not zlib, or damaged).
  bool inflate_prefix(Elf* elf, Elf_Scn* scn, size_t prefix) {
    GElf_Chdr ch;
    Elf_Data* raw = elf_rawdata(scn, nullptr);
    const size_t chdr_size = gelf_getclass(elf) == ELFCLASS32 ? sizeof(Elf32_Chdr) : sizeof(Elf64_Chdr);
    if (!raw || !gelf_getchdr(scn, &ch) || ch.ch_type != ELFCOMPRESS_ZLIB || raw->d_size < chdr_size) return true;
    const bool big_endian = elf_getident(elf, nullptr)[EI_DATA] == ELFDATA2MSB;

    z_stream z{};
    if (inflateInit(&z) != Z_OK) return true;
    z.next_in = static_cast<Bytef*>(raw->d_buf) + chdr_size;
    z.avail_in = static_cast<uInt>(std::min<size_t>(raw->d_size - chdr_size, UINT32_MAX));
    constexpr size_t kChunk = 64 * 1024;
    size_t have = 0, whole = 0;
    bool ended = false;
    while (!ended) {
      info_.resize(have + kChunk);
      z.next_out = info_.data() + have;
      z.avail_out = kChunk;
      const int rc = inflate(&z, Z_NO_FLUSH);
      have = info_.size() - z.avail_out;
      if (rc == Z_STREAM_END) {
        ended = true;
      } else if (rc != Z_OK || have > ch.ch_size) {
        inflateEnd(&z);
        info_.clear();
        return true;  // damaged: libdw inflates it (or reports it) itself
      }
      whole = whole_units(big_endian, have, whole);
      if (!ended && whole >= prefix) break;
    }
    inflateEnd(&z);
    if (ended) whole = have;
    if (!replace(scn, info_.data(), whole)) return true;
    return ended;
  }

  // The end of the last compilation unit that lies wholly in info_[0, have),
  // walking the unit headers from `from` (a unit boundary).
  size_t whole_units(bool big_endian, size_t have, size_t from) const {
    auto read = [&](size_t at, int bytes) {
      uint64_t v = 0;
      for (int i = 0; i < bytes; i++) {
        const uint64_t b = info_[at + (big_endian ? i : bytes - 1 - i)];
        v = (v << 8) | b;
      }
      return v;
    };
    size_t pos = from;
    while (pos + 4 <= have) {
      uint64_t len = read(pos, 4), header = 4;
      if (len == 0xffffffff) {
        if (pos + 12 > have) break;
        len = read(pos + 4, 8);
        header = 12;
      } else if (len >= 0xfffffff0) {
        break;  // reserved: not a unit header
      }
      if (len > have - pos - header) break;
      pos += header + len;
    }
    return pos;
  }

  std::vector<uint8_t> info_;
  bool info_complete_ = true;
};

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

// How much of .debug_info the first attempt inflates: in the binaries measured (the
// Go 1.19 and 1.27 probes) every struct asked for lies within the first 75 KB.
constexpr size_t kInfoPrefix = 64 * 1024;

// Reads names from the ELF that open() gives (a fresh descriptor each call, as
// preparing the sections changes the descriptor's view of them).
DwarfTypes read_elf(const std::function<Elf*()>& open, const std::string& label, std::span<const std::string> names) {
  // A longer prefix each time a name is still missing, then all of it.
  for (size_t prefix = kInfoPrefix;; prefix = prefix >= 16 * kInfoPrefix ? SIZE_MAX : prefix * 4) {
    DebugSections sections;  // outlives the descriptors that point into it
    std::unique_ptr<Elf, ElfCloser> elf(open());
    if (!elf || elf_kind(elf.get()) != ELF_K_ELF) fail(label, "not an ELF file");
    if (!sections.prepare(elf.get(), prefix))
      throw DwarfError(fmt::format("no DWARF in {} (built with -ldflags=-w?)", label));
    std::unique_ptr<Dwarf, DwarfCloser> dw(dwarf_begin_elf(elf.get(), DWARF_C_READ, nullptr));
    if (!dw) fail(label, fmt::format("unreadable DWARF: {}", dwarf_errmsg(-1)));
    DwarfTypes t;
    DwarfReader r{t, {names.begin(), names.end()}};
    r.scan(dw.get());
    if (t.missing().empty() || sections.info_complete()) return t;
  }
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
  // libelf may write into the image it parses (byte-order conversion, the section
  // headers the reader edits): each attempt gets its own copy.
  std::vector<char> copy;
  DwarfTypes t = read_elf(
      [&] {
        copy.assign(image.begin(), image.end());
        return elf_memory(copy.data(), copy.size());
      },
      label, names);
  t.file_ = label;
  return t;
}

DwarfTypes DwarfTypes::read(const std::string& path, std::span<const std::string> names) {
  static const bool libelf_ok = elf_version(EV_CURRENT) != EV_NONE;
  if (!libelf_ok) fail(path, "libelf is too old");
  Fd fd{open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) fail(path, fmt::format("cannot open: {}", std::strerror(errno)));
  DwarfTypes t = read_elf([&] { return elf_begin(fd.fd, ELF_C_READ_MMAP_PRIVATE, nullptr); }, path, names);
  t.file_ = path;
  return t;
}

// The cache's text: a header line with the key, then one line per struct and per
// member, fields separated by tabs (Go type names hold spaces, never tabs).
std::string DwarfTypes::serialize(const std::string& key) const {
  std::string out = "gotramp-dwarf-types 1\t" + key + "\n";
  for (const auto& m : missing_) out += "missing\t" + m + "\n";
  for (const auto& [name, s] : structs_) {
    out += fmt::format("struct\t{}\t{}\n", name, s.size);
    for (const auto& m : s.members)
      out += fmt::format("member\t{}\t{}\t{}\t{}\n", m.name, m.offset, m.size, m.type_name);
  }
  return out;
}

std::optional<DwarfTypes> DwarfTypes::deserialize(const std::string& text, const std::string& key) {
  // Line by line, as std::getline splits them, each split at tabs, without a copy
  // until a field is kept: a cache holds a few hundred lines.
  std::string_view rest = text;
  auto next_line = [&](std::string_view& line) {
    if (rest.empty()) return false;
    const size_t nl = rest.find('\n');
    line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    return true;
  };
  auto number = [](std::string_view f, uint64_t& out) {
    auto [end, err] = std::from_chars(f.data(), f.data() + f.size(), out);
    return err == std::errc() && end == f.data() + f.size() && !f.empty();
  };
  std::string_view line;
  const std::string_view magic = "gotramp-dwarf-types 1\t";
  if (!next_line(line) || !line.starts_with(magic) || line.substr(magic.size()) != key) return std::nullopt;
  DwarfTypes t;
  DwarfStruct* cur = nullptr;
  while (next_line(line)) {
    std::string_view f[6];
    size_t n = 0;
    for (size_t at = 0;;) {
      const size_t tab = line.find('\t', at);
      if (n == std::size(f)) return std::nullopt;
      f[n++] = line.substr(at, tab == std::string_view::npos ? std::string_view::npos : tab - at);
      if (tab == std::string_view::npos) break;
      at = tab + 1;
    }
    if (f[0] == "missing" && n == 2) {
      t.missing_.emplace_back(f[1]);
    } else if (f[0] == "struct" && n == 3) {
      uint64_t size = 0;
      if (!number(f[2], size)) return std::nullopt;  // a damaged cache is read again from DWARF
      cur = &t.structs_[std::string(f[1])];
      cur->name = f[1];
      cur->size = size;
    } else if (f[0] == "member" && n == 5 && cur) {
      DwarfMember m{std::string(f[1]), 0, 0, std::string(f[4])};
      if (!number(f[2], m.offset) || !number(f[3], m.size)) return std::nullopt;
      cur->members.push_back(std::move(m));
    } else {
      return std::nullopt;
    }
  }
  return t;
}

DwarfTypes DwarfTypes::read_cached(const std::string& path, std::span<const std::string> names,
                                   const std::string& cache) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // The ELF's size and modification time, as std::filesystem gives them
  // (file_size, last_write_time), from one stat.
  struct stat st;
  if (stat(path.c_str(), &st) != 0) ec = std::error_code(errno, std::generic_category());
  std::string key;
  if (!ec) {
    const auto mtime = std::chrono::file_clock::from_sys(std::chrono::system_clock::time_point(
        std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
    key =
        fmt::format("{}\t{}", static_cast<uintmax_t>(st.st_size), fs::file_time_type(mtime).time_since_epoch().count());
  }
  for (const auto& n : names) key += "\t" + n;
  if (!ec) {
    std::string text;
    if (std::FILE* in = std::fopen(cache.c_str(), "rb")) {
      char buf[16384];
      for (size_t got; (got = std::fread(buf, 1, sizeof buf, in)) > 0;) text.append(buf, got);
      std::fclose(in);
    }
    if (auto t = deserialize(text, key)) {
      t->file_ = path;
      return std::move(*t);
    }
  }
  DwarfTypes t = read(path, names);
  if (!ec) {
    const std::string tmp = fmt::format("{}.tmp{}", cache, getpid());
    std::ofstream(tmp) << t.serialize(key);
    fs::rename(tmp, cache, ec);
    if (ec) fs::remove(tmp, ec);
  }
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
