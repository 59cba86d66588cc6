/* What dmig refuses to carry, before anything changes (engines/check.c). */
#ifndef DMIG_CHECK_H
#define DMIG_CHECK_H

#include "engine.h"

/* Can dmig carry this container (running, not paused, not --rm, no
 * terminal, the engine's overlay driver, no TCP connection the engine cannot
 * checkpoint and restore)? Fails with DMIG_EPREFLIGHT and why. Move,
 * snapshot and rollback (of a container that runs) all ask it first. */
int dmig_check_container (struct dmig_engine *e, const struct dmig_container *ctr, dmig_error_t *err);

#endif
