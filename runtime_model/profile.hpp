// RuntimeProfile: the Go-version dimension of the model, beside ArchSpec (the
// architecture) and Contract (who stores the context). One profile per runtime the
// model runs against: Go 1.8 as the transcriptions in guest_asm/ spell it, or the
// runtime of a binary a real Go toolchain built, with its layouts read from DWARF.
// Everything that differs between Go versions is here: struct layouts, stack.go
// constants, the runtime's symbols a run uses, the ABI Go code is compiled for, and
// the GC's rules. What the guest program itself offers (its functions, the closure it
// builds) is the ProbeProgram's (runtime_model/probe_program.hpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "emu/arch_spec.hpp"
#include "emu/elf_image.hpp"
#include "runtime_model/fields.hpp"
#include "runtime_model/layout.hpp"
#include "runtime_model/probe_program.hpp"

namespace gotramp::model {

// A binary whose runtime the model cannot describe (no DWARF, a missing type or field).
struct ProfileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct RuntimeProfile {
  std::string name;       // "go1.8 transcription", "go1.27.3"
  std::string toolchain;  // the Go that built the binary: "go1.19.8", "go1.27.3"
  std::string source;     // "guest_asm", or the probe binary's path

  std::shared_ptr<const Layouts> layouts;  // g, m, p, gobuf, stack, funcval
  // Every field the model touches, resolved once from the layouts above.
  RuntimeFields fields;

  // runtime/stack.go constants.
  uint64_t stack_min = 2048;   // _StackMin: a new goroutine's stack
  uint64_t stack_guard = 880;  // _StackGuard: stackguard0 = stack.lo + _StackGuard
  // The compiler's three stack-split prologues (cmd/internal/obj, runtime/stack.go):
  // a frame of at most StackSmall bytes compares SP with the guard; up to StackBig,
  // SP - (frame - StackSmall); beyond, the same after an underflow check. 128 and
  // 4096 in Go 1.8 (runtime/stack.go _StackSmall, _StackBig), Go 1.19
  // (cmd/internal/objabi/stack.go) and Go 1.27 (internal/abi/stack.go).
  uint64_t stack_small = 128;
  uint64_t stack_big = 4096;
  // newstack grows the stack to fit the frame of the function that asked
  // (funcMaxSPDelta from pclntab: `for newsize-used < max+stackGuard { newsize *=
  // 2 }`), as the runtimes of Go 1.19 and 1.27 do; Go 1.8 only doubles it.
  bool newstack_fits_frame = false;

  // The runtime's symbols, by qualified Go name.
  struct Names {
    std::string morestack, morestack_noctxt, newstack, gogo, abort;
    std::string badmorestackg0, badmorestackgsignal;
    std::string writebarrierptr_prewrite;  // Go 1.8's gogo calls it; empty otherwise
    // mcall and the Go functions it jumps to when fn cannot run or returns, and the
    // fn gopark hands it, which the host implements at its own address (real
    // toolchains; empty for the transcriptions, which have no mcall).
    std::string mcall, badmcall, badmcall2, park_m;
    // systemstack, the function whose PC it saves in g.sched, the Go function it
    // calls for a g it cannot run fn for, and the fn gcStart passes it
    // (gcResetMarkState), which the host implements at its own address (real
    // toolchains; empty for the transcriptions).
    std::string systemstack, systemstack_switch, badsystemstack, systemstack_fn;
    // asmcgocall (real toolchains; empty for the transcriptions).
    std::string asmcgocall;
  } names;
  // Of names' checks (badmorestackg0, badmorestackgsignal), those the binary lacks:
  // only the trampoline calls them, and the linker drops a function nothing calls,
  // so a trampoline that lost its m.gsignal check lost runtime.badmorestackgsignal.
  std::vector<std::string> absent;
  bool lacks(const std::string& name) const;

  // Go code passes arguments in the ArchSpec's regabi registers (ABIInternal).
  bool regabi = false;

  // GC rules. Go 1.10 made gobuf.ctxt a root the GC scans with the goroutine's stack
  // (golang/go#22385): morestack's store into g.sched.ctxt needs no write barrier.
  bool sched_ctxt_is_root = false;
  // Go 1.23's badmorestackg0 switches to a crash stack and throws "morestack on g0";
  // before, it writes "fatal: morestack on g0" and returns into the trampoline.
  bool badmorestackg0_throws = false;
  // Source lines in traces: the files whose line rows are kept (".s": the
  // transcriptions' own assembly; "" for every file), and where files that are not
  // kept beside the binary are found (a GOROOT's src/).
  std::string line_files = ".s";
  std::vector<std::filesystem::path> source_roots;
  // Where frame pointers are kept (an invalid Reg where they are not).
  bool modern_frame_pointers = false;
  const emu::Reg& frame_pointer(const emu::ArchSpec& spec) const {
    return modern_frame_pointers ? spec.modern_frame_pointer : spec.frame_pointer;
  }
};

// Go 1.8 as guest_asm/ transcribes it, for an ArchSpec row (one per row, cached).
std::shared_ptr<const RuntimeProfile> transcription_profile(const emu::ArchSpec& spec);

// The runtime of a probe binary (probe/main.go) built by a real toolchain whose
// version is `toolchain`: layouts from its DWARF, symbols and rules from the
// binary. Throws ProfileError naming the file and what it lacks (a runtime symbol,
// a field, or one of `program`'s functions: is it the probe?).
std::shared_ptr<const RuntimeProfile> probe_profile(const emu::ArchSpec& spec, const emu::ElfImage& image,
                                                    const std::string& toolchain, const std::filesystem::path& goroot,
                                                    const ProbeProgram& program);

}  // namespace gotramp::model
