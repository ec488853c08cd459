// The probe: a small Go program whose stack grows through the toolchain's own
// compiler prologues and runtime.morestack / runtime.morestack_noctxt, built per
// GOARCH by a real Go toolchain (toolchain/probe_build.hpp). gotramp's host
// harness (still to come, issue 8) runs its two recursions under the emulator;
// qemu-user runs the same binary from main.
//
// What the host harness relies on (keep these stable; every toolchain >= 1.19
// names them the same way):
//
//	main.sum(k uintptr, n int) uintptr
//	    A plain function recursing n levels; it needs no closure context, so its
//	    prologue grows the stack through runtime.morestack_noctxt.
//	main.newClosure.func1(n int) uintptr
//	    The closure built by newClosure. It captures exactly one word, env (a
//	    *probeEnv), so its closure object (the funcval the context register
//	    points at) is { fn, env }: fn at offset 0, env at one pointer size. It
//	    reads env.k at every level and calls itself through env.self, so its
//	    prologue grows the stack through runtime.morestack with the context
//	    register live.
//	main.probeEnv
//	    struct { k uintptr; self func(int) uintptr }; its layout is in DWARF.
//	    self holds a pointer to the closure's funcval.
//
// Both recursions return sum(k ^ i for i in 0..n) (wrapping), which the harness
// can compute on the host. Neither takes the address of a local: no frame holds
// a pointer into its own stack across a call (only the frame-pointer chain that
// the toolchain itself keeps on amd64 and arm64), so moving the stack needs no
// pointer adjustment beyond what copystack does for every frame. Each frame is
// small (well under the 128-byte StackSmall), so each prologue is the ordinary
// small-frame stack check.
package main

// probeEnv is what the closure captures (by pointer, on the heap).
type probeEnv struct {
	k    uintptr           // the word every level reads
	self func(int) uintptr // the closure, for its recursive call
}

// sum recurses n levels; the addition after the call keeps each level's frame
// alive (no tail call) and makes the function a non-leaf with a stack check.
//
//go:noinline
func sum(k uintptr, n int) uintptr {
	s := k ^ uintptr(n)
	if n == 0 {
		return s
	}
	return s + sum(k, n-1)
}

// newClosure returns the recursive closure over env, and stores it in env.self.
//
//go:noinline
func newClosure(env *probeEnv) func(int) uintptr {
	f := func(n int) uintptr {
		s := env.k ^ uintptr(n)
		if n == 0 {
			return s
		}
		return s + env.self(n-1)
	}
	env.self = f
	return f
}

// expected is the recursions' result computed by a loop.
func expected(k uintptr, n int) uintptr {
	var s uintptr
	for i := 0; i <= n; i++ {
		s += k ^ uintptr(i)
	}
	return s
}

const (
	probeDepth = 5000                // levels: several stack growths from the initial stack
	probeWord  = uintptr(0x5a5a1234) // the captured word (fits 4-byte GOARCHes)
)

func main() {
	done := make(chan [2]uintptr)
	// A fresh goroutine starts on the smallest stack, so both recursions grow it
	// several times.
	go func() {
		f := newClosure(&probeEnv{k: probeWord})
		done <- [2]uintptr{f(probeDepth), sum(probeWord, probeDepth)}
	}()
	got := <-done
	want := expected(probeWord, probeDepth)
	if got[0] != want || got[1] != want {
		println("probe: FAIL closure", got[0], "sum", got[1], "want", want)
		panic("probe: wrong result")
	}
	println("probe: ok", want)
}
