// Harness and runtime pieces for GOARCH=arm64 (see ../README.md).
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
// buf.ctxt is shaded by the deletion barrier before gogo zeroes it.
TEXT ·gogo(SB), NOSPLIT, $24-8
	MOVD	buf+0(FP), R5
	MOVD	gobuf_ctxt(R5), R0
	CMP	$0, R0
	BEQ	nilctxt
	MOVD	$gobuf_ctxt(R5), R0
	MOVD	R0, 8(RSP)
	MOVD	ZR, 16(RSP)
	BL	·writebarrierptr_prewrite(SB)
	MOVD	buf+0(FP), R5

nilctxt:
	MOVD	gobuf_g(R5), g
	MOVD	0(g), R4		// fault now if g is nil
	MOVD	gobuf_sp(R5), R0
	MOVD	R0, RSP
	MOVD	gobuf_lr(R5), LR
	MOVD	gobuf_ret(R5), R0
	MOVD	gobuf_ctxt(R5), R26
	MOVD	$0, gobuf_sp(R5)	// the goroutine owns these again; do not keep them alive
	MOVD	$0, gobuf_ret(R5)
	MOVD	$0, gobuf_lr(R5)
	MOVD	$0, gobuf_ctxt(R5)
	CMP	ZR, ZR			// flags "equal", as the old split prologues expected
	MOVD	gobuf_pc(R5), R6
	B	(R6)

// entry_closure: result = closure(depth), called through the funcval in R26.
TEXT ·entry_closure(SB),NOSPLIT|NOFRAME,$0-0
	SUB	$32, RSP
	MOVD	·depth(SB), R0
	MOVD	R0, 8(RSP)
	MOVD	funcval_fn(R26), R1
	CALL	(R1)
	MOVD	16(RSP), R0
	MOVD	R0, ·result(SB)
	ADD	$32, RSP
	B	·harness_exit(SB)

// entry_plain: result = sum(depth).
TEXT ·entry_plain(SB),NOSPLIT|NOFRAME,$0-0
	SUB	$32, RSP
	MOVD	·depth(SB), R0
	MOVD	R0, 8(RSP)
	MOVD	$·sum(SB), R1
	CALL	(R1)
	MOVD	16(RSP), R0
	MOVD	R0, ·result(SB)
	ADD	$32, RSP
	B	·harness_exit(SB)

// The run ends when the PC reaches here.
TEXT ·harness_exit(SB),NOSPLIT|NOFRAME,$0-0
	UNDEF
