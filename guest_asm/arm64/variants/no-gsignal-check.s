// BROKEN on purpose (arm64): the m.gsignal check is missing, so morestack on the signal stack is not refused.
// gotramp-scenario: gsignal
// gotramp-expect: diagnosis
#include "textflag.h"
#include "runtime_layout.h"

TEXT ·morestack(SB),NOSPLIT|NOFRAME,$0-0
	// The scheduler stack (m.g0) must never grow.
	MOVD	g_m(g), R8
	MOVD	m_g0(R8), R4
	CMP	g, R4
	BNE	3(PC)
	BL	·badmorestackg0(SB)
	B	·abort(SB)

	// The signal stack (m.gsignal) is not checked: a signal handler's morestack
	// goes on to newstack.

	// g.sched: where f stopped. RSP is still f's, LR points into f, and R3
	// holds f's return address.
	MOVD	RSP, R0
	MOVD	R0, (g_sched+gobuf_sp)(g)
	MOVD	LR, (g_sched+gobuf_pc)(g)
	MOVD	R3, (g_sched+gobuf_lr)(g)
	// g.sched.ctxt is not written here: newstack stores it, with a write barrier.

	// m.morebuf: f's caller.
	MOVD	R3, (m_morebuf+gobuf_pc)(R8)
	MOVD	RSP, R0
	MOVD	R0, (m_morebuf+gobuf_sp)(R8)
	MOVD	g, (m_morebuf+gobuf_g)(R8)

	// Switch to g0 and its stack, and call newstack(ctxt) there.
	MOVD	m_g0(R8), g
	MOVD	(g_sched+gobuf_sp)(g), R0
	MOVD	R0, RSP
	MOVD.W	$0, -16(RSP)	// new frame on g0: zero saved LR, RSP stays 16-aligned
	MOVD	R26, 8(RSP)	// the argument: the context register
	BL	·newstack(SB)

	// newstack never returns; keep its return address inside this function.
	UNDEF

TEXT ·morestack_noctxt(SB),NOSPLIT|NOFRAME,$0-0
	MOVW	$0, R26
	B	·morestack(SB)
