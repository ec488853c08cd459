#include "runtime_model/profile.hpp"

#include <fmt/format.h>

#include <map>
#include <mutex>
#include <vector>

#include "emu/byte_order.hpp"
#include "emu/dwarf_types.hpp"

namespace gotramp::model {
namespace {

// A shared_ptr that does not own what it points at (tables that live forever).
template <typename T>
std::shared_ptr<const T> unowned(const T& t) {
  return std::shared_ptr<const T>(std::shared_ptr<const T>{}, &t);
}

std::shared_ptr<const RuntimeProfile> make_transcription(const emu::ArchSpec& spec) {
  auto p = std::make_shared<RuntimeProfile>();
  p->name = "go1.8 transcription";
  p->source = "guest_asm";
  p->layouts = unowned(layouts_for(spec));
  p->fields = RuntimeFields::resolve(*p->layouts);
  p->names = {"main.morestack",
              "main.morestack_noctxt",
              "main.newstack",
              "main.gogo",
              "main.abort",
              "main.badmorestackg0",
              "main.badmorestackgsignal",
              "main.writebarrierptr_prewrite",
              "",
              "",
              "",
              "",
              "",
              "",
              "",
              "",
              ""};  // no mcall, no systemstack, no asmcgocall: Go 1.8 transcriptions carry morestack alone
  return p;
}

// The kind of a struct member, by its Go type name as DWARF spells it.
Kind kind_of(const emu::DwarfMember& m) {
  const std::string& t = m.type_name;
  if (t.starts_with("*") || t == "unsafe.Pointer") return Kind::Pointer;
  if (t == "runtime.guintptr" || t == "runtime.muintptr" || t == "runtime.puintptr") return Kind::Guintptr;
  if (t == "uintptr") return Kind::Uintptr;
  if (t == "bool") return Kind::Bool;
  if (t == "int32") return Kind::Int32;
  if (t == "uint32" || t == "runtime.atomic.Uint32" || t == "internal/runtime/atomic.Uint32") return Kind::Uint32;
  if (t == "int64" || t == "uint64") return Kind::Int64;
  if ((t == "int" || t == "uint") && m.size == 8) return Kind::Int64;
  if ((t == "int" || t == "uint") && m.size == 4) return Kind::Int32;
  return Kind::Bytes;
}

// A StructLayout from the DWARF struct `go_name`; members held by value whose type
// is one of `nested` point at that layout.
void fill(StructLayout& out, std::string name, const emu::DwarfTypes& dw, const std::string& go_name,
          const std::map<std::string, const StructLayout*>& nested) {
  const emu::DwarfStruct& s = dw.get(go_name);
  out.name = std::move(name);
  out.size = s.size;
  for (const auto& m : s.members) {
    Field f{m.name, kind_of(m), m.offset, m.size, nullptr};
    if (auto it = nested.find(m.type_name); it != nested.end()) f.kind = Kind::Struct, f.type = it->second;
    out.fields.push_back(std::move(f));
  }
}

}  // namespace

bool RuntimeProfile::lacks(const std::string& name) const {
  return std::find(absent.begin(), absent.end(), name) != absent.end();
}

std::shared_ptr<const RuntimeProfile> transcription_profile(const emu::ArchSpec& spec) {
  static std::mutex mu;
  static std::map<const emu::ArchSpec*, std::shared_ptr<const RuntimeProfile>> cache;
  std::lock_guard lock(mu);
  auto& slot = cache[&spec];
  if (!slot) slot = make_transcription(spec);
  return slot;
}

std::shared_ptr<const RuntimeProfile> probe_profile(const emu::ArchSpec& spec, const emu::ElfImage& image,
                                                    const std::string& toolchain, const std::filesystem::path& goroot,
                                                    const ProbeProgram& program) {
  // The runtime's types only: they lie at the front of .debug_info, which the
  // reader inflates alone (main's types come last; main.probeEnv is laid out below).
  static const std::vector<std::string> kTypes = {"runtime.stack", "runtime.gobuf", "runtime.g",
                                                  "runtime.m",     "runtime.p",     "runtime.funcval"};
  const std::string& file = image.path();
  emu::DwarfTypes dw = [&] {
    try {
      // Remembered beside the binary (the probe cache is ours): DWARF is read once.
      return emu::DwarfTypes::read_cached(file, kTypes, file + ".layouts");
    } catch (const emu::DwarfError& e) {
      throw ProfileError(e.what());
    }
  }();
  if (!dw.missing().empty()) {
    std::string names;
    for (const auto& n : dw.missing()) names += (names.empty() ? "" : ", ") + n;
    throw ProfileError(fmt::format("{}: its DWARF has no {}: gotramp cannot model this runtime", file, names));
  }

  auto L = std::make_shared<Layouts>(spec.ptr_size, spec.reg_size);
  auto& layouts = const_cast<Layouts&>(*L);
  fill(layouts.stack, "stack", dw, "runtime.stack", {});
  fill(layouts.gobuf, "gobuf", dw, "runtime.gobuf", {});
  const std::map<std::string, const StructLayout*> nested = {{"runtime.stack", &layouts.stack},
                                                             {"runtime.gobuf", &layouts.gobuf}};
  fill(layouts.g, "g", dw, "runtime.g", nested);
  fill(layouts.m, "m", dw, "runtime.m", nested);
  fill(layouts.p, "p", dw, "runtime.p", nested);
  fill(layouts.funcval, "funcval", dw, "runtime.funcval", nested);

  auto p = std::make_shared<RuntimeProfile>();
  p->name = toolchain;
  p->toolchain = toolchain;
  p->source = file;
  p->layouts = L;
  try {
    p->fields = RuntimeFields::resolve(layouts);
  } catch (const MissingField& e) {
    throw ProfileError(fmt::format("{}: runtime.{} has no field {} in its DWARF: gotramp cannot model this runtime",
                                   file, e.type, e.path));
  }
  // runtime/stack.go since Go 1.19 on linux: fixedStack 2048; stackGuard is
  // stackNosplit (800) + stackSystem (0) + StackSmall (128).
  p->stack_min = 2048;
  p->stack_guard = 928;
  p->stack_small = 128;  // objabi.StackSmall (Go 1.19), abi.StackSmall (Go 1.21+)
  p->stack_big = 4096;   // objabi.StackBig, abi.StackBig
  // stack.go's newstack since before Go 1.19 (every runtime --go accepts).
  p->newstack_fits_frame = true;
  p->names = {"runtime.morestack",
              "runtime.morestack_noctxt",
              "runtime.newstack",
              "runtime.gogo",
              "runtime.abort",
              "runtime.badmorestackg0",
              "runtime.badmorestackgsignal",
              "",
              "runtime.mcall",
              "runtime.badmcall",
              "runtime.badmcall2",
              "runtime.park_m",
              "runtime.systemstack",
              "runtime.systemstack_switch",
              "runtime.badsystemstack",
              "runtime.gcResetMarkState",
              "runtime.asmcgocall"};
  std::vector<const std::string*> needed = {&p->names.morestack, &p->names.morestack_noctxt, &p->names.newstack,
                                            &p->names.gogo, &p->names.abort};
  for (const auto& f : program.functions) needed.push_back(&f.symbol);
  for (const std::string* n : needed)
    if (!image.find_func(*n)) throw ProfileError(fmt::format("{}: no function {}: is it the probe?", file, *n));
  // The checks morestack calls: a missing one is the trampoline's bug, found by the
  // scenario that needs it (Suite::absent_for), not a binary the model cannot run.
  for (const std::string* n : {&p->names.badmorestackg0, &p->names.badmorestackgsignal})
    if (!image.find_func(*n)) p->absent.push_back(*n);
  // Assembly functions that Go code calls get an ABIInternal wrapper, and their
  // bodies the .abi0 suffix, exactly where Go passes arguments in registers.
  p->regabi = image.symbol("runtime.gogo.abi0").has_value();
  if (p->regabi && spec.regabi.int_args.size() < 2)
    throw ProfileError(
        fmt::format("{}: built for the register ABI, which the {} row does not describe", file, spec.goarch));
  p->sched_ctxt_is_root = true;
  // switchToCrashStack0 is the assembly half of the crash stack badmorestackg0 uses.
  p->badmorestackg0_throws = image.symbol("runtime.switchToCrashStack0").has_value();
  p->modern_frame_pointers = true;
  p->line_files = "";  // the compiler's prologues are in .go files
  if (!goroot.empty()) p->source_roots = {goroot / "src"};
  return p;
}

}  // namespace gotramp::model
