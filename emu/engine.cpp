#include "emu/engine.hpp"

#include <elf.h>
#include <fmt/format.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <concepts>
#include <cstring>
#include <map>
#include <utility>

#include "emu/byte_order.hpp"
#include "emu/elf_image.hpp"
#include "emu/host_pages.hpp"

namespace gotramp::emu {
namespace {

void check(uc_err err, const char* what) {
  if (err != UC_ERR_OK) throw EmuError(fmt::format("unicorn: {}: {}", what, uc_strerror(err)));
}

// The message is only formatted when the call failed: these run on every guest
// memory access the host makes.
template <typename Describe>
requires std::invocable<Describe>
void check(uc_err err, Describe&& what) {
  if (err != UC_ERR_OK) throw EmuError(fmt::format("unicorn: {}: {}", what(), uc_strerror(err)));
}

uint64_t page_down(uint64_t a) { return a & ~(Engine::kPageSize - 1); }
uint64_t page_up(uint64_t a) { return (a + Engine::kPageSize - 1) & ~(Engine::kPageSize - 1); }

const char* access_name(uc_mem_type t) {
  switch (t) {
    case UC_MEM_READ_UNMAPPED:
      return "read from unmapped";
    case UC_MEM_WRITE_UNMAPPED:
      return "write to unmapped";
    case UC_MEM_FETCH_UNMAPPED:
      return "instruction fetch from unmapped";
    case UC_MEM_READ_PROT:
      return "read from protected";
    case UC_MEM_WRITE_PROT:
      return "write to protected";
    case UC_MEM_FETCH_PROT:
      return "instruction fetch from non-executable";
    default:
      return "invalid access to";
  }
}

// A flat 32-bit segment descriptor (granularity 4 KiB, 32-bit, DPL 0).
uint64_t descriptor(uint32_t base, uint8_t access) {
  const uint32_t limit = 0xfffff;
  return (limit & 0xffffULL) | (uint64_t{base & 0xffffffu} << 16) | (uint64_t{access} << 40) |
         (uint64_t{(limit >> 16) & 0xf} << 48) | (uint64_t{0xc} << 52) | (uint64_t{base >> 24} << 56);
}

}  // namespace

const char* stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::Until:
      return "reached end";
    case StopReason::Budget:
      return "instruction budget exhausted";
    case StopReason::Fault:
      return "memory fault";
    case StopReason::Interrupt:
      return "trap";
    case StopReason::InvalidInsn:
      return "invalid instruction";
    case StopReason::HostStop:
      return "stopped by host";
  }
  return "?";
}

struct Engine::Hook {
  Engine* engine = nullptr;
  CodeHook code;
  WriteHook write;
  uc_hook handle = 0;
  uint64_t begin = 1, end = 0;  // the range it hooks (begin > end: everything)
};

Engine::Engine(const ArchSpec& spec) : spec_(spec), disasm_(spec) {
  if (spec.insn_width > 0 && (spec.insn_width & (spec.insn_width - 1)) == 0)
    insn_shift_ = std::countr_zero(unsigned(spec.insn_width));
  check(uc_open(spec.uc_arch_id, static_cast<uc_mode>(spec.uc_mode), &uc_), "open");
  try {
    uc_hook h;
    // Guest code here is a few KiB: a 1 MiB translation buffer instead of the 1 GiB
    // default makes a fresh engine cheaper to start (measured: 0.59 vs 0.80 ms).
    check(uc_ctl_set_tcg_buffer_size(uc_, kTranslationBuffer), "set translation buffer size");
    if (spec.uc_cpu >= 0) check(uc_ctl_set_cpu_model(uc_, spec.uc_cpu), "set CPU model");
    // Rows that land faulting fetches do it for quiet regions in the TLB fill,
    // which only the virtual TLB calls.
    quiet_stores_ = !spec.fetch_fault_landing || spec.tlb_virtual;
    const bool fills_tlb = spec.tlb_virtual || quiet_stores_;
    if (fills_tlb) {
      // Shadow pages (reserve) need physical addresses above any window's.
      shadow_ = spec.phys_mask >= 2 * kShadow - 1 ? kShadow : (spec.phys_mask >> 1) + 1;
      check(uc_ctl_tlb_mode(uc_, UC_TLB_VIRTUAL), "select the virtual TLB");
      // Unicorn's own fill gives an entry only the access that missed (read, write
      // or fetch), so a page that is read and written misses on every switch, and
      // each miss re-decodes the block. An identity entry with every permission
      // fills a page once; the mapped regions' permissions are still enforced.
      // (With quiet stores, a data access's entry is read-write: see tlb_fill_cb.)
      check(uc_hook_add(uc_, &h, UC_HOOK_TLB_FILL, reinterpret_cast<void*>(&Engine::tlb_fill_cb), this, 1, 0),
            "add TLB fill hook");
    }
    for (const auto& s : spec.reg_setup) set_reg(s.uc, reg(s.uc) | s.bits);
    // Fixed-width rows count a block by its size alone: their hook does no lookup.
    void* on_block = insn_shift_ == 2   ? reinterpret_cast<void*>(&Engine::block_cb_fixed<2>)
                     : insn_shift_ >= 0 ? reinterpret_cast<void*>(&Engine::block_cb_fixed<-1>)
                                        : reinterpret_cast<void*>(&Engine::block_cb);
    check(uc_hook_add(uc_, &h, UC_HOOK_BLOCK, on_block, this, 1, 0), "add block hook");
    if (quiet_stores_)
      update_fault_hooks();
    else
      check(uc_hook_add(uc_, &h, UC_HOOK_MEM_INVALID, reinterpret_cast<void*>(&Engine::invalid_mem_cb), this, 1, 0),
            "add fault hook");
    check(uc_hook_add(uc_, &h, UC_HOOK_INTR, reinterpret_cast<void*>(&Engine::intr_cb), this, 1, 0), "add trap hook");
    check(uc_hook_add(uc_, &h, UC_HOOK_INSN_INVALID, reinterpret_cast<void*>(&Engine::invalid_insn_cb), this, 1, 0),
          "add invalid-instruction hook");
  } catch (...) {
    uc_close(uc_);
    throw;
  }
}

