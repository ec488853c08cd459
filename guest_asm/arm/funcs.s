// Functions with the Go 1.8 compiler's stack-split prologue for arm (obj5.go,
// small frame): compare R13 with g.stackguard0 and branch when SP is at or below
// it (unsigned); the call block at the end of the function passes LR in R3, calls
// morestack, and starts over. The frame is built by storing LR with pre-index
// write-back, which also moves R13; the epilogue pops the saved LR into the PC.
#include "textflag.h"
#include "runtime_layout.h"

// closure(n uintptr) uintptr: x + n + closure(n-1), 0 for n == 0, where x is the
// funcval's captured word, read through R7 (the context register) at every level.
//
// Frame (24 bytes): 0(R13) saved LR, 4(R13) argument n-1, 8(R13) its result,
// 12(R13) x, 16(R13) and 20(R13) unused; in the caller's frame: 28(R13) n,
// 32(R13) result.
TEXT ·closure(SB),NOSPLIT|NOFRAME,$0-8
start:
	MOVW	g_stackguard0(g), R1
	CMP	R1, R13
	BLS	morestack
	MOVW.W	R14, -24(R13)
	MOVW	funcval_x(R7), R0	// the captured word, through the context register
	MOVW	R0, 12(R13)
	MOVW	28(R13), R0		// n
	CMP	$0, R0
	B.EQ	zero
	SUB	$1, R0
	MOVW	R0, 4(R13)
	MOVW	funcval_fn(R7), R1
	BL	(R1)			// closure(n-1), R7 still the funcval
	MOVW	8(R13), R0
	MOVW	12(R13), R1
	ADD	R1, R0
	MOVW	28(R13), R1
	ADD	R1, R0
	B	done
zero:
	MOVW	$0, R0
done:
	MOVW	R0, 32(R13)
	MOVW.P	24(R13), R15
morestack:
	MOVW	R14, R3
	BL	·morestack(SB)
	B	start

// sum(n uintptr) uintptr: n + sum(n-1), 0 for n == 0; not a closure, so its
// prologue calls morestack_noctxt.
//
// Frame (24 bytes): 0(R13) saved LR, 4(R13) argument n-1, 8(R13) its result,
// 12(R13) to 20(R13) unused; in the caller's frame: 28(R13) n, 32(R13) result.
TEXT ·sum(SB),NOSPLIT|NOFRAME,$0-8
start:
	MOVW	g_stackguard0(g), R1
	CMP	R1, R13
	BLS	morestack
	MOVW.W	R14, -24(R13)
	MOVW	28(R13), R0		// n
	CMP	$0, R0
	B.EQ	zero
	SUB	$1, R0
	MOVW	R0, 4(R13)
	MOVW	$·sum(SB), R1
	BL	(R1)
	MOVW	8(R13), R0
	MOVW	28(R13), R1
	ADD	R1, R0
	B	done
zero:
	MOVW	$0, R0
done:
	MOVW	R0, 32(R13)
	MOVW.P	24(R13), R15
morestack:
	MOVW	R14, R3
	BL	·morestack_noctxt(SB)
	B	start
