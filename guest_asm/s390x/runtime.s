// Harness and runtime pieces for GOARCH=s390x (see ../README.md).
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
// buf.ctxt is shaded by the deletion barrier before gogo zeroes it. R0 is zero.
TEXT ·gogo(SB), NOSPLIT, $16-8
	MOVD	buf+0(FP), R5
	MOVD	gobuf_ctxt(R5), R1
	CMPBEQ	R1, $0, nilctxt
	MOVD	$gobuf_ctxt(R5), R1
	MOVD	R1, 8(R15)
	MOVD	R0, 16(R15)
	BL	·writebarrierptr_prewrite(SB)
	MOVD	buf+0(FP), R5

nilctxt:
	MOVD	gobuf_g(R5), g
	MOVD	0(g), R4		// fault now if g is nil
	MOVD	gobuf_sp(R5), R15
	MOVD	gobuf_lr(R5), LR
	MOVD	gobuf_ret(R5), R3
	MOVD	gobuf_ctxt(R5), R12
	MOVD	$0, gobuf_sp(R5)	// the goroutine owns these again; do not keep them alive
	MOVD	$0, gobuf_ret(R5)
	MOVD	$0, gobuf_lr(R5)
	MOVD	$0, gobuf_ctxt(R5)
	CMP	R0, R0			// condition code "equal", as the old split prologues expected
	MOVD	gobuf_pc(R5), R6
	BR	(R6)

// entry_closure: result = closure(depth), called through the funcval in R12.
TEXT ·entry_closure(SB),NOSPLIT|NOFRAME,$0-0
	SUB	$32, R15
	MOVD	·depth(SB), R1
	MOVD	R1, 8(R15)
	MOVD	funcval_fn(R12), R2
	BL	(R2)
	MOVD	16(R15), R1
	MOVD	R1, ·result(SB)
	ADD	$32, R15
	BR	·harness_exit(SB)

// entry_plain: result = sum(depth).
TEXT ·entry_plain(SB),NOSPLIT|NOFRAME,$0-0
	SUB	$32, R15
	MOVD	·depth(SB), R1
	MOVD	R1, 8(R15)
	MOVD	$·sum(SB), R2
	BL	(R2)
	MOVD	16(R15), R1
	MOVD	R1, ·result(SB)
	ADD	$32, R15
	BR	·harness_exit(SB)

// The run ends when the PC reaches here.
TEXT ·harness_exit(SB),NOSPLIT|NOFRAME,$0-0
	UNDEF
