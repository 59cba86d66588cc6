#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "dmig.h"
#include "json.h"
#include "local.h"
#include "log.h"
#include "snapshot.h"
#include "store.h"

int
cmd_snapshot (int argc, char **argv, struct dmig_globals *g, dmig_error_t *err)
{
	static const struct option opts[] = {
	    {"name", required_argument, NULL, 'n'},
	    {"keep", required_argument, NULL, 'k'},
	    {"ignore-volumes", no_argument, NULL, 'I'},
	    {"json", no_argument, NULL, 'j'},
	    {NULL, 0, NULL, 0},
	};
	struct dmig_snapshot_opts so = {.leave_running = true, .journal = true};
	struct dmig_snapshot_result res;
	struct dmig_snaplist list = {0};
	struct dmig_local l;
	long keep = -1;
	size_t pruned = 0;
	const char *name;
	int c, ret = -1;

	while ((c = getopt_long (argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (dmig_ref_valid_snapshot (optarg, err) < 0)
				return -1;
			so.name = optarg;
			break;
		case 'k':
			if (dmig_ref_parse_count ("--keep", optarg, &keep, err) < 0)
				return -1;
			if (keep < 1)
				return dmig_usage (err, DMIG_SYNOPSIS_SNAPSHOT,
				                   "--keep must keep at least the new snapshot (1 or more)");
			break;
		case 'I':
			so.ignore_volumes = true;
			break;
		case 'j':
			g->json = true;
			break;
		default:
			return dmig_usage_bad_option (c, argv, DMIG_SYNOPSIS_SNAPSHOT, err);
		}
	}
	if (argc - optind != 1)
		return dmig_usage (err, DMIG_SYNOPSIS_SNAPSHOT, "name one container");
	name = argv[optind];
	if (dmig_local_open (g, name, true, &l, err) < 0)
		return -1;
	if (dmig_snapshot_take (l.e, l.ctr, l.dir, &so, &res, err) < 0) {
		dmig_error_wrap (err, "snapshot of '%s' failed", name);
		goto out;
	}
	if (keep > 0) {
		if (dmig_store_list (l.dir, &list, err) < 0
		    || dmig_store_prune (&list, (size_t)keep, &pruned, err) < 0) {
			dmig_error_wrap (err, "snapshot %s@%s was taken, but pruning failed", name, res.name);
			goto out;
		}
	}
	if (g->json) {
		json_object *o = json_object_new_object ();
		char ref[2 * DMIG_NAME_MAX + 2];
		snprintf (ref, sizeof (ref), "%s@%s", name, res.name);
		json_object_object_add (o, "ref", json_object_new_string (ref));
		json_object_object_add (o, "container", json_object_new_string (name));
		json_object_object_add (o, "name", json_object_new_string (res.name));
		json_object_object_add (o, "engine", json_object_new_string (l.e->ops->kind));
		json_object_object_add (o, "bytes", json_object_new_int64 ((int64_t)res.bytes));
		json_object_object_add (o, "frozen_ms", json_object_new_int64 (res.frozen_ms));
		json_object_object_add (o, "total_ms", json_object_new_int64 (res.total_ms));
		json_object_object_add (o, "pruned", json_object_new_int64 ((int64_t)pruned));
		dmig_json_print (o);
		json_object_put (o);
	} else
		printf ("%s@%s\n", name, res.name);
	fflush (stdout);
	dmig_log_info ("snapshot %s@%s: %.1f MiB, container held %lld ms, %.1f s in all%s", name, res.name,
	               (double)res.bytes / (1 << 20), res.frozen_ms, (double)res.total_ms / 1000,
	               pruned ? (pruned == 1 ? ", 1 old snapshot pruned" : ", old snapshots pruned") : "");
	ret = 0;
out:
	dmig_store_list_free (&list);
	dmig_local_close (&l);
	return ret;
}
