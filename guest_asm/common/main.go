// Package main is a gotramp guest program. main never runs: gotramp loads the ELF
// the Go toolchain builds from this folder and a GOARCH folder, and calls these
// functions by symbol under the Unicorn emulator. The contract between the host
// and these functions is in guest_asm/README.md.
package main

// The trampoline under test (morestack.s, or another trampoline file).
func morestack()
func morestack_noctxt()

// Implemented by the host: calls to these are intercepted at their entry.
func newstack()
func writebarrierptr_prewrite()
func badmorestackg0()
func badmorestackgsignal()

// runtime.s
func gogo()
func abort()
func entry_closure()
func entry_plain()
func harness_exit()

// funcs.s: functions with the Go 1.8 stack-split prologue.
func closure()
func sum()

// Written by the host before a run (depth) and read after it (result).
var depth, result uintptr

// The linker keeps only what main reaches.
var keep = []func(){
	morestack, morestack_noctxt, newstack, writebarrierptr_prewrite,
	badmorestackg0, badmorestackgsignal, gogo, abort,
	entry_closure, entry_plain, harness_exit, closure, sum,
}

func main() { println(len(keep), depth, result) }
