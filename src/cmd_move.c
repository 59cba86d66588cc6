#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmig.h"
#include "fs.h"
#include "json.h"
#include "local.h"
#include "log.h"
#include "migrate.h"
#include "store.h"

static const char *const phase_names[DMIG_PHASES] = {"check", "prepare", "freeze", "ship", "restore", "finish"};

static void
report (struct dmig_globals *g, struct dmig_move *m)
{
	if (g->json) {
		json_object *o = json_object_new_object (), *ph = json_object_new_object ();
		json_object_object_add (o, "container", json_object_new_string (m->name));
		json_object_object_add (o, "target", json_object_new_string (m->target->spec));
		json_object_object_add (o, "engine", json_object_new_string (m->src->ops->kind));
		json_object_object_add (o, "downtime_ms", json_object_new_int64 (m->downtime_ms));
		json_object_object_add (o, "total_ms", json_object_new_int64 (m->total_ms));
		json_object_object_add (o, "bytes_sent", json_object_new_int64 ((int64_t)m->bytes_sent));
		for (int i = 0; i < DMIG_PHASES; i++)
			json_object_object_add (ph, phase_names[i], json_object_new_int64 (m->phase_ms[i]));
		json_object_object_add (o, "phases_ms", ph);
		json_object_object_add (o, "source_kept", json_object_new_boolean (m->o->keep_source));
		dmig_json_print (o);
		json_object_put (o);
	} else
		printf ("%s -> %s\n", m->name, m->target->spec);
	fflush (stdout);
	dmig_log_info (
	    "moved %s to %s: down %lld ms, %.1f s in all, %.1f MiB sent (check %lld, prepare %lld, freeze %lld, "
	    "ship %lld, restore %lld, finish %lld ms)",
	    m->name, m->target->spec, m->downtime_ms, (double)m->total_ms / 1000, (double)m->bytes_sent / (1 << 20),
	    m->phase_ms[0], m->phase_ms[1], m->phase_ms[2], m->phase_ms[3], m->phase_ms[4], m->phase_ms[5]);
}

int
cmd_move (int argc, char **argv, struct dmig_globals *g, dmig_error_t *err)
{
	static const struct option opts[] = {
	    {"keep-source", no_argument, NULL, 'k'},
	    {"force", no_argument, NULL, 'f'},
	    {"ignore-volumes", no_argument, NULL, 'I'},
	    {"hook-pre-restore", required_argument, NULL, 'a'},
	    {"hook-post-restore", required_argument, NULL, 'b'},
	    {"hook-failed-restore", required_argument, NULL, 'c'},
	    {"hook-timeout", required_argument, NULL, 't'},
	    {"json", no_argument, NULL, 'j'},
	    {NULL, 0, NULL, 0},
	};
	struct dmig_move_opts o = {.hook_timeout_s = 60};
	struct dmig_target target;
	struct dmig_move m = {0};
	struct dmig_local l = {.lock = -1};
	long timeout;
	int c, ret = -1;

	while ((c = getopt_long (argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o.keep_source = true;
			break;
		case 'f':
			o.force = true;
			break;
		case 'I':
			o.ignore_volumes = true;
			break;
		case 'a':
			o.hook_pre = optarg;
			break;
		case 'b':
			o.hook_post = optarg;
			break;
		case 'c':
			o.hook_failed = optarg;
			break;
		case 't':
			/* seconds: a hook gets at least one */
			if (dmig_ref_parse_range ("--hook-timeout", optarg, 1, DMIG_COUNT_MAX, &timeout, err) < 0)
				return -1;
			o.hook_timeout_s = (int)timeout;
			break;
		case 'j':
			g->json = true;
			break;
		default:
			return dmig_usage_bad_option (c, argv, DMIG_SYNOPSIS_MOVE, err);
		}
	}
	if (argc - optind != 2)
		return dmig_usage (err, DMIG_SYNOPSIS_MOVE, "name a container and a target");
	if (dmig_ref_valid_container (argv[optind], err) < 0 || dmig_target_parse (argv[optind + 1], &target, err) < 0)
		return -1;
	if (dmig_local_open (g, argv[optind], true, &l, err) < 0)
		return -1;
	m.src = l.e;
	m.ctr = l.ctr;
	m.name = argv[optind];
	m.target = &target;
	m.o = &o;
	if (dmig_migrate_connect (&m, err) < 0)
		goto out;
	if (dmig_store_staging (l.dir, &m.staging, err) < 0)
		goto out;
	if (dmig_migrate_run (&m, err) < 0) {
		if ((*err)->status == DMIG_EPREFLIGHT)
			dmig_error_wrap (err, "move refused, nothing was changed");
		goto out;
	}
	report (g, &m);
	ret = 0;
out:
	/* the target's link and engine, the volumes, the engine's own state */
	dmig_migrate_release (&m);
	if (m.staging) {
		dmig_fs_rm_rf (m.staging, NULL);
		free (m.staging);
	}
	dmig_local_close (&l);
	return ret;
}
