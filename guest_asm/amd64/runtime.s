// Harness and runtime pieces for GOARCH=amd64 (see ../README.md).
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
// barrier on gobuf.ctxt before it is cleared.
TEXT ·gogo(SB), NOSPLIT, $16-8
	MOVQ	buf+0(FP), BX		// gobuf

	// If ctxt is not nil, invoke deletion barrier before overwriting.
	MOVQ	gobuf_ctxt(BX), AX
	TESTQ	AX, AX
	JZ	nilctxt
	LEAQ	gobuf_ctxt(BX), AX
	MOVQ	AX, 0(SP)
	MOVQ	$0, 8(SP)
	CALL	·writebarrierptr_prewrite(SB)
	MOVQ	buf+0(FP), BX

nilctxt:
	MOVQ	gobuf_g(BX), DX
	MOVQ	0(DX), CX		// make sure g != nil
	MOVQ	TLS, CX
	MOVQ	DX, 0(CX)(TLS*1)	// g = gobuf.g
	MOVQ	gobuf_sp(BX), SP	// restore SP
	MOVQ	gobuf_ret(BX), AX
	MOVQ	gobuf_ctxt(BX), DX
	MOVQ	gobuf_bp(BX), BP
	MOVQ	$0, gobuf_sp(BX)	// clear to help garbage collector
	MOVQ	$0, gobuf_ret(BX)
	MOVQ	$0, gobuf_ctxt(BX)
	MOVQ	$0, gobuf_bp(BX)
	MOVQ	gobuf_pc(BX), BX
	JMP	BX

// entry_closure: the harness starts here on the goroutine stack with DX = the
// closure's funcval. result = closure(depth).
TEXT ·entry_closure(SB),NOSPLIT|NOFRAME,$0-0
	SUBQ	$16, SP
	MOVQ	·depth(SB), AX
	MOVQ	AX, 0(SP)
	MOVQ	funcval_fn(DX), R8
	CALL	R8
	MOVQ	8(SP), AX
	MOVQ	AX, ·result(SB)
	ADDQ	$16, SP
	JMP	·harness_exit(SB)

// entry_plain: result = sum(depth), with no closure.
TEXT ·entry_plain(SB),NOSPLIT|NOFRAME,$0-0
	SUBQ	$16, SP
	MOVQ	·depth(SB), AX
	MOVQ	AX, 0(SP)
	MOVQ	$·sum(SB), R8
	CALL	R8
	MOVQ	8(SP), AX
	MOVQ	AX, ·result(SB)
	ADDQ	$16, SP
	JMP	·harness_exit(SB)

// The run ends when the PC reaches here.
TEXT ·harness_exit(SB),NOSPLIT|NOFRAME,$0-0
	INT	$3
