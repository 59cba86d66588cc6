#include "local.h"

#include <stdlib.h>
#include <string.h>

#include "store.h"

int
dmig_local_open (struct dmig_globals *g, const char *name, bool need_ctr, struct dmig_local *l, dmig_error_t *err)
{
	const char *kinds[DMIG_STORE_KINDS_MAX + 1];

	memset (l, 0, sizeof (*l));
	l->lock = -1;
	l->host.name_fd = l->host.id_fd = -1;
	if (dmig_ref_valid_container (name, err) < 0)
		return -1;
	dmig_store_kinds (g->store, name, dmig_engine_kinds (), kinds);
	if (dmig_engine_find (g->host, name, kinds, &l->e, &l->ctr, err) < 0)
		return -1;
	if (l->ctr == NULL && need_ctr) {
		dmig_error_set (err, DMIG_EFAIL, 0, "no container '%s' in %s at %s (see '%s ps -a')", name,
		                l->e->ops->kind, l->e->socket, l->e->ops->kind);
		goto fail;
	}
	if (dmig_hostlock_take (l->e->ops->kind, name, l->ctr ? l->ctr->id : NULL, &l->host, err) < 0
	    || dmig_store_dir (g->store, l->e->ops->kind, name, 1, &l->dir, err) < 0
	    || dmig_store_lock (l->dir, name, &l->lock, err) < 0)
		goto fail;
	return 0;
fail:
	dmig_local_close (l);
	return -1;
}

void
dmig_local_close (struct dmig_local *l)
{
	dmig_store_unlock (l->dir, l->lock);
	dmig_hostlock_release (&l->host);
	dmig_container_free (l->ctr);
	dmig_engine_close (l->e);
	free (l->dir);
	memset (l, 0, sizeof (*l));
	l->lock = -1;
	l->host.name_fd = l->host.id_fd = -1;
}
