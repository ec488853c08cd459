// Functions with the Go 1.8 compiler's stack-split prologue for arm64 (obj7.go,
// small frame): compare RSP with g.stackguard0; on overflow, from the end of the
// function, pass LR in R3, call morestack, and start over. The frame is built by
// storing LR with pre-index, which also moves RSP (frames are multiples of 16).
#include "textflag.h"
#include "runtime_layout.h"

// closure(n uintptr) uintptr: x + n + closure(n-1), 0 for n == 0, where x is the
// funcval's captured word, read through R26 (the context register) at every level.
//
// Frame (32 bytes): 0(RSP) saved LR, 8(RSP) argument n-1, 16(RSP) its result,
// 24(RSP) x; in the caller's frame: 40(RSP) n, 48(RSP) result.
TEXT ·closure(SB),NOSPLIT|NOFRAME,$0-16
start:
	MOVD	g_stackguard0(g), R1
	MOVD	RSP, R2
	CMP	R1, R2
	BLS	morestack
	MOVD.W	R30, -32(RSP)
	MOVD	funcval_x(R26), R0	// the captured word, through the context register
	MOVD	R0, 24(RSP)
	MOVD	40(RSP), R0		// n
	CBZ	R0, zero
	SUB	$1, R0
	MOVD	R0, 8(RSP)
	MOVD	funcval_fn(R26), R1
	CALL	(R1)			// closure(n-1), R26 still the funcval
	MOVD	16(RSP), R0
	MOVD	24(RSP), R1
	ADD	R1, R0
	MOVD	40(RSP), R1
	ADD	R1, R0
	B	done
zero:
	MOVD	ZR, R0
done:
	MOVD	R0, 48(RSP)
	MOVD.P	32(RSP), R30
	RET
morestack:
	MOVD	R30, R3
	BL	·morestack(SB)
	B	start

// sum(n uintptr) uintptr: n + sum(n-1), 0 for n == 0; not a closure, so its
// prologue calls morestack_noctxt.
//
// Frame (32 bytes): 0(RSP) saved LR, 8(RSP) argument n-1, 16(RSP) its result;
// in the caller's frame: 40(RSP) n, 48(RSP) result.
TEXT ·sum(SB),NOSPLIT|NOFRAME,$0-16
start:
	MOVD	g_stackguard0(g), R1
	MOVD	RSP, R2
	CMP	R1, R2
	BLS	morestack
	MOVD.W	R30, -32(RSP)
	MOVD	40(RSP), R0		// n
	CBZ	R0, zero
	SUB	$1, R0
	MOVD	R0, 8(RSP)
	MOVD	$·sum(SB), R1
	CALL	(R1)
	MOVD	16(RSP), R0
	MOVD	40(RSP), R1
	ADD	R1, R0
	B	done
zero:
	MOVD	ZR, R0
done:
	MOVD	R0, 48(RSP)
	MOVD.P	32(RSP), R30
	RET
morestack:
	MOVD	R30, R3
	BL	·morestack_noctxt(SB)
	B	start
