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

LineTable LineTable::load(const std::string& path, const std::string& suffix,
                          std::vector<std::filesystem::path> roots) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw ElfError(fmt::format("{}: cannot open", path));
  Dwarf* dw = dwarf_begin(fd, DWARF_C_READ);
  if (!dw) {
    close(fd);
    throw ElfError(fmt::format("{}: no DWARF line table: {}", path, dwarf_errmsg(-1)));
  }
  LineTable t;
  t.roots_ = std::move(roots);
  if (!t.roots_.empty() && std::filesystem::is_directory(overlay_dir(path) / "src"))
    t.roots_.insert(t.roots_.begin(), overlay_dir(path) / "src");
  t.roots_.insert(t.roots_.begin(), source_dir(path));
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

std::filesystem::path LineTable::source_dir(const std::filesystem::path& elf) {
  return std::filesystem::path(elf).concat(".src");
}

std::filesystem::path LineTable::overlay_dir(const std::filesystem::path& elf) {
  return std::filesystem::path(elf).concat(".overlay");
}

namespace {

// Runs of blanks made one space, none at either end.
std::string collapse_blanks(const std::string& line) {
  std::string out;
  for (char c : line) {
    const bool blank = c == ' ' || c == '\t' || c == '\r';
    if (blank && (out.empty() || out.back() == ' ')) continue;
    out += blank ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

std::optional<std::string> LineTable::text(const SourceLine& line) const {
  auto it = texts_.find(line.file);
  if (it == texts_.end()) {
    std::vector<std::string> lines;
    // Only relative paths below the kept sources: DWARF names nothing else we kept.
    const std::filesystem::path rel(line.file);
    bool inside = !rel.empty() && rel.is_relative();
    for (const auto& part : rel) inside = inside && part != "..";
    for (size_t i = 0; i < roots_.size(); i++) {
      if (!inside || !lines.empty()) break;
      std::ifstream in(roots_[i] / rel);
      for (std::string l; std::getline(in, l);) lines.push_back(std::move(l));
      if (!lines.empty()) found_in_[line.file] = i;
    }
    it = texts_.emplace(line.file, std::move(lines)).first;
  }
  if (line.line < 1 || line.line > static_cast<int>(it->second.size())) return std::nullopt;
  return collapse_blanks(it->second[line.line - 1]);
}

std::string LineTable::place(const SourceLine& line) const {
  text(line);  // finds the file
  auto it = found_in_.find(line.file);
  // roots_[0] keeps the sources a guest was built from: those go by their name.
  if (it == found_in_.end() || it->second == 0) return fmt::format("{}:{}", line.short_name(), line.line);
  const std::filesystem::path under = roots_[it->second].filename() / line.file;
  return fmt::format("{}:{}", under.generic_string(), line.line);
}

std::string LineTable::code(const SourceLine& line) const {
  auto t = text(line);
  if (!t) return "";
  return collapse_blanks(t->substr(0, t->find("//")));
}

}  // namespace gotramp::emu
