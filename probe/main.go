// The probe: a small Go program whose stack grows through the toolchain's own
// compiler prologues and runtime.morestack / runtime.morestack_noctxt, built per
// GOARCH by a real Go toolchain (toolchain/probe_build.hpp). gotramp's host
// harness runs its recursions under the emulator;
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
//	main.medium(k uintptr, n int) uintptr
//	main.huge(k uintptr, n int) uintptr
//	main.newHugeClosure.func1(n int) uintptr
//	    sum's recursion with a frame in each larger prologue class: medium's
//	    64-word array puts its frame between StackSmall (128) and StackBig
//	    (4096) on every GOARCH, huge's 1280 words beyond StackBig; the closure
//	    is newClosure's with huge's frame (its env is a probeEnv too). The
//	    arrays sit in a branch no level takes: they size the frame, and no
//	    level spends instructions zeroing them.
//	main.regargs(n int, a1, ..., a15 uintptr, f0, ..., f15 float64) uintptr
//	    Sixteen integer and sixteen float parameters: every argument register
//	    of the register ABI on every GOARCH (the rest on the stack), all live
//	    across the recursive call. Each level adds n ^ (a1 ^ ... ^ a15) and the
//	    floats' sum converted to uintptr.
//
// sum, the closures, medium and huge return sum(k ^ i for i in 0..n)
// (wrapping), which the harness can compute on the host. Neither takes the address of a local: no frame holds
// a pointer into its own stack across a call (only the frame-pointer chain that
// the toolchain itself keeps on amd64 and arm64), so moving the stack needs no
// pointer adjustment beyond what copystack does for every frame (the arrays are
// indexed in place, their addresses never kept across a call). sum's and the
// closure's frames are small (under the 128-byte StackSmall on every GOARCH, their
// four-word pad included): the ordinary small-frame stack check.
package main

// probeEnv is what the closure captures (by pointer, on the heap).
type probeEnv struct {
	k    uintptr           // the word every level reads
	self func(int) uintptr // the closure, for its recursive call
}

// sum recurses n levels; the addition after the call keeps each level's frame
// alive (no tail call) and makes the function a non-leaf with a stack check. pad,
// in a branch no level takes (n is never negative, and the last level alone tests
// it), widens the frame within the small class, so that fewer levels grow the
// stack as often.
//
//go:noinline
func sum(k uintptr, n int) uintptr {
	s := k ^ uintptr(n)
	if n <= 0 {
		if n < 0 {
			var pad [padWords]uintptr
			pad[uint(-n)%padWords] = s
			return pad[uint(n)%padWords]
		}
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
		if n <= 0 {
			if n < 0 { // never: pad widens the frame, as in sum
				var pad [padWords]uintptr
				pad[uint(-n)%padWords] = s
				return pad[uint(n)%padWords]
			}
			return s
		}
		return s + env.self(n-1)
	}
	env.self = f
	return f
}

const (
	padWords    = 4    // sum's and the closure's: 16 or 32 bytes, their frames still small
	mediumWords = 64   // 256 or 512 bytes: StackSmall < frame <= StackBig
	hugeWords   = 1280 // 5120 or 10240 bytes: frame > StackBig
)

// medium is sum with a frame in the middle prologue class. buf is what gives the
// frame that size; it lives in a branch no level takes (n is never negative), so
// no level zeroes or fills it: the frame is the point, not the work (zeroing a
// frame is a loop of stores the emulator would run at every level).
//
//go:noinline
func medium(k uintptr, n int) uintptr {
	s := k ^ uintptr(n)
	if n <= 0 {
		if n < 0 {
			var buf [mediumWords]uintptr
			buf[uint(-n)%mediumWords] = s
			return buf[uint(n)%mediumWords]
		}
		return s
	}
	return s + medium(k, n-1)
}

// huge is sum with a frame beyond StackBig: its prologue is the overflow-safe one.
// Its buf, like medium's, is in a branch no level takes.
//
//go:noinline
func huge(k uintptr, n int) uintptr {
	s := k ^ uintptr(n)
	if n <= 0 {
		if n < 0 {
			var buf [hugeWords]uintptr
			buf[uint(-n)%hugeWords] = s
			return buf[uint(n)%hugeWords]
		}
		return s
	}
	return s + huge(k, n-1)
}

// newHugeClosure is newClosure with huge's frame: morestack with the context
// register live, from the overflow-safe prologue.
//
//go:noinline
func newHugeClosure(env *probeEnv) func(int) uintptr {
	f := func(n int) uintptr {
		s := env.k ^ uintptr(n)
		if n <= 0 {
			if n < 0 {
				var buf [hugeWords]uintptr
				buf[uint(-n)%hugeWords] = s
				return buf[uint(n)%hugeWords]
			}
			return s
		}
		return s + env.self(n-1)
	}
	env.self = f
	return f
}

// regargs recurses with every argument register of the register ABI live: its
// prologue spills them all before morestack and must reload them all after.
//
//go:noinline
func regargs(n int, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15 uintptr,
	f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15 float64) uintptr {
	s := uintptr(n) ^ (a1 ^ a2 ^ a3 ^ a4 ^ a5 ^ a6 ^ a7 ^ a8 ^ a9 ^ a10 ^ a11 ^ a12 ^ a13 ^ a14 ^ a15)
	s += uintptr(f0 + f1 + f2 + f3 + f4 + f5 + f6 + f7 + f8 + f9 + f10 + f11 + f12 + f13 + f14 + f15)
	if n == 0 {
		return s
	}
	return s + regargs(n-1, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15,
		f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15)
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
	probeDepth = 2600                // levels: several stack growths from the initial stack
	probeWord  = uintptr(0x5a5a1234) // the captured word (fits 4-byte GOARCHes)
	// The larger frames need fewer levels for as many growths.
	mediumDepth = 300
	hugeDepth   = 48
	regDepth    = 300
)

// regargsExpected is regargs(n, k+1, ..., k+15, 0.5, 1.5, ..., 15.5) by a loop: the
// floats sum to 128 at every level.
func regargsExpected(k uintptr, n int) uintptr {
	var x uintptr
	for i := uintptr(1); i <= 15; i++ {
		x ^= k + i
	}
	var s uintptr
	for i := 0; i <= n; i++ {
		s += (uintptr(i) ^ x) + 128
	}
	return s
}

func main() {
	// Each recursion on a fresh goroutine, which starts on the smallest stack, so
	// that each grows it several times.
	run := func(name string, f func() uintptr, want uintptr) {
		done := make(chan uintptr)
		go func() { done <- f() }()
		if got := <-done; got != want {
			println("probe: FAIL", name, got, "want", want)
			panic("probe: wrong result")
		}
	}
	k := probeWord
	run("closure", func() uintptr { return newClosure(&probeEnv{k: k})(probeDepth) }, expected(k, probeDepth))
	run("sum", func() uintptr { return sum(k, probeDepth) }, expected(k, probeDepth))
	run("medium", func() uintptr { return medium(k, mediumDepth) }, expected(k, mediumDepth))
	run("huge", func() uintptr { return huge(k, hugeDepth) }, expected(k, hugeDepth))
	run("closure-huge", func() uintptr { return newHugeClosure(&probeEnv{k: k})(hugeDepth) }, expected(k, hugeDepth))
	run("regargs", func() uintptr {
		return regargs(regDepth, k+1, k+2, k+3, k+4, k+5, k+6, k+7, k+8, k+9, k+10, k+11, k+12, k+13, k+14, k+15,
			0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5, 12.5, 13.5, 14.5, 15.5)
	}, regargsExpected(k, regDepth))
	println("probe: ok")
}
