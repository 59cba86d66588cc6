/* What the snapshot commands share: the container's engine, its store
 * folder and its lock. */
#ifndef DMIG_LOCAL_H
#define DMIG_LOCAL_H

#include "dmig.h"
#include "engine.h"
#include "hostlock.h"

struct dmig_local {
	struct dmig_engine *e;
	struct dmig_container *ctr; /* NULL when the container does not exist */
	char *dir;                  /* the container's store folder */
	int lock;                   /* the store's lock of it */
	struct dmig_hostlock host;  /* the host's */
	bool recovered;             /* an operation cut short was recovered first */
};

/* Find the engine and container, take the host's lock of it (whatever the
 * store), make the store folder, take the store's lock.
 * need_ctr: fail (exit 1) when the container does not exist. */
int dmig_local_open (struct dmig_globals *g, const char *name, bool need_ctr, struct dmig_local *l, dmig_error_t *err);
void dmig_local_close (struct dmig_local *l);

#endif
