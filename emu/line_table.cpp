#include "emu/line_table.hpp"

#include <elfutils/libdw.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <thread>

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
  t.set_roots(path, std::move(roots));
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

void LineTable::set_roots(const std::string& path, std::vector<std::filesystem::path> roots) {
  roots_ = std::move(roots);
  if (!roots_.empty() && std::filesystem::is_directory(overlay_dir(path) / "src"))
    roots_.insert(roots_.begin(), overlay_dir(path) / "src");
  roots_.insert(roots_.begin(), source_dir(path));
}

std::filesystem::path LineTable::cache_file(const std::filesystem::path& elf) {
  return std::filesystem::path(elf).concat(".lines");
}

namespace {

void put_varint(std::string& out, uint64_t v) {
  for (; v >= 0x80; v >>= 7) out += static_cast<char>((v & 0x7f) | 0x80);
  out += static_cast<char>(v);
}

bool get_varint(const std::string& in, size_t& at, uint64_t& v) {
  v = 0;
  for (int shift = 0; at < in.size() && shift < 64; shift += 7) {
    const auto b = static_cast<uint8_t>(in[at++]);
    v |= uint64_t{b & 0x7fu} << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

}  // namespace

// The key line, the file names (one a line after their count), then the rows as
// varints: the address's distance from the row before, the file, the line.
std::string LineTable::serialize(const std::string& key) const {
  std::string out = key + "\n" + std::to_string(files_.size()) + "\n";
  for (const auto& f : files_) out += f + "\n";
  put_varint(out, rows_.size());
  uint64_t last = 0;
  for (const auto& r : rows_) {
    put_varint(out, r.addr - last);
    put_varint(out, r.file);
    put_varint(out, static_cast<uint32_t>(r.line));
    last = r.addr;
  }
  return out;
}

bool LineTable::deserialize(const std::string& data, const std::string& key) {
  size_t at = data.find('\n');
  if (at == std::string::npos || data.compare(0, at, key) != 0) return false;
  at++;
  size_t nl = data.find('\n', at);
  if (nl == std::string::npos) return false;
  const size_t files = std::strtoull(data.c_str() + at, nullptr, 10);
  at = nl + 1;
  std::vector<std::string> names;
  for (size_t i = 0; i < files; i++) {
    nl = data.find('\n', at);
    if (nl == std::string::npos) return false;
    names.push_back(data.substr(at, nl - at));
    at = nl + 1;
  }
  uint64_t n = 0;
  if (!get_varint(data, at, n) || n > data.size()) return false;
  std::vector<Row> rows;
  rows.reserve(n);
  uint64_t addr = 0;
  for (uint64_t i = 0; i < n; i++) {
    uint64_t d, file, line;
    if (!get_varint(data, at, d) || !get_varint(data, at, file) || !get_varint(data, at, line) || file >= names.size())
      return false;
    addr += d;
    rows.push_back({addr, static_cast<uint32_t>(file), static_cast<int>(line)});
  }
  if (at != data.size()) return false;
  files_ = std::move(names);
  rows_ = std::move(rows);
  return true;
}

LineTable LineTable::load_cached(const std::string& path, const std::string& suffix,
                                 std::vector<std::filesystem::path> roots, const std::string& cache) {
  namespace fs = std::filesystem;
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return load(path, suffix, std::move(roots));
  const std::string key = fmt::format("gotramp-lines-1\t{}\t{}.{:09}\t{}", static_cast<uintmax_t>(st.st_size),
                                      static_cast<intmax_t>(st.st_mtim.tv_sec), st.st_mtim.tv_nsec, suffix);
  std::string data;
  if (std::FILE* in = std::fopen(cache.c_str(), "rb")) {
    char buf[65536];
    for (size_t got; (got = std::fread(buf, 1, sizeof buf, in)) > 0;) data.append(buf, got);
    std::fclose(in);
  }
  LineTable t;
  if (t.deserialize(data, key)) {
    t.set_roots(path, std::move(roots));
    return t;
  }
  t = load(path, suffix, std::move(roots));
  // Apart per process and thread: two harnesses of one ELF may write it at once.
  const std::string tmp =
      fmt::format("{}.tmp{}-{}", cache, getpid(), std::hash<std::thread::id>{}(std::this_thread::get_id()));
  std::error_code ec;
  {
    std::ofstream out(tmp, std::ios::binary);
    out << t.serialize(key);
    if (!out) ec = std::make_error_code(std::errc::io_error);
  }
  if (!ec) fs::rename(tmp, cache, ec);
  if (ec) fs::remove(tmp, ec);
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
