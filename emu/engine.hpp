// Engine: one Unicorn CPU for one ArchSpec row. Typed register access, memory
// access in the guest's byte order, hooks as C++ callables, and an instruction
// budget on every run, so that no guest can hang or crash the host.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "emu/arch_spec.hpp"
#include "emu/disasm.hpp"
#include "emu/host_pages.hpp"

namespace gotramp::emu {

class ElfImage;

struct EmuError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum Prot : uint32_t {
  kProtNone = UC_PROT_NONE,
  kProtRead = UC_PROT_READ,
  kProtWrite = UC_PROT_WRITE,
  kProtExec = UC_PROT_EXEC,
  kProtRW = UC_PROT_READ | UC_PROT_WRITE,
  kProtAll = UC_PROT_ALL,
};

enum class StopReason {
  Until,        // reached the until address
  Budget,       // instruction budget exhausted: a runaway or looping guest
  Fault,        // memory access fault (unmapped or protected)
  Interrupt,    // a trap instruction (INT3, UDF, BREAK, ...)
  InvalidInsn,  // undecodable instruction
  HostStop,     // a host hook stopped the run (Engine::stop)
};

const char* stop_reason_name(StopReason r);

// The Unicorn library's version, "2.1.4".
std::string unicorn_version();

struct RunResult {
  StopReason reason = StopReason::Until;
  uint64_t pc = 0;  // guest PC when the run ended
  // The block executing when it ended, [block_addr, block_addr+block_size): after
  // a trap some CPUs report a PC already moved on (MIPS: 0; PPC: the next
  // instruction), but a trapping instruction ends its block.
  uint64_t block_addr = 0;
  uint32_t block_size = 0;
  uint64_t insns = 0;       // guest instructions executed (counted per block)
  uint64_t fault_addr = 0;  // for Fault
  uint32_t intno = 0;       // for Interrupt
  std::string detail;       // human-readable cause
};

class Engine {
 public:
  static constexpr uint64_t kPageSize = 0x1000;
  static constexpr uint32_t kTranslationBuffer = 1 << 20;
  static constexpr uint64_t kPopulateLimit = 1 << 20;

  explicit Engine(const ArchSpec& spec);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const ArchSpec& spec() const { return spec_; }
  const Disasm& disasm() const { return disasm_; }

  // Registers.
  uint64_t reg(int uc) const;
  uint64_t reg(const Reg& r) const { return reg(r.uc); }
  void set_reg(int uc, uint64_t v);
  void set_reg(const Reg& r, uint64_t v) { set_reg(r.uc, v); }
  uint64_t pc() const { return reg(spec_.pc); }
  void set_pc(uint64_t v) { set_reg(spec_.pc, v); }
  uint64_t sp() const { return reg(spec_.sp); }
  void set_sp(uint64_t v) { set_reg(spec_.sp, v); }