Engine::~Engine() {
  uc_close(uc_);
  for (auto [p, n, pooled] : host_maps_) pooled ? host_pages::give(p, n) : void(munmap(p, n));
  for (const auto& w : windows_) host_pages::give_lazy(w.block);
}

// Unicorn reads and writes a register's whole width through the pointer it is
// given: 16 bytes for an XMM register. A buffer wide enough for any register keeps
// those accesses inside it; the low 8 bytes (the host is little-endian) are the value.
struct RegBuffer {
  alignas(16) uint8_t bytes[64] = {};
};

uint64_t Engine::reg(int uc) const {
  RegBuffer b;
  check(uc_reg_read(uc_, uc, b.bytes), "read register");
  uint64_t v;
  std::memcpy(&v, b.bytes, sizeof v);
  return v & width_mask(spec_.ptr_size == 4 && spec_.reg_size == 4 ? 4 : 8);
}

void Engine::set_reg(int uc, uint64_t v) {
  RegBuffer b;
  std::memcpy(b.bytes, &v, sizeof v);
  check(uc_reg_write(uc_, uc, b.bytes), "write register");
}

// Guest memory is backed by host memory the engine owns (uc_mem_map_ptr), so the
// host reads and writes it directly instead of through Unicorn's memory API.
void Engine::map(uint64_t addr, uint64_t size, uint32_t prot, Populate populate) {
  uint64_t lo = page_down(addr), hi = page_up(addr + size);
  // Small mappings a run writes whole (stacks) are populated up front: one call
  // instead of a page fault per page on first touch. Measured: a probe's run
  // touches 5 of the heap's 64 pages and 0-1 of its bss's 53-60.
  // Those come from the pool that engines closed before this one left.
  const bool pooled = populate == Populate::Now && hi - lo <= kPopulateLimit;
  void* m = pooled ? host_pages::take(hi - lo)
                   : mmap(nullptr, hi - lo, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) throw EmuError(fmt::format("map [{:#x}, {:#x}): {}", lo, hi, std::strerror(errno)));
  uc_err err = uc_mem_map_ptr(uc_, lo, hi - lo, prot, m);
  if (err != UC_ERR_OK) pooled ? host_pages::give(m, hi - lo) : void(munmap(m, hi - lo));
  check(err, [&] { return fmt::format("map [{:#x}, {:#x})", lo, hi); });
  host_maps_.push_back({m, hi - lo, pooled});
  add_region(lo, hi, static_cast<uint8_t*>(m), prot);
}

void Engine::reserve(uint64_t lo, uint64_t hi) {
  lo = page_down(lo), hi = page_up(hi);
  if (shadow_ == 0) return;  // each carve maps on its own
  if (hi <= lo || hi > shadow_)
    throw EmuError(fmt::format("reserve [{:#x}, {:#x}): a window lies below {:#x}", lo, hi, shadow_));
  host_pages::Block b = host_pages::take_lazy(hi - lo);
  uc_err err = uc_mem_map_ptr(uc_, lo, hi - lo, kProtRW, b.p);
  if (err != UC_ERR_OK) host_pages::give_lazy(b);
  check(err, [&] { return fmt::format("reserve [{:#x}, {:#x})", lo, hi); });
  windows_.push_back({lo, hi, b});
}

void Engine::carve(uint64_t addr, uint64_t size, uint8_t fill) {
  uint64_t lo = page_down(addr), hi = page_up(addr + size);
  auto it = std::find_if(windows_.begin(), windows_.end(), [&](const Window& w) { return w.lo <= lo && hi <= w.hi; });
  if (it == windows_.end()) {
    map(lo, hi - lo, kProtRW);
    if (fill != 0) this->fill(lo, hi - lo, fill);
    return;
  }
  if (std::any_of(regions_.begin(), regions_.end(), [&](const HostRegion& r) { return r.lo < hi && lo < r.hi; }))
    throw EmuError(fmt::format("carve [{:#x}, {:#x}): already open", lo, hi));
  Window& w = *it;
  auto* base = static_cast<uint8_t*>(w.block.p);
  const size_t off = lo - w.lo, end = hi - w.lo;
  // What a closed engine left below `dirty` is overwritten; pages above it were
  // never touched (zero). Those are backed now, in one call rather than a fault
  // each (the run writes its stacks whole).
  if (w.block.dirty > off) std::memset(base + off, fill, std::min(end, w.block.dirty) - off);
  if (end > w.block.dirty) {
    const size_t from = std::max(off, w.block.dirty);
#ifdef MADV_POPULATE_WRITE
    madvise(base + from, end - from, MADV_POPULATE_WRITE);  // advice: pages fault in on touch otherwise
#endif
    if (fill != 0) std::memset(base + from, fill, end - from);
    w.block.dirty = end;
  }
  // A hole the guest touched has a TLB entry to its shadow page.
  if (std::exchange(shadowed_, false)) check(uc_ctl_flush_tlb(uc_), "flush the TLB");
  add_region(lo, hi, base + off, kProtRW);
}

