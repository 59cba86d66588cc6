/* dmig recover: an operation whose dmig was killed, finished or undone from
 * its journal (src/journal.h). Every command that changes a container runs
 * this first (src/local.c). */
#ifndef DMIG_RECOVER_H
#define DMIG_RECOVER_H

#include <stdbool.h>

#include "engine.h"

/* The journal of container name on engine e, if it has one: finish or undo
 * its operation (*did tells whether there was one). Called with the host's
 * lock of the container held (so its writer is gone). */
int dmig_recover (struct dmig_engine *e, const char *name, bool *did, dmig_error_t *err);

/* What a journal says, for list: "a move to hostB (cut short at restore)". */
void dmig_recover_describe (json_object *journal, char *out, size_t cap);

#endif
