// BROKEN on purpose (amd64p32): DX, the context register, is used as scratch before it is pushed.
// gotramp-expect: ctxt-argument 8(SP) cause=wrong-store:47
#include "textflag.h"
#include "runtime_layout.h"

TEXT ·morestack(SB),NOSPLIT,$0-0
	MOVL	TLS, CX
	MOVL	0(CX)(TLS*1), BX
	MOVL	g_m(BX), BX

	// The scheduler stack (m.g0) must never grow.
	MOVL	m_g0(BX), SI
	CMPL	0(CX)(TLS*1), SI
	JNE	3(PC)
	CALL	·badmorestackg0(SB)
	MOVL	0, AX	// crash: a load from address 0

	// Nor may the signal stack (m.gsignal).
	MOVL	m_gsignal(BX), SI
	CMPL	0(CX)(TLS*1), SI
	JNE	3(PC)
	CALL	·badmorestackgsignal(SB)
	MOVL	0, AX	// crash: a load from address 0

	// m.morebuf: f's caller (its PC and SP as they were before it called f).
	MOVL	8(SP), AX
	MOVL	AX, (m_morebuf+gobuf_pc)(BX)
	LEAL	16(SP), AX
	MOVL	AX, (m_morebuf+gobuf_sp)(BX)
	MOVL	TLS, CX
	MOVL	0(CX)(TLS*1), SI
	MOVL	SI, (m_morebuf+gobuf_g)(BX)

	// g.sched: where f stopped (the PC after its CALL and its SP without that
	// CALL's return address). No frame pointer on amd64p32.
	MOVL	0(SP), AX
	MOVL	AX, (g_sched+gobuf_pc)(SI)
	MOVL	SI, (g_sched+gobuf_g)(SI)
	LEAL	8(SP), AX
	MOVL	AX, (g_sched+gobuf_sp)(SI)
	// g.sched.ctxt is not written here: newstack stores it, with a write barrier.

	// Switch to g0 and its stack, and call newstack(ctxt) there.
	MOVL	m_g0(BX), DX	// clobbers the context register
	MOVL	DX, 0(CX)(TLS*1)
	MOVL	(g_sched+gobuf_sp)(DX), SP
	PUSHQ	DX	// the argument: the context register, in an 8-byte slot
	CALL	·newstack(SB)
	MOVL	$0, 0x1003	// newstack never returns: fault if it does
	POPQ	DX	// balances the PUSHQ for the assembler
	RET

// morestack_noctxt: for functions that are not closures; the context is nil.
TEXT ·morestack_noctxt(SB),NOSPLIT,$0
	MOVL	$0, DX
	JMP	·morestack(SB)
