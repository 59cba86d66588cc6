/* A progress line on a terminal: the phase, bytes and a bar. Shown only when
 * stderr is a TTY, without -q, and without DMIG_NO_PROGRESS=1. */
#ifndef DMIG_PROGRESS_H
#define DMIG_PROGRESS_H

#include <stdint.h>

void dmig_progress_begin (const char *what, uint64_t total);
void dmig_progress_phase (const char *phase);
/* Bytes moved (thread-safe enough: one writer at a time). */
void dmig_progress_add (uint64_t bytes);
/* Clear the line, before the summary. */
void dmig_progress_end (void);

#endif
