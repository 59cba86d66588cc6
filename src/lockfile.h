/* A lock that is a file its holder removes when done, so nothing is left
 * once nobody holds it: the store's per-container lock and the host's
 * (hostlock.h). Whoever opened the file before it was removed may still get
 * the flock of the removed file, so the path must still name the file
 * locked, else the lock is taken anew. */
#ifndef DMIG_LOCKFILE_H
#define DMIG_LOCKFILE_H

#include "error.h"

/* Take the lock at path for container ctr (named in the messages), at once
 * or not at all: held by another dmig is a failure that says so. When the
 * path's folder is gone (its last holder removed it), remake (may be NULL)
 * makes it again. */
int dmig_lockfile_take (const char *path, const char *ctr, int (*remake) (const char *path, dmig_error_t *err), int *fd,
                        dmig_error_t *err);
/* Release it: the file goes while still locked (when path still names it),
 * then the flock. 0 when the file was removed. */
int dmig_lockfile_release (const char *path, int fd);

#endif
