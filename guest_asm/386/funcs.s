// Functions with the Go 1.8 compiler's stack-split prologue for 386 (obj6.go, small
// frame): load g through GS (the self-pointer at GS:0, g just below it), compare SP
// with g.stackguard0, and on overflow call morestack from the end of the function,
// then start over. Go 1.8 keeps no frame pointers on 386, so frames have no BP slot
// and arguments are read relative to SP. The functions are NOSPLIT|NOFRAME only so
// that the assembler adds nothing, and they recurse through a register, which the
// linker's nosplit check does not follow.
#include "textflag.h"
#include "runtime_layout.h"

// closure(n uintptr) uintptr is a closure over one word x (funcval.x): it returns
// x + n + closure(n-1), and 0 for n == 0. It reads x through DX, the context
// register, at every level, and calls itself through the funcval in DX.
//
// Frame (24 bytes): 0(SP) argument n-1, 4(SP) its result, 8(SP) x, 12(SP) n,
// 16(SP) and 20(SP) unused; above: 24(SP) return PC, 28(SP) n, 32(SP) result.
TEXT ·closure(SB),NOSPLIT|NOFRAME,$0-8
start:
	MOVL	TLS, CX
	MOVL	0(CX)(TLS*1), CX
	CMPL	SP, g_stackguard0(CX)
	JLS	morestack
	SUBL	$24, SP
	MOVL	funcval_x(DX), AX	// the captured word, through the context register
	MOVL	AX, 8(SP)
	MOVL	28(SP), AX		// n
	MOVL	AX, 12(SP)
	TESTL	AX, AX
	JEQ	zero
	DECL	AX
	MOVL	AX, 0(SP)
	MOVL	funcval_fn(DX), BX
	CALL	BX			// closure(n-1), DX still the funcval
	MOVL	4(SP), AX
	ADDL	8(SP), AX
	ADDL	12(SP), AX
	JMP	done
zero:
	XORL	AX, AX
done:
	MOVL	AX, 32(SP)
	ADDL	$24, SP
	RET
morestack:
	CALL	·morestack(SB)
	JMP	start

// sum(n uintptr) uintptr returns n + sum(n-1), and 0 for n == 0. Not a closure: its
// prologue calls morestack_noctxt.
//
// Frame (24 bytes): 0(SP) argument n-1, 4(SP) its result, 8(SP) n, 12(SP) to
// 20(SP) unused; above: 24(SP) return PC, 28(SP) n, 32(SP) result.
TEXT ·sum(SB),NOSPLIT|NOFRAME,$0-8
start:
	MOVL	TLS, CX
	MOVL	0(CX)(TLS*1), CX
	CMPL	SP, g_stackguard0(CX)
	JLS	morestack
	SUBL	$24, SP
	MOVL	28(SP), AX		// n
	MOVL	AX, 8(SP)
	TESTL	AX, AX
	JEQ	zero
	DECL	AX
	MOVL	AX, 0(SP)
	MOVL	$·sum(SB), BX
	CALL	BX
	MOVL	4(SP), AX
	ADDL	8(SP), AX
	JMP	done
zero:
	XORL	AX, AX
done:
	MOVL	AX, 32(SP)
	ADDL	$24, SP
	RET
morestack:
	CALL	·morestack_noctxt(SB)
	JMP	start
