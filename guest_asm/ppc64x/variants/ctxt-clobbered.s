// BROKEN on purpose (ppc64, ppc64le): R11, the context register, is used as scratch before it is stored.
// gotramp-expect: ctxt-argument 32(R1) cause=wrong-store:40
#include "textflag.h"
#include "runtime_layout.h"

TEXT ·morestack(SB),NOSPLIT|NOFRAME,$0-0
	// The scheduler stack (m.g0) must never grow.
	MOVD	g_m(g), R7
	MOVD	m_g0(R7), R8
	CMP	g, R8
	BNE	3(PC)
	BL	·badmorestackg0(SB)
	BL	·abort(SB)

	// Nor may the signal stack (m.gsignal).
	MOVD	m_gsignal(R7), R8
	CMP	g, R8
	BNE	3(PC)
	BL	·badmorestackgsignal(SB)
	BL	·abort(SB)

	// g.sched: where f stopped. R1 is still f's SP, LR points into f, and R5
	// holds f's return address.
	MOVD	R1, (g_sched+gobuf_sp)(g)
	MOVD	LR, R8
	MOVD	R8, (g_sched+gobuf_pc)(g)
	MOVD	R5, (g_sched+gobuf_lr)(g)
	// g.sched.ctxt is not written here: newstack stores it, with a write barrier.

	// m.morebuf: f's caller.
	MOVD	R5, (m_morebuf+gobuf_pc)(R7)
	MOVD	R1, (m_morebuf+gobuf_sp)(R7)
	MOVD	g, (m_morebuf+gobuf_g)(R7)

	// Switch to g0 and its stack, and call newstack(ctxt) there.
	MOVD	m_g0(R7), g
	MOVD	(g_sched+gobuf_sp)(g), R11	// clobbers the context register
	MOVD	R11, R1
	MOVDU	R0, -(FIXED_FRAME+8)(R1)	// new frame on g0: zero saved LR, fixed area, one argument word
	MOVD	R11, FIXED_FRAME+0(R1)	// the argument: the context register
	BL	·newstack(SB)

	// newstack never returns; keep its return address inside this function.
	UNDEF

TEXT ·morestack_noctxt(SB),NOSPLIT|NOFRAME,$0-0
	MOVD	R0, R11
	BR	·morestack(SB)
