// Harness and runtime pieces for GOARCH=mips64 and mips64le (see ../README.md).
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
// buf.ctxt is shaded by the deletion barrier before gogo zeroes it. R0 reads as zero.
TEXT ·gogo(SB), NOSPLIT, $16-8
	MOVV	buf+0(FP), R3
	MOVV	gobuf_ctxt(R3), R1
	BEQ	R1, nilctxt
	MOVV	$gobuf_ctxt(R3), R1
	MOVV	R1, 8(R29)
	MOVV	R0, 16(R29)
	JAL	·writebarrierptr_prewrite(SB)
	MOVV	buf+0(FP), R3

nilctxt:
	MOVV	gobuf_g(R3), g
	MOVV	0(g), R2		// fault now if g is nil
	MOVV	gobuf_sp(R3), R29
	MOVV	gobuf_lr(R3), R31
	MOVV	gobuf_ret(R3), R1
	MOVV	gobuf_ctxt(R3), REGCTXT
	MOVV	R0, gobuf_sp(R3)	// the goroutine owns these again; do not keep them alive
	MOVV	R0, gobuf_ret(R3)
	MOVV	R0, gobuf_lr(R3)
	MOVV	R0, gobuf_ctxt(R3)
	MOVV	gobuf_pc(R3), R4
	JMP	(R4)

// entry_closure: result = closure(depth), called through the funcval in R22.
TEXT ·entry_closure(SB),NOSPLIT|NOFRAME,$0-0
	ADDV	$-32, R29
	MOVV	·depth(SB), R1
	MOVV	R1, 8(R29)
	MOVV	funcval_fn(REGCTXT), R1
	JAL	(R1)
	MOVV	16(R29), R1
	MOVV	R1, ·result(SB)
	ADDV	$32, R29
	JMP	·harness_exit(SB)

// entry_plain: result = sum(depth).
TEXT ·entry_plain(SB),NOSPLIT|NOFRAME,$0-0
	ADDV	$-32, R29
	MOVV	·depth(SB), R1
	MOVV	R1, 8(R29)
	MOVV	$·sum(SB), R1
	JAL	(R1)
	MOVV	16(R29), R1
	MOVV	R1, ·result(SB)
	ADDV	$32, R29
	JMP	·harness_exit(SB)

// The run ends when the PC reaches here.
TEXT ·harness_exit(SB),NOSPLIT|NOFRAME,$0-0
	UNDEF
