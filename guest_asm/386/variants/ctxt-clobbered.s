// BROKEN on purpose (386): DX, the context register, is used as scratch for g0 before it is pushed.
// gotramp-expect: ctxt-argument 4(SP) cause=wrong-store:48
#include "textflag.h"
#include "runtime_layout.h"

TEXT ·morestack(SB),NOSPLIT,$0-0
	// The scheduler stack (m.g0) must never grow.
	MOVL	TLS, CX
	MOVL	0(CX)(TLS*1), BX
	MOVL	g_m(BX), BX
	MOVL	m_g0(BX), SI
	CMPL	0(CX)(TLS*1), SI
	JNE	3(PC)
	CALL	·badmorestackg0(SB)
	INT	$3

	// Nor may the signal stack (m.gsignal).
	MOVL	m_gsignal(BX), SI
	CMPL	0(CX)(TLS*1), SI
	JNE	3(PC)
	CALL	·badmorestackgsignal(SB)
	INT	$3

	// m.morebuf: f's caller (its PC and SP as they were before it called f).
	MOVL	4(SP), DI
	MOVL	DI, (m_morebuf+gobuf_pc)(BX)
	LEAL	8(SP), CX
	MOVL	CX, (m_morebuf+gobuf_sp)(BX)
	MOVL	TLS, CX
	MOVL	0(CX)(TLS*1), SI
	MOVL	SI, (m_morebuf+gobuf_g)(BX)

	// g.sched: where f stopped (the PC after its CALL and its SP without that
	// CALL's return address). 386 keeps no frame pointer.
	MOVL	0(SP), AX
	MOVL	AX, (g_sched+gobuf_pc)(SI)
	MOVL	SI, (g_sched+gobuf_g)(SI)
	LEAL	4(SP), AX
	MOVL	AX, (g_sched+gobuf_sp)(SI)
	// g.sched.ctxt is not written here: newstack stores it, with a write barrier.

	// Switch to g0 and its stack, and call newstack(ctxt) there.
	MOVL	m_g0(BX), DX	// clobbers the context register
	MOVL	DX, 0(CX)(TLS*1)
	MOVL	(g_sched+gobuf_sp)(DX), AX
	MOVL	-4(AX), BX
	MOVL	AX, SP
	PUSHL	DX	// the argument: the context register
	CALL	·newstack(SB)
	MOVL	$0, 0x1003	// newstack never returns: fault if it does
	POPL	DX	// balances the PUSHL for the assembler
	RET

// morestack_noctxt: for functions that are not closures; the context is nil.
TEXT ·morestack_noctxt(SB),NOSPLIT,$0-0
	MOVL	$0, DX
	JMP	·morestack(SB)
