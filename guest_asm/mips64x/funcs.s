// Functions with the Go 1.8 compiler's stack-split prologue for mips64 (obj0.go,
// small frame): set R1 when SP is above g.stackguard0 and skip ahead if so;
// otherwise pass R31 in R3, call morestack right there in the prologue, and start
// over. The frame stores R31 below SP first, then moves SP. The assembler fills
// every branch delay slot with a NOP.
#include "textflag.h"
#include "runtime_layout.h"

#define	REGCTXT	R22

// closure(n uintptr) uintptr: x + n + closure(n-1), 0 for n == 0, where x is the
// funcval's captured word, read through R22 (the context register) at every level.
//
// Frame (32 bytes): 0(R29) saved LR, 8(R29) argument n-1, 16(R29) its result,
// 24(R29) x; in the caller's frame: 40(R29) n, 48(R29) result.
TEXT ·closure(SB),NOSPLIT|NOFRAME,$0-16
start:
	MOVV	g_stackguard0(g), R1
	SGTU	R29, R1, R1		// R1 = SP > guard
	BNE	R1, framed
	MOVV	R31, R3
	JAL	·morestack(SB)
	JMP	start
framed:
	MOVV	R31, -32(R29)
	ADDV	$-32, R29
	MOVV	funcval_x(REGCTXT), R1	// the captured word, through the context register
	MOVV	R1, 24(R29)
	MOVV	40(R29), R1		// n
	BEQ	R1, zero
	ADDV	$-1, R1
	MOVV	R1, 8(R29)
	MOVV	funcval_fn(REGCTXT), R2
	JAL	(R2)			// closure(n-1), R22 still the funcval
	MOVV	16(R29), R1
	MOVV	24(R29), R2
	ADDV	R2, R1
	MOVV	40(R29), R2
	ADDV	R2, R1
	JMP	done
zero:
	MOVV	R0, R1
done:
	MOVV	R1, 48(R29)
	MOVV	0(R29), R31
	ADDV	$32, R29
	RET

// sum(n uintptr) uintptr: n + sum(n-1), 0 for n == 0; not a closure, so its
// prologue calls morestack_noctxt.
//
// Frame (32 bytes): 0(R29) saved LR, 8(R29) argument n-1, 16(R29) its result;
// in the caller's frame: 40(R29) n, 48(R29) result.
TEXT ·sum(SB),NOSPLIT|NOFRAME,$0-16
start:
	MOVV	g_stackguard0(g), R1
	SGTU	R29, R1, R1		// R1 = SP > guard
	BNE	R1, framed
	MOVV	R31, R3
	JAL	·morestack_noctxt(SB)
	JMP	start
framed:
	MOVV	R31, -32(R29)
	ADDV	$-32, R29
	MOVV	40(R29), R1		// n
	BEQ	R1, zero
	ADDV	$-1, R1
	MOVV	R1, 8(R29)
	MOVV	$·sum(SB), R2
	JAL	(R2)
	MOVV	16(R29), R1
	MOVV	40(R29), R2
	ADDV	R2, R1
	JMP	done
zero:
	MOVV	R0, R1
done:
	MOVV	R1, 48(R29)
	MOVV	0(R29), R31
	ADDV	$32, R29
	RET
