// ArchSpec: one row of facts per GOARCH, in the spirit of Go's cmd/internal/sys
// Arch table. Everything that differs between architectures lives in these rows
// (and in guest_asm/); code elsewhere reads the row and never switches on a GOARCH.
#pragma once

#include <capstone/capstone.h>
#include <unicorn/unicorn.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gotramp::emu {

enum class ByteOrder : uint8_t { Little, Big };

// A machine register: its Unicorn id and its Plan 9 name.
struct Reg {
  int uc = -1;
  std::string name;
  int bytes = 0;  // the register's width when it is wider than a machine word (XMM: 16)
  bool valid() const { return uc >= 0; }
};

// Where the current g lives while Go code runs.
enum class GHome : uint8_t {
  Register,       // a dedicated register (g_reg)
  FsRelative,     // x86-64: at FS_BASE + g_tls_offset (linux/amd64: FS:-8)
  GsSelfPointer,  // 386: GS:0 holds its own address; g at that address + g_tls_offset
};

// A register bit pattern OR'ed in when an engine is opened (a CPU mode switch).
struct RegSetBits {
  int uc;
  uint64_t bits;
  std::string why;
};

// A register as gdb-multiarch numbers it in the g and p packets of the remote
// protocol (gotramp debug), for a target description that names only the
// architecture: gdb then lays the registers out in its own order and widths.
struct GdbReg {
  std::string name;  // as gdb prints it: rax, x26, r12, s6
  int uc = -1;       // Unicorn id; -1: no value here (reported as unavailable)
  int size = 8;      // bytes in the packet, in the row's byte order
};

// What gdb-multiarch (Debian's gdb 13) needs to debug this CPU remotely.
struct GdbFacts {
  std::string arch;          // <architecture> of the target description (gdb's name)
  std::vector<GdbReg> regs;  // gdb's register numbers 0..n-1: a prefix of its layout
  // gdb steps over a write watchpoint's store itself (its gdbarch has
  // have_nonsteppable_watchpoint): the stub reports the hit before the store
  // executes. Otherwise after it, as x86 debug registers do.
  bool watch_before_store = false;
};

struct ArchSpec {
  std::string goarch;        // GOARCH name as the user types it
  std::string build_goarch;  // GOARCH the guest is assembled as (amd64p32 -> amd64)
  // Folder under guest_asm/ (mips64 and mips64le share one); empty for a GOARCH Go
  // 1.8 had no port for (riscv64), which only real toolchains (--go) verify.
  std::string guest_dir;
  bool verified = false;  // verified end to end here; set in the row once it passes
  // Modern Go toolchains (the ones --go runs, Go >= 1.19) build this GOARCH; false
  // for amd64p32, which Go dropped in 1.14 (with NaCl).
  bool real_toolchains = true;
  // The seed commit's file list covers ten GOARCHes; rows beyond it (mips, mipsle)
  // are transcribed from Go 1.8's own files and say where in `source`.
  bool in_seed = true;
  std::string source;  // where the row's morestack comes from, when not the seed's files

  // sys.Arch facts.
  int ptr_size = 8;  // sys.PtrSize
  int reg_size = 8;  // sys.RegSize (8 on amd64p32: gobuf.ret is a Uintreg)
  ByteOrder order = ByteOrder::Little;

  // CPU under Unicorn.
  uc_arch uc_arch_id{};
  int uc_mode = 0;
  int uc_cpu = -1;                    // CPU model, -1 for Unicorn's default
  bool tlb_virtual = false;           // needs UC_TLB_VIRTUAL (MIPS64, PPC64)
  std::vector<RegSetBits> reg_setup;  // mode bits set after opening (PSW, MSR)
  // Unicorn 2.1.4 on s390x raises a program exception on every instruction fetch
  // from a page without UC_PROT_WRITE (measured); such rows map code writable.
  bool code_needs_write = false;
  // Unicorn 2.1.4's MIPS translator keeps a TCG temp from one block to the next; an
  // instruction fetch that faults abandons a translation and leaves it dangling, and
  // the next uc_emu_start segfaults (unicorn issues #2134, #2339). Rows that set this
  // trapping instruction word never let a fetch fault: the engine lays a page of it
  // under the faulting PC, ends the run there, and puts the page back afterwards.
  std::optional<uint32_t> fetch_fault_landing;
  // The physical address the CPU's MMU makes of a virtual one, which faults name;
  // the virtual TLB's fills make the same. x86-64 keeps 52 bits (measured: a load
  // from 0xfcfcfcfcfcfcfcfc is a fault at 0xcfcfcfcfcfcfc; MIPS32: 32 bits).
  uint64_t phys_mask = ~uint64_t{0};
  int insn_width = 0;        // fixed instruction size, 0 when variable
  uint16_t elf_machine = 0;  // e_machine of the guest ELF
  int elf_word = 8;          // ELF class of the guest ELF in bytes (ELFCLASS32: 4)

