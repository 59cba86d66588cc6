/* The clock deadlines are measured on. */
#ifndef DMIG_CLOCK_H
#define DMIG_CLOCK_H

/* Milliseconds on a monotonic clock. */
long long dmig_clock_now_ms (void);

#endif
