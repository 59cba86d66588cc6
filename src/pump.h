/* A stream from one producer to one consumer with nothing on disk between:
 * the producer runs in a thread of its own and writes into a pipe whose
 * other end the consumer reads (e.g. one engine's image save into another's
 * image load). */
#ifndef DMIG_PUMP_H
#define DMIG_PUMP_H

#include <stdint.h>

#include "sink.h"
#include "error.h"

/* Write everything into sink (with dmig_sink_put); 0 or -1 and *err. */
typedef int (*dmig_produce_fn) (void *arg, struct dmig_sink *sink, dmig_error_t *err);
/* Read everything from fd (to its end); 0 or -1 and *err. */
typedef int (*dmig_consume_fn) (void *arg, int fd, dmig_error_t *err);

/* Run both. When both fail, the error told is the one that came first: a
 * producer that failed because the consumer stopped reading (EPIPE) yields
 * to the consumer's error. progress: the bytes also go to the progress
 * line. *bytes (may be NULL) gets what the producer wrote. */
int dmig_pump (dmig_produce_fn produce, void *parg, dmig_consume_fn consume, void *carg, int progress, uint64_t *bytes,
               dmig_error_t *err);

#endif
