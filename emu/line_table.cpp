#include "emu/line_table.hpp"

#include <elfutils/libdw.h>
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "emu/elf_image.hpp"

namespace gotramp::emu {

std::string SourceLine::short_name() const {
  auto slash = file.rfind('/');
  return slash == std::string::npos ? file : file.substr(slash + 1);
}

std::filesystem::path source_dir_for(const std::filesystem::path& elf_path) {
  return std::filesystem::path(elf_path).concat(".src");
}

LineTable LineTable::load(const std::string& path, const std::string& suffix) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw ElfError(fmt::format("{}: cannot open", path));
  Dwarf* dw = dwarf_begin(fd, DWARF_C_READ);
  if (!dw) {
    close(fd);
    throw ElfError(fmt::format("{}: no DWARF line table: {}", path, dwarf_errmsg(-1)));
  }
  LineTable t;
  t.source_dir_ = source_dir_for(path);
  std::map<std::string, uint32_t> file_ids;
  Dwarf_Off off = 0, next = 0;
  size_t header = 0;
  while (dwarf_nextcu(dw, off, &next, &header, nullptr, nullptr, nullptr) == 0) {
    Dwarf_Die die;
    Dwarf_Off die_off = off + header;
    off = next;
    if (!dwarf_offdie(dw, die_off, &die)) continue;
    Dwarf_Lines* lines = nullptr;
    size_t n = 0;
    if (dwarf_getsrclines(&die, &lines, &n) != 0) continue;
    for (size_t i = 0; i < n; i++) {
      Dwarf_Line* l = dwarf_onesrcline(lines, i);
      Dwarf_Addr addr;
      int lineno;
      const char* file = dwarf_linesrc(l, nullptr, nullptr);
      bool end = false;
      if (!l || !file || dwarf_lineaddr(l, &addr) != 0 || dwarf_lineno(l, &lineno) != 0) continue;
      // An end-of-sequence row marks the address after a function, not a line.
      if (dwarf_lineendsequence(l, &end) == 0 && end) continue;
      std::string f = file;
      if (!f.ends_with(suffix)) continue;
      auto [it, fresh] = file_ids.try_emplace(f, static_cast<uint32_t>(t.files_.size()));
      if (fresh) t.files_.push_back(f);
      t.rows_.push_back({addr, it->second, lineno});
    }
  }
  dwarf_end(dw);
  close(fd);
  std::stable_sort(t.rows_.begin(), t.rows_.end(), [](const Row& a, const Row& b) { return a.addr < b.addr; });
  return t;
}

std::optional<SourceLine> LineTable::at(uint64_t addr) const {
  auto it = std::upper_bound(rows_.begin(), rows_.end(), addr, [](uint64_t a, const Row& r) { return a < r.addr; });
  if (it == rows_.begin()) return std::nullopt;
  --it;
  // A row covers the addresses up to the next row; a gap of more than a few
  // instructions means addr is in code without our line information.
  if (addr - it->addr > 64) return std::nullopt;
  return SourceLine{files_[it->file], it->line};
}

}  // namespace gotramp::emu

namespace gotramp::emu {

std::optional<std::string> LineTable::text(const SourceLine& line) const {
  const std::string name = line.short_name();
  auto it = texts_.find(name);
  if (it == texts_.end()) {
    std::vector<std::string> lines;
    std::ifstream in(source_dir_ / name);
    for (std::string l; std::getline(in, l);) lines.push_back(std::move(l));
    it = texts_.emplace(name, std::move(lines)).first;
  }
  if (line.line < 1 || static_cast<size_t>(line.line) > it->second.size()) return std::nullopt;
  const std::string& l = it->second[line.line - 1];
  const auto first = l.find_first_not_of(" \t\r"), last = l.find_last_not_of(" \t\r");
  if (first == std::string::npos) return std::string();
  // Tabs separate the operator, operands and comment: one space each, to fit a line.
  std::string out;
  for (char c : l.substr(first, last - first + 1)) {
    if (c == '\t' || c == '\r') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace gotramp::emu