  // Memory. Addresses and sizes for map/protect are page-aligned outward.
  // Host pages of a mapping up to kPopulateLimit come all at once (Populate::Now:
  // one call instead of a page fault per page, or zeroed pages an engine closed
  // before left: host_pages), for memory a run writes whole (stacks); Populate::OnTouch leaves each page to its first
  // touch, for memory a run touches a few pages of (a heap, a Go binary's bss).
  enum class Populate { Now, OnTouch };
  void map(uint64_t addr, uint64_t size, uint32_t prot, Populate populate = Populate::Now);
  // A window of address space that read-write memory is carved from (stacks, which
  // come and go in one run after another). On rows whose TLB the engine fills, one
  // Unicorn region backs the whole window and the pages not carved stay holes: the
  // TLB sends each to a physical page nothing maps (its shadow, shadow() above its
  // own address), so a guest access there faults as on unmapped memory and is
  // reported at its own address; the host cannot read or write them either. A
  // carve then costs no region (Unicorn rebuilds its whole memory map and flushes
  // the TLB for each). Rows without the hook map each carve on its own. Windows lie
  // below shadow(). A guest's access at a hole's shadow address itself would be
  // reported at the hole (64-bit rows: 32 GiB above it; MIPS32: 2 GiB above, in
  // kseg2, which user code cannot address).
  void reserve(uint64_t lo, uint64_t hi);
  // Maps [addr, addr+size) read-write, as map() does, every byte `fill`; inside a
  // reserved window it opens those pages of it instead.
  void carve(uint64_t addr, uint64_t size, uint8_t fill = 0);
  // Whether reserve() makes one region of a window on this row (else carves map).
  bool one_region_windows() const { return shadow_ != 0; }
  // How far above a hole its shadow lies: kShadow, below every wide row's physical
  // limit (arm: 2^40); on rows with narrower physical addresses (ArchSpec::phys_mask:
  // MIPS32 keeps 32 bits) half their physical space. 0 on rows without the hook.
  uint64_t shadow() const { return shadow_; }
  static constexpr uint64_t kShadow = uint64_t{1} << 35;
  void protect(uint64_t addr, uint64_t size, uint32_t prot);
  void unmap(uint64_t addr, uint64_t size);
  bool is_mapped(uint64_t addr) const;
  void write(uint64_t addr, std::span<const uint8_t> bytes);
  std::vector<uint8_t> read(uint64_t addr, size_t n) const;
  bool try_read(uint64_t addr, std::span<uint8_t> out) const;
  // Unsigned integers of 1, 2, 4 or 8 bytes in the guest's byte order.
  uint64_t read_uint(uint64_t addr, int width) const;
  void write_uint(uint64_t addr, int width, uint64_t v);
  uint64_t read_ptr(uint64_t addr) const { return read_uint(addr, spec_.ptr_size); }
  void write_ptr(uint64_t addr, uint64_t v) { write_uint(addr, spec_.ptr_size, v); }
  void fill(uint64_t addr, uint64_t size, uint8_t byte);
  // Maps every PT_LOAD segment of an ELF image with its permissions.
  void load(const ElfImage& image);

  // The current g, wherever the row says it lives. install_tls prepares a
  // thread-local block of `size` bytes at `addr` (already mapped) when g lives in
  // TLS; it does nothing when g lives in a register.
  void install_tls(uint64_t addr, uint64_t size);
  uint64_t current_g() const;
  void set_current_g(uint64_t g);
  // Where g lives in memory (its TLS slot), or nullopt when it lives in a register.
  std::optional<uint64_t> g_memory() const;

  // Hooks. A hook that throws stops the run with StopReason::HostStop.
  using CodeHook = std::function<void(uint64_t addr)>;
  using BlockHook = std::function<void(uint64_t addr, uint32_t size)>;
  using WriteHook = std::function<void(uint64_t addr, int size, uint64_t value)>;
  using HookId = size_t;
  // Runs before the instruction at addr executes (a breakpoint). Remove with
  // remove_hook.
  HookId on_code(uint64_t addr, CodeHook fn);
  // Runs before every instruction in [begin, end] (inclusive; begin > end for
  // every address); slow, for tracing. Remove with remove_hook.
  HookId on_code_range(uint64_t begin, uint64_t end, CodeHook fn);
  // Runs at the start of every executed block while watch_blocks(true): checks
  // that need to follow a few blocks turn it on and off, so runs pay nothing for
  // it otherwise. Remove with remove_block_hook.
  size_t on_block(BlockHook fn);
  void remove_block_hook(size_t id);
  void watch_blocks(bool on) { watch_blocks_ = on; }
  // The block executed before the current one (the current one is where a code
  // hook is running): [addr, addr+size).
  struct Block {
    uint64_t addr = 0;
    uint32_t size = 0;
  };
  Block previous_block() const { return recent_[(block_seq_ - 1) % kRecent]; }
  // A block's last instruction that is not a nop (the call that left it, for a
  // block before a callee's entry); none when it cannot be read or decoded.
  std::optional<Insn> last_insn(const Block& b) const;
  // The block executed before that one (a stack-split prologue's compare, seen from
  // morestack's entry: the prologue branched to the block that calls morestack).
  Block block_before_previous() const { return recent_[(block_seq_ - 2) % kRecent]; }
  // Direct access to mapped guest memory backed by the host: [addr, addr+n) must
  // lie in one mapping holding no code. Empty if it does not.
  std::span<uint8_t> host_span(uint64_t addr, size_t n);
  // Runs before every guest store into [begin, end] (inclusive) until removed.
  // While any write hook exists Unicorn takes the slow path for every load and
  // store (measured: runs twice as long), so add them only for runs that need them.
  HookId on_write(uint64_t begin, uint64_t end, WriteHook fn);
  // Removes a hook, and the translations and TLB entries made while it existed.
  void remove_hook(HookId id);

