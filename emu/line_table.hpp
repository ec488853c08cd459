// LineTable: guest addresses to Plan 9 source lines, from the guest ELF's DWARF
// line table (libdw). Traces print "morestack.s:42" beside every instruction, and
// the line's text as the porter wrote it ("MOVD R26, 8(RSP)").
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gotramp::emu {

struct SourceLine {
  std::string file;  // as recorded, e.g. "gotramp/guest/morestack.s"
  int line = 0;
  std::string short_name() const;  // "morestack.s"
};

class LineTable {
 public:
  // Reads the line table of every compilation unit whose files end in
  // `suffix` (".s": the guest's own assembly); throws ElfError if the file has no
  // DWARF at all.
  // Source files not kept beside the ELF are looked for under `roots`, in order
  // (a GOROOT's src/ for a real runtime's files, which DWARF names by import path).
  static LineTable load(const std::string& path, const std::string& suffix = ".s",
                        std::vector<std::filesystem::path> roots = {});
  // load(), its rows remembered in `cache` (a file beside the ELF, "<elf>.lines"),
  // keyed by the ELF's size and modification time and the suffix: a real runtime's
  // whole line table is decompressed and decoded once (about 20 ms), not by every
  // process that blames a Finding. A cache that cannot be written is skipped.
  static LineTable load_cached(const std::string& path, const std::string& suffix,
                               std::vector<std::filesystem::path> roots, const std::string& cache);
  // Where load_cached keeps an ELF's rows.
  static std::filesystem::path cache_file(const std::filesystem::path& elf);
  std::optional<SourceLine> at(uint64_t addr) const;
  size_t size() const { return rows_.size(); }
  // Where the source files an ELF was built from are kept, under the paths its DWARF
  // names them by ("<elf>.src/gotramp/guest/morestack.s"); the toolchain puts them
  // there beside the ELF it builds.
  static std::filesystem::path source_dir(const std::filesystem::path& elf);
  // Files that replaced a GOROOT's when the ELF was built (go build -overlay), kept
  // under their path below the GOROOT ("<elf>.overlay/src/runtime/asm_arm64.s"):
  // load() reads them before any root, so a real runtime's overlaid lines are the
  // ones built, named as the GOROOT's file ("src/runtime/asm_arm64.s:465").
  static std::filesystem::path overlay_dir(const std::filesystem::path& elf);
  // A source line as written, its runs of blanks made one space, comment included:
  // "MOVD R26, 16(RSP) // one word off". nullopt when the file is not kept beside
  // the ELF or has no such line. Each file is read once.
  std::optional<std::string> text(const SourceLine& line) const;
  // The code of a line, its comment cut: "MOVD R26, 8(RSP)". Empty when unknown.
  std::string code(const SourceLine& line) const;
  // Where a line is, as a porter's tools want it: a file found under one of the given
  // roots (a GOROOT's src/) by its path below the root's parent,
  // "src/runtime/asm_arm64.s:465"; any other by its name, "morestack.s:42".
  std::string place(const SourceLine& line) const;

 private:
  struct Row {
    uint64_t addr;
    uint32_t file;
    int line;
  };
  std::string serialize(const std::string& key) const;
  bool deserialize(const std::string& data, const std::string& key);
  void set_roots(const std::string& path, std::vector<std::filesystem::path> roots);

  std::vector<Row> rows_;  // sorted by address
  std::vector<std::string> files_;
  std::vector<std::filesystem::path> roots_;                       // the kept sources first
  mutable std::map<std::string, std::vector<std::string>> texts_;  // file -> its lines
  mutable std::map<std::string, size_t> found_in_;                 // file -> the roots_ index it was read from
};

}  // namespace gotramp::emu
