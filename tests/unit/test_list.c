// WRAP: dmig_engine_open
/* dmig list: the store alone without -H (no engine is asked), that engine's
 * snapshots only with -H, and an engine -H names that is not there is an
 * error, as for every command. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "bundle.h"
#include "dmig.h"
#include "engine.h"
#include "fs.h"
#include "json.h"
#include "log.h"
#include "store.h"

static char root[64], out_path[96];
static int engine_opens;

/* The engine at "unix:///fake/<kind>.sock" is of that kind; any other URL
 * goes to the real dmig_engine_open. */
int __real_dmig_engine_open (const char *url, struct dmig_engine **out, dmig_error_t *err);
int __wrap_dmig_engine_open (const char *url, struct dmig_engine **out, dmig_error_t *err);
int
__wrap_dmig_engine_open (const char *url, struct dmig_engine **out, dmig_error_t *err)
{
	struct dmig_engine *e;

	engine_opens++;
	if (strncmp (url, "unix:///fake/", 13) != 0)
		return __real_dmig_engine_open (url, out, err);
	e = calloc (1, sizeof (*e));
	assert_non_null (e);
	e->ops = strcmp (url + 13, "podman.sock") == 0 ? &dmig_podman_ops : &dmig_docker_ops;
	*out = e;
	return 0;
}

static void add_snapshot_at (const char *kind, const char *ctr, const char *name, const char *created);
static struct dmig_sign_key *signing; /* what the next add_snapshot signs with (NULL: none) */

static void
add_snapshot_at (const char *kind, const char *ctr, const char *name, const char *created)
{
	struct dmig_members ms = {0};
	dmig_error_t err = NULL;
	char *dir = NULL, *staging = NULL, path[PATH_MAX];
	json_object *m = json_object_new_object ();

	json_object_object_add (m, "format", json_object_new_int (DMIG_BUNDLE_FORMAT));
	json_object_object_add (m, "created", json_object_new_string (created));
	assert_int_equal (dmig_store_dir (root, kind, ctr, 1, &dir, &err), 0);
	assert_int_equal (dmig_store_staging (dir, &staging, &err), 0);
	snprintf (path, sizeof (path), "%s/%s" DMIG_BUNDLE_EXT, dir, name);
	assert_int_equal (dmig_bundle_write (path, m, staging, &ms, signing, &err), 0);
	dmig_fs_rm_rf (staging, NULL);
	free (staging);
	free (dir);
	json_object_put (m);
}

static void
add_snapshot (const char *kind, const char *ctr, const char *name)
{
	add_snapshot_at (kind, ctr, name, "2026-11-22T01:00:00.000Z");
}

static int
setup (void **state)
{
	(void)state;
	snprintf (root, sizeof (root), "/tmp/dmig-list-XXXXXX");
	assert_non_null (mkdtemp (root));
	snprintf (out_path, sizeof (out_path), "%s.out", root);
	add_snapshot ("docker", "web", "d1");
	add_snapshot ("podman", "web", "p1");
	add_snapshot ("podman", "db", "p2");
	dmig_log_set (DMIG_QUIET);
	return 0;
}

static int
teardown (void **state)
{
	(void)state;
	dmig_fs_rm_rf (root, NULL);
	unlink (out_path);
	return 0;
}

static int
by_text (const void *a, const void *b)
{
	return strcmp (a, b);
}

/* dmig [-H host] list --json [ctr]: its status; *refs gets "ctr@name engine"
 * lines of what it listed (free it). */
static int
list (const char *host, const char *ctr, char **refs, dmig_error_t *err)
{
	struct dmig_globals g = {.host = host, .store = root};
	char *argv[] = {"list", "--json", (char *)ctr, NULL};
	json_object *arr = NULL;
	char lines[16][64];
	size_t len = 0, n;
	FILE *f;
	int r, saved = dup (STDOUT_FILENO), fd = open (out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true (saved >= 0 && fd >= 0);
	fflush (stdout);
	dup2 (fd, STDOUT_FILENO);
	close (fd);
	optind = 0;
	opterr = 0;
	r = cmd_list (ctr ? 3 : 2, argv, &g, err);
	fflush (stdout);
	dup2 (saved, STDOUT_FILENO);
	close (saved);
	*refs = NULL;
	if (r < 0)
		return r;
	f = open_memstream (refs, &len);
	assert_non_null (f);
	{
		char buf[8192];
		FILE *in = fopen (out_path, "r");
		size_t got = fread (buf, 1, sizeof (buf) - 1, in);
		fclose (in);
		buf[got] = '\0';
		/* dmig_json_print: one line, the paths' slashes as they are */
		assert_true (got > 0 && strchr (buf, '\n') == buf + got - 1);
		assert_null (strstr (buf, "\\/"));
		assert_int_equal (dmig_json_parse (buf, got, &arr, NULL), 0);
	}
	/* sorted: the store's folders are read in no particular order */
	n = json_object_array_length (arr);
	assert_true (n < 16);
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx (arr, i);
		snprintf (lines[i], sizeof (lines[i]), "%s@%s %s\n", dmig_json_str (o, "container"),
		          dmig_json_str (o, "name"), dmig_json_str (o, "engine"));
	}
	qsort (lines, n, sizeof (lines[0]), by_text);
	for (size_t i = 0; i < n; i++)
		fputs (lines[i], f);
	fclose (f);
	json_object_put (arr);
	return r;
}

