// Harness and runtime pieces for GOARCH=arm (see ../README.md).
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
// buf.ctxt is shaded by the deletion barrier before gogo zeroes it. The frame
// holds writebarrierptr_prewrite's two arguments at 4(R13) and 8(R13).
TEXT ·gogo(SB),NOSPLIT,$8-4
	MOVW	buf+0(FP), R1
	MOVW	gobuf_ctxt(R1), R0
	CMP	$0, R0
	B.EQ	nilctxt
	MOVW	$gobuf_ctxt(R1), R0
	MOVW	R0, 4(R13)
	MOVW	$0, R0
	MOVW	R0, 8(R13)
	BL	·writebarrierptr_prewrite(SB)
	MOVW	buf+0(FP), R1

nilctxt:
	MOVW	gobuf_g(R1), R0
	BL	setg<>(SB)

	// From here to the final branch g, SP, LR and PC change together: no calls.
	MOVW	gobuf_sp(R1), R13
	MOVW	gobuf_lr(R1), R14
	MOVW	gobuf_ret(R1), R0
	MOVW	gobuf_ctxt(R1), R7
	MOVW	$0, R11
	MOVW	R11, gobuf_sp(R1)	// the goroutine owns these again; do not keep them alive
	MOVW	R11, gobuf_ret(R1)
	MOVW	R11, gobuf_lr(R1)
	MOVW	R11, gobuf_ctxt(R1)
	MOVW	gobuf_pc(R1), R11
	CMP	R11, R11		// flags "equal", as the old split prologues expected
	B	(R11)

// setg<> makes R0 the current g. Without cgo there is no TLS copy to update.
TEXT setg<>(SB),NOSPLIT|NOFRAME,$0-0
	MOVW	R0, g
	MOVW	g, R0
	RET

// entry_closure: result = closure(depth), called through the funcval in R7.
// 0(R13) is the saved-LR word of the call, 4(R13) the argument, 8(R13) the result.
TEXT ·entry_closure(SB),NOSPLIT|NOFRAME,$0-0
	SUB	$16, R13
	MOVW	·depth(SB), R0
	MOVW	R0, 4(R13)
	MOVW	funcval_fn(R7), R1
	BL	(R1)
	MOVW	8(R13), R0
	MOVW	R0, ·result(SB)
	ADD	$16, R13
	B	·harness_exit(SB)

// entry_plain: result = sum(depth).
TEXT ·entry_plain(SB),NOSPLIT|NOFRAME,$0-0
	SUB	$16, R13
	MOVW	·depth(SB), R0
	MOVW	R0, 4(R13)
	MOVW	$·sum(SB), R1
	BL	(R1)
	MOVW	8(R13), R0
	MOVW	R0, ·result(SB)
	ADD	$16, R13
	B	·harness_exit(SB)

// The run ends when the PC reaches here.
TEXT ·harness_exit(SB),NOSPLIT|NOFRAME,$0-0
	UNDEF
