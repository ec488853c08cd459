/* A tiny static program whose DWARF holds structs shaped like the runtime's,
 * under C names (a C struct cannot be named "runtime.g"): scripts/fuzz links it
 * for several targets as seeds for the ELF and DWARF fuzz targets. */
struct stack {
  unsigned long lo, hi;
};
struct gobuf {
  unsigned long sp, pc;
  struct g *g;
  void *ctxt;
  unsigned long lr, bp;
};
struct g {
  struct stack stack;
  unsigned long stackguard0, stackguard1;
  struct m *m;
  struct gobuf sched;
};
struct m {
  struct g *g0;
  struct gobuf morebuf;
  struct g *curg;
};
struct g the_g;
struct m the_m;
void morestack(void) { the_m.morebuf.pc = the_g.sched.pc; }
void _start(void) {
  for (;;) morestack();
}
