/* Diagnostics on stderr: errors always, summaries unless -q, details with -v. */
#ifndef DMIG_LOG_H
#define DMIG_LOG_H

#include <stddef.h>
#include <stdio.h>

enum dmig_verbosity { DMIG_QUIET = 0, DMIG_NORMAL = 1, DMIG_VERBOSE = 2 };

void dmig_log_set (int verbosity);
int dmig_log_level (void);
/* The one summary line of an operation (suppressed by -q). */
void dmig_log_info (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* A warning that does not fail the operation (suppressed by -q). */
void dmig_log_warn (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* Detail for -v. */
void dmig_log_debug (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* s for a terminal, in at most cap bytes (NUL included): control
 * characters and bytes that are not UTF-8 written as \n, \r, \t or \xNN,
 * cut short with "..." when it does not fit. Returns out. */
char *dmig_log_quote (const char *s, char *out, size_t cap);
/* s on f, quoted as dmig_log_quote does, whole. */
void dmig_log_puts (FILE *f, const char *s);

#endif
