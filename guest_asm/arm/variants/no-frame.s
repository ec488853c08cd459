// BROKEN on purpose (arm): no frame is created on g0: the saved-LR slot under the argument is the scheduler's.
// gotramp-expect: slot-below-arg0 0(R13) cause=never-stored
// gotramp-expect: g0-frame-intact cause=wrong-store:40
#include "textflag.h"
#include "runtime_layout.h"

TEXT ·morestack(SB),NOSPLIT|NOFRAME,$0-0
	// The scheduler stack (m.g0) must never grow.
	MOVW	g_m(g), R8
	MOVW	m_g0(R8), R4
	CMP	g, R4
	BNE	3(PC)
	BL	·badmorestackg0(SB)
	B	·abort(SB)

	// Nor may the signal stack (m.gsignal).
	MOVW	m_gsignal(R8), R4
	CMP	g, R4
	BNE	3(PC)
	BL	·badmorestackgsignal(SB)
	B	·abort(SB)

	// g.sched: where f stopped. R13 is still f's, R14 (LR) points into f, and R3
	// holds f's return address.
	MOVW	R13, (g_sched+gobuf_sp)(g)
	MOVW	R14, (g_sched+gobuf_pc)(g)
	MOVW	R3, (g_sched+gobuf_lr)(g)
	// g.sched.ctxt is not written here: newstack stores it, with a write barrier.

	// m.morebuf: f's caller.
	MOVW	R3, (m_morebuf+gobuf_pc)(R8)
	MOVW	R13, (m_morebuf+gobuf_sp)(R8)
	MOVW	$4(R13), R3		// f's arguments (kept from the seed; nothing reads it)
	MOVW	g, (m_morebuf+gobuf_g)(R8)

	// Switch to g0 and its stack, and call newstack(ctxt) there.
	MOVW	m_g0(R8), R0
	BL	setg<>(SB)
	MOVW	(g_sched+gobuf_sp)(g), R13
	MOVW	R7, 4(R13)	// the argument: the context register
	BL	·newstack(SB)

	// newstack never returns. This keeps its return address inside morestack;
	// were it reached, it would branch to itself through LR.
	RET

TEXT ·morestack_noctxt(SB),NOSPLIT|NOFRAME,$0-0
	MOVW	$0, R7
	B	·morestack(SB)

// setg<> makes R0 the current g. Without cgo there is no TLS copy to update.
TEXT setg<>(SB),NOSPLIT|NOFRAME,$0-0
	MOVW	R0, g
	MOVW	g, R0
	RET
