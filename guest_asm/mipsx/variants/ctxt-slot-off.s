// BROKEN on purpose (mips, mipsle): the ctxt argument is stored one word too high, over the scheduler's frame.
// gotramp-expect: ctxt-argument 4(R29) cause=never-stored
// gotramp-expect: g0-frame-intact cause=wrong-store:40
#include "textflag.h"
#include "runtime_layout.h"

#define	REGCTXT	R22

TEXT ·morestack(SB),NOSPLIT|NOFRAME,$0-0
	// The scheduler stack (m.g0) must never grow.
	MOVW	g_m(g), R7
	MOVW	m_g0(R7), R8
	BNE	g, R8, 3(PC)
	JAL	·badmorestackg0(SB)
	JAL	·abort(SB)

	// Nor may the signal stack (m.gsignal).
	MOVW	m_gsignal(R7), R8
	BNE	g, R8, 3(PC)
	JAL	·badmorestackgsignal(SB)
	JAL	·abort(SB)

	// g.sched: where f stopped. R29 is still f's, R31 points into f, and R3
	// holds f's return address.
	MOVW	R29, (g_sched+gobuf_sp)(g)
	MOVW	R31, (g_sched+gobuf_pc)(g)
	MOVW	R3, (g_sched+gobuf_lr)(g)
	// g.sched.ctxt is not written here: newstack stores it, with a write barrier.

	// m.morebuf: f's caller.
	MOVW	R3, (m_morebuf+gobuf_pc)(R7)
	MOVW	R29, (m_morebuf+gobuf_sp)(R7)
	MOVW	g, (m_morebuf+gobuf_g)(R7)

	// Switch to g0 and its stack, and call newstack(ctxt) there.
	MOVW	m_g0(R7), g
	MOVW	(g_sched+gobuf_sp)(g), R29
	MOVW	R0, -8(R29)	// new frame on g0: its saved-LR word is zero
	ADDU	$-8, R29
	MOVW	REGCTXT, 8(R29)	// one word off: should be 4(R29)
	JAL	·newstack(SB)

	// newstack never returns; keep its return address inside this function.
	UNDEF

TEXT ·morestack_noctxt(SB),NOSPLIT|NOFRAME,$0-0
	MOVW	R0, REGCTXT
	JMP	·morestack(SB)
