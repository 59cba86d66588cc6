/* Diagnostics on stderr: errors always, summaries unless -q, details with -v. */
#ifndef DMIG_LOG_H
#define DMIG_LOG_H

#include <stdbool.h>

enum dmig_verbosity { DMIG_QUIET = 0, DMIG_NORMAL = 1, DMIG_VERBOSE = 2 };

void dmig_log_set (int verbosity);
int dmig_log_level (void);
/* The one summary line of an operation (suppressed by -q). */
void dmig_info (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* A warning that does not fail the operation (suppressed by -q). */
void dmig_warn (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* Detail for -v. */
void dmig_debug (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* Set (to the signal) when SIGINT/SIGTERM asked an operation to stop; long
 * waits (HTTP transfers, SSH commands, streams) give up when they see it. */
extern volatile int dmig_interrupted;
/* The signal handler's part: set dmig_interrupted, or while interrupts are
 * held, keep the signal for the release (async-signal-safe). */
void dmig_interrupt_note (int sig);
/* Hold interrupts around an engine call that must not be cut short: one the
 * engine would finish anyway (a checkpoint), whose outcome dmig must know.
 * The release makes a signal that came meanwhile count. */
void dmig_interrupts_hold (void);
void dmig_interrupts_release (void);

/* Milliseconds on a monotonic clock. */
long long dmig_now_ms (void);

#endif
