/* What an operation has changed so far, on persistent storage: a JSON file
 * per container under /var/lib/dmig/journal/<engine>/ (DMIG_JOURNAL_DIR
 * overrides /var/lib/dmig/journal), written anew (atomically) at each step
 * and removed when the operation ends, whichever way. One left behind is an
 * operation that was killed (SIGKILL, OOM, a power cut): src/recover.c
 * finishes or undoes it. Written under the host's lock of the container. */
#ifndef DMIG_JOURNAL_H
#define DMIG_JOURNAL_H

#include <stdbool.h>

#include "error.h"
#include "json.h"

#define DMIG_JOURNAL_DIR "/var/lib/dmig/journal"

/* Write j as the journal of container name of engine kind (0600, fsync'ed,
 * renamed into place): the step it records has not begun until this
 * returns. */
int dmig_journal_write (const char *kind, const char *name, json_object *j, dmig_error_t *err);
/* The journal of that container: 0 and *out (NULL: none). A journal that
 * cannot be read is an error (it is never taken as none). */
int dmig_journal_read (const char *kind, const char *name, json_object **out, dmig_error_t *err);
/* The operation ended: its journal goes. */
void dmig_journal_remove (const char *kind, const char *name);
/* Each container of engine kind (NULL: of every engine) with a journal:
 * fn (kind, name, arg); a non-zero return stops. Returns that, or 0. */
int dmig_journal_each (const char *kind, int (*fn) (const char *kind, const char *name, void *arg), void *arg);

#endif
