// Functions with the Go 1.8 compiler's stack-split prologue for amd64p32 (obj6.go,
// small frame, 32-bit forms): load g from TLS, compare SP with g.stackguard0 as a
// 4-byte word, and on overflow call morestack from the end of the function, then
// start over. SP moves with SUBL/ADDL, as Go 1.8 did for 4-byte pointers; CALL
// still pushes an 8-byte return PC. No frame pointers on amd64p32 in Go 1.8, so
// arguments are read relative to SP. The functions are NOSPLIT|NOFRAME only so
// that the assembler adds nothing, and they recurse through a register, which the
// linker's nosplit check does not follow.
#include "textflag.h"
#include "runtime_layout.h"

// closure(n uintptr) uintptr is a closure over one word x (funcval.x): it returns
// x + n + closure(n-1), and 0 for n == 0. It reads x through DX, the context
// register, at every level, and calls itself through the funcval in DX.
//
// Frame (24 bytes): 0(SP) argument n-1, 4(SP) its result, 8(SP) x, 12(SP) n,
// 16(SP) to 20(SP) unused; above: 24(SP) return PC (8 bytes), 32(SP) n,
// 36(SP) result.
TEXT ·closure(SB),NOSPLIT|NOFRAME,$0-8
start:
	MOVL	TLS, CX
	MOVL	0(CX)(TLS*1), CX
	CMPL	SP, g_stackguard0(CX)
	JLS	morestack
	SUBL	$24, SP
	MOVL	funcval_x(DX), AX	// the captured word, through the context register
	MOVL	AX, 8(SP)
	MOVL	32(SP), AX		// n
	MOVL	AX, 12(SP)
	TESTL	AX, AX
	JEQ	zero
	DECL	AX
	MOVL	AX, 0(SP)
	MOVL	funcval_fn(DX), R8
	CALL	R8			// closure(n-1), DX still the funcval
	MOVL	4(SP), AX
	ADDL	8(SP), AX
	ADDL	12(SP), AX
	JMP	done
zero:
	XORL	AX, AX
done:
	MOVL	AX, 36(SP)
	ADDL	$24, SP
	RET
morestack:
	CALL	·morestack(SB)
	JMP	start

// sum(n uintptr) uintptr returns n + sum(n-1), and 0 for n == 0. Not a closure: its
// prologue calls morestack_noctxt.
//
// Frame (24 bytes): 0(SP) argument n-1, 4(SP) its result, 8(SP) n, 12(SP) to
// 20(SP) unused; above: 24(SP) return PC (8 bytes), 32(SP) n, 36(SP) result.
TEXT ·sum(SB),NOSPLIT|NOFRAME,$0-8
start:
	MOVL	TLS, CX
	MOVL	0(CX)(TLS*1), CX
	CMPL	SP, g_stackguard0(CX)
	JLS	morestack
	SUBL	$24, SP
	MOVL	32(SP), AX		// n
	MOVL	AX, 8(SP)
	TESTL	AX, AX
	JEQ	zero
	DECL	AX
	MOVL	AX, 0(SP)
	MOVL	$·sum(SB), R8
	CALL	R8
	MOVL	4(SP), AX
	ADDL	8(SP), AX
	JMP	done
zero:
	XORL	AX, AX
done:
	MOVL	AX, 36(SP)
	ADDL	$24, SP
	RET
morestack:
	CALL	·morestack_noctxt(SB)
	JMP	start
