/* dmig recover [<container>]: finish or undo what a killed dmig left. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmig.h"
#include "journal.h"
#include "local.h"
#include "log.h"

struct found {
	char kind[32], name[256];
};

struct list {
	struct found *v;
	size_t n;
};

static int
note (const char *kind, const char *name, void *arg)
{
	struct list *l = arg;
	struct found *v = realloc (l->v, (l->n + 1) * sizeof (*v));

	if (v == NULL)
		return -1;
	l->v = v;
	snprintf (v[l->n].kind, sizeof (v[l->n].kind), "%s", kind);
	snprintf (v[l->n].name, sizeof (v[l->n].name), "%s", name);
	l->n++;
	return 0;
}

/* One container: taking it as a command that changes it does recovers it. */
static int
recover_one (struct dmig_globals *g, const char *kind, const char *name, dmig_error_t *err)
{
	struct dmig_globals lg = *g;
	struct dmig_local l;
	char url[300] = "";

	/* the engine whose journal it is, unless -H says which */
	for (size_t i = 0; kind && !(g->host && *g->host) && dmig_engines[i]; i++)
		if (strcmp (dmig_engines[i]->kind, kind) == 0) {
			snprintf (url, sizeof (url), "unix://%s", dmig_engines[i]->socket);
			lg.host = url;
		}
	if (dmig_local_open (&lg, name, false, &l, err) < 0)
		return -1;
	if (l.recovered)
		printf ("%s: recovered\n", name);
	else
		dmig_log_info ("nothing of container '%s' to recover", name);
	dmig_local_close (&l);
	return 0;
}

int
cmd_recover (int argc, char **argv, struct dmig_globals *g, dmig_error_t *err)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	struct list all = {0};
	dmig_error_t first = NULL, e2 = NULL;
	int c;

	while ((c = getopt_long (argc, argv, ":", opts, NULL)) != -1)
		return dmig_usage_bad_option (c, argv, DMIG_SYNOPSIS_RECOVER, err);
	if (argc - optind > 1)
		return dmig_usage (err, DMIG_SYNOPSIS_RECOVER, "name at most one container");
	if (argc - optind == 1)
		return recover_one (g, NULL, argv[optind], err);
	/* every operation cut short on this host, each on its own */
	if (dmig_journal_each (NULL, note, &all) != 0) {
		free (all.v);
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	}
	for (size_t i = 0; i < all.n; i++)
		if (recover_one (g, all.v[i].kind, all.v[i].name, first ? &e2 : &first) < 0 && e2 != NULL) {
			dmig_log_warn ("%s", e2->msg);
			dmig_error_release (&e2);
		}
	if (all.n == 0)
		dmig_log_info ("no operation to recover on this host");
	free (all.v);
	if (first != NULL) {
		*err = first;
		return -1;
	}
	return 0;
}
