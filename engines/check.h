/* What dmig refuses to carry, before anything changes (engines/check.c). */
#ifndef DMIG_CHECK_H
#define DMIG_CHECK_H

#include "engine.h"

/* Each of these looks at one thing CRIU or dmig cannot carry: 0 when the
 * container has none of it (detail, cap bytes, may be NULL, says what was
 * seen), 1 when it could not be told (a warning in detail), or -1 with
 * DMIG_EPREFLIGHT and why. The live ones (tcp, unix, fds) read the
 * container's processes here; of a container elsewhere they say so, 0. */
typedef int dmig_check_fn (struct dmig_engine *e, const struct dmig_container *ctr, char *detail, size_t cap,
                           dmig_error_t *err);
/* running, not paused, not --rm */
dmig_check_fn dmig_check_state;
/* no terminal (-t) */
dmig_check_fn dmig_check_tty;
/* the engine's overlay driver, its writable layer found */
dmig_check_fn dmig_check_storage;
/* no user namespace of its own, no bind from a symlink CRIU cannot restore */
dmig_check_fn dmig_check_restores;
/* no TCP connection the engine cannot checkpoint and restore */
dmig_check_fn dmig_check_tcp;
/* no unix socket connected to a process outside it */
dmig_check_fn dmig_check_unix;
/* no device, io_uring, perf event or BPF program open */
dmig_check_fn dmig_check_fds;

/* Can dmig carry this container: state, tty, storage, restores and tcp
 * above, the first refusal? Move, snapshot and rollback (of a container
 * that runs) all ask it first. */
int dmig_check_container (struct dmig_engine *e, const struct dmig_container *ctr, dmig_error_t *err);

#endif