  // Runs from begin until PC reaches until, a fault, a trap, a host stop, or more
  // than `budget` instructions. The budget is charged a whole block (at most a few
  // hundred instructions) as the block starts.
  RunResult run(uint64_t begin, uint64_t until, uint64_t budget);
  // Continues a run that stopped on its budget, from the block it had not started,
  // under a larger budget for the whole run: run(b, u, n) then resume(u, m) does
  // what run(b, u, m) does, and the result counts the instructions of both parts.
  RunResult resume(uint64_t until, uint64_t budget);
  // From inside a hook: end the run with StopReason::HostStop and this message.
  void stop(std::string why);
  // From inside a hook at a function's entry: return to its caller, as RET would
  // (pop the return PC on x86, jump to the link register elsewhere).
  void return_to_caller();

  // Instructions executed since this engine was created.
  uint64_t total_insns() const { return total_insns_; }

 private:
  struct Hook;
  void add_hook(int type, void* cb, uint64_t begin, uint64_t end, std::unique_ptr<Hook> h);
  static void block_cb(uc_engine*, uint64_t addr, uint32_t size, void* self);
  template <int Shift>
  static void block_cb_fixed(uc_engine*, uint64_t addr, uint32_t size, void* self);
  void on_block(uint64_t addr, uint32_t size, uint32_t insns);
  bool stop_at_landing(uint64_t addr);
  static void code_cb(uc_engine*, uint64_t addr, uint32_t size, void* hook);
  static void write_cb(uc_engine*, uc_mem_type, uint64_t addr, int size, int64_t value, void* hook);
  static bool invalid_mem_cb(uc_engine*, uc_mem_type, uint64_t addr, int size, int64_t, void* self);
  static void intr_cb(uc_engine*, uint32_t intno, void* self);
  static bool tlb_fill_cb(uc_engine*, uint64_t addr, uc_mem_type type, uc_tlb_entry* entry, void* self);
  static bool invalid_insn_cb(uc_engine*, void* self);
  RunResult start(uint64_t begin, uint64_t until, uint64_t budget, uint64_t already_run);
  uint32_t block_insns(uint64_t addr, uint32_t size);
  void run_block_hooks(uint64_t addr, uint32_t size);
  bool land_fetch(uc_mem_type type, uint64_t addr, uint64_t paddr);
  bool is_landing(uint64_t addr) const;
  void undo_landings();
  void fail_from_hook(const char* what);
  uint64_t g_slot() const;