static void
without_host_the_store_alone (void **state)
{
	dmig_error_t err = NULL;
	char *refs = NULL;
	(void)state;

	engine_opens = 0;
	assert_int_equal (list (NULL, NULL, &refs, &err), 0);
	assert_string_equal (refs, "db@p2 podman\nweb@d1 docker\nweb@p1 podman\n");
	free (refs);
	assert_int_equal (list (NULL, "web", &refs, &err), 0);
	assert_string_equal (refs, "web@d1 docker\nweb@p1 podman\n");
	free (refs);
	assert_int_equal (engine_opens, 0);
}

static void
host_picks_the_engine (void **state)
{
	dmig_error_t err = NULL;
	char *refs = NULL;
	(void)state;

	assert_int_equal (list ("unix:///fake/podman.sock", NULL, &refs, &err), 0);
	assert_string_equal (refs, "db@p2 podman\nweb@p1 podman\n");
	free (refs);
	assert_int_equal (list ("unix:///fake/docker.sock", "web", &refs, &err), 0);
	assert_string_equal (refs, "web@d1 docker\n");
	free (refs);
	assert_int_equal (list ("unix:///fake/docker.sock", "db", &refs, &err), 0);
	assert_string_equal (refs, "");
	free (refs);
}

static void
host_not_there (void **state)
{
	dmig_error_t err = NULL;
	char *refs = NULL;
	(void)state;

	assert_int_equal (list ("unix:///nonexistent.sock", NULL, &refs, &err), -1);
	assert_non_null (err);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	assert_null (strchr (err->msg, '\n'));
	assert_non_null (strstr (err->msg, "/nonexistent.sock"));
	dmig_error_release (&err);
	assert_int_equal (list ("tcp://host:2375", "web", &refs, &err), -1);
	assert_int_equal (err->status, DMIG_EUSAGE);
	dmig_error_release (&err);
}

/* The table shows a snapshot's file name and its manifest's time (a
 * bundle is data) with their control characters quoted. */
static void
table_quotes_control_characters (void **state)
{
	struct dmig_globals g = {.store = root};
	char *argv[] = {"list", "web", NULL}, buf[8192];
	dmig_error_t err = NULL;
	int saved = dup (STDOUT_FILENO), fd = open (out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600), r;
	size_t got;
	FILE *in;
	(void)state;

	add_snapshot_at ("docker", "web", "x\x1b[2Jy", "2026\x1b]0;owned\x07");
	assert_true (saved >= 0 && fd >= 0);
	fflush (stdout);
	dup2 (fd, STDOUT_FILENO);
	close (fd);
	optind = 0;
	opterr = 0;
	r = cmd_list (2, argv, &g, &err);
	fflush (stdout);
	dup2 (saved, STDOUT_FILENO);
	close (saved);
	assert_int_equal (r, 0);
	in = fopen (out_path, "r");
	assert_non_null (in);
	got = fread (buf, 1, sizeof (buf) - 1, in);
	fclose (in);
	buf[got] = '\0';
	assert_non_null (strstr (buf, "web@x\\x1b[2Jy "));
	assert_non_null (strstr (buf, "2026\\x1b]0;owned\\x07"));
	assert_non_null (strstr (buf, "web@d1 "));
	assert_null (strchr (buf, '\x1b'));
	assert_null (strchr (buf, '\x07'));
}

