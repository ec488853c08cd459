// Harness and runtime pieces for GOARCH=amd64p32 (see ../README.md). There is no
// linux/amd64p32 toolchain: this folder is assembled as GOARCH=amd64 against a
// layout header with 4-byte pointers (PtrSize 4, RegSize 8). Pointers and uintptr
// fields move with MOVL; CALL and PUSHQ still move 8 bytes; every guest address is
// below 4 GiB. g is the 4-byte word at FS:-8 (its upper half stays zero).
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

// gogo(buf *gobuf): restore state from buf; longjmp. Go 1.8's amd64p32 version,
// with the deletion barrier on gobuf.ctxt before it is cleared. gobuf.ret is a
// Uintreg, 8 bytes, hence the MOVQs on it. The 8-byte frame holds the barrier's two
// 4-byte arguments. NOFRAME only keeps the amd64 assembler from adding the BP save
// slot it gives amd64 frames: Go 1.8 kept no frame pointers on amd64p32, so the
// frame is a plain 8 bytes, as there.
TEXT ·gogo(SB), NOSPLIT|NOFRAME, $8-4
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
	MOVL	gobuf_ctxt(BX), DX
	MOVQ	gobuf_ret(BX), AX
	MOVL	$0, gobuf_sp(BX)	// drop the references the collector would see
	MOVQ	$0, gobuf_ret(BX)
	MOVL	$0, gobuf_ctxt(BX)
	MOVL	gobuf_pc(BX), BX
	JMP	BX

// entry_closure: the harness starts here on the goroutine stack with DX = the
// closure's funcval. result = closure(depth). depth and result are 8-byte Go
// variables in the amd64 build; their low 4 bytes are the uintptr values.
TEXT ·entry_closure(SB),NOSPLIT|NOFRAME,$0-0
	SUBL	$16, SP
	MOVL	·depth(SB), AX
	MOVL	AX, 0(SP)
	MOVL	funcval_fn(DX), R8
	CALL	R8
	MOVL	4(SP), AX
	MOVL	AX, ·result(SB)
	ADDL	$16, SP
	JMP	·harness_exit(SB)

// entry_plain: result = sum(depth), with no closure.
TEXT ·entry_plain(SB),NOSPLIT|NOFRAME,$0-0
	SUBL	$16, SP
	MOVL	·depth(SB), AX
	MOVL	AX, 0(SP)
	MOVL	$·sum(SB), R8
	CALL	R8
	MOVL	4(SP), AX
	MOVL	AX, ·result(SB)
	ADDL	$16, SP
	JMP	·harness_exit(SB)

// The run ends when the PC reaches here.
TEXT ·harness_exit(SB),NOSPLIT|NOFRAME,$0-0
	INT	$3
