// Harness and runtime pieces for GOARCH=mips and mipsle (see ../README.md).
#include "textflag.h"
#include "runtime_layout.h"

#define	REGCTXT	R22

// Implemented by the host; reaching a body traps.
TEXT ·newstack(SB),NOSPLIT|NOFRAME,$0-0
	UNDEF

TEXT ·writebarrierptr_prewrite(SB),NOSPLIT|NOFRAME,$0-0
	UNDEF

TEXT ·badmorestackg0(SB),NOSPLIT|NOFRAME,$0-0
	UNDEF

TEXT ·badmorestackgsignal(SB),NOSPLIT|NOFRAME,$0-0
	UNDEF

TEXT ·abort(SB),NOSPLIT|NOFRAME,$0-0
	UNDEF

// gogo(buf *gobuf) jumps into the goroutine buf describes. As in Go 1.8, a non-nil
// buf.ctxt is shaded by the deletion barrier before gogo zeroes it; the frame
// holds writebarrierptr_prewrite's two arguments at 4(R29) and 8(R29). R0 reads
// as zero.
TEXT ·gogo(SB), NOSPLIT, $8-4
	MOVW	buf+0(FP), R3
	MOVW	gobuf_ctxt(R3), R1
	BEQ	R1, nilctxt
	MOVW	$gobuf_ctxt(R3), R1
	MOVW	R1, 4(R29)
	MOVW	R0, 8(R29)
	JAL	·writebarrierptr_prewrite(SB)
	MOVW	buf+0(FP), R3

nilctxt:
	MOVW	gobuf_g(R3), g
	MOVW	0(g), R2		// fault now if g is nil
	MOVW	gobuf_sp(R3), R29
	MOVW	gobuf_lr(R3), R31
	MOVW	gobuf_ret(R3), R1
	MOVW	gobuf_ctxt(R3), REGCTXT
	MOVW	R0, gobuf_sp(R3)	// the goroutine owns these again; do not keep them alive
	MOVW	R0, gobuf_ret(R3)
	MOVW	R0, gobuf_lr(R3)
	MOVW	R0, gobuf_ctxt(R3)
	MOVW	gobuf_pc(R3), R4
	JMP	(R4)

// entry_closure: result = closure(depth), called through the funcval in R22.
// 0(R29) is the saved-LR word of the call, 4(R29) the argument, 8(R29) the result.
TEXT ·entry_closure(SB),NOSPLIT|NOFRAME,$0-0
	ADDU	$-16, R29
	MOVW	·depth(SB), R1
	MOVW	R1, 4(R29)
	MOVW	funcval_fn(REGCTXT), R1
	JAL	(R1)
	MOVW	8(R29), R1
	MOVW	R1, ·result(SB)
	ADDU	$16, R29
	JMP	·harness_exit(SB)

// entry_plain: result = sum(depth).
TEXT ·entry_plain(SB),NOSPLIT|NOFRAME,$0-0
	ADDU	$-16, R29
	MOVW	·depth(SB), R1
	MOVW	R1, 4(R29)
	MOVW	$·sum(SB), R1
	JAL	(R1)
	MOVW	8(R29), R1
	MOVW	R1, ·result(SB)
	ADDU	$16, R29
	JMP	·harness_exit(SB)

// The run ends when the PC reaches here.
TEXT ·harness_exit(SB),NOSPLIT|NOFRAME,$0-0
	UNDEF