/* What cmd_list printed for argv (table or --json). */
static const char *
output_of (int argc, char **argv)
{
	static char buf[8192];
	struct dmig_globals g = {.store = root};
	dmig_error_t err = NULL;
	int saved = dup (STDOUT_FILENO), fd = open (out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600), r;
	size_t got;
	FILE *in;

	assert_true (saved >= 0 && fd >= 0);
	fflush (stdout);
	dup2 (fd, STDOUT_FILENO);
	close (fd);
	optind = 0;
	opterr = 0;
	r = cmd_list (argc, argv, &g, &err);
	fflush (stdout);
	dup2 (saved, STDOUT_FILENO);
	close (saved);
	assert_int_equal (r, 0);
	in = fopen (out_path, "r");
	assert_non_null (in);
	got = fread (buf, 1, sizeof (buf) - 1, in);
	fclose (in);
	buf[got] = '\0';
	return buf;
}

/* Who signed each snapshot: this host, a key it does not trust, none; in
 * the table and in --json (signature, signer, key). */
static void
shows_who_signed (void **state)
{
	char keys[96], *argv[] = {"list", "web", NULL}, *jargv[] = {"list", "--json", "web", NULL}, id[DMIG_KEY_ID_HEX],
	               want[128];
	unsigned char pub[DMIG_SIGN_PUB_LEN];
	struct dmig_sign_key *other = NULL;
	dmig_error_t err = NULL;
	json_object *arr = NULL;
	const char *out;
	(void)state;

	snprintf (keys, sizeof (keys), "%s.keys", root);
	setenv ("DMIG_KEY_DIR", keys, 1);
	assert_int_equal (dmig_auth_host_key (&signing, &err), 0);
	add_snapshot_at ("docker", "web", "mine", "2026-11-22T02:00:00.000Z");
	dmig_sign_key_free (signing);
	assert_int_equal (dmig_sign_generate (&other, &err), 0);
	signing = other;
	add_snapshot_at ("docker", "web", "theirs", "2026-11-22T03:00:00.000Z");
	signing = NULL;
	dmig_sign_key_public (other, pub);
	dmig_auth_key_id (pub, id);
	dmig_sign_key_free (other);

	out = output_of (2, argv);
	if (strstr (out, "  SIGNED BY\n") == NULL || strstr (out, "  no\n") == NULL
	    || strstr (out, "  this host\n") == NULL)
		fail_msg ("%s", out);
	snprintf (want, sizeof (want), "  unknown key %.12s\n", id);
	assert_non_null (strstr (out, want));

	out = output_of (3, jargv);
	assert_int_equal (dmig_json_parse (out, strlen (out), &arr, NULL), 0);
	assert_int_equal (json_object_array_length (arr), 4); /* and podman's web@p1 */
	for (size_t i = 0; i < 4; i++) {
		json_object *o = json_object_array_get_idx (arr, i);
		const char *name = dmig_json_str (o, "name"), *sig = dmig_json_str (o, "signature");
		if (strcmp (name, "d1") == 0 || strcmp (name, "p1") == 0) {
			assert_string_equal (sig, "none");
			assert_null (dmig_json_get (o, "signer"));
			assert_null (dmig_json_get (o, "key"));
		} else if (strcmp (name, "mine") == 0) {
			assert_string_equal (sig, "trusted");
			assert_string_equal (dmig_json_str (o, "signer"), "this host");
			assert_int_equal (strlen (dmig_json_str (o, "key")), 64);
		} else {
			assert_string_equal (sig, "unknown");
			assert_null (dmig_json_get (o, "signer"));
			assert_string_equal (dmig_json_str (o, "key"), id);
		}
	}
	json_object_put (arr);
	dmig_fs_rm_rf (keys, NULL);
	unsetenv ("DMIG_KEY_DIR");
}

/* A store others may write to is refused, as every command refuses it:
 * what is in it may not be what dmig wrote. */
static void
unsafe_store_refused (void **state)
{
	dmig_error_t err = NULL;
	char *refs = NULL, p[PATH_MAX];
	(void)state;

	snprintf (p, sizeof (p), "%s/podman", root);
	assert_int_equal (chmod (p, 0777), 0);
	assert_int_equal (list (NULL, NULL, &refs, &err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	assert_null (strchr (err->msg, '\n'));
	assert_non_null (strstr (err->msg, p));
	dmig_error_release (&err);
	assert_int_equal (chmod (p, 0700), 0);
	assert_int_equal (chmod (root, 0777), 0);
	assert_int_equal (list (NULL, "web", &refs, &err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	dmig_error_release (&err);
	assert_int_equal (chmod (root, 0700), 0);
}

int
main (void)
{
#define T(x) cmocka_unit_test_setup_teardown (x, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T (without_host_the_store_alone), T (host_picks_the_engine),           T (host_not_there),
	    T (unsafe_store_refused),         T (table_quotes_control_characters), T (shows_who_signed),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
