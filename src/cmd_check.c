/* dmig check: the checks a move to a target would run first, one line
 * each, and nothing changed; exit 3 when one fails. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmig.h"
#include "engine.h"
#include "json.h"
#include "log.h"
#include "migrate.h"
#include "preflight.h"
#include "ref.h"

static void
print_text (const struct dmig_checks *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct dmig_check_line *l = &c->lines[i];
		printf ("%-4s  %-15s ", dmig_preflight_verdict (l->result), l->name);
		/* the targets' and engines' words may hold control characters */
		dmig_log_puts (stdout, l->detail);
		putchar ('\n');
	}
}

static void
print_json (const struct dmig_checks *c)
{
	json_object *a = json_object_new_array ();

	for (size_t i = 0; i < c->n; i++) {
		const struct dmig_check_line *l = &c->lines[i];
		json_object *o = json_object_new_object ();
		json_object_object_add (o, "check", json_object_new_string (l->name));
		json_object_object_add (o, "result", json_object_new_string (dmig_preflight_verdict (l->result)));
		json_object_object_add (o, "detail", json_object_new_string (l->detail));
		json_object_object_add (o, "skippable", json_object_new_boolean (l->skippable));
		json_object_array_add (a, o);
	}
	dmig_json_print (a);
	json_object_put (a);
}

/* "name, networks": the checks that failed. */
static void
failed_names (const struct dmig_checks *c, char *out, size_t cap)
{
	size_t used = 0;

	*out = '\0';
	for (size_t i = 0; i < c->n && used < cap; i++)
		if (c->lines[i].result == DMIG_CHECK_FAIL || c->lines[i].result == DMIG_CHECK_ERROR)
			used += (size_t)snprintf (out + used, cap - used, "%s%s", used ? ", " : "", c->lines[i].name);
}

int
cmd_check (int argc, char **argv, struct dmig_globals *g, dmig_error_t *err)
{
	static const struct option opts[] = {
	    {"keep-source", no_argument, NULL, 'k'},
	    {"ignore-volumes", no_argument, NULL, 'I'},
	    {"json", no_argument, NULL, 'j'},
	    {NULL, 0, NULL, 0},
	};
	struct dmig_move_opts o = {.hook_timeout_s = 60};
	struct dmig_target target;
	struct dmig_move m = {0};
	struct dmig_engine *e = NULL;
	struct dmig_container *ctr = NULL;
	struct dmig_checks c = {0};
	const char *name = NULL;
	char what[600], failed[512];
	int opt, ret = -1;

	while ((opt = getopt_long (argc, argv, ":", opts, NULL)) != -1) {
		switch (opt) {
		case 'k':
			o.keep_source = true;
			break;
		case 'I':
			o.ignore_volumes = true;
			break;
		case 'j':
			g->json = true;
			break;
		default:
			return dmig_usage_bad_option (opt, argv, DMIG_SYNOPSIS_CHECK, err);
		}
	}
	if (argc - optind < 1 || argc - optind > 2)
		return dmig_usage (err, DMIG_SYNOPSIS_CHECK, "name a target, and at most one container");
	if (dmig_target_parse (argv[optind], &target, err) < 0)
		return -1;
	if (argc - optind == 2) {
		name = argv[optind + 1];
		if (dmig_ref_valid_container (name, err) < 0)
			return -1;
	}
	/* read only: no lock, no recovery (the journal check says so) */
	if (dmig_engine_find (g->host, name, NULL, &e, &ctr, err) < 0)
		return -1;
	if (name && ctr == NULL) {
		dmig_error_set (err, DMIG_EFAIL, 0, "no container '%s' in %s at %s (see '%s ps -a')", name,
		                e->ops->kind, e->socket, e->ops->kind);
		goto out;
	}
	m = (struct dmig_move){.src = e, .ctr = ctr, .name = name, .target = &target, .o = &o};
	if (dmig_preflight_all (&m, &c, err) < 0)
		goto out;
	if (g->json)
		print_json (&c);
	else
		print_text (&c);
	fflush (stdout);
	if (name)
		snprintf (what, sizeof (what), "moving '%s' to %s", name, target.spec);
	else
		snprintf (what, sizeof (what), "moves to %s", target.spec);
	if (c.fails > 0) {
		failed_names (&c, failed, sizeof (failed));
		dmig_error_set (err, DMIG_EPREFLIGHT, 0, "%s would be refused: %d of %zu checks failed (%s)", what,
		                c.fails, c.n, failed);
		goto out;
	}
	if (c.warns)
		dmig_log_info ("%s: %zu checks passed, %d with a warning", what, c.n, c.warns);
	else
		dmig_log_info ("%s: %s %zu check%s passed", what, c.n == 1 ? "the" : "all", c.n, c.n == 1 ? "" : "s");
	ret = 0;
out:
	dmig_preflight_free (&c);
	dmig_migrate_release (&m);
	dmig_container_free (ctr);
	dmig_engine_close (e);
	return ret;
}
