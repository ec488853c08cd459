// Field handles: every field of the runtime's structures that the model touches,
// resolved once per runtime profile into an offset and a width. A run never looks a
// field up by name: gp[F.g.sched.ctxt].set(ctxt) is an add and a store.
//
// Handles are typed by the structure they belong to, so that a g's field cannot be
// read through an m: Ptr<rt::g> takes only FieldHandle<rt::g>.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "emu/engine.hpp"
#include "runtime_model/layout.hpp"

namespace gotramp::model {

// The runtime's structures, as tags for handles and pointers. closure is the object
// the context register points at; env what the probe's closure captured.
namespace rt {
struct g;
struct m;
struct p;
struct gobuf;
struct closure;
struct env;
}  // namespace rt

// A field of T: its offset from the start of a T and its width in bytes. A field
// this runtime lacks (g.stackAlloc after Go 1.8) has width 0 and is not present.
template <class T>
struct FieldHandle {
  uint64_t offset = 0;
  int width = 0;
  bool present() const { return width != 0; }
};

// A structure of type U held by value inside a T (g.sched is a gobuf).
template <class T, class U>
struct Embedded {
  uint64_t offset = 0;
};

// One field of one object in guest memory.
class Slot {
 public:
  Slot(emu::Engine& e, uint64_t addr, int width) : e_(&e), addr_(addr), width_(width) {}
  uint64_t addr() const { return addr_; }
  int width() const { return width_; }
  uint64_t get() const { return e_->read_uint(addr_, checked()); }
  void set(uint64_t v) const { e_->write_uint(addr_, checked(), v); }

 private:
  int checked() const {
    if (width_ == 0) throw std::logic_error("a field this runtime does not have was used");
    return width_;
  }
  emu::Engine* e_;
  uint64_t addr_;
  int width_;
};

// A *T in guest memory, as Go code holds one: gp, mp, &gp.sched.
template <class T>
class Ptr {
 public:
  Ptr() = default;
  Ptr(emu::Engine& e, uint64_t addr) : e_(&e), addr_(addr) {}
  uint64_t addr() const { return addr_; }
  bool is_nil() const { return addr_ == 0; }
  Slot operator[](FieldHandle<T> f) const { return Slot(*e_, addr_ + f.offset, f.width); }
  template <class U>
  Ptr<U> operator[](Embedded<T, U> f) const {
    return Ptr<U>(*e_, addr_ + f.offset);
  }

 private:
  emu::Engine* e_ = nullptr;
  uint64_t addr_ = 0;
};

struct GobufFields {
  FieldHandle<rt::gobuf> sp, pc, g, ctxt, lr, bp;
};

struct GFields {
  struct {
    FieldHandle<rt::g> lo, hi;
  } stack;
  FieldHandle<rt::g> stackguard0, stackguard1, m;
  struct {
    Embedded<rt::g, rt::gobuf> buf;  // &gp.sched, for gogo
    FieldHandle<rt::g> sp, pc, g, ctxt, lr, bp;
  } sched;
  FieldHandle<rt::g> syscallsp, syscallpc, stktopsp, atomicstatus, goid, preempt, throwsplit;
  FieldHandle<rt::g> stackAlloc;  // Go 1.8 only; since Go 1.9 a stack's size is hi - lo
};

struct MFields {
  FieldHandle<rt::m> g0, gsignal, curg, p, mallocing, locks;
  struct {
    FieldHandle<rt::m> pc, sp, lr, g;
  } morebuf;
};

struct PFields {
  FieldHandle<rt::p> status;
};

// The closure holds its captured word itself (x, the transcriptions' funcval) or a
// pointer to an environment that holds it (env, the probe's *main.probeEnv).
struct ClosureFields {
  FieldHandle<rt::closure> fn, x, env;
};

struct EnvFields {
  FieldHandle<rt::env> k, self;  // the word each level reads; the closure itself
};

// A struct the profile describes lacks a field the model needs.
struct MissingField : std::out_of_range {
  MissingField(std::string type, std::string path)
      : std::out_of_range(type + " has no field " + path), type(std::move(type)), path(std::move(path)) {}
  std::string type;  // "g"
  std::string path;  // "sched.ctxt"
};

struct RuntimeFields {
  GFields g;
  MFields m;
  PFields p;
  GobufFields gobuf;

  // Every handle, from the layouts the profile holds. Throws MissingField for the
  // first field the model needs and a layout lacks (so a runtime is refused at load,
  // not in the middle of a run).
  static RuntimeFields resolve(const Layouts& layouts);
};

// The probe program's closure object and what it captured (ProbeProgram).
struct ProbeFields {
  ClosureFields closure;
  EnvFields env;
  static ProbeFields resolve(const StructLayout& closure, const StructLayout* env, int ptr_size);
};

}  // namespace gotramp::model
