// Go 1.8 runtime/stack.go constants for linux (StackSystem = 0, StackGuardMultiplier = 1).
#pragma once

#include <cstdint>

namespace gotramp::model {

constexpr uint64_t kStackMin = 2048;   // _StackMin: a new goroutine's stack
constexpr uint64_t kStackGuard = 880;  // _StackGuard: stackguard0 = stack.lo + _StackGuard
constexpr uint64_t kStackSmall = 128;  // _StackSmall: frames this small compare SP directly
// mpreinit's malg(32 * 1024): the signal-handling goroutine m.gsignal's stack.
constexpr uint64_t kSignalStack = 32 * 1024;

inline uint64_t uintptr_mask(int ptr_size) {
  return ptr_size == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * ptr_size)) - 1;
}
// stackPreempt: stackguard0 value that makes the next prologue call morestack.
inline uint64_t stack_preempt(int ptr_size) { return uintptr_mask(ptr_size) & static_cast<uint64_t>(-1314); }
// stackFork: stackguard0 of a goroutine that must not grow (between fork and exec).
inline uint64_t stack_fork(int ptr_size) { return uintptr_mask(ptr_size) & static_cast<uint64_t>(-1234); }
// Default maxstacksize that runtime.main sets: 1 GB on 64-bit, 250 MB on 32-bit.
inline uint64_t default_max_stack(int ptr_size) { return ptr_size == 8 ? 1000000000 : 250000000; }

// g.atomicstatus values newstack moves through.
constexpr uint64_t kGrunning = 2;
constexpr uint64_t kGwaiting = 4;
constexpr uint64_t kGcopystack = 8;
// p.status
constexpr uint64_t kPrunning = 1;

}  // namespace gotramp::model