const Engine::Window* Engine::window_at(uint64_t addr) const {
  for (const auto& w : windows_)
    if (w.lo <= addr && addr < w.hi) return &w;
  return nullptr;
}

bool Engine::touches_window(uint64_t addr, uint64_t n) const {
  return std::any_of(windows_.begin(), windows_.end(), [&](const Window& w) { return addr < w.hi && w.lo < addr + n; });
}

uint64_t Engine::virtual_of(uint64_t paddr) const {
  if (shadow_ != 0 && paddr >= shadow_ && window_at(paddr - shadow_)) return paddr - shadow_;
  return paddr;
}

void Engine::add_region(uint64_t lo, uint64_t hi, uint8_t* host, uint32_t prot) {
  HostRegion r{lo, hi, host, (prot & kProtExec) != 0, prot == kProtRW};
  regions_.insert(std::upper_bound(regions_.begin(), regions_.end(), r,
                                   [](const HostRegion& a, const HostRegion& b) { return a.lo < b.lo; }),
                  r);
  if (r.quiet) update_fault_hooks();
}

void Engine::protect(uint64_t addr, uint64_t size, uint32_t prot) {
  uint64_t lo = page_down(addr), hi = page_up(addr + size);
  check(uc_mem_protect(uc_, lo, hi - lo, prot), [&] { return fmt::format("protect [{:#x}, {:#x})", lo, hi); });
  for (auto& r : regions_)
    if (r.lo < hi && lo < r.hi) r.exec = r.exec || (prot & kProtExec), r.quiet = r.quiet && prot == kProtRW;
  update_fault_hooks();
}

void Engine::unmap(uint64_t addr, uint64_t size) {
  uint64_t lo = page_down(addr), hi = page_up(addr + size);
  check(uc_mem_unmap(uc_, lo, hi - lo), [&] { return fmt::format("unmap [{:#x}, {:#x})", lo, hi); });
  std::erase_if(regions_, [&](const HostRegion& r) { return r.lo >= lo && r.hi <= hi; });
  for (auto& r : regions_)
    if (r.lo < hi && lo < r.hi) r.quiet = false;  // partly unmapped
  last_region_ = 0;
  update_fault_hooks();
}

// The fault hook covers every address outside the quiet regions: unmapped pages
// (guard pages between stacks included) and every region a load, store or fetch
// can be refused by. One hook an interval; a change of regions replaces only the
// intervals that changed (a new stack splits one gap in two).
void Engine::update_fault_hooks() {
  if (!quiet_stores_) return;
  std::vector<std::pair<uint64_t, uint64_t>> spans;
  for (const auto& r : regions_) {
    if (!r.quiet) continue;
    if (!spans.empty() && spans.back().second == r.lo)
      spans.back().second = r.hi;
    else
      spans.emplace_back(r.lo, r.hi);
  }
  if (spans == quiet_spans_ && !fault_hooks_.empty()) return;
  quiet_spans_ = std::move(spans);
  std::map<std::pair<uint64_t, uint64_t>, uc_hook> next;  // [begin, end], inclusive
  uint64_t from = 0;
  for (const auto& [lo, hi] : quiet_spans_) {
    if (lo > from) next[{from, lo - 1}] = 0;
    from = hi;
  }
  if (quiet_spans_.empty() || from != 0) next[{from, ~uint64_t{0}}] = 0;
  for (auto& [span, h] : fault_hooks_) {
    if (auto it = next.find(span); it != next.end())
      it->second = h;
    else
      check(uc_hook_del(uc_, h), "remove fault hook");
  }
  for (auto& [span, h] : next)
    if (!h)
      check(uc_hook_add(uc_, &h, UC_HOOK_MEM_INVALID, reinterpret_cast<void*>(&Engine::invalid_mem_cb), this,
                        span.first, span.second),
            "add fault hook");
  fault_hooks_ = std::move(next);
}

// The host bytes behind [addr, addr+n) when they lie in one region (and, for a
// write, one holding no code: writes there must go through Unicorn).
uint8_t* Engine::host_at(uint64_t addr, size_t n, bool for_write) const {
  auto in = [&](const HostRegion& r) { return addr >= r.lo && addr + n <= r.hi && addr + n >= addr; };
  const HostRegion* hit = nullptr;
  if (last_region_ < regions_.size() && in(regions_[last_region_])) {
    hit = &regions_[last_region_];
  } else {
    auto it = std::upper_bound(regions_.begin(), regions_.end(), addr,
                               [](uint64_t a, const HostRegion& r) { return a < r.lo; });
    if (it == regions_.begin()) return nullptr;
    --it;
    if (!in(*it)) return nullptr;
    hit = &*it;
    last_region_ = static_cast<size_t>(it - regions_.begin());
  }
  if (for_write && hit->exec) return nullptr;
  return hit->host + (addr - hit->lo);
}

std::span<uint8_t> Engine::host_span(uint64_t addr, size_t n) {
  uint8_t* p = host_at(addr, n, true);
  return p ? std::span<uint8_t>(p, n) : std::span<uint8_t>();
}

bool Engine::is_mapped(uint64_t addr) const {
  uint8_t b;
  return host_at(addr, 1, false) || (!touches_window(addr, 1) && uc_mem_read(uc_, addr, &b, 1) == UC_ERR_OK);
}

