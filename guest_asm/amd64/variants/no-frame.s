// BROKEN on purpose (amd64): nothing is pushed: newstack takes its ctxt from the scheduler's frame.
// gotramp-expect: ctxt-argument 8(SP) cause=never-stored
#include "textflag.h"
#include "runtime_layout.h"

TEXT ·morestack(SB),NOSPLIT,$0-0
	// The scheduler stack (m.g0) must never grow.
	MOVQ	TLS, CX
	MOVQ	0(CX)(TLS*1), BX
	MOVQ	g_m(BX), BX
	MOVQ	m_g0(BX), SI
	CMPQ	0(CX)(TLS*1), SI
	JNE	3(PC)
	CALL	·badmorestackg0(SB)
	INT	$3

	// Nor may the signal stack (m.gsignal).
	MOVQ	m_gsignal(BX), SI
	CMPQ	0(CX)(TLS*1), SI
	JNE	3(PC)
	CALL	·badmorestackgsignal(SB)
	INT	$3

	// m.morebuf: f's caller (its PC and SP as they were before it called f).
	MOVQ	8(SP), AX
	MOVQ	AX, (m_morebuf+gobuf_pc)(BX)
	LEAQ	16(SP), AX
	MOVQ	AX, (m_morebuf+gobuf_sp)(BX)
	MOVQ	TLS, CX
	MOVQ	0(CX)(TLS*1), SI
	MOVQ	SI, (m_morebuf+gobuf_g)(BX)

	// g.sched: where f stopped (the PC after its CALL, its SP without that CALL's
	// return address, and its frame pointer).
	MOVQ	0(SP), AX
	MOVQ	AX, (g_sched+gobuf_pc)(SI)
	MOVQ	SI, (g_sched+gobuf_g)(SI)
	LEAQ	8(SP), AX
	MOVQ	AX, (g_sched+gobuf_sp)(SI)
	MOVQ	BP, (g_sched+gobuf_bp)(SI)
	// g.sched.ctxt is not written here: newstack stores it, with a write barrier.

	// Switch to g0 and its stack, and call newstack(ctxt) there.
	MOVQ	m_g0(BX), BX
	MOVQ	BX, 0(CX)(TLS*1)
	MOVQ	(g_sched+gobuf_sp)(BX), SP
	CALL	·newstack(SB)
	MOVQ	$0, 0x1003	// newstack never returns: fault if it does
	RET

// morestack_noctxt: for functions that are not closures; the context is nil.
TEXT ·morestack_noctxt(SB),NOSPLIT,$0
	MOVL	$0, DX
	JMP	·morestack(SB)
