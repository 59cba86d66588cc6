#include "local.h"

#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "log.h"
#include "recover.h"
#include "store.h"

/* The engines that know the container: with its snapshots in the store, or
 * with an operation on it cut short (its journal). */
static void
known_kinds (const char *store, const char *name, const char *kinds[DMIG_STORE_KINDS_MAX + 1])
{
	const char *const *all = dmig_engine_kinds ();
	size_t n = (size_t)dmig_store_kinds (store, name, all, kinds);

	for (size_t i = 0; all[i] && n < DMIG_STORE_KINDS_MAX; i++) {
		json_object *j = NULL;
		bool listed = false;

		for (size_t k = 0; k < n; k++)
			listed |= strcmp (kinds[k], all[i]) == 0;
		if (!listed && dmig_journal_read (all[i], name, &j, NULL) == 0 && j != NULL)
			kinds[n++] = all[i];
		json_object_put (j);
	}
	kinds[n] = NULL;
}

int
dmig_local_open (struct dmig_globals *g, const char *name, bool need_ctr, struct dmig_local *l, dmig_error_t *err)
{
	const char *kinds[DMIG_STORE_KINDS_MAX + 1];
	bool recovered = false;

	memset (l, 0, sizeof (*l));
	l->lock = -1;
	l->host.name_fd = l->host.id_fd = -1;
	if (dmig_ref_valid_container (name, err) < 0)
		return -1;
	known_kinds (g->store, name, kinds);
	if (dmig_engine_find (g->host, name, kinds, &l->e, &l->ctr, err) < 0)
		return -1;
	if (dmig_hostlock_take (l->e->ops->kind, name, l->ctr ? l->ctr->id : NULL, &l->host, err) < 0)
		goto fail;
	/* An operation on it that was cut short (its dmig killed) is finished
	 * or undone first; then the container is as it is now. */
	if (dmig_recover (l->e, name, &recovered, err) < 0) {
		dmig_error_wrap (err, "container '%s' is in the middle of an operation whose dmig was killed", name);
		goto fail;
	}
	if (recovered) {
		dmig_container_free (l->ctr);
		l->ctr = NULL;
		if (dmig_engine_inspect (l->e, name, &l->ctr, err) < 0)
			goto fail;
	}
	if (l->ctr == NULL && need_ctr) {
		dmig_error_set (err, DMIG_EFAIL, 0, "no container '%s' in %s at %s (see '%s ps -a')", name,
		                l->e->ops->kind, l->e->socket, l->e->ops->kind);
		goto fail;
	}
	if (dmig_store_dir (g->store, l->e->ops->kind, name, 1, &l->dir, err) < 0
	    || dmig_store_lock (l->dir, name, &l->lock, err) < 0)
		goto fail;
	/* holding both locks: a staging folder there is a killed dmig's */
	dmig_store_sweep (l->dir);
	l->recovered = recovered;
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
