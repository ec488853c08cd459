// Functions with the Go 1.8 compiler's stack-split prologue for amd64 (obj6.go,
// small frame): load g from TLS, compare SP with g.stackguard0, and on overflow call
// morestack from the end of the function, then start over. They are NOSPLIT|NOFRAME
// only so that the assembler adds nothing: the prologue and frame are written out.
// They recurse through a register, which the linker's nosplit check does not follow.
#include "textflag.h"
#include "runtime_layout.h"

// closure(n uintptr) uintptr is a closure over one word x (funcval.x): it returns
// x + n + closure(n-1), and 0 for n == 0. It reads x through DX, the context
// register, at every level, and calls itself through the funcval in DX.
//
// Frame (32 bytes): 0(SP) argument n-1, 8(SP) its result, 16(SP) x,
// 24(SP) caller's BP; above: 32(SP) return PC, 40(SP) n, 48(SP) result.
TEXT ·closure(SB),NOSPLIT|NOFRAME,$0-16
start:
	MOVQ	TLS, CX
	MOVQ	0(CX)(TLS*1), CX
	CMPQ	SP, g_stackguard0(CX)
	JLS	morestack
	SUBQ	$32, SP
	MOVQ	BP, 24(SP)
	LEAQ	24(SP), BP
	MOVQ	funcval_x(DX), AX	// the captured word, through the context register
	MOVQ	AX, 16(SP)
	MOVQ	16(BP), AX		// n, through the frame pointer
	TESTQ	AX, AX
	JEQ	zero
	DECQ	AX
	MOVQ	AX, 0(SP)
	MOVQ	funcval_fn(DX), R8
	CALL	R8			// closure(n-1), DX still the funcval
	MOVQ	8(SP), AX
	ADDQ	16(SP), AX
	ADDQ	40(SP), AX
	JMP	done
zero:
	XORQ	AX, AX
done:
	MOVQ	AX, 48(SP)
	MOVQ	24(SP), BP
	ADDQ	$32, SP
	RET
morestack:
	CALL	·morestack(SB)
	JMP	start

// sum(n uintptr) uintptr returns n + sum(n-1), and 0 for n == 0. Not a closure: its
// prologue calls morestack_noctxt.
//
// Frame (24 bytes): 0(SP) argument n-1, 8(SP) its result, 16(SP) caller's BP;
// above: 24(SP) return PC, 32(SP) n, 40(SP) result.
TEXT ·sum(SB),NOSPLIT|NOFRAME,$0-16
start:
	MOVQ	TLS, CX
	MOVQ	0(CX)(TLS*1), CX
	CMPQ	SP, g_stackguard0(CX)
	JLS	morestack
	SUBQ	$24, SP
	MOVQ	BP, 16(SP)
	LEAQ	16(SP), BP
	MOVQ	16(BP), AX		// n, through the frame pointer
	TESTQ	AX, AX
	JEQ	zero
	DECQ	AX
	MOVQ	AX, 0(SP)
	MOVQ	$·sum(SB), R8
	CALL	R8
	MOVQ	8(SP), AX
	ADDQ	32(SP), AX
	JMP	done
zero:
	XORQ	AX, AX
done:
	MOVQ	AX, 40(SP)
	MOVQ	16(SP), BP
	ADDQ	$24, SP
	RET
morestack:
	CALL	·morestack_noctxt(SB)
	JMP	start