void Engine::write(uint64_t addr, std::span<const uint8_t> bytes) {
  if (bytes.empty()) return;
  if (uint8_t* p = host_at(addr, bytes.size(), true)) {
    std::memcpy(p, bytes.data(), bytes.size());
    return;
  }
  check(
      touches_window(addr, bytes.size()) ? UC_ERR_WRITE_UNMAPPED : uc_mem_write(uc_, addr, bytes.data(), bytes.size()),
      [&] { return fmt::format("write {} bytes at {:#x}", bytes.size(), addr); });
}

std::vector<uint8_t> Engine::read(uint64_t addr, size_t n) const {
  std::vector<uint8_t> out(n);
  if (!try_read(addr, out)) throw EmuError(fmt::format("unicorn: read {} bytes at {:#x}: unmapped", n, addr));
  return out;
}

bool Engine::try_read(uint64_t addr, std::span<uint8_t> out) const {
  if (out.empty()) return true;
  if (const uint8_t* p = host_at(addr, out.size(), false)) {
    std::memcpy(out.data(), p, out.size());
    return true;
  }
  return !touches_window(addr, out.size()) && uc_mem_read(uc_, addr, out.data(), out.size()) == UC_ERR_OK;
}

uint64_t Engine::read_uint(uint64_t addr, int width) const {
  if (const uint8_t* p = host_at(addr, width, false)) return load_uint(p, width, spec_.order);
  uint8_t buf[8];
  check(touches_window(addr, width) ? UC_ERR_READ_UNMAPPED : uc_mem_read(uc_, addr, buf, width),
        [&] { return fmt::format("read {} bytes at {:#x}", width, addr); });
  return load_uint(buf, width, spec_.order);
}

void Engine::write_uint(uint64_t addr, int width, uint64_t v) {
  if (uint8_t* p = host_at(addr, width, true)) return store_uint(p, width, spec_.order, v);
  uint8_t buf[8];
  store_uint(buf, width, spec_.order, v);
  check(touches_window(addr, width) ? UC_ERR_WRITE_UNMAPPED : uc_mem_write(uc_, addr, buf, width),
        [&] { return fmt::format("write {} bytes at {:#x}", width, addr); });
}

void Engine::fill(uint64_t addr, uint64_t size, uint8_t byte) {
  if (size == 0) return;
  if (uint8_t* p = host_at(addr, size, true)) {
    std::memset(p, byte, size);
    return;
  }
  std::vector<uint8_t> buf(size, byte);
  write(addr, buf);
}

