#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "auth.h"
#include "dmig.h"
#include "engine.h"
#include "journal.h"
#include "json.h"
#include "log.h"
#include "recover.h"
#include "store.h"

struct interrupted {
	const char *kind, *only;
};

static int
say_interrupted (const char *kind, const char *name, void *arg)
{
	struct interrupted *in = arg;
	json_object *j = NULL;
	char what[512];

	if (in->only && strcmp (in->only, name) != 0)
		return 0;
	if (dmig_journal_read (kind, name, &j, NULL) == 0 && j != NULL) {
		dmig_recover_describe (j, what, sizeof (what));
		dmig_log_warn (
		    "%s container '%s': %s; 'dmig recover %s' (or any dmig command on it) finishes or undoes it", kind,
		    name, what, name);
	}
	json_object_put (j);
	return 0;
}

static void
size_text (const struct dmig_snapinfo *s, char *out, size_t cap)
{
	struct stat st;
	double v = stat (s->path, &st) == 0 ? (double)st.st_size : 0;
	const char *unit = "B";

	if (v >= 1 << 30) {
		v /= 1 << 30;
		unit = "GiB";
	} else if (v >= 1 << 20) {
		v /= 1 << 20;
		unit = "MiB";
	} else if (v >= 1 << 10) {
		v /= 1 << 10;
		unit = "KiB";
	}
	snprintf (out, cap, "%.1f %s", v, unit);
}

static int
list_one (const char *dir, const char *kind, const char *ctr, json_object *arr, int *header, dmig_error_t *err)
{
	struct dmig_snaplist l;

	if (dmig_store_check (dir, err) < 0 || dmig_store_list (dir, &l, err) < 0)
		return -1;
	for (size_t i = 0; i < l.n; i++) {
		const struct dmig_snapinfo *s = &l.s[i];
		struct stat st;
		if (arr) {
			json_object *o = json_object_new_object ();
			json_object_object_add (o, "container", json_object_new_string (ctr));
			json_object_object_add (o, "name", json_object_new_string (s->name));
			json_object_object_add (o, "engine", json_object_new_string (kind));
			json_object_object_add (o, "created", json_object_new_string (s->created));
			json_object_object_add (o, "image",
			                        json_object_new_string (dmig_json_str (s->manifest, "image") ?: ""));
			json_object_object_add (
			    o, "bytes", json_object_new_int64 (stat (s->path, &st) == 0 ? (int64_t)st.st_size : 0));
			json_object_object_add (o, "path", json_object_new_string (s->path));
			/* who signed it: "trusted" (signer: "this host" or its
			 * trusted/ key's name), "unknown" or "none"; key: its ID */
			json_object_object_add (o, "signature",
			                        json_object_new_string (dmig_auth_state_name (s->auth.state)));
			if (s->auth.state == DMIG_AUTH_TRUSTED)
				json_object_object_add (o, "signer", json_object_new_string (s->auth.signer));
			if (*s->auth.key)
				json_object_object_add (o, "key", json_object_new_string (s->auth.key));
			json_object_array_add (arr, o);
		} else {
			char size[32], ref[2 * DMIG_NAME_MAX + 2], qref[4 * sizeof (ref)],
			    qcreated[4 * sizeof (s->created)], by[DMIG_SIGNER_MAX + 16], qby[4 * sizeof (by)];
			if (!*header) {
				printf ("%-40s %-7s %-24s %10s  %s\n", "SNAPSHOT", "ENGINE", "CREATED (UTC)", "SIZE",
				        "SIGNED BY");
				*header = 1;
			}
			size_text (s, size, sizeof (size));
			/* a file's name and a manifest's time, as text for a
			 * terminal (--json escapes them itself) */
			snprintf (ref, sizeof (ref), "%s@%s", ctr, s->name);
			printf ("%-40s %-7s %-24s %10s  %s\n", dmig_log_quote (ref, qref, sizeof (qref)), kind,
			        dmig_log_quote (s->created, qcreated, sizeof (qcreated)), size,
			        dmig_log_quote (dmig_auth_describe (&s->auth, by, sizeof (by)), qby, sizeof (qby)));
		}
	}
	dmig_store_list_free (&l);
	return 0;
}

int
cmd_list (int argc, char **argv, struct dmig_globals *g, dmig_error_t *err)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
	json_object *arr = NULL;
	const char *only = NULL, *kind = NULL, *const *kinds = dmig_engine_kinds ();
	int c, header = 0, ret = 0;
	struct stat st;

	while ((c = getopt_long (argc, argv, "", opts, NULL)) != -1) {
		if (c != 'j')
			return dmig_usage_bad_option (c, argv, DMIG_SYNOPSIS_LIST, err);
		g->json = true;
	}
	if (argc - optind > 1)
		return dmig_usage (err, DMIG_SYNOPSIS_LIST, "name at most one container");
	if (argc - optind == 1) {
		only = argv[optind];
		if (dmig_ref_valid_container (only, err) < 0)
			return -1;
	}
	/* -H: that engine's snapshots only, of the kind it says it is. Without
	 * it, list needs no engine: it reads the store alone. */
	if (g->host && *g->host) {
		struct dmig_engine *e = NULL;
		if (dmig_engine_open (g->host, &e, err) < 0)
			return -1;
		kind = e->ops->kind;
		dmig_engine_close (e);
	}
	if (stat (g->store, &st) < 0 && errno != ENOENT)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot read the store '%s'", g->store);
	if (dmig_store_check (g->store, err) < 0)
		return -1;
	if (g->json)
		arr = json_object_new_array ();
	for (size_t k = 0; kinds[k] && ret == 0; k++) {
		char dir[PATH_MAX];
		struct dirent *d;
		DIR *dh;

		if (kind && strcmp (kinds[k], kind) != 0)
			continue;
		snprintf (dir, sizeof (dir), "%s/%s", g->store, kinds[k]);
		if ((ret = dmig_store_check (dir, err)) < 0)
			break;
		if (only) {
			snprintf (dir, sizeof (dir), "%s/%s/%s", g->store, kinds[k], only);
			ret = list_one (dir, kinds[k], only, arr, &header, err);
			continue;
		}
		dh = opendir (dir);
		if (dh == NULL) {
			if (errno != ENOENT)
				ret = dmig_error_set (err, DMIG_EFAIL, errno, "cannot read the store folder '%s'", dir);
			continue;
		}
		while (ret == 0 && (d = readdir (dh)) != NULL) {
			char sub[PATH_MAX];
			if (d->d_name[0] == '.' || dmig_ref_valid_container (d->d_name, NULL) < 0)
				continue;
			if ((size_t)snprintf (sub, sizeof (sub), "%s/%s", dir, d->d_name) >= sizeof (sub))
				continue;
			ret = list_one (sub, kinds[k], d->d_name, arr, &header, err);
		}
		closedir (dh);
	}
	if (ret == 0 && arr)
		dmig_json_print (arr);
	else if (ret == 0 && !header)
		dmig_log_info ("no %s%ssnapshots%s%s in %s", kind ? kind : "", kind ? " " : "", only ? " of " : "",
		               only ? only : "", g->store);
	json_object_put (arr);
	/* operations whose dmig was killed, on stderr: stdout stays the list */
	struct interrupted in = {.kind = kind, .only = only};
	dmig_journal_each (kind, say_interrupted, &in);
	return ret;
}
