// Functions with the Go 1.8 compiler's stack-split prologue for ppc64 and ppc64le
// (obj9.go, small frame): compare g.stackguard0 with R1 unsigned and skip the call
// while the guard is below SP; otherwise, inline in the prologue, pass LR in R5,
// call morestack, and start over. The frame is built by storing LR (through R31)
// with MOVDU, which also moves R1. Every frame starts with the 32-byte fixed area
// (0(R1) is the LR its callees save into), so arguments sit at FIXED_FRAME and up.
#include "textflag.h"
#include "runtime_layout.h"

// closure(n uintptr) uintptr: x + n + closure(n-1), 0 for n == 0, where x is the
// funcval's captured word, read through R11 (the context register) at every level.
//
// Frame (56 bytes): 0(R1) saved LR, 8..31(R1) rest of the fixed area, 32(R1)
// argument n-1, 40(R1) its result, 48(R1) x; in the caller's frame: 88(R1) n,
// 96(R1) result.
TEXT ·closure(SB),NOSPLIT|NOFRAME,$0-16
start:
	MOVD	g_stackguard0(g), R3
	CMPU	R3, R1
	BLT	framed
	MOVD	LR, R5
	BL	·morestack(SB)
	BR	start
framed:
	MOVD	LR, R31
	MOVDU	R31, -56(R1)
	MOVD	funcval_x(R11), R3	// the captured word, through the context register
	MOVD	R3, 48(R1)
	MOVD	88(R1), R3		// n
	CMP	R3, $0
	BEQ	zero
	ADD	$-1, R3
	MOVD	R3, 32(R1)
	MOVD	funcval_fn(R11), R12
	MOVD	R12, CTR
	BL	(CTR)			// closure(n-1), R11 still the funcval
	MOVD	40(R1), R3
	MOVD	48(R1), R4
	ADD	R4, R3
	MOVD	88(R1), R4
	ADD	R4, R3
	BR	done
zero:
	MOVD	$0, R3
done:
	MOVD	R3, 96(R1)
	MOVD	0(R1), R31
	MOVD	R31, LR
	ADD	$56, R1
	RET

// sum(n uintptr) uintptr: n + sum(n-1), 0 for n == 0; not a closure, so its
// prologue calls morestack_noctxt.
//
// Frame (48 bytes): 0(R1) saved LR, 8..31(R1) rest of the fixed area, 32(R1)
// argument n-1, 40(R1) its result; in the caller's frame: 80(R1) n, 88(R1) result.
TEXT ·sum(SB),NOSPLIT|NOFRAME,$0-16
start:
	MOVD	g_stackguard0(g), R3
	CMPU	R3, R1
	BLT	framed
	MOVD	LR, R5
	BL	·morestack_noctxt(SB)
	BR	start
framed:
	MOVD	LR, R31
	MOVDU	R31, -48(R1)
	MOVD	80(R1), R3		// n
	CMP	R3, $0
	BEQ	zero
	ADD	$-1, R3
	MOVD	R3, 32(R1)
	MOVD	$·sum(SB), R12
	MOVD	R12, CTR
	BL	(CTR)
	MOVD	40(R1), R3
	MOVD	80(R1), R4
	ADD	R4, R3
	BR	done
zero:
	MOVD	$0, R3
done:
	MOVD	R3, 88(R1)
	MOVD	0(R1), R31
	MOVD	R31, LR
	ADD	$48, R1
	RET
