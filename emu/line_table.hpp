// LineTable: guest addresses to Plan 9 source lines, from the guest ELF's DWARF
// line table (libdw). Traces print "morestack.s:42" beside every instruction.
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

// Where the sources an ELF was assembled from are kept, beside it: the guest
// builder copies them there, so a line's text is the text that was assembled.
std::filesystem::path source_dir_for(const std::filesystem::path& elf_path);

class LineTable {
 public:
  // Reads the line table of every compilation unit whose files end in
  // `suffix` (".s": the guest's own assembly); throws ElfError if the file has no
  // DWARF at all.
  static LineTable load(const std::string& path, const std::string& suffix = ".s");
  std::optional<SourceLine> at(uint64_t addr) const;
  size_t size() const { return rows_.size(); }
  // The line as the porter wrote it (without the blanks around it, tabs
  // shown as one space), read
  // from source_dir_for(the ELF); nullopt when that copy or the line is missing.
  std::optional<std::string> text(const SourceLine& line) const;

 private:
  struct Row {
    uint64_t addr;
    uint32_t file;
    int line;
  };
  std::vector<Row> rows_;  // sorted by address
  std::vector<std::string> files_;
  std::filesystem::path source_dir_;
  mutable std::map<std::string, std::vector<std::string>> texts_;  // short name -> lines, read once
};

}  // namespace gotramp::emu
