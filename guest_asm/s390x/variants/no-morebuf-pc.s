// BROKEN on purpose (s390x): m.morebuf.pc, f's caller's PC, is never stored.
// gotramp-expect: morebuf.pc m.morebuf.pc cause=never-stored
#include "textflag.h"
#include "runtime_layout.h"

TEXT ·morestack(SB),NOSPLIT|NOFRAME,$0-0
	// The scheduler stack (m.g0) must never grow.
	MOVD	g_m(g), R7
	MOVD	m_g0(R7), R8
	CMPBNE	g, R8, 3(PC)
	BL	·badmorestackg0(SB)
	BL	·abort(SB)

	// Nor may the signal stack (m.gsignal).
	MOVD	m_gsignal(R7), R8
	CMP	g, R8
	BNE	3(PC)
	BL	·badmorestackgsignal(SB)
	BL	·abort(SB)

	// g.sched: where f stopped. R15 is still f's SP, LR points into f, and R5
	// holds f's return address.
	MOVD	R15, (g_sched+gobuf_sp)(g)
	MOVD	LR, R8
	MOVD	R8, (g_sched+gobuf_pc)(g)
	MOVD	R5, (g_sched+gobuf_lr)(g)
	// g.sched.ctxt is not written here: newstack stores it, with a write barrier.

	// m.morebuf: f's caller.
	// m.morebuf.pc is not stored: the line that stored it is missing.
	MOVD	R15, (m_morebuf+gobuf_sp)(R7)
	MOVD	g, (m_morebuf+gobuf_g)(R7)

	// Switch to g0 and its stack, and call newstack(ctxt) there.
	MOVD	m_g0(R7), g
	MOVD	(g_sched+gobuf_sp)(g), R15
	MOVD	$0, -16(R15)	// new frame on g0: zero saved LR ...
	SUB	$16, R15
	MOVD	R12, 8(R15)	// ... and the argument, the context register
	BL	·newstack(SB)

	// newstack never returns; keep its return address inside this function.
	UNDEF

TEXT ·morestack_noctxt(SB),NOSPLIT|NOFRAME,$0-0
	MOVD	$0, R12
	BR	·morestack(SB)