  // Disassembly.
  cs_arch cs_arch_id{};
  int cs_mode = 0;

  // Go ABI0 facts.
  Reg sp, pc, link, ctxt, g;  // link/g are invalid where absent
  GHome g_home = GHome::Register;
  int64_t g_tls_offset = 0;  // for FsRelative/GsSelfPointer
  Reg morestack_lr;          // register the split prologue passes f's caller's LR in
  int call_pushes = 0;       // bytes CALL pushes (x86); 0 with a link register
  int min_frame = 0;         // sys.MinFrameSize: the saved-LR area at 0(SP)
  int stack_align = 8;       // SP alignment the ABI requires at a call
  Reg frame_pointer;         // BP where Go 1.8 keeps frame pointers (amd64 only)
  int sigset_bytes = 8;      // size of the runtime's sigset on linux/GOARCH (m.sigmask)
  // Where user space ends on linux/GOARCH (the kernel's TASK_SIZE): no Go stack can
  // lie at or above it. MIPS32's 0x7fff8000 rules out a stack across 0x80000000.
  uint64_t user_top = 0;
  // The stack-split prologue's conditional branch compares by itself (RISC-V BLTU,
  // s390x CLGRJ); elsewhere the instruction before the branch compares (or, for a
  // frame beyond StackBig, subtracts) and the branch reads its flags or result.
  bool split_branch_compares = false;

  // Facts of the Go runtimes that real toolchains build (Go >= 1.19).
  // ABIInternal, where Go passes arguments in registers (internal/abi, the compiler's
  // abi-internal.md): the integer argument and result registers in order, and the
  // register g is kept in while such code runs where g otherwise lives in TLS
  // (amd64: R14). Empty where Go passes arguments on the stack; which toolchains use
  // it is the binary's to say (s390x got it after Go 1.19).
  struct RegAbi {
    std::vector<Reg> int_args;
    std::vector<Reg> float_args;  // in order (amd64 X0-X14, arm64 F0-F15 ...)
    Reg g;
    // Registers this ABI holds fixed besides g: amd64's X15, always zero.
    std::vector<Reg> fixed;
  } regabi;
  // Registers Go code never changes, under either ABI, besides SP and g: the zero,
  // static-base, TOC, TLS and platform registers (abi-internal.md, a.out.go).
  std::vector<Reg> fixed;
  // The floating-point (and vector) registers Unicorn exposes, by Plan 9 name; 8 or
  // 16 bytes each (Reg::bytes).
  std::vector<Reg> float_regs;
  Reg modern_frame_pointer;  // where Go keeps frame pointers today (amd64 BP, arm64 R29)
  // arm64 saves the caller's frame pointer one word below the SP it calls with, so
  // copystack copies and adjusts that word by hand (runtime.adjustctxt).
  bool fp_below_sp = false;
  // The register the split prologue's call to morestack links in, when it is not
  // the ordinary link register (riscv64: JAL X5, leaving f's return address in X1).
  Reg prologue_link;
  std::vector<Reg> regs;  // general registers, in the order traces list them
  GdbFacts gdb;           // for gotramp debug

