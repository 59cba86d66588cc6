#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "bundle.h"
#include "dmig.h"
#include "clock.h"
#include "json.h"
#include "local.h"
#include "log.h"
#include "snapshot.h"
#include "store.h"

int
cmd_rollback (int argc, char **argv, struct dmig_globals *g, dmig_error_t *err)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'}, {"trust-config", no_argument, NULL, 't'}, {NULL, 0, NULL, 0}};
	struct dmig_rollback_opts ro = {.trust_config = false};
	struct dmig_snaplist list = {0};
	const struct dmig_snapinfo *s;
	struct dmig_ref ref;
	struct dmig_local l;
	long long t0 = dmig_clock_now_ms ();
	int c, ret = -1;

	while ((c = getopt_long (argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j')
			g->json = true;
		else if (c == 't')
			ro.trust_config = true;
		else
			return dmig_usage_bad_option (c, argv, DMIG_SYNOPSIS_ROLLBACK, err);
	}
	if (argc - optind != 1)
		return dmig_usage (err, DMIG_SYNOPSIS_ROLLBACK, "name one snapshot");
	if (dmig_ref_parse (argv[optind], &ref, err) < 0)
		return -1;
	if (dmig_local_open (g, ref.container, false, &l, err) < 0)
		return -1;
	if (*ref.name) {
		char path[PATH_MAX];
		json_object *m = NULL;
		/* the named one first: why it cannot be used (damaged, changed
		 * after it was signed) is the error, on its own line */
		if ((size_t)snprintf (path, sizeof (path), "%s/%s" DMIG_BUNDLE_EXT, l.dir, ref.name) < sizeof (path)
		    && dmig_bundle_read_manifest (path, &m, NULL, err) < 0 && (*err)->errnum != ENOENT)
			goto out;
		json_object_put (m);
		dmig_error_release (err);
	}
	if (dmig_store_list (l.dir, &list, err) < 0)
		goto out;
	s = dmig_store_list_find (&list, ref.name);
	if (s == NULL) {
		if (*ref.name)
			dmig_error_set (err, DMIG_EFAIL, 0, "no snapshot '%s@%s' in %s (see 'dmig list %s')",
			                ref.container, ref.name, l.dir, ref.container);
		else
			dmig_error_set (err, DMIG_EFAIL, 0, "container '%s' has no snapshots in %s (see 'dmig list')",
			                ref.container, l.dir);
		goto out;
	}
	if (dmig_snapshot_rollback (l.e, l.ctr, ref.container, s->path, l.dir, &ro, err) < 0)
		goto out;
	if (g->json) {
		json_object *o = json_object_new_object ();
		json_object_object_add (o, "container", json_object_new_string (ref.container));
		json_object_object_add (o, "name", json_object_new_string (s->name));
		json_object_object_add (o, "engine", json_object_new_string (l.e->ops->kind));
		json_object_object_add (o, "total_ms", json_object_new_int64 (dmig_clock_now_ms () - t0));
		dmig_json_print (o);
		json_object_put (o);
	} else
		printf ("%s@%s\n", ref.container, s->name);
	dmig_log_info ("rolled %s back to %s (taken %s), %.1f s", ref.container, s->name, s->created,
	               (double)(dmig_clock_now_ms () - t0) / 1000);
	ret = 0;
out:
	dmig_store_list_free (&list);
	dmig_local_close (&l);
	return ret;
}