void Engine::load(const ElfImage& image) {
  if (image.machine() != spec_.elf_machine || image.word_bytes() != spec_.elf_word)
    throw EmuError(fmt::format("{}: ELF machine {} is not a {} guest", image.path(), image.machine(), spec_.goarch));
  // The guest gets its own copy-on-write mapping of the file: pages are read only
  // when touched, and what the guest writes stays in this engine.
  int fd = open(image.path().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw EmuError(fmt::format("{}: cannot open: {}", image.path(), std::strerror(errno)));
  const size_t len = page_up(image.file().size());
  void* m = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (m == MAP_FAILED) {
    close(fd);
    throw EmuError(fmt::format("{}: cannot map: {}", image.path(), std::strerror(errno)));
  }
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  host_maps_.push_back({m, len, false});
  auto* base = static_cast<uint8_t*>(m);

  uint64_t mapped_to = 0;  // segments come in address order
  for (const auto& seg : image.segments()) {
    uint32_t prot = kProtNone;
    if (seg.flags & PF_R) prot |= kProtRead;
    if (seg.flags & PF_W) prot |= kProtWrite;
    if (seg.flags & PF_X) prot |= kProtExec;
    if ((seg.flags & PF_X) && spec_.code_needs_write) prot |= kProtWrite;
    const uint64_t lo = page_down(seg.vaddr), file_hi = page_up(seg.vaddr + seg.filesz);
    const uint64_t mem_hi = page_up(seg.vaddr + seg.memsz);
    const uint64_t skew = seg.vaddr - lo;
    if (lo < mapped_to || seg.offset < skew || (seg.offset - skew) % kPageSize != 0 ||
        seg.offset - skew + (file_hi - lo) > len)
      throw EmuError(fmt::format("{}: PT_LOAD segment at {:#x} is not page-aligned with its file offset", image.path(),
                                 seg.vaddr));
    if (file_hi > lo && mem_hi > file_hi) {
      // A segment with a bss (Go's data): one region over the file's pages and the
      // zero pages after them, contiguous in host memory too.
      void* whole = mmap(nullptr, mem_hi - lo, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (whole == MAP_FAILED)
        throw EmuError(
            fmt::format("{}: cannot map [{:#x}, {:#x}): {}", image.path(), lo, mem_hi, std::strerror(errno)));
      host_maps_.push_back({whole, mem_hi - lo, false});
      auto* host = static_cast<uint8_t*>(whole);
      if (mmap(host, file_hi - lo, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd,
               static_cast<off_t>(seg.offset - skew)) == MAP_FAILED)
        throw EmuError(
            fmt::format("{}: cannot map [{:#x}, {:#x}): {}", image.path(), lo, file_hi, std::strerror(errno)));
      std::memset(host + skew + seg.filesz, 0, file_hi - lo - skew - seg.filesz);  // the file's next bytes
      check(uc_mem_map_ptr(uc_, lo, mem_hi - lo, prot, host),
            [&] { return fmt::format("map segment [{:#x}, {:#x})", lo, mem_hi); });
      add_region(lo, mem_hi, host, prot);
    } else if (file_hi > lo) {
      uint8_t* host = base + (seg.offset - skew);
      // The tail of the last file page belongs to whatever follows in the file.
      std::memset(host + skew + seg.filesz, 0, file_hi - lo - skew - seg.filesz);
      check(uc_mem_map_ptr(uc_, lo, file_hi - lo, prot, host),
            [&] { return fmt::format("map segment [{:#x}, {:#x})", lo, file_hi); });
      add_region(lo, file_hi, host, prot);
    } else if (mem_hi > file_hi) {
      map(file_hi, mem_hi - file_hi, prot, Populate::OnTouch);  // bss alone
    }
    mapped_to = mem_hi;
  }
}

// The g slot in TLS, for rows where g lives in memory.
uint64_t Engine::g_slot() const { return tls_base_ + spec_.g_tls_offset; }

void Engine::install_tls(uint64_t addr, uint64_t size) {
  // The TLS base sits in the middle of the block so that negative offsets (FS:-8,
  // -4(GS:0)) stay inside it.
  tls_base_ = addr + size / 2;
  switch (spec_.g_home) {
    case GHome::Register:
      break;
    case GHome::FsRelative:
      set_reg(UC_X86_REG_FS_BASE, tls_base_);
      break;
    case GHome::GsSelfPointer: {
      // In 32-bit mode Unicorn ignores a GS_BASE write: segment bases come from a
      // descriptor table. Build one at the start of the block: null, flat code, flat
      // data, and a data segment based at the TLS base; then load the selectors.
      const uint64_t gdt[] = {0, descriptor(0, 0x9a), descriptor(0, 0x92),
                              descriptor(static_cast<uint32_t>(tls_base_), 0x92)};
      for (size_t i = 0; i < std::size(gdt); i++) write_uint(addr + 8 * i, 8, gdt[i]);
      uc_x86_mmr gdtr{0, addr, static_cast<uint32_t>(sizeof gdt - 1), 0};
      check(uc_reg_write(uc_, UC_X86_REG_GDTR, &gdtr), "load GDTR");
      // Without this SS load, once GDTR and GS are set, stack accesses use a 16-bit
      // SP (measured: PUSH with ESP 0x40201000 writes to 0xffc and faults).
      set_reg(UC_X86_REG_SS, 0x10);
      set_reg(UC_X86_REG_DS, 0x10);
      set_reg(UC_X86_REG_ES, 0x10);
      set_reg(UC_X86_REG_GS, 0x18);
      write_ptr(tls_base_, tls_base_);  // GS:0 points at itself
      break;
    }
  }
}

std::optional<uint64_t> Engine::g_memory() const {
  if (spec_.g_home == GHome::Register) return std::nullopt;
  return g_slot();
}

uint64_t Engine::current_g() const { return spec_.g_home == GHome::Register ? reg(spec_.g) : read_ptr(g_slot()); }

void Engine::set_current_g(uint64_t g) {
  if (spec_.g_home == GHome::Register)
    set_reg(spec_.g, g);
  else
    write_uint(g_slot(), spec_.g_home == GHome::FsRelative ? 8 : spec_.ptr_size, g);
}

void Engine::add_hook(int type, void* cb, uint64_t begin, uint64_t end, std::unique_ptr<Hook> h) {
  h->engine = this;
  h->begin = begin, h->end = end;
  check(uc_hook_add(uc_, &h->handle, type, cb, h.get(), begin, end), "add hook");
  hooks_.push_back(std::move(h));
}

Engine::HookId Engine::on_code(uint64_t addr, CodeHook fn) { return on_code_range(addr, addr, std::move(fn)); }

Engine::HookId Engine::on_code_range(uint64_t begin, uint64_t end, CodeHook fn) {
  auto h = std::make_unique<Hook>();
  h->code = std::move(fn);
  add_hook(UC_HOOK_CODE, reinterpret_cast<void*>(&Engine::code_cb), begin, end, std::move(h));
  // Blocks translated before the hook existed would run without it: drop them
  // (none exist before the first run, and a one-address hook drops only its own).
  if (started_) {
    if (begin <= end && end - begin < kPageSize)
      check(uc_ctl_remove_cache(uc_, begin, end + 1), "drop translations of the hooked code");
    else
      check(uc_ctl_flush_tb(uc_), "flush the translation cache");
  }
  return hooks_.size() - 1;
}

size_t Engine::on_block(BlockHook fn) {
  block_hooks_.push_back(std::move(fn));
  return block_hooks_.size() - 1;
}

void Engine::remove_block_hook(size_t id) {
  if (id < block_hooks_.size()) block_hooks_[id] = nullptr;
}

Engine::HookId Engine::on_write(uint64_t begin, uint64_t end, WriteHook fn) {
  auto h = std::make_unique<Hook>();
  h->write = std::move(fn);
  add_hook(UC_HOOK_MEM_WRITE, reinterpret_cast<void*>(&Engine::write_cb), begin, end, std::move(h));
  // TLB entries made before the hook existed would let stores bypass it: drop them.
  if (started_) check(uc_ctl_flush_tlb(uc_), "flush the TLB");
  return hooks_.size() - 1;
}

void Engine::remove_hook(HookId id) {
  if (id >= hooks_.size() || !hooks_[id]) return;
  const Hook& h = *hooks_[id];
  check(uc_hook_del(uc_, h.handle), "remove hook");
  // A code hook within a page (a host function, an observer) is called from the
  // blocks holding its addresses only: dropping those is enough, and the rest of
  // the runtime stays translated (a suite switch on one harness costs no
  // retranslation). Blocks translated and TLB entries made while any other hook
  // existed keep the slow path (measured); drop them all.
  const bool code_in_page = h.code && h.begin <= h.end && h.end - h.begin < kPageSize;
  const uint64_t begin = h.begin, end = h.end;
  hooks_[id].reset();
  if (code_in_page) {
    check(uc_ctl_remove_cache(uc_, begin, end + 1), "drop translations of the unhooked code");
    return;
  }
  check(uc_ctl_flush_tb(uc_), "flush the translation cache");
  check(uc_ctl_flush_tlb(uc_), "flush the TLB");
}

void Engine::fail_from_hook(const char* what) {
  if (!host_stop_) host_stop_ = what;
  uc_emu_stop(uc_);
}

void Engine::stop(std::string why) {
  if (!host_stop_) host_stop_ = std::move(why);
  uc_emu_stop(uc_);
}

void Engine::return_to_caller() {
  if (spec_.has_link()) {
    set_pc(reg(spec_.link));
    return;
  }
  uint64_t sp0 = sp();
  uint64_t ret = read_uint(sp0, spec_.call_pushes);
  set_sp(sp0 + spec_.call_pushes);
  set_pc(ret);
}

uint32_t Engine::block_insns(uint64_t addr, uint32_t size) {
  if (insn_shift_ >= 0) return std::max<uint32_t>(size >> insn_shift_, 1);
  if (spec_.insn_width != 0) return std::max<uint32_t>(size / spec_.insn_width, 1);
  if (size == 0) return 1;  // Unicorn reports some blocks (s390x) without a size
  // Variable-width code: count a block once (count_block); a direct-mapped cache
  // remembers it.
  BlockCount& slot = block_counts_[(addr ^ (addr >> 12)) % block_counts_.size()];
  if (slot.addr == addr && slot.size == size) return slot.insns;
  return count_block(slot, addr, size);
}

// The translator counted the block's instructions when it made it: asked for the
// block this hook runs before, Unicorn finds it in its cache and says. Capstone
// decodes the bytes instead when that block is not the one the hook reported (its
// size differs), or when the block ends at the run's end address, where the
// translator may have counted the stop it plants there as one more instruction
// (measured: three nops before the end address count four). So a run that
// verifies loads no disassembler: its blocks end at branches.
uint32_t Engine::count_block(BlockCount& slot, uint64_t addr, uint32_t size) {
  uint32_t n = 0;
  uc_tb tb{};
  if (addr + size != until_ && uc_ctl_request_cache(uc_, addr, &tb) == UC_ERR_OK && tb.pc == addr && tb.size == size) {
    n = tb.icount;
  } else {
    std::vector<uint8_t> code(size);
    n = try_read(addr, code) ? static_cast<uint32_t>(disasm_.count(code, addr)) : 1;
  }
  slot = {addr, size, std::max<uint32_t>(n, 1)};
  return slot.insns;
}

// Runs before every guest block (about a million and a half in a cold matrix): the
// common case (no landing, within budget, no block hooks) does only the counting and
// one store into the ring of recent blocks.
inline void Engine::on_block(uint64_t addr, uint32_t size, uint32_t insns) {
  if (run_insns_ + insns > budget_) [[unlikely]] {
    // The block does not run, nor is it charged, so that resume() continues exactly here.
    budget_hit_ = true;
    uc_emu_stop(uc_);
    return;
  }
  run_insns_ += insns;
  recent_[++block_seq_ % kRecent] = {addr, size};
  if (watch_blocks_) [[unlikely]]
    run_block_hooks(addr, size);
}

bool Engine::stop_at_landing(uint64_t addr) {
  if (landings_.empty() || !is_landing(addr)) [[likely]]
    return false;
  // A faulting fetch landed here: stop before anything on the page runs.
  uc_emu_stop(uc_);
  return true;
}

void Engine::block_cb(uc_engine*, uint64_t addr, uint32_t size, void* self) {
  auto* e = static_cast<Engine*>(self);
  if (e->stop_at_landing(addr)) [[unlikely]]
    return;
  e->on_block(addr, size, e->block_insns(addr, size));
}

// Shift: log2 of the instruction width when known at compile time (4-byte rows),
// else -1 (the engine's insn_shift_).
template <int Shift>
void Engine::block_cb_fixed(uc_engine*, uint64_t addr, uint32_t size, void* self) {
  auto* e = static_cast<Engine*>(self);
  if (e->stop_at_landing(addr)) [[unlikely]]
    return;
  const int shift = Shift >= 0 ? Shift : e->insn_shift_;
  e->on_block(addr, size, std::max<uint32_t>(size >> shift, 1));
}

void Engine::run_block_hooks(uint64_t addr, uint32_t size) {
  try {
    for (auto& fn : block_hooks_)
      if (fn) fn(addr, size);
  } catch (const std::exception& ex) {
    fail_from_hook(ex.what());
  }
}

bool Engine::tlb_fill_cb(uc_engine*, uint64_t addr, uc_mem_type type, uc_tlb_entry* entry, void* self) {
  auto* e = static_cast<Engine*>(self);
  if (!e->windows_.empty() && e->window_at(addr) && !e->region_of(addr)) {
    // A hole: its shadow page is mapped by nothing, so the access faults there.
    entry->paddr = addr + e->shadow_;
    entry->perms = UC_PROT_ALL;
    e->shadowed_ = true;
    return true;
  }
  entry->paddr = addr & e->spec_.phys_mask;
  const bool quiet = e->quiet_stores_ && e->quiet_at(addr);
  if (type == UC_MEM_FETCH && quiet && e->spec_.fetch_fault_landing && !e->is_landing(addr)) {
    // A fetch from a quiet region, which no fault hook covers, on a row whose
    // translator must not see a fetch fail: land it now, as the hook would have
    // when the translator fetched the block's first instruction (the PC; the
    // page's first word when a branch's delay slot begins the page).
    const uint64_t pc = e->pc();
    e->invalid_mem_cb(e->uc_, UC_MEM_FETCH_PROT, page_down(pc) == addr ? pc : addr, e->spec_.insn_width, 0, e);
  }
  // An entry that allows execution keeps every store to its page on Unicorn's slow
  // path; data accesses do without (a fetch from the page later fills its own).
  entry->perms =
      type == UC_MEM_FETCH || !e->quiet_stores_ ? UC_PROT_ALL : static_cast<uc_prot>(UC_PROT_READ | UC_PROT_WRITE);
  return true;
}

const Engine::HostRegion* Engine::region_of(uint64_t addr) const {
  auto it = std::upper_bound(regions_.begin(), regions_.end(), addr,
                             [](uint64_t a, const HostRegion& r) { return a < r.lo; });
  return it != regions_.begin() && addr < std::prev(it)->hi ? &*std::prev(it) : nullptr;
}

bool Engine::quiet_at(uint64_t addr) const {
  const HostRegion* r = region_of(addr);
  return r && r->quiet;
}

void Engine::code_cb(uc_engine*, uint64_t addr, uint32_t, void* hook) {
  auto* h = static_cast<Hook*>(hook);
  try {
    h->code(addr);
  } catch (const std::exception& ex) {
    h->engine->fail_from_hook(ex.what());
  }
}

void Engine::write_cb(uc_engine*, uc_mem_type, uint64_t addr, int size, int64_t value, void* hook) {
  auto* h = static_cast<Hook*>(hook);
  try {
    h->write(addr, size, static_cast<uint64_t>(value));
  } catch (const std::exception& ex) {
    h->engine->fail_from_hook(ex.what());
  }
}

bool Engine::invalid_mem_cb(uc_engine*, uc_mem_type type, uint64_t paddr, int size, int64_t, void* self) {
  auto* e = static_cast<Engine*>(self);
  const uint64_t addr = e->virtual_of(paddr);
  if (!e->trap_) {
    RunResult r;
    r.reason = StopReason::Fault;
    r.fault_addr = addr;
    r.detail = fmt::format("{} address {:#x} ({} bytes)", access_name(type), addr, size);
    e->trap_ = r;
  }
  if (e->spec_.fetch_fault_landing && (type == UC_MEM_FETCH_UNMAPPED || type == UC_MEM_FETCH_PROT))
    return e->land_fetch(type, addr, paddr);
  return false;
}

// land_fetch runs inside Unicorn's translator, which must not be abandoned on rows
// with fetch_fault_landing: instead of failing the fetch, it makes the page
// executable and fills it with the row's trapping instruction. The block hook then
// stops the run at the page's first block (the trap would stop it otherwise).
bool Engine::land_fetch(uc_mem_type type, uint64_t addr, uint64_t paddr) {
  Landing l;
  l.page = page_down(addr);
  l.phys = page_down(paddr);
  if (type == UC_MEM_FETCH_UNMAPPED) {
    l.mapped_here = uc_mem_map(uc_, l.phys, kPageSize, UC_PROT_READ | UC_PROT_EXEC) == UC_ERR_OK;
    if (!l.mapped_here) {
      unusable_ = fmt::format("no landing page could be mapped at {:#x}", l.page);
      return false;
    }
  } else {
    // The whole region changes protection: splitting a region here, in the middle
    // of a translation, crashes Unicorn (measured).
    uc_mem_region* regions = nullptr;
    uint32_t count = 0;
    if (uc_mem_regions(uc_, &regions, &count) == UC_ERR_OK) {
      for (uint32_t i = 0; i < count; i++)
        if (regions[i].begin <= addr && addr <= regions[i].end) {
          l.region = regions[i].begin;
          l.region_size = regions[i].end - regions[i].begin + 1;
          l.prot = regions[i].perms;
        }
      uc_free(regions);
    }
    l.saved.resize(kPageSize);
    if (l.region_size == 0 || uc_mem_read(uc_, l.page, l.saved.data(), kPageSize) != UC_ERR_OK ||
        uc_mem_protect(uc_, l.region, l.region_size, l.prot | UC_PROT_EXEC) != UC_ERR_OK) {
      unusable_ = fmt::format("the page at {:#x} could not be made executable", l.page);
      return false;
    }
  }
  const int width = spec_.insn_width;
  std::vector<uint8_t> page(kPageSize);
  for (uint64_t off = 0; off + width <= kPageSize; off += width)
    store_uint(page.data() + off, width, spec_.order, *spec_.fetch_fault_landing);
  uc_mem_write(uc_, l.phys, page.data(), page.size());
  landings_.push_back(std::move(l));
  return true;
}

bool Engine::is_landing(uint64_t addr) const {
  return std::any_of(landings_.begin(), landings_.end(), [&](const Landing& l) { return l.page == page_down(addr); });
}

void Engine::undo_landings() {
  for (const auto& l : landings_) {
    if (l.mapped_here) {
      uc_mem_unmap(uc_, l.phys, kPageSize);
    } else {
      uc_mem_write(uc_, l.page, l.saved.data(), l.saved.size());
      uc_mem_protect(uc_, l.region, l.region_size, l.prot);
    }
    // Drop the trap block translated there, so that the next fetch faults again.
    uc_ctl_remove_cache(uc_, l.page, l.page + kPageSize);
  }
  // A quiet region made executable for a landing leaves fetch entries in the TLB
  // that would let a later fetch from it skip the fill that lands it.
  if (!landings_.empty() && quiet_stores_) uc_ctl_flush_tlb(uc_);
  landings_.clear();
}

void Engine::intr_cb(uc_engine*, uint32_t intno, void* self) {
  auto* e = static_cast<Engine*>(self);
  if (!e->trap_) {
    RunResult r;
    r.reason = StopReason::Interrupt;
    r.intno = intno;
    // Where the trap happened, read now: after a CPU exception some CPUs have
    // already moved the PC (to an exception vector, or past the instruction).
    r.pc = e->reg(e->spec_.pc);
    r.detail = fmt::format("trap (CPU exception {})", intno);
    e->trap_ = r;
  }
  uc_emu_stop(e->uc_);
}

bool Engine::invalid_insn_cb(uc_engine*, void* self) {
  auto* e = static_cast<Engine*>(self);
  if (!e->trap_) {
    RunResult r;
    r.reason = StopReason::InvalidInsn;
    r.detail = "invalid instruction";
    e->trap_ = r;
  }
  return false;
}

std::string unicorn_version() {
  unsigned major = 0, minor = 0;
  uc_version(&major, &minor);
  // The library reports major.minor; the patch level is the header's (linked statically).
  return fmt::format("{}.{}.{}", major, minor, UC_VERSION_PATCH);
}

RunResult Engine::run(uint64_t begin, uint64_t until, uint64_t budget) {
  recent_ = {};
  block_seq_ = 0;
  return start(begin, until, budget, 0);
}

RunResult Engine::resume(uint64_t until, uint64_t budget) {
  if (!budget_hit_) throw EmuError("resume: the last run did not stop on its budget");
  // The block that tripped the budget was not run (nor charged): start there.
  return start(pc(), until, budget, run_insns_);
}

// A fetch no fault hook saw: from a quiet region, or by a block running into one.
// It failed while its block was being translated, before any of it ran, with the
// PC at the block's start; fetching again from there with a hook in place stops
// the same way, and the hook records the fault as a hooked run records it.
uc_err Engine::refetch(uint64_t until, uc_err err) {
  uc_hook h;
  if (uc_hook_add(uc_, &h, UC_HOOK_MEM_FETCH_PROT, reinterpret_cast<void*>(&Engine::invalid_mem_cb), this, 1, 0) !=
      UC_ERR_OK)
    return err;
  uc_err again = uc_emu_start(uc_, pc(), until, 0, 0);
  uc_hook_del(uc_, h);
  return trap_ ? again : err;
}

RunResult Engine::start(uint64_t begin, uint64_t until, uint64_t budget, uint64_t already_run) {
  if (unusable_) throw EmuError(fmt::format("{}: this engine cannot run again after {}", spec_.goarch, *unusable_));
  budget_ = budget;
  until_ = until;
  started_ = true;
  run_insns_ = already_run;
  budget_hit_ = false;
  host_stop_.reset();
  trap_.reset();
  uc_err err = uc_emu_start(uc_, begin, until, 0, 0);
  if (err == UC_ERR_FETCH_PROT && quiet_stores_ && !spec_.fetch_fault_landing && !trap_ && !host_stop_ && !budget_hit_)
    err = refetch(until, err);
  undo_landings();
  total_insns_ += run_insns_ - already_run;

  RunResult r;
  if (host_stop_) {
    r.reason = StopReason::HostStop;
    r.detail = *host_stop_;
  } else if (budget_hit_) {
    r.reason = StopReason::Budget;
    r.detail = fmt::format("more than {} guest instructions: the guest runs away or loops", budget);
  } else if (trap_) {
    r = *trap_;
  } else if (err != UC_ERR_OK) {
    r.reason = err == UC_ERR_INSN_INVALID ? StopReason::InvalidInsn : StopReason::Fault;
    r.detail = uc_strerror(err);
  } else {
    r.reason = StopReason::Until;
  }
  if (!(trap_ && trap_->reason == StopReason::Interrupt && r.reason == StopReason::Interrupt)) r.pc = pc();
  r.block_addr = recent_[block_seq_ % kRecent].addr;
  r.block_size = recent_[block_seq_ % kRecent].size;
  r.insns = run_insns_;
  // Some CPUs raise on the instruction at the end address before the run notices
  // it got there (measured: s390x on a page of zeros): the run still reached it.
  if ((r.reason == StopReason::Interrupt || r.reason == StopReason::InvalidInsn) && r.pc == until && !host_stop_)
    r.reason = StopReason::Until, r.detail.clear();
  if (r.reason == StopReason::Until && r.pc != until) {
    r.reason = StopReason::HostStop;
    r.detail = fmt::format("emulation stopped at {:#x} before reaching {:#x}", r.pc, until);
  }
  return r;
}

std::optional<Insn> Engine::last_insn(const Block& b) const {
  std::vector<uint8_t> code(b.size);
  if (b.size == 0 || !try_read(b.addr, code)) return std::nullopt;
  std::optional<Insn> last;
  for (uint32_t off = 0; off < b.size;) {
    auto insn = disasm_.one(std::span(code).subspan(off), b.addr + off);
    if (!insn || insn->size == 0) break;
    if (!insn->text.starts_with("nop")) last = insn;
    off += insn->size;
  }
  return last;
}

}  // namespace gotramp::emu
