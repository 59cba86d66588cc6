#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmig.h"
#include "engine.h"
#include "log.h"
#include "store.h"

/* Prune needs no engine: it works on the store alone, in every engine's
 * folder of that container (each keeps its newest n). */
int
cmd_prune (int argc, char **argv, struct dmig_globals *g, dmig_error_t *err)
{
	static const struct option opts[] = {{"keep", required_argument, NULL, 'k'}, {NULL, 0, NULL, 0}};
	const char *kinds[DMIG_STORE_KINDS_MAX + 1];
	long keep = -1;
	size_t total = 0;
	int c;

	while ((c = getopt_long (argc, argv, ":", opts, NULL)) != -1) {
		if (c == 'k') {
			if (dmig_ref_parse_count ("--keep", optarg, &keep, err) < 0)
				return -1;
		} else
			return dmig_usage_bad_option (c, argv, DMIG_SYNOPSIS_PRUNE, err);
	}
	if (keep < 0)
		return dmig_usage (err, DMIG_SYNOPSIS_PRUNE, "say how many snapshots to keep with --keep");
	if (argc - optind != 1)
		return dmig_usage (err, DMIG_SYNOPSIS_PRUNE, "name one container");
	if (dmig_ref_valid_container (argv[optind], err) < 0)
		return -1;
	dmig_store_kinds (g->store, argv[optind], dmig_engine_kinds (), kinds);
	for (size_t k = 0; kinds[k]; k++) {
		struct dmig_snaplist l;
		size_t removed = 0;
		char *dir = NULL;
		int lock = -1, r;

		if (dmig_store_dir (g->store, kinds[k], argv[optind], 0, &dir, err) < 0)
			return -1;
		r = dmig_store_lock (dir, argv[optind], &lock, err);
		if (r == 0 && (r = dmig_store_list (dir, &l, err)) == 0) {
			r = dmig_store_prune (&l, (size_t)keep, &removed, err);
			for (size_t i = 0; i < removed; i++)
				printf ("%s@%s\n", argv[optind], l.s[i].name);
			dmig_store_list_free (&l);
		}
		dmig_store_unlock (dir, lock);
		free (dir);
		if (r < 0)
			return -1;
		total += removed;
	}
	dmig_log_info ("pruned %zu snapshot%s of %s, kept the newest %ld", total, total == 1 ? "" : "s", argv[optind],
	               keep);
	return 0;
}