  // The platform's C calling convention on linux/GOARCH (its psABI), as the runtime
  // must call C from asmcgocall: where the argument and the int result go, the
  // alignment of SP at the call, the words above that SP the callee owns, and the
  // registers a C function may change. Offsets count from SP at the call, before
  // CALL pushes a return PC (x86).
  struct CAbi {
    std::string name;  // "System V AMD64 psABI"
    Reg arg;           // the first integer argument; invalid: in the stack word at 0 (i386)
    Reg result;        // an int result
    // The register the callee finds itself by at its entry, where the ABI wants one:
    // its own address (MIPS PIC calls through t9; ppc64 ELFv2's global entry reads
    // R12), or with function descriptors the TOC its descriptor holds (ELFv1's R2).
    Reg entry;
    // C functions are called through descriptors ({entry, TOC, environment}), and
    // a function pointer is the descriptor's address (ppc64 ELFv1).
    bool descriptors = false;
    // The binaries this convention is for: those whose ELF header's e_flags, under
    // the mask, equal e_flags (mask 0: any).
    uint32_t e_flags_mask = 0, e_flags = 0;
    int stack_align = 16;
    // [reserved_lo, reserved_hi): the callee's own words in its caller's frame (o32's
    // four argument homes, ELFv2's CR/LR/TOC words, s390x's register save area,
    // i386's argument), which it may overwrite at will.
    int reserved_lo = 0, reserved_hi = 0;
    std::vector<Reg> clobbered;  // general and floating-point, besides result
    bool valid() const { return result.valid(); }
  } c_abi;
  // Another convention the row's binaries may be linked for, chosen by their ELF
  // header (big-endian ppc64: ELFv1, where Go 1.19 links it).
  std::optional<CAbi> c_abi_alt;
  // The convention a binary with these e_flags calls C with.
  const CAbi& c_abi_for(uint32_t e_flags) const {
    return c_abi_alt && (e_flags & c_abi_alt->e_flags_mask) == c_abi_alt->e_flags ? *c_abi_alt : c_abi;
  }

  // Has a Go 1.8 transcription under guest_asm/: the transcription paths (verify
  // and trace without --go, build-guests, their tests and goldens) run only these.
  bool transcribed() const { return !guest_dir.empty(); }
  bool has_link() const { return link.valid(); }
  // At morestack's entry on a link-register machine: the register holding f's PC.
  const Reg& morestack_link() const { return prologue_link.valid() ? prologue_link : link; }
  // Go's alignment of 8-byte integers and float64s in memory and in argument
  // frames: RegSize (cmd/compile/internal/types/size.go), 4 on 32-bit rows.
  int align64() const { return reg_size; }
  // Offset from SP of a callee's first argument at its entry: past the return PC
  // that CALL pushed (x86) or past the caller's fixed frame (link-register machines).
  int arg0_offset() const { return call_pushes + min_frame; }
  // Width of the slot at 0(SP) at a callee's entry.
  int entry_slot_size() const { return call_pushes != 0 ? call_pushes : ptr_size; }
  // "8(RSP)": a slot named the way Plan 9 assembly names it.
  std::string slot(int64_t offset) const;
  const Reg* reg_by_uc(int uc) const;
  // The registers a call into Go code may leave with any value (a call clobbers
  // them): every general and floating-point register but SP, g and the fixed ones
  // (those of the register ABI too, when register_abi).
  std::vector<Reg> call_clobbered(bool register_abi) const;
};

// All rows: the seed's, in the order of its file list, then the rows beyond it.
std::span<const ArchSpec> arch_table();
// The row for a GOARCH, or nullptr.
const ArchSpec* find_arch(std::string_view goarch);

// A GOARCH Go supports on linux that no emulator here runs: named so that asking
// for it says why instead of "unknown GOARCH".
struct Unemulated {
  std::string_view goarch;
  std::string_view why;  // "no emulator for loong64 (Unicorn 2.1.4 has no LoongArch CPU)"
};
std::span<const Unemulated> unemulated_goarches();
// The entry for a GOARCH no emulator runs, or nullptr.
const Unemulated* find_unemulated(std::string_view goarch);
// "386, amd64, ..." for error messages.
std::string arch_names();
// The rows a name stands for in Go's file-name convention (`*_GOARCH.s`): a GOARCH,
// or a guest folder shared by a family of rows ("ppc64x": ppc64 and ppc64le).
// Empty when the name is neither.
std::vector<const ArchSpec*> archs_named(std::string_view name);

}  // namespace gotramp::emu
