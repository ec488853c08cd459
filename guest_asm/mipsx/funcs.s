// Functions with the Go 1.8 compiler's stack-split prologue for mips and mipsle
// (cmd/internal/obj/mips obj0.go, small frame; the same code as for mips64, with
// MOVW and ADDU for mov and add): set R1 when SP is above g.stackguard0 and skip
// ahead if so; otherwise pass R31 in R3, call morestack right there in the
// prologue, and start over. The frame stores R31 below SP first, then moves SP.
// The assembler fills every branch delay slot with a NOP.
#include "textflag.h"
#include "runtime_layout.h"

#define	REGCTXT	R22

// closure(n uintptr) uintptr: x + n + closure(n-1), 0 for n == 0, where x is the
// funcval's captured word, read through R22 (the context register) at every level.
//
// Frame (16 bytes): 0(R29) saved LR, 4(R29) argument n-1, 8(R29) its result,
// 12(R29) x; in the caller's frame: 20(R29) n, 24(R29) result.
TEXT ·closure(SB),NOSPLIT|NOFRAME,$0-8
start:
	MOVW	g_stackguard0(g), R1
	SGTU	R29, R1, R1		// R1 = SP > guard
	BNE	R1, framed
	MOVW	R31, R3
	JAL	·morestack(SB)
	JMP	start
framed:
	MOVW	R31, -16(R29)
	ADDU	$-16, R29
	MOVW	funcval_x(REGCTXT), R1	// the captured word, through the context register
	MOVW	R1, 12(R29)
	MOVW	20(R29), R1		// n
	BEQ	R1, zero
	ADDU	$-1, R1
	MOVW	R1, 4(R29)
	MOVW	funcval_fn(REGCTXT), R2
	JAL	(R2)			// closure(n-1), R22 still the funcval
	MOVW	8(R29), R1
	MOVW	12(R29), R2
	ADDU	R2, R1
	MOVW	20(R29), R2
	ADDU	R2, R1
	JMP	done
zero:
	MOVW	R0, R1
done:
	MOVW	R1, 24(R29)
	MOVW	0(R29), R31
	ADDU	$16, R29
	RET

// sum(n uintptr) uintptr: n + sum(n-1), 0 for n == 0; not a closure, so its
// prologue calls morestack_noctxt.
//
// Frame (16 bytes): 0(R29) saved LR, 4(R29) argument n-1, 8(R29) its result,
// 12(R29) unused; in the caller's frame: 20(R29) n, 24(R29) result.
TEXT ·sum(SB),NOSPLIT|NOFRAME,$0-8
start:
	MOVW	g_stackguard0(g), R1
	SGTU	R29, R1, R1		// R1 = SP > guard
	BNE	R1, framed
	MOVW	R31, R3
	JAL	·morestack_noctxt(SB)
	JMP	start
framed:
	MOVW	R31, -16(R29)
	ADDU	$-16, R29
	MOVW	20(R29), R1		// n
	BEQ	R1, zero
	ADDU	$-1, R1
	MOVW	R1, 4(R29)
	MOVW	$·sum(SB), R2
	JAL	(R2)
	MOVW	8(R29), R1
	MOVW	20(R29), R2
	ADDU	R2, R1
	JMP	done
zero:
	MOVW	R0, R1
done:
	MOVW	R1, 24(R29)
	MOVW	0(R29), R31
	ADDU	$16, R29
	RET
