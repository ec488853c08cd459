// The parent contract for mips and mipsle. Go's mips/mipsle port landed after the
// seed's parent commit, so no historical parent exists for asm_mipsx.s: this is
// the shape the parent had on mips64 (../mips64x/morestack_parent.s) written at
// 4-byte words, so that --contract both and the seed-vs-parent differential cover
// mips too. morestack stores the context register REGCTXT (R22) into g.sched.ctxt
// itself -- a pointer store with no write barrier -- and calls newstack() with no
// argument and no frame on g0; newstack then repairs the missing barrier with
// writebarrierptr_nostore.
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
	MOVW	REGCTXT, (g_sched+gobuf_ctxt)(g)	// no write barrier: newstack repairs it
	MOVW	R29, (g_sched+gobuf_sp)(g)
	MOVW	R31, (g_sched+gobuf_pc)(g)
	MOVW	R3, (g_sched+gobuf_lr)(g)

	// m.morebuf: f's caller.
	MOVW	R3, (m_morebuf+gobuf_pc)(R7)
	MOVW	R29, (m_morebuf+gobuf_sp)(R7)
	MOVW	g, (m_morebuf+gobuf_g)(R7)

	// Switch to g0 and its stack, and call newstack() there.
	MOVW	m_g0(R7), g
	MOVW	(g_sched+gobuf_sp)(g), R29
	JAL	·newstack(SB)

	// newstack never returns; keep its return address inside this function.
	UNDEF

TEXT ·morestack_noctxt(SB),NOSPLIT|NOFRAME,$0-0
	MOVW	R0, REGCTXT
	JMP	·morestack(SB)