  const ArchSpec& spec_;
  uc_engine* uc_ = nullptr;
  Disasm disasm_;
  std::vector<std::unique_ptr<Hook>> hooks_;
  struct HostMap {
    void* p;
    size_t n;
    bool pooled;  // from host_pages, given back when the engine closes
  };
  std::vector<HostMap> host_maps_;  // memory behind uc_mem_map_ptr
  std::vector<BlockHook> block_hooks_;
  bool watch_blocks_ = false;
  // The last blocks started, a ring: the current one at block_seq_ % kRecent, the
  // one before it at block_seq_ - 1, ... (a run starts with them all empty).
  static constexpr uint32_t kRecent = 4;
  std::array<Block, kRecent> recent_{};
  uint32_t block_seq_ = 0;
  struct BlockCount {
    uint64_t addr = ~uint64_t{0};
    uint32_t size = 0, insns = 0;
  };
  std::array<BlockCount, 1024> block_counts_{};
  uint32_t count_block(BlockCount& slot, uint64_t addr, uint32_t size);
  uint64_t until_ = 0;   // the current run's end address
  int insn_shift_ = -1;  // log2 of a power-of-two fixed instruction width; -1 otherwise
  // Guest memory backed by host memory, sorted by address.
  struct HostRegion {
    uint64_t lo, hi;
    uint8_t* host;
    bool exec;
    bool quiet;  // mapped read-write, not executable, and never protected since
  };
  std::vector<HostRegion> regions_;
  mutable size_t last_region_ = 0;
  void add_region(uint64_t lo, uint64_t hi, uint8_t* host, uint32_t prot);
  const HostRegion* region_of(uint64_t addr) const;

  // Reserved windows: their carved pages are in regions_, the rest are holes.
  struct Window {
    uint64_t lo, hi;
    host_pages::Block block;
  };
  std::vector<Window> windows_;
  uint64_t shadow_ = 0;    // see shadow(); 0: carves map
  bool shadowed_ = false;  // a hole got a TLB entry since the TLB was last flushed
  const Window* window_at(uint64_t addr) const;
  // [addr, addr+n) overlaps a window. Asked once host_at found no one region holding
  // it: then it touches a hole, which Unicorn's own reads and writes would reach.
  bool touches_window(uint64_t addr, uint64_t n) const;
  // The guest address an access to physical address paddr was made at.
  uint64_t virtual_of(uint64_t paddr) const;

  // Fast guest stores (rows on the virtual TLB: all of them). Unicorn 2.1.4 sends every
  // guest store to a page through its slow path (a region lookup per store) while
  // the page's TLB entry allows execution or any memory hook covers the page. On
  // these rows the TLB is virtual, data accesses get entries without execute
  // permission, and the fault hook covers everything but the quiet regions, where
  // the only fault possible is an instruction fetch: that one is fetched again
  // with a hook in place (refetch), so it reads as it always did; on rows with
  // fetch_fault_landing (MIPS64) the TLB fill lands it before it can fail.
  bool quiet_stores_ = false;
  std::vector<std::pair<uint64_t, uint64_t>> quiet_spans_;        // [lo, hi), merged
  std::map<std::pair<uint64_t, uint64_t>, uc_hook> fault_hooks_;  // by [begin, end]
  void update_fault_hooks();
  bool quiet_at(uint64_t addr) const;
  uc_err refetch(uint64_t until, uc_err err);
  uint8_t* host_at(uint64_t addr, size_t n, bool for_write) const;
  uint64_t tls_base_ = 0;

  // State of the current run.
  uint64_t budget_ = 0;
  uint64_t run_insns_ = 0;
  uint64_t total_insns_ = 0;
  bool started_ = false;  // a run has started: translations and TLB entries may exist
  bool budget_hit_ = false;
  std::optional<std::string> host_stop_;
  std::optional<RunResult> trap_;

  // Pages laid under faulting fetches (ArchSpec::fetch_fault_landing), undone after
  // the run: a page mapped for the landing, or a page of a mapped region whose bytes
  // are saved and whose region was made executable as a whole.
  struct Landing {
    uint64_t page = 0;  // the guest's page
    uint64_t phys = 0;  // where Unicorn maps it (a hole's shadow page, else page)
    bool mapped_here = false;
    uint64_t region = 0, region_size = 0;
    uint32_t prot = 0;
    std::vector<uint8_t> saved;
  };
  std::vector<Landing> landings_;
  // A fetch fault could not be landed: Unicorn would crash on the next run.
  std::optional<std::string> unusable_;
};

}  // namespace gotramp::emu
