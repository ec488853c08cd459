// Functions with the Go 1.8 compiler's stack-split prologue for s390x (objz.go,
// small frame): compare g.stackguard0 with R15 and branch when the guard is at or
// above SP; the call block at the end of the function passes LR in R5, calls
// morestack, and starts over. The frame stores LR below SP first, then moves SP.
#include "textflag.h"
#include "runtime_layout.h"

// closure(n uintptr) uintptr: x + n + closure(n-1), 0 for n == 0, where x is the
// funcval's captured word, read through R12 (the context register) at every level.
//
// Frame (32 bytes): 0(R15) saved LR, 8(R15) argument n-1, 16(R15) its result,
// 24(R15) x; in the caller's frame: 40(R15) n, 48(R15) result.
TEXT ·closure(SB),NOSPLIT|NOFRAME,$0-16
start:
	MOVD	g_stackguard0(g), R3
	CMPUBGE	R3, R15, morestack
	MOVD	LR, -32(R15)
	MOVD	$-32(R15), R15
	MOVD	funcval_x(R12), R1	// the captured word, through the context register
	MOVD	R1, 24(R15)
	MOVD	40(R15), R1		// n
	CMPBEQ	R1, $0, zero
	SUB	$1, R1
	MOVD	R1, 8(R15)
	MOVD	funcval_fn(R12), R2
	BL	(R2)			// closure(n-1), R12 still the funcval
	MOVD	16(R15), R1
	MOVD	24(R15), R2
	ADD	R2, R1
	MOVD	40(R15), R2
	ADD	R2, R1
	BR	done
zero:
	MOVD	$0, R1
done:
	MOVD	R1, 48(R15)
	MOVD	0(R15), LR
	MOVD	$32(R15), R15
	RET
morestack:
	MOVD	LR, R5
	BL	·morestack(SB)
	BR	start

// sum(n uintptr) uintptr: n + sum(n-1), 0 for n == 0; not a closure, so its
// prologue calls morestack_noctxt.
//
// Frame (32 bytes): 0(R15) saved LR, 8(R15) argument n-1, 16(R15) its result;
// in the caller's frame: 40(R15) n, 48(R15) result.
TEXT ·sum(SB),NOSPLIT|NOFRAME,$0-16
start:
	MOVD	g_stackguard0(g), R3
	CMPUBGE	R3, R15, morestack
	MOVD	LR, -32(R15)
	MOVD	$-32(R15), R15
	MOVD	40(R15), R1		// n
	CMPBEQ	R1, $0, zero
	SUB	$1, R1
	MOVD	R1, 8(R15)
	MOVD	$·sum(SB), R2
	BL	(R2)
	MOVD	16(R15), R1
	MOVD	40(R15), R2
	ADD	R2, R1
	BR	done
zero:
	MOVD	$0, R1
done:
	MOVD	R1, 48(R15)
	MOVD	0(R15), LR
	MOVD	$32(R15), R15
	RET
morestack:
	MOVD	LR, R5
	BL	·morestack_noctxt(SB)
	BR	start
