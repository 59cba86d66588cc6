/* Fault points for the tests of what a killed dmig leaves: with
 * DMIG_TEST_KILL_AT=<point> in its environment, dmig kills itself with
 * SIGKILL when it reaches that point (e.g. "move:freeze"), as the OOM
 * killer or a power cut would. Without it, nothing happens. */
#ifndef DMIG_FAULT_H
#define DMIG_FAULT_H

void dmig_fault (const char *point);

#endif
