// Harness and runtime pieces for GOARCH=386 (see ../README.md).
#include "textflag.h"
#include "runtime_layout.h"

// The host implements these; a call reaching their body traps.
TEXT ·newstack(SB),NOSPLIT|NOFRAME,$0-0
	INT	$3

TEXT ·writebarrierptr_prewrite(SB),NOSPLIT|NOFRAME,$0-0
	INT	$3

TEXT ·badmorestackg0(SB),NOSPLIT|NOFRAME,$0-0
	INT	$3

TEXT ·badmorestackgsignal(SB),NOSPLIT|NOFRAME,$0-0
	INT	$3

TEXT ·abort(SB),NOSPLIT|NOFRAME,$0-0
	INT	$3

// gogo(buf *gobuf): restore state from buf; longjmp. Go 1.8's, with the deletion
// barrier on gobuf.ctxt before it is cleared. The 8-byte frame holds the two
// arguments of writebarrierptr_prewrite; it is left behind when SP is replaced.
TEXT ·gogo(SB), NOSPLIT, $8-4
	MOVL	buf+0(FP), BX		// gobuf

	// A non-nil ctxt is about to be dropped: shade it first.
	MOVL	gobuf_ctxt(BX), DX
	TESTL	DX, DX
	JZ	nilctxt
	LEAL	gobuf_ctxt(BX), AX
	MOVL	AX, 0(SP)
	MOVL	$0, 4(SP)
	CALL	·writebarrierptr_prewrite(SB)
	MOVL	buf+0(FP), BX

nilctxt:
	MOVL	gobuf_g(BX), DX
	MOVL	0(DX), CX		// faults here if gobuf.g is nil
	MOVL	TLS, CX
	MOVL	DX, 0(CX)(TLS*1)	// g = gobuf.g
	MOVL	gobuf_sp(BX), SP	// the goroutine's stack
	MOVL	gobuf_ret(BX), AX
	MOVL	gobuf_ctxt(BX), DX
	MOVL	$0, gobuf_sp(BX)	// drop the references the collector would see
	MOVL	$0, gobuf_ret(BX)
	MOVL	$0, gobuf_ctxt(BX)
	MOVL	gobuf_pc(BX), BX
	JMP	BX

// entry_closure: the harness starts here on the goroutine stack with DX = the
// closure's funcval. result = closure(depth).
TEXT ·entry_closure(SB),NOSPLIT|NOFRAME,$0-0
	SUBL	$8, SP
	MOVL	·depth(SB), AX
	MOVL	AX, 0(SP)
	MOVL	funcval_fn(DX), BX
	CALL	BX
	MOVL	4(SP), AX
	MOVL	AX, ·result(SB)
	ADDL	$8, SP
	JMP	·harness_exit(SB)

// entry_plain: result = sum(depth), with no closure.
TEXT ·entry_plain(SB),NOSPLIT|NOFRAME,$0-0
	SUBL	$8, SP
	MOVL	·depth(SB), AX
	MOVL	AX, 0(SP)
	MOVL	$·sum(SB), BX
	CALL	BX
	MOVL	4(SP), AX
	MOVL	AX, ·result(SB)
	ADDL	$8, SP
	JMP	·harness_exit(SB)

// The run ends when the PC reaches here.
TEXT ·harness_exit(SB),NOSPLIT|NOFRAME,$0-0
	INT	$3
