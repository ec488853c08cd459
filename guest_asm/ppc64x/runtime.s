// Harness and runtime pieces for GOARCH=ppc64 and ppc64le (see ../README.md).
// R0 is zero throughout, as Go's ppc64 code assumes; nothing here writes it.
#include "textflag.h"
#include "runtime_layout.h"

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
// buf.ctxt is shaded by the deletion barrier before gogo zeroes it; the barrier's
// arguments go past the 32-byte fixed area of gogo's own frame.
TEXT ·gogo(SB), NOSPLIT, $16-8
	MOVD	buf+0(FP), R5
	MOVD	gobuf_ctxt(R5), R3
	CMP	R0, R3
	BEQ	nilctxt
	MOVD	$gobuf_ctxt(R5), R3
	MOVD	R3, FIXED_FRAME+0(R1)
	MOVD	R0, FIXED_FRAME+8(R1)
	BL	·writebarrierptr_prewrite(SB)
	MOVD	buf+0(FP), R5

nilctxt:
	MOVD	gobuf_g(R5), g
	MOVD	0(g), R4		// fault now if g is nil
	MOVD	gobuf_sp(R5), R1
	MOVD	gobuf_lr(R5), R31
	MOVD	R31, LR
	MOVD	gobuf_ret(R5), R3
	MOVD	gobuf_ctxt(R5), R11
	MOVD	R0, gobuf_sp(R5)	// the goroutine owns these again; do not keep them alive
	MOVD	R0, gobuf_ret(R5)
	MOVD	R0, gobuf_lr(R5)
	MOVD	R0, gobuf_ctxt(R5)
	CMP	R0, R0			// CR0 "equal", as the old split prologues expected
	MOVD	gobuf_pc(R5), R12	// ELFv2: the entry address travels in R12
	MOVD	R12, CTR
	BR	(CTR)

// entry_closure: result = closure(depth), called through the funcval in R11.
// Its frame is the 32-byte fixed area, the argument and the result.
TEXT ·entry_closure(SB),NOSPLIT|NOFRAME,$0-0
	ADD	$-48, R1
	MOVD	·depth(SB), R3
	MOVD	R3, FIXED_FRAME+0(R1)
	MOVD	funcval_fn(R11), R12
	MOVD	R12, CTR
	BL	(CTR)
	MOVD	FIXED_FRAME+8(R1), R3
	MOVD	R3, ·result(SB)
	ADD	$48, R1
	BR	·harness_exit(SB)

// entry_plain: result = sum(depth).
TEXT ·entry_plain(SB),NOSPLIT|NOFRAME,$0-0
	ADD	$-48, R1
	MOVD	·depth(SB), R3
	MOVD	R3, FIXED_FRAME+0(R1)
	MOVD	$·sum(SB), R12
	MOVD	R12, CTR
	BL	(CTR)
	MOVD	FIXED_FRAME+8(R1), R3
	MOVD	R3, ·result(SB)
	ADD	$48, R1
	BR	·harness_exit(SB)

// The run ends when the PC reaches here.
TEXT ·harness_exit(SB),NOSPLIT|NOFRAME,$0-0
	UNDEF
