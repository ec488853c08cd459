#include "runtime_model/pclntab.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "emu/byte_order.hpp"

namespace gotramp::model {
namespace {

// The header's words after the magic (runtime/symtab.go pcHeader): nfunc, nfiles,
// textStart (no longer written since Go 1.2x; the .text section says it), then the
// offsets of funcnametab, cutab, filetab, pctab and the function table.
enum Word { kNfunc = 0, kNfiles, kTextStart, kFuncnameOffset, kCuOffset, kFiletabOffset, kPctabOffset, kPclnOffset };
constexpr int kHeaderWords = 8;
// _func (runtime/runtime2.go): entryOff uint32, nameOff int32, args int32,
// deferreturn uint32, pcsp uint32, ...
constexpr uint64_t kFuncNameOff = 4, kFuncPcsp = 16, kFuncMinSize = 20;

// readvarint (runtime/symtab.go): 7 bits a byte, low bits first. Returns the bytes
// read (0 past the end).
size_t varint(std::span<const uint8_t> p, uint32_t& v) {
  v = 0;
  for (size_t n = 0, shift = 0; n < p.size() && n < 5; n++, shift += 7) {
    v |= uint32_t(p[n] & 0x7f) << shift;
    if ((p[n] & 0x80) == 0) return n + 1;
  }
  return 0;
}

}  // namespace

Pclntab Pclntab::read(const emu::ElfImage& image) {
  const auto sec = image.section(".gopclntab");
  const auto text = image.section(".text");
  if (!sec || sec->bytes.size() < 8) throw PclntabError(fmt::format("{}: no .gopclntab section", image.path()));
  if (!text) throw PclntabError(fmt::format("{}: no .text section", image.path()));
  Pclntab t;
  t.path_ = image.path();
  t.data_ = sec->bytes;
  t.text_ = text->addr;
  // The magic numbers read differently in the other byte order: they say it.
  const uint32_t le = emu::load_uint(t.data_.data(), 4, emu::ByteOrder::Little);
  const uint32_t be = emu::load_uint(t.data_.data(), 4, emu::ByteOrder::Big);
  if (le == kGo118Magic || le == kGo120Magic)
    t.order_ = emu::ByteOrder::Little, t.magic_ = le;
  else if (be == kGo118Magic || be == kGo120Magic)
    t.order_ = emu::ByteOrder::Big, t.magic_ = be;
  else
    throw PclntabError(fmt::format("{}: .gopclntab magic {:#x} is not Go 1.18's {:#x} or Go 1.20's {:#x}", t.path_, le,
                                   kGo118Magic, kGo120Magic));
  t.quantum_ = t.data_[6];
  t.ptr_size_ = t.data_[7];
  if (t.quantum_ == 0 || (t.ptr_size_ != 4 && t.ptr_size_ != 8) ||
      t.data_.size() < 8 + uint64_t(kHeaderWords) * t.ptr_size_)
    throw PclntabError(fmt::format("{}: .gopclntab header is damaged", t.path_));
  auto header = [&](Word w) { return t.word(t.data_.subspan(8 + w * t.ptr_size_)); };
  t.nfunc_ = header(kNfunc);
  t.funcnametab_ = t.from(header(kFuncnameOffset));
  t.pctab_ = t.from(header(kPctabOffset));
  t.funcdata_ = t.from(header(kPclnOffset));
  const uint64_t functab_bytes = (2 * t.nfunc_ + 1) * 4;
  if (t.funcnametab_.empty() || t.pctab_.empty() || t.funcdata_.size() < functab_bytes)
    throw PclntabError(fmt::format("{}: .gopclntab tables lie outside it", t.path_));
  t.functab_ = t.funcdata_.first(functab_bytes);
  return t;
}

uint64_t Pclntab::word(std::span<const uint8_t> at) const { return emu::load_uint(at.data(), ptr_size_, order_); }
uint32_t Pclntab::u32(std::span<const uint8_t> at) const {
  return static_cast<uint32_t>(emu::load_uint(at.data(), 4, order_));
}
std::span<const uint8_t> Pclntab::from(uint64_t off) const {
  return off < data_.size() ? data_.subspan(off) : std::span<const uint8_t>{};
}

std::optional<Pclntab::Func> Pclntab::find(uint64_t pc) const {
  if (nfunc_ == 0 || pc < text_) return std::nullopt;
  const uint64_t off = pc - text_;
  // functab: nfunc pairs {entryoff, funcoff} sorted by entry, then the end's entryoff.
  auto entry_at = [&](uint64_t i) { return u32(functab_.subspan(i * 8)); };
  if (off >= entry_at(nfunc_)) return std::nullopt;
  uint64_t lo = 0, hi = nfunc_;  // the last i with entry_at(i) <= off
  while (hi - lo > 1) {
    const uint64_t mid = (lo + hi) / 2;
    (entry_at(mid) <= off ? lo : hi) = mid;
  }
  if (entry_at(lo) > off) return std::nullopt;
  const uint32_t funcoff = u32(functab_.subspan(lo * 8 + 4));
  const auto f = funcdata_.subspan(std::min<uint64_t>(funcoff, funcdata_.size()));
  if (f.size() < kFuncMinSize) return std::nullopt;
  Func out;
  out.entry = text_ + u32(f);
  out.end = text_ + entry_at(lo + 1);
  const uint32_t nameoff = u32(f.subspan(kFuncNameOff));
  if (nameoff < funcnametab_.size()) {
    const auto n = funcnametab_.subspan(nameoff);
    out.name.assign(n.begin(), std::find(n.begin(), n.end(), uint8_t{0}));
  }
  // funcMaxSPDelta: step through the pcsp table from the entry (runtime.step):
  // each step a zig-zag value delta, then a pc delta in units of the quantum; a
  // zero value delta after the first step ends the table.
  const uint32_t pcsp = u32(f.subspan(kFuncPcsp));
  auto p = pcsp < pctab_.size() ? pctab_.subspan(pcsp) : std::span<const uint8_t>{};
  int32_t val = -1, most = 0;
  for (bool first = true; !p.empty(); first = false) {
    uint32_t uv = 0, pcdelta = 0;  // the pc delta moves along the function; only values count here
    if (p[0] == 0 && !first) break;
    size_t n = varint(p, uv);
    if (n == 0) break;
    p = p.subspan(n);
    val += static_cast<int32_t>(-(uv & 1) ^ (uv >> 1));
    n = varint(p, pcdelta);
    if (n == 0) break;
    p = p.subspan(n);
    most = std::max(most, val);
  }
  out.max_sp_delta = static_cast<uint32_t>(most);
  return out;
}

}  // namespace gotramp::model
