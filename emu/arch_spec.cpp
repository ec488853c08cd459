#include "emu/arch_spec.hpp"

#include <elf.h>

#include <algorithm>

#include <fmt/format.h>

namespace gotramp::emu {
namespace {

std::vector<Reg> numbered(const char* prefix, int first_uc, int first, int count) {
  std::vector<Reg> out;
  for (int i = 0; i < count; i++) out.push_back({first_uc + i, fmt::format("{}{}", prefix, first + i)});
  return out;
}

std::vector<Reg> concat(std::vector<Reg> a, const std::vector<Reg>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The same registers, each `bytes` wide.
std::vector<Reg> wide(std::vector<Reg> regs, int bytes) {
  for (auto& r : regs) r.bytes = bytes;
  return regs;
}

// The registers named, in the order given.
std::vector<Reg> pick(const std::vector<Reg>& regs, std::initializer_list<const char*> names);

Reg named(const std::vector<Reg>& regs, std::string_view name) {
  for (const auto& r : regs)
    if (r.name == name) return r;
  return {};
}

// prefix<lo> .. prefix<hi> of a register set, by name ("R", 4, 7: R4-R7).
std::vector<Reg> span_of(const std::vector<Reg>& regs, const char* prefix, int lo, int hi) {
  std::vector<Reg> out;
  for (int i = lo; i <= hi; i++) out.push_back(named(regs, fmt::format("{}{}", prefix, i)));
  return out;
}

std::vector<Reg> pick(const std::vector<Reg>& regs, std::initializer_list<const char*> names) {
  std::vector<Reg> out;
  for (const char* n : names) out.push_back(named(regs, n));
  return out;
}

// gdb's registers: prefix0..prefixN-1 from consecutive Unicorn ids, or absent (uc -1).
std::vector<GdbReg> gdb_numbered(const char* prefix, int first_uc, int count, int size) {
  std::vector<GdbReg> out;
  for (int i = 0; i < count; i++)
    out.push_back({fmt::format("{}{}", prefix, i), first_uc < 0 ? -1 : first_uc + i, size});
  return out;
}

std::vector<GdbReg> gdb_concat(std::initializer_list<std::vector<GdbReg>> parts) {
  std::vector<GdbReg> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// gdb's amd64 layout (amd64-tdep.c): the 16 integer registers, rip, eflags and the
// segment selectors; the x87 and SSE registers that follow are left out.
GdbFacts gdb_x86_64() {
  GdbFacts g;
  g.arch = "i386:x86-64";
  g.regs = {{"rax", UC_X86_REG_RAX},  {"rbx", UC_X86_REG_RBX},  {"rcx", UC_X86_REG_RCX},
            {"rdx", UC_X86_REG_RDX},  {"rsi", UC_X86_REG_RSI},  {"rdi", UC_X86_REG_RDI},
            {"rbp", UC_X86_REG_RBP},  {"rsp", UC_X86_REG_RSP},  {"r8", UC_X86_REG_R8},
            {"r9", UC_X86_REG_R9},    {"r10", UC_X86_REG_R10},  {"r11", UC_X86_REG_R11},
            {"r12", UC_X86_REG_R12},  {"r13", UC_X86_REG_R13},  {"r14", UC_X86_REG_R14},
            {"r15", UC_X86_REG_R15},  {"rip", UC_X86_REG_RIP},  {"eflags", UC_X86_REG_EFLAGS, 4},
            {"cs", UC_X86_REG_CS, 4}, {"ss", UC_X86_REG_SS, 4}, {"ds", UC_X86_REG_DS, 4},
            {"es", UC_X86_REG_ES, 4}, {"fs", UC_X86_REG_FS, 4}, {"gs", UC_X86_REG_GS, 4}};
  return g;
}

std::vector<Reg> x86_64_regs() {
  return concat({{UC_X86_REG_RAX, "AX"},
                 {UC_X86_REG_RBX, "BX"},
                 {UC_X86_REG_RCX, "CX"},
                 {UC_X86_REG_RDX, "DX"},
                 {UC_X86_REG_RSI, "SI"},
                 {UC_X86_REG_RDI, "DI"},
                 {UC_X86_REG_RBP, "BP"},
                 {UC_X86_REG_RSP, "SP"}},
                {{UC_X86_REG_R8, "R8"},
                 {UC_X86_REG_R9, "R9"},
                 {UC_X86_REG_R10, "R10"},
                 {UC_X86_REG_R11, "R11"},
                 {UC_X86_REG_R12, "R12"},
                 {UC_X86_REG_R13, "R13"},
                 {UC_X86_REG_R14, "R14"},
                 {UC_X86_REG_R15, "R15"}});
}

ArchSpec x86_64_row(std::string goarch, int ptr_size) {
  ArchSpec a;
  a.goarch = goarch;
  a.build_goarch = "amd64";
  a.guest_dir = goarch;
  a.verified = true;
  a.ptr_size = ptr_size;
  a.reg_size = 8;
  a.uc_arch_id = UC_ARCH_X86;
  a.uc_mode = UC_MODE_64;
  a.elf_machine = EM_X86_64;
  a.cs_arch_id = CS_ARCH_X86;
  a.cs_mode = CS_MODE_64;
  a.regs = x86_64_regs();
  a.sp = named(a.regs, "SP");
  a.pc = {UC_X86_REG_RIP, "PC"};
  a.ctxt = named(a.regs, "DX");
  a.g_home = GHome::FsRelative;
  a.g_tls_offset = -8;  // linux/amd64 links 0(CX)(TLS*1) to FS:-8
  a.call_pushes = 8;
  a.stack_align = 8;
  a.float_regs = wide(numbered("X", UC_X86_REG_XMM0, 0, 16), 16);
  a.phys_mask = (uint64_t{1} << 52) - 1;  // TARGET_PHYS_ADDR_SPACE_BITS
  a.gdb = gdb_x86_64();
  return a;
}

ArchSpec row_386() {
  ArchSpec a;
  a.goarch = a.build_goarch = a.guest_dir = "386";
  a.verified = true;
  a.ptr_size = a.reg_size = 4;
  a.uc_arch_id = UC_ARCH_X86;
  a.uc_mode = UC_MODE_32;
  a.elf_machine = EM_386;
  a.elf_word = 4;
  a.cs_arch_id = CS_ARCH_X86;
  a.cs_mode = CS_MODE_32;
  a.regs = {{UC_X86_REG_EAX, "AX"}, {UC_X86_REG_EBX, "BX"}, {UC_X86_REG_ECX, "CX"}, {UC_X86_REG_EDX, "DX"},
            {UC_X86_REG_ESI, "SI"}, {UC_X86_REG_EDI, "DI"}, {UC_X86_REG_EBP, "BP"}, {UC_X86_REG_ESP, "SP"}};
  a.sp = named(a.regs, "SP");
  a.pc = {UC_X86_REG_EIP, "PC"};
  a.ctxt = named(a.regs, "DX");
  // Measured: Go 1.19 links MOVL TLS, CX; MOVL 0(CX)(TLS*1), g to MOVL GS:0, CX;
  // MOVL -4(CX), g. Unicorn 2.1.4 in 32-bit mode ignores a GS_BASE write (it reads
  // back 0 and GS:0 faults at address 0), so Engine::install_tls builds a GDT.
  a.g_home = GHome::GsSelfPointer;
  a.g_tls_offset = -4;
  a.call_pushes = 4;
  a.stack_align = 4;
  a.float_regs = wide(numbered("X", UC_X86_REG_XMM0, 0, 8), 16);  // GO386=sse2
  // A 32-bit kernel's 3G/1G split (PAGE_OFFSET); a 64-bit kernel gives 32-bit
  // processes up to 0xffffe000.
  a.user_top = 0xc0000000;
  // gdb's i386 order (i386-tdep.c) differs from the hardware encoding's.
  a.gdb.arch = "i386";
  a.gdb.regs = {{"eax", UC_X86_REG_EAX, 4},       {"ecx", UC_X86_REG_ECX, 4}, {"edx", UC_X86_REG_EDX, 4},
                {"ebx", UC_X86_REG_EBX, 4},       {"esp", UC_X86_REG_ESP, 4}, {"ebp", UC_X86_REG_EBP, 4},
                {"esi", UC_X86_REG_ESI, 4},       {"edi", UC_X86_REG_EDI, 4}, {"eip", UC_X86_REG_EIP, 4},
                {"eflags", UC_X86_REG_EFLAGS, 4}, {"cs", UC_X86_REG_CS, 4},   {"ss", UC_X86_REG_SS, 4},
                {"ds", UC_X86_REG_DS, 4},         {"es", UC_X86_REG_ES, 4},   {"fs", UC_X86_REG_FS, 4},
                {"gs", UC_X86_REG_GS, 4}};
  // i386 System V as Linux's GCC assumes it: the argument in the stack word at the
  // call (the callee's), SP 16-byte aligned there, EAX, ECX, EDX and every XMM free.
  a.c_abi.name = "i386 System V psABI";
  a.c_abi.result = named(a.regs, "AX");
  a.c_abi.stack_align = 16;
  a.c_abi.reserved_lo = 0, a.c_abi.reserved_hi = 4;
  a.c_abi.clobbered = concat(pick(a.regs, {"CX", "DX"}), a.float_regs);
  return a;
}

ArchSpec row_amd64() {
  ArchSpec a = x86_64_row("amd64", 8);
  a.frame_pointer = named(a.regs, "BP");  // framepointer_enabled: GOARCH == amd64
  a.modern_frame_pointer = a.frame_pointer;
  a.regabi.int_args = pick(a.regs, {"AX", "BX", "CX", "DI", "SI", "R8", "R9", "R10", "R11"});
  a.regabi.float_args.assign(a.float_regs.begin(), a.float_regs.begin() + 15);  // X0-X14
  a.regabi.g = named(a.regs, "R14");
  a.regabi.fixed = {named(a.float_regs, "X15")};  // zero under ABIInternal
  a.user_top = 0x7ffffffff000;                    // TASK_SIZE_MAX, 4-level paging
  a.c_abi.name = "System V AMD64 psABI";
  a.c_abi.arg = named(a.regs, "DI");
  a.c_abi.result = named(a.regs, "AX");
  a.c_abi.stack_align = 16;
  a.c_abi.clobbered = concat(pick(a.regs, {"CX", "DX", "SI", "DI", "R8", "R9", "R10", "R11"}), a.float_regs);
  return a;
}

// amd64p32 (NaCl) is assembled as amd64: 8-byte CALL/PUSHQ slots, 4-byte pointers,
// every guest address below 4 GiB. g is the low half of the FS:-8 word: the guest's
// MOVL TLS, CX; MOVL 0(CX)(TLS*1), CX links to MOVL FS:-8, CX (measured).
ArchSpec row_amd64p32() {
  ArchSpec a = x86_64_row("amd64p32", 4);
  a.real_toolchains = false;       // Go 1.14 dropped NaCl and amd64p32 with it
  a.sigset_bytes = 0;              // nacl: sigset is struct{}
  a.user_top = uint64_t{1} << 32;  // every guest address below 4 GiB
  return a;
}

ArchSpec row_arm() {
  ArchSpec a;
  a.goarch = a.build_goarch = a.guest_dir = "arm";
  a.verified = true;
  a.ptr_size = a.reg_size = 4;
  a.uc_arch_id = UC_ARCH_ARM;
  a.uc_mode = UC_MODE_ARM;
  a.insn_width = 4;
  a.elf_machine = EM_ARM;
  a.elf_word = 4;
  a.cs_arch_id = CS_ARCH_ARM;
  a.cs_mode = CS_MODE_ARM;
  a.regs = concat(numbered("R", UC_ARM_REG_R0, 0, 13), {{UC_ARM_REG_R13, "R13"}, {UC_ARM_REG_R14, "R14"}});
  a.sp = named(a.regs, "R13");
  a.pc = {UC_ARM_REG_R15, "R15"};
  a.link = named(a.regs, "R14");
  a.ctxt = named(a.regs, "R7");
  a.g = named(a.regs, "R10");
  a.morestack_lr = named(a.regs, "R3");
  a.min_frame = 4;
  a.stack_align = 4;
  a.float_regs = numbered("F", UC_ARM_REG_D0, 0, 16);  // VFP D0-D15, Go's F0-F15
  // Measured: Unicorn 2.1.4 opens ARM with FPEXC 0, so every VFP instruction (Go's
  // float64 code at GOARM=7: VLDR, VADD) is undefined until FPEXC.EN is set.
  a.reg_setup.push_back({UC_ARM_REG_FPEXC, 1u << 30, "FPEXC.EN: VFP on"});
  a.user_top = 0xbf000000;  // TASK_SIZE: PAGE_OFFSET (3G/1G split) - 16 MiB
  // gdb's ARM layout without a register feature: r0-r15, the eight 12-byte FPA
  // registers and fps (absent here), then cpsr.
  a.gdb.arch = "arm";
  a.gdb.regs = gdb_concat({gdb_numbered("r", UC_ARM_REG_R0, 13, 4),
                           {{"sp", UC_ARM_REG_R13, 4}, {"lr", UC_ARM_REG_R14, 4}, {"pc", UC_ARM_REG_R15, 4}},
                           gdb_numbered("f", -1, 8, 12),
                           {{"fps", -1, 4}, {"cpsr", UC_ARM_REG_CPSR, 4}}});
  a.gdb.watch_before_store = true;
  // A Cortex-A9 (ARMv7-A, VFPv3 and NEON): what Go assembles and compiles for
  // GOARM=5 (this toolchain's cross default) to 7 runs on it (BLX register calls,
  // MOVW.W/MOVW.P write-back, DMB, LDREX/STREX). Unicorn's default, the Cortex-A15,
  // runs it too, but registers the virtualization, LPAE and generic-timer
  // coprocessor registers as well: measured, a fresh engine took 1.0-1.4 ms to open
  // and 0.3-0.4 ms to close against the A9's 0.54-0.78 and 0.19-0.26.
  // AAPCS (EABI): SP 8-byte aligned at a public interface; R4-R11 and D8-D15 kept.
  a.uc_cpu = UC_CPU_ARM_CORTEX_A9;
  a.c_abi.name = "AAPCS (ARM EABI)";
  a.c_abi.arg = a.c_abi.result = named(a.regs, "R0");
  a.c_abi.stack_align = 8;
  a.c_abi.clobbered = concat(pick(a.regs, {"R1", "R2", "R3", "R12", "R14"}), span_of(a.float_regs, "F", 0, 7));
  return a;
}

ArchSpec row_arm64() {
  ArchSpec a;
  a.goarch = a.build_goarch = a.guest_dir = "arm64";
  a.verified = true;
  a.uc_arch_id = UC_ARCH_ARM64;
  a.uc_mode = UC_MODE_ARM;
  a.insn_width = 4;
  a.elf_machine = EM_AARCH64;
  a.cs_arch_id = CS_ARCH_ARM64;
  a.cs_mode = CS_MODE_ARM;
  a.regs = concat(numbered("R", UC_ARM64_REG_X0, 0, 29),
                  {{UC_ARM64_REG_X29, "R29"}, {UC_ARM64_REG_X30, "R30"}, {UC_ARM64_REG_SP, "RSP"}});
  a.sp = named(a.regs, "RSP");
  a.pc = {UC_ARM64_REG_PC, "PC"};
  a.link = named(a.regs, "R30");
  a.ctxt = named(a.regs, "R26");
  a.g = named(a.regs, "R28");
  a.morestack_lr = named(a.regs, "R3");
  a.min_frame = 8;
  a.stack_align = 16;
  a.fixed = {named(a.regs, "R18")};  // the platform register: Go never uses it
  a.float_regs = numbered("F", UC_ARM64_REG_D0, 0, 32);
  a.regabi.int_args.assign(a.regs.begin(), a.regs.begin() + 16);                // R0-R15
  a.regabi.float_args.assign(a.float_regs.begin(), a.float_regs.begin() + 16);  // F0-F15
  a.modern_frame_pointer = named(a.regs, "R29");                                // since Go 1.12
  a.fp_below_sp = true;
  a.user_top = uint64_t{1} << 48;  // 48-bit virtual addresses (39-bit kernels: 1 << 39)
  a.gdb.arch = "aarch64";
  a.gdb.regs = gdb_concat({gdb_numbered("x", UC_ARM64_REG_X0, 29, 8),
                           {{"x29", UC_ARM64_REG_X29},
                            {"x30", UC_ARM64_REG_X30},
                            {"sp", UC_ARM64_REG_SP},
                            {"pc", UC_ARM64_REG_PC},
                            {"cpsr", UC_ARM64_REG_NZCV, 4}}});
  a.gdb.watch_before_store = true;
  // AAPCS64: R19-R29 and the low halves of V8-V15 kept; R18 is the platform's.
  a.c_abi.name = "AAPCS64";
  a.c_abi.arg = a.c_abi.result = named(a.regs, "R0");
  a.c_abi.stack_align = 16;
  a.c_abi.clobbered = concat(concat(span_of(a.regs, "R", 1, 17), {named(a.regs, "R30")}),
                             concat(span_of(a.float_regs, "F", 0, 7), span_of(a.float_regs, "F", 16, 31)));
  return a;
}

ArchSpec row_mips64(std::string goarch, ByteOrder order) {
  ArchSpec a;
  a.goarch = goarch;
  a.build_goarch = goarch;
  a.guest_dir = "mips64x";
  a.verified = true;
  a.order = order;
  a.uc_arch_id = UC_ARCH_MIPS;
  a.uc_mode = UC_MODE_MIPS64 | (order == ByteOrder::Big ? UC_MODE_BIG_ENDIAN : UC_MODE_LITTLE_ENDIAN);
  a.tlb_virtual = true;  // the QEMU MMU path faults on Go's addresses
  // The default CPU model (UC_CPU_MIPS64_R4000, MIPS III) runs the Go 1.19
  // assembler's output on both byte orders, but not the compiler's float code:
  // QEMU decodes TRUNC.L.D (uintptr(f)) only on CPUs with COP1X, MIPS IV and up, and
  // raises Reserved Instruction on the R4000. The 5Kf (MIPS64 R1 with an FPU) runs
  // both. Measured: every pre-R6 model passes the transcriptions' scenarios;
  // I6400/I6500 (MIPS64 R6) do not, since R6 reuses the DADDI opcode the assembler
  // emits for ADDV $imm, and SP never moves.
  a.uc_cpu = UC_CPU_MIPS64_5KF;
  //
  // Measured: after any instruction fetch fault (unmapped or non-executable page) the
  // next uc_emu_start segfaults in temp_load, on both byte orders and with or without
  // UC_TLB_VIRTUAL (MIPS32 too; arm64, ppc64 and x86 do not). Land such fetches on a
  // page of TEQ R0, R0 instead.
  a.fetch_fault_landing = 0x00000034;
  a.insn_width = 4;
  a.elf_machine = EM_MIPS;
  a.cs_arch_id = CS_ARCH_MIPS;
  a.cs_mode = CS_MODE_MIPS64 | (order == ByteOrder::Big ? CS_MODE_BIG_ENDIAN : CS_MODE_LITTLE_ENDIAN);
  a.regs = numbered("R", UC_MIPS_REG_1, 1, 31);
  a.sp = named(a.regs, "R29");
  a.pc = {UC_MIPS_REG_PC, "PC"};
  a.link = named(a.regs, "R31");
  a.ctxt = named(a.regs, "R22");  // REGCTXT
  a.sigset_bytes = 16;            // linux/mips64x: [2]uint64
  // Measured: Unicorn opens MIPS64 with Status 0x20400004: CU1 (the FPU usable) but
  // FR clear, 16 register pairs; Go's mips64 float code uses the 32 64-bit FPU
  // registers Linux gives it (Status.FR), and traps (coprocessor unusable) without.
  a.reg_setup.push_back({UC_MIPS_REG_CP0_STATUS, 1u << 26, "Status.FR: 32 64-bit FPU registers"});
  a.user_top = uint64_t{1} << 40;  // TASK_SIZE64 with the usual 40 virtual address bits
  // SB-relative loads (MOVV sym(SB)) add R28, which Go's rt0 sets to PC's high 32
  // bits: zero for these ELFs, as Unicorn leaves it.
  a.g = named(a.regs, "R30");
  a.morestack_lr = named(a.regs, "R3");
  a.min_frame = 8;
  a.stack_align = 8;
  // REGSB (R28), and R26/R27, the kernel's k0/k1.
  a.fixed = pick(a.regs, {"R26", "R27", "R28"});
  a.float_regs = numbered("F", UC_MIPS_REG_F0, 0, 32);
  // gdb's MIPS layout (mips-tdep.c) with the n64 register names: r0-r31, sr, lo,
  // hi, badvaddr, cause, pc, 64 bits each.
  a.gdb.arch = "mips:4000";
  const char* names[] = {"zero", "at", "v0", "v1", "a0", "a1", "a2", "a3", "a4", "a5", "a6",
                         "a7",   "t0", "t1", "t2", "t3", "s0", "s1", "s2", "s3", "s4", "s5",
                         "s6",   "s7", "t8", "t9", "k0", "k1", "gp", "sp", "s8", "ra"};
  for (int i = 0; i < 32; i++) a.gdb.regs.push_back({names[i], UC_MIPS_REG_0 + i});
  a.gdb.regs.insert(a.gdb.regs.end(), {{"sr", UC_MIPS_REG_CP0_STATUS},
                                       {"lo", UC_MIPS_REG_LO},
                                       {"hi", UC_MIPS_REG_HI},
                                       {"badvaddr", -1},
                                       {"cause", -1},
                                       {"pc", UC_MIPS_REG_PC}});
  a.gdb.watch_before_store = true;
  // n64: SP 16-byte aligned, a PIC callee's address in t9 (R25); s0-s8 (R16-R23,
  // R30), gp (R28) and F24-F31 kept.
  a.c_abi.name = "MIPS n64";
  a.c_abi.arg = named(a.regs, "R4");
  a.c_abi.result = named(a.regs, "R2");
  a.c_abi.entry = named(a.regs, "R25");
  a.c_abi.stack_align = 16;
  a.c_abi.clobbered = concat(concat(span_of(a.regs, "R", 1, 15), pick(a.regs, {"R24", "R25", "R31"})),
                             span_of(a.float_regs, "F", 0, 23));
  return a;
}

// mips and mipsle: Go 1.8's asm_mipsx.s, a port the seed's file list does not
// include; mips64's facts with 4-byte words (Go 1.8 runtime/asm_mipsx.s,
// cmd/internal/obj/mips/obj0.go, runtime/os_linux_mipsx.go).
ArchSpec row_mips(std::string goarch, ByteOrder order) {
  ArchSpec a;
  a.goarch = goarch;
  a.build_goarch = goarch;
  a.guest_dir = "mipsx";
  a.verified = true;
  a.in_seed = false;
  a.source = "Go 1.8 runtime/asm_mipsx.s";
  a.order = order;
  a.ptr_size = a.reg_size = 4;
  a.uc_arch_id = UC_ARCH_MIPS;
  a.uc_mode = UC_MODE_MIPS32 | (order == ByteOrder::Big ? UC_MODE_BIG_ENDIAN : UC_MODE_LITTLE_ENDIAN);
  // Measured on Unicorn 2.1.4 (both byte orders): loads and stores at the arena's
  // addresses (all below 0x80000000, MIPS32's kuseg) work through the default MMU
  // path too, but only the virtual TLB lets the engine put guest stores on Unicorn's
  // fast path (Engine: quiet stores), as on mips64. The default CPU model
  // (uc_ctl_get_cpu_model reads UC_CPU_MIPS32_74KF, MIPS32 R2) runs what the Go 1.19
  // assembler emits here.
  a.tlb_virtual = true;
  //
  // Measured: MIPS32 shares mips64's translator bug: after an instruction fetch
  // fault the next uc_emu_start segfaults (unicorn #2134, #2339), with or without
  // UC_TLB_VIRTUAL. Land such fetches on a page of TEQ R0, R0 (Go's UNDEF).
  a.fetch_fault_landing = 0x00000034;
  // Physical addresses keep 32 bits (measured: a TLB entry to 0x8_0040_3000 reaches
  // 0x403000), so a window's holes are shadowed 2 GiB above them (Engine::shadow).
  a.phys_mask = 0xffffffff;
  a.insn_width = 4;
  a.elf_machine = EM_MIPS;
  a.elf_word = 4;
  a.cs_arch_id = CS_ARCH_MIPS;
  a.cs_mode = CS_MODE_MIPS32 | (order == ByteOrder::Big ? CS_MODE_BIG_ENDIAN : CS_MODE_LITTLE_ENDIAN);
  a.regs = numbered("R", UC_MIPS_REG_1, 1, 31);
  a.sp = named(a.regs, "R29");
  a.pc = {UC_MIPS_REG_PC, "PC"};
  a.link = named(a.regs, "R31");
  a.ctxt = named(a.regs, "R22");  // REGCTXT
  a.g = named(a.regs, "R30");
  a.morestack_lr = named(a.regs, "R3");  // obj0.go stacksplit: MOVW R31, R3
  a.sigset_bytes = 16;                   // linux/mipsx: [4]uint32 (_NSIG 129)
  // TASK_SIZE on 32-bit MIPS: user space is kuseg below 0x7fff8000, so no stack lies
  // across 0x80000000. Measured: Unicorn 2.1.4's MIPS32 runs in kernel mode (Status
  // ERL set) and sends 0x80000000 and up to kseg0, i.e. physical 0x0 (a store to
  // 0x80000100 lands at 0x100 or faults unmapped); only UC_TLB_VIRTUAL maps them as is.
  a.user_top = 0x7fff8000;
  a.min_frame = 4;                                // FIXED_FRAME: the saved-LR word
  a.stack_align = 4;                              // sys.StackAlign = PtrSize; frames are not rounded to 8
  a.fixed = pick(a.regs, {"R26", "R27", "R28"});  // k0, k1 and REGSB, as on mips64
  a.float_regs = numbered("F", UC_MIPS_REG_F0, 0, 32);
  // gdb's MIPS layout (mips-tdep.c) with the o32 register names: r0-r31, sr, lo,
  // hi, badvaddr, cause, pc, 32 bits each.
  a.gdb.arch = "mips";
  const char* names[] = {"zero", "at", "v0", "v1", "a0", "a1", "a2", "a3", "t0", "t1", "t2",
                         "t3",   "t4", "t5", "t6", "t7", "s0", "s1", "s2", "s3", "s4", "s5",
                         "s6",   "s7", "t8", "t9", "k0", "k1", "gp", "sp", "s8", "ra"};
  for (int i = 0; i < 32; i++) a.gdb.regs.push_back({names[i], UC_MIPS_REG_0 + i, 4});
  a.gdb.regs.insert(a.gdb.regs.end(), {{"sr", UC_MIPS_REG_CP0_STATUS, 4},
                                       {"lo", UC_MIPS_REG_LO, 4},
                                       {"hi", UC_MIPS_REG_HI, 4},
                                       {"badvaddr", -1, 4},
                                       {"cause", -1, 4},
                                       {"pc", UC_MIPS_REG_PC, 4}});
  a.gdb.watch_before_store = true;
  // o32: SP 8-byte aligned, 16 bytes of argument homes above it for the callee, a
  // PIC callee's address in t9 (R25); s0-s8 (R16-R23, R30) and F20-F31 kept.
  a.c_abi.name = "MIPS o32";
  a.c_abi.arg = named(a.regs, "R4");
  a.c_abi.result = named(a.regs, "R2");
  a.c_abi.entry = named(a.regs, "R25");
  a.c_abi.stack_align = 8;
  a.c_abi.reserved_lo = 0, a.c_abi.reserved_hi = 16;
  a.c_abi.clobbered = concat(concat(span_of(a.regs, "R", 1, 15), pick(a.regs, {"R24", "R25", "R31"})),
                             span_of(a.float_regs, "F", 0, 19));
  return a;
}

ArchSpec row_ppc64(std::string goarch, ByteOrder order) {
  ArchSpec a;
  a.goarch = goarch;
  a.build_goarch = goarch;
  a.guest_dir = "ppc64x";
  a.verified = true;
  a.order = order;
  a.uc_arch_id = UC_ARCH_PPC;
  a.uc_mode = UC_MODE_PPC64 | UC_MODE_BIG_ENDIAN;  // Unicorn opens PPC big-endian only
  a.tlb_virtual = true;
  // Measured on Unicorn 2.1.4: the engine opens with MSR = 0x8000000000000000, i.e.
  // SF (64-bit mode) already set, so only LE needs adding. With MSR[LE] OR'ed in
  // (MSR reads 0x8000000000000001) instructions are fetched little-endian, ld
  // returns little-endian data, and loads at 1<<32 work (SF still in force).
  if (order == ByteOrder::Little) a.reg_setup.push_back({UC_PPC_REG_MSR, 1, "MSR[LE]: fetch and data little-endian"});
  // Measured: with MSR[FP] clear FADD raises the FP-unavailable exception (7), and
  // with MSR[VSX] clear Go's frame zeroing (STXVD2X, GOPPC64=power8) raises
  // VSX-unavailable (94): Linux runs user code with FP, VEC and VSX on.
  a.reg_setup.push_back(
      {UC_PPC_REG_MSR, 0x2000 | 0x2000000 | 0x800000, "MSR[FP], MSR[VEC], MSR[VSX]: FPU, VMX, VSX on"});
  a.insn_width = 4;
  a.elf_machine = EM_PPC64;
  a.cs_arch_id = CS_ARCH_PPC;
  a.cs_mode = CS_MODE_64 | (order == ByteOrder::Big ? CS_MODE_BIG_ENDIAN : CS_MODE_LITTLE_ENDIAN);
  a.regs = concat(numbered("R", UC_PPC_REG_0, 0, 32), {{UC_PPC_REG_LR, "LR"}, {UC_PPC_REG_CTR, "CTR"}});
  a.sp = named(a.regs, "R1");
  a.pc = {UC_PPC_REG_PC, "PC"};
  a.link = named(a.regs, "LR");
  a.ctxt = named(a.regs, "R11");
  a.g = named(a.regs, "R30");
  a.morestack_lr = named(a.regs, "R5");
  a.min_frame = 32;  // FIXED_FRAME: LR save slot plus three reserved words
  a.stack_align = 8;
  a.fixed = pick(a.regs, {"R0", "R2", "R13"});  // zero, TOC, TLS
  a.user_top = uint64_t{1} << 47;               // TASK_SIZE_128TB, the default user space
  a.float_regs = numbered("F", UC_PPC_REG_FPR0, 0, 32);
  a.regabi.int_args = pick(a.regs, {"R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "R14", "R15", "R16", "R17"});
  a.regabi.float_args.assign(a.float_regs.begin() + 1, a.float_regs.begin() + 13);  // F1-F12
  // gdb's register numbers (ppc-tdep.h): r0-r31, f0-f31 (absent here), pc, msr,
  // cr, lr, ctr, xer.
  a.gdb.arch = "powerpc:common64";
  a.gdb.regs = gdb_concat({gdb_numbered("r", UC_PPC_REG_0, 32, 8),
                           gdb_numbered("f", -1, 32, 8),
                           {{"pc", UC_PPC_REG_PC},
                            {"msr", UC_PPC_REG_MSR},
                            {"cr", UC_PPC_REG_CR, 4},
                            {"lr", UC_PPC_REG_LR},
                            {"ctr", UC_PPC_REG_CTR},
                            {"xer", UC_PPC_REG_XER, 4}}});
  a.gdb.watch_before_store = true;
  // ELFv2 on both byte orders, as Go's linux runtime lays C frames out (its
  // cgoCalleeStackSize is ELFv2's 32; big-endian linux/ppc64 Go has no cgo): SP
  // 16-byte aligned, the callee's CR, LR and TOC words at 8..32 above it, its
  // global entry address in R12; R14-R31 and F14-F31 kept, R2 restored by the caller.
  a.c_abi.name = "64-bit ELF V2 ABI";
  a.c_abi.arg = a.c_abi.result = named(a.regs, "R3");
  a.c_abi.entry = named(a.regs, "R12");
  a.c_abi.stack_align = 16;
  a.c_abi.reserved_lo = 8, a.c_abi.reserved_hi = 32;
  a.c_abi.clobbered = concat(concat({named(a.regs, "R0")}, span_of(a.regs, "R", 4, 12)),
                             concat(pick(a.regs, {"LR", "CTR"}), span_of(a.float_regs, "F", 0, 13)));
  if (order == ByteOrder::Big) {
    // Go 1.19's big-endian binaries say ELFv1 (e_flags EF_PPC64_ABI 1; go1.27.3's
    // say 2), and their asmcgocall calls fn through an ELFv1 function descriptor:
    // R2 is the descriptor's TOC at the callee's entry, and the callee's linkage
    // words above SP run to 48 (CR 8, LR 16, two reserved, TOC save 40). ELFv1's
    // 64-byte parameter save area above them is the caller's to give a callee that
    // spills its register arguments there, which a prototyped C function need not.
    ArchSpec::CAbi v1 = a.c_abi;
    v1.name = "64-bit PowerPC ELF ABI (ELFv1)";
    v1.entry = named(a.regs, "R2");
    v1.descriptors = true;
    v1.e_flags_mask = 3, v1.e_flags = 1;
    v1.reserved_hi = 48;
    a.c_abi_alt = v1;
  }
  return a;
}

ArchSpec row_s390x() {
  ArchSpec a;
  a.goarch = a.build_goarch = a.guest_dir = "s390x";
  a.verified = true;
  a.order = ByteOrder::Big;
  a.uc_arch_id = UC_ARCH_S390X;
  a.uc_mode = UC_MODE_BIG_ENDIAN;
  // Unicorn starts in 24-bit addressing; Go code needs 64-bit (EA|BA).
  a.reg_setup.push_back({UC_S390X_REG_PSWM, 0x180000000ULL, "PSW EA|BA: 64-bit addressing"});
  // Measured: with CR0 0 only F0, F2, F4 and F6 are usable (STD %f1 raises a data
  // exception); Linux sets the AFP-register and vector enablement controls.
  a.reg_setup.push_back({UC_S390X_REG_CR0, (1ULL << 18) | (1ULL << 17), "CR0 AFP and VX: F0-F15 and vectors usable"});
  a.code_needs_write = true;
  // On the virtual TLB, as every row without fetch_fault_landing: its own MMU made
  // an unmapped access an addressing exception (CPU exception 3) rather than a
  // fault naming the address, and gave every entry execute permission, which kept
  // every store on Unicorn's slow path (measured: 25.5M -> 14.6M instructions to
  // run s390x's share of the bench's comparable verify).
  a.elf_machine = EM_S390;
  a.cs_arch_id = CS_ARCH_SYSZ;
  a.cs_mode = CS_MODE_BIG_ENDIAN;
  a.regs = numbered("R", UC_S390X_REG_R0, 0, 16);
  a.sp = named(a.regs, "R15");
  a.pc = {UC_S390X_REG_PC, "PC"};
  a.link = named(a.regs, "R14");
  a.ctxt = named(a.regs, "R12");
  a.g = named(a.regs, "R13");
  a.morestack_lr = named(a.regs, "R5");
  a.min_frame = 8;
  a.stack_align = 8;
  a.fixed = {named(a.regs, "R0")};  // abi-internal.md: zero
  a.user_top = uint64_t{1} << 42;   // three-level page tables (4 TiB), grown on demand
  a.split_branch_compares = true;   // CMPUBGE / CMPUBLT: CLGRJ, compare and branch
  a.float_regs = numbered("F", UC_S390X_REG_F0, 0, 16);
  a.regabi.int_args = pick(a.regs, {"R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9"});
  a.regabi.float_args = a.float_regs;  // F0-F15
  // gdb's s390x layout (s390-tdep.h): the PSW's mask and address, then r0-r15.
  a.gdb.arch = "s390:64-bit";
  a.gdb.regs =
      gdb_concat({{{"pswm", UC_S390X_REG_PSWM}, {"pswa", UC_S390X_REG_PC}}, gdb_numbered("r", UC_S390X_REG_R0, 16, 8)});
  // s390x ELF ABI: SP 8-byte aligned, 160 bytes above it for the callee to save
  // registers in (all but the back chain at 0), R6-R15 and F8-F15 kept.
  a.c_abi.name = "s390x ELF ABI";
  a.c_abi.arg = a.c_abi.result = named(a.regs, "R2");
  a.c_abi.stack_align = 8;
  a.c_abi.reserved_lo = 8, a.c_abi.reserved_hi = 160;
  a.c_abi.clobbered = concat(pick(a.regs, {"R0", "R1", "R3", "R4", "R5", "R14"}), span_of(a.float_regs, "F", 0, 7));
  return a;
}

// riscv64: no Go 1.8 transcription (Go 1.8 had no riscv64 port; it came in Go
// 1.14), so no guest folder; real toolchains (--go) verify it. Facts from Go's own
// sources (1.19 and 1.27.3): runtime/asm_riscv64.s morestack, cmd/internal/obj/riscv
// stacksplit, cmd/internal/sys (FixedFrameSize 8), cmd/compile/abi-internal.md.
ArchSpec row_riscv64() {
  ArchSpec a;
  a.goarch = a.build_goarch = "riscv64";
  a.verified = true;  // by real toolchains: Go 1.19 and 1.27.3 (tests/real_toolchain_test.cpp)
  a.in_seed = false;
  a.source = "no Go 1.8 transcription (Go 1.8 had no riscv64 port): real toolchains' runtime/asm_riscv64.s";
  a.uc_arch_id = UC_ARCH_RISCV;
  a.uc_mode = UC_MODE_RISCV64;
  // Measured: Go 1.27.3 emits compressed (RVC, 2-byte) instructions (52573 of
  // 119970 in the probe; main.sum's prologue stores with c.sdsp), Go 1.19 none.
  a.insn_width = 0;
  a.elf_machine = EM_RISCV;
  a.cs_arch_id = CS_ARCH_RISCV;
  a.cs_mode = CS_MODE_RISCV64 | CS_MODE_RISCVC;
  // Measured: Unicorn opens RISC-V with mstatus.FS off, so every F or D instruction
  // is illegal (exception 2); Linux turns the FPU on for user code.
  a.reg_setup.push_back({UC_RISCV_REG_MSTATUS, 0x6000, "mstatus.FS: the FPU on"});
  // As `go tool objdump` prints them: X1..X31 (X0 reads zero).
  a.regs = numbered("X", UC_RISCV_REG_X1, 1, 31);
  a.sp = named(a.regs, "X2");
  a.pc = {UC_RISCV_REG_PC, "PC"};
  a.link = named(a.regs, "X1");   // RA
  a.ctxt = named(a.regs, "X26");  // CTXT
  a.g = named(a.regs, "X27");
  // stacksplit: JAL X5 (T0), runtime.morestack, leaving f's caller's PC in RA;
  // morestack stores T0 as g.sched.pc and RA as g.sched.lr and m.morebuf.pc.
  a.morestack_lr = named(a.regs, "X1");
  a.prologue_link = named(a.regs, "X5");
  a.min_frame = 8;                       // FixedFrameSize: the saved-LR word at 0(X2)
  a.stack_align = 8;                     // goarch.StackAlign = PtrSize; abi-internal.md: X2 aligned to 8
  a.sigset_bytes = 8;                    // linux/riscv64: sigset is a uint64
  a.fixed = pick(a.regs, {"X3", "X4"});  // the global and thread pointers
  a.user_top = uint64_t{1} << 38;        // Sv39: 256 GiB (Sv48 kernels: 128 TiB)
  a.split_branch_compares = true;        // BLTU: compare and branch
  a.float_regs = numbered("F", UC_RISCV_REG_F0, 0, 32);
  // abi-internal.md: X10-X17, X8, X9, X18-X23 (A0-A7, S0-S7 of the platform ABI), and
  // F10-F17, F8, F9, F18-F23 for floats.
  a.regabi.int_args = pick(a.regs, {"X10", "X11", "X12", "X13", "X14", "X15", "X16", "X17", "X8", "X9", "X18", "X19",
                                    "X20", "X21", "X22", "X23"});
  a.regabi.float_args = pick(a.float_regs, {"F10", "F11", "F12", "F13", "F14", "F15", "F16", "F17", "F8", "F9", "F18",
                                            "F19", "F20", "F21", "F22", "F23"});
  // gdb's riscv layout (riscv-tdep.c), measured with Debian's gdb-multiarch 13 on a
  // Go probe (`maint print registers`): zero, ra ... t6 as 0-31, then pc, 8 bytes
  // each; gdb names x8 fp. Its gdbarch has have_nonsteppable_watchpoint (measured:
  // `maint print architecture`). A gdb session on a real probe reads them right
  // (tests/debug_test.cpp, RealCli.DebugRiscv64UnderGdb).
  a.gdb.arch = "riscv:rv64";
  const char* names[] = {"zero", "ra", "sp", "gp", "tp",  "t0",  "t1", "t2", "fp", "s1", "a0",
                         "a1",   "a2", "a3", "a4", "a5",  "a6",  "a7", "s2", "s3", "s4", "s5",
                         "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
  for (int i = 0; i < 32; i++) a.gdb.regs.push_back({names[i], UC_RISCV_REG_X0 + i});
  a.gdb.regs.push_back({"pc", UC_RISCV_REG_PC});
  a.gdb.watch_before_store = true;
  // RISC-V psABI (LP64D): SP 16-byte aligned at a call; s0-s11 (X8, X9, X18-X27)
  // and fs0-fs11 kept.
  a.c_abi.name = "RISC-V psABI (LP64D)";
  a.c_abi.arg = a.c_abi.result = named(a.regs, "X10");
  a.c_abi.stack_align = 16;
  a.c_abi.clobbered = concat(concat(pick(a.regs, {"X1", "X5", "X6", "X7"}), span_of(a.regs, "X", 11, 17)),
                             concat(span_of(a.regs, "X", 28, 31),
                                    concat(concat(span_of(a.float_regs, "F", 0, 7), span_of(a.float_regs, "F", 10, 17)),
                                           span_of(a.float_regs, "F", 28, 31))));
  return a;
}

// GOARCHes Go supports on linux that Unicorn cannot emulate.
constexpr Unemulated kUnemulated[] = {
    {"loong64", "no emulator for loong64 (Unicorn 2.1.4 has no LoongArch CPU)"},
};

std::vector<ArchSpec> build_table() {
  return {
      row_386(),
      row_amd64(),
      row_amd64p32(),
      row_arm(),
      row_arm64(),
      row_mips64("mips64", ByteOrder::Big),
      row_mips64("mips64le", ByteOrder::Little),
      row_ppc64("ppc64", ByteOrder::Big),
      row_ppc64("ppc64le", ByteOrder::Little),
      row_s390x(),
      // Beyond the seed's file list: Go 1.8's asm_mipsx.s.
      row_mips("mips", ByteOrder::Big),
      row_mips("mipsle", ByteOrder::Little),
      // Beyond Go 1.8: real toolchains only.
      row_riscv64(),
  };
}

}  // namespace

std::string ArchSpec::slot(int64_t offset) const { return fmt::format("{}({})", offset, sp.name); }

std::vector<Reg> ArchSpec::call_clobbered(bool register_abi) const {
  auto kept = [&](const Reg& r) {
    auto in = [&](const std::vector<Reg>& set) {
      return std::any_of(set.begin(), set.end(), [&](const Reg& f) { return f.uc == r.uc; });
    };
    return r.uc == sp.uc || (g.valid() && r.uc == g.uc) || in(fixed) ||
           (register_abi && ((regabi.g.valid() && r.uc == regabi.g.uc) || in(regabi.fixed)));
  };
  std::vector<Reg> out;
  for (const auto* set : {&regs, &float_regs})
    for (const auto& r : *set)
      if (!kept(r)) out.push_back(r);
  return out;
}

const Reg* ArchSpec::reg_by_uc(int uc) const {
  for (const auto& r : regs)
    if (r.uc == uc) return &r;
  if (pc.uc == uc) return &pc;
  return nullptr;
}

std::span<const ArchSpec> arch_table() {
  static const std::vector<ArchSpec> table = build_table();
  return table;
}

const ArchSpec* find_arch(std::string_view goarch) {
  for (const auto& a : arch_table())
    if (a.goarch == goarch) return &a;
  return nullptr;
}

std::span<const Unemulated> unemulated_goarches() { return kUnemulated; }

const Unemulated* find_unemulated(std::string_view goarch) {
  for (const auto& u : kUnemulated)
    if (u.goarch == goarch) return &u;
  return nullptr;
}

std::string arch_names() {
  std::string out;
  for (const auto& a : arch_table()) out += (out.empty() ? "" : ", ") + a.goarch;
  return out;
}

std::vector<const ArchSpec*> archs_named(std::string_view name) {
  std::vector<const ArchSpec*> out;
  for (const auto& a : arch_table())
    if (a.goarch == name || (a.transcribed() && a.guest_dir == name)) out.push_back(&a);
  return out;
}

}  // namespace gotramp::emu
