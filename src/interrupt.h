/* SIGINT and SIGTERM asking an operation to stop: noted by the signal
 * handler, seen by long waits, held off around what must not be cut short. */
#ifndef DMIG_INTERRUPT_H
#define DMIG_INTERRUPT_H

/* Set (to the signal) when SIGINT/SIGTERM asked an operation to stop; long
 * waits (HTTP transfers, SSH commands, streams) give up when they see it. */
extern volatile int dmig_interrupted;
/* The signal handler's part: set dmig_interrupted, or while interrupts are
 * held, keep the signal for the release (async-signal-safe). */
void dmig_interrupt_note (int sig);
/* Hold interrupts around an engine call that must not be cut short: one the
 * engine would finish anyway (a checkpoint), whose outcome dmig must know.
 * The release makes a signal that came meanwhile count. */
void dmig_interrupt_hold (void);
void dmig_interrupt_release (void);

#endif
