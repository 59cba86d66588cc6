/* One lock per container per host, whatever store a dmig uses: a file per
 * engine and key (the container's name, its ID) under /run/dmig/locks
 * (DMIG_RUN_DIR overrides /run/dmig), flock'ed by every command that
 * changes the container while it runs. Locks live in /run: a reboot
 * releases them with the processes that held them. */
#ifndef DMIG_HOSTLOCK_H
#define DMIG_HOSTLOCK_H

#include "error.h"

#define DMIG_RUN_DIR "/run/dmig"

/* The container's locks held (both, or neither). */
struct dmig_hostlock {
	int name_fd, id_fd;
	char name_path[512], id_path[512];
};

/* Take the locks of container name (and, when id is not NULL, of its ID)
 * of engine kind, at once or not at all: held by another dmig is a failure
 * that says so. */
int dmig_hostlock_take (const char *kind, const char *name, const char *id, struct dmig_hostlock *l, dmig_error_t *err);
void dmig_hostlock_release (struct dmig_hostlock *l);

#endif
