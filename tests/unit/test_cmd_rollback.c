// WRAP: dmig_local_open dmig_local_close dmig_snapshot_rollback
/* dmig rollback's choice of a bundle: the one the ref names, and when that
 * one is there but not listed (changed after it was signed, damaged), the
 * reason, not "no snapshot". */
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
#include "fs.h"
#include "local.h"
#include "log.h"
#include "snapshot.h"
#include "store.h"

static struct dmig_globals g;
static const struct dmig_engine_ops fake_ops = {.kind = "docker"};
static struct dmig_engine eng = {.ops = &fake_ops};
static char top[64], dir[128];
static char rolled[PATH_MAX]; /* the bundle the rollback was given */

int __wrap_dmig_local_open (struct dmig_globals *gl, const char *name, bool need, struct dmig_local *l,
                            dmig_error_t *err);
int
__wrap_dmig_local_open (struct dmig_globals *gl, const char *name, bool need, struct dmig_local *l, dmig_error_t *err)
{
	(void)gl;
	(void)name;
	(void)need;
	(void)err;
	memset (l, 0, sizeof (*l));
	l->e = &eng;
	l->dir = dir;
	return 0;
}

void __wrap_dmig_local_close (struct dmig_local *l);
void
__wrap_dmig_local_close (struct dmig_local *l)
{
	(void)l;
}

int __wrap_dmig_snapshot_rollback (struct dmig_engine *e, const struct dmig_container *ctr, const char *name,
                                   const char *bundle, const char *d, const struct dmig_rollback_opts *o,
                                   dmig_error_t *err);
int
__wrap_dmig_snapshot_rollback (struct dmig_engine *e, const struct dmig_container *ctr, const char *name,
                               const char *bundle, const char *d, const struct dmig_rollback_opts *o, dmig_error_t *err)
{
	(void)e;
	(void)ctr;
	(void)name;
	(void)d;
	(void)o;
	(void)err;
	snprintf (rolled, sizeof (rolled), "%s", bundle);
	return 0;
}

static int
setup (void **state)
{
	char keys[96];
	(void)state;
	snprintf (top, sizeof (top), "/tmp/dmig-cmdrb-XXXXXX");
	assert_non_null (mkdtemp (top));
	snprintf (dir, sizeof (dir), "%s/docker/web", top);
	assert_int_equal (dmig_fs_mkdir_p (dir, 0700, NULL), 0);
	snprintf (keys, sizeof (keys), "%s/keys", top);
	setenv ("DMIG_KEY_DIR", keys, 1);
	g.store = top;
	*rolled = '\0';
	dmig_log_set (DMIG_QUIET);
	return 0;
}

static int
teardown (void **state)
{
	(void)state;
	dmig_fs_rm_rf (top, NULL);
	unsetenv ("DMIG_KEY_DIR");
	return 0;
}

/* A snapshot of web named name, signed by this host. */
static void
snapshot (const char *name)
{
	struct dmig_sign_key *k = NULL;
	struct dmig_members ms = {0};
	dmig_error_t err = NULL;
	char *staging = NULL, path[PATH_MAX];
	json_object *m = json_object_new_object ();

	json_object_object_add (m, "format", json_object_new_int (DMIG_BUNDLE_FORMAT));
	json_object_object_add (m, "container", json_object_new_string ("web"));
	json_object_object_add (m, "created", json_object_new_string ("2026-11-22T01:00:00.000Z"));
	assert_int_equal (dmig_auth_host_key (&k, &err), 0);
	assert_int_equal (dmig_store_staging (dir, &staging, &err), 0);
	snprintf (path, sizeof (path), "%s/%s" DMIG_BUNDLE_EXT, dir, name);
	assert_int_equal (dmig_bundle_write (path, m, staging, &ms, k, &err), 0);
	dmig_fs_rm_rf (staging, NULL);
	free (staging);
	dmig_sign_key_free (k);
	json_object_put (m);
}

/* Its manifest's container changed after it was signed ("web" -> "wfb"),
 * in a plain copy of the bundle. */
static void
tamper (const char *name)
{
	static char buf[1 << 16];
	char path[PATH_MAX], cmd[2 * PATH_MAX], *p;
	size_t len;
	FILE *fp;

	snprintf (path, sizeof (path), "%s/%s" DMIG_BUNDLE_EXT, dir, name);
	snprintf (cmd, sizeof (cmd), "zstd -q -d -c '%s'", path);
	fp = popen (cmd, "r");
	assert_non_null (fp);
	len = fread (buf, 1, sizeof (buf), fp);
	pclose (fp);
	p = memmem (buf, len, "\"web\"", 5);
	assert_non_null (p);
	p[2] = 'f';
	fp = fopen (path, "w");
	assert_non_null (fp);
	assert_int_equal (fwrite (buf, 1, len, fp), len);
	fclose (fp);
}

static int
rollback (const char *ref, dmig_error_t *err)
{
	char *argv[] = {"rollback", (char *)ref, NULL};
	int saved = dup (STDOUT_FILENO), null = open ("/dev/null", O_WRONLY), r;

	fflush (stdout);
	dup2 (null, STDOUT_FILENO);
	close (null);
	optind = 0;
	opterr = 0;
	r = cmd_rollback (2, argv, &g, err);
	fflush (stdout);
	dup2 (saved, STDOUT_FILENO);
	close (saved);
	return r;
}

static void
changed_after_signing_named (void **state)
{
	dmig_error_t err = NULL;
	(void)state;

	snapshot ("a");
	snapshot ("b");
	assert_int_equal (rollback ("web@b", &err), 0);
	assert_non_null (strstr (rolled, "/docker/web/b.dmig"));
	tamper ("b");
	*rolled = '\0';
	assert_int_equal (rollback ("web@b", &err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	if (strstr (err->msg, "/docker/web/b.dmig' was changed after it was signed (by this host, key ") == NULL
	    || strchr (err->msg, '\n') != NULL)
		fail_msg ("'%s'", err->msg);
	dmig_error_release (&err);
	assert_string_equal (rolled, "");
	/* one that is not there is still "no snapshot" */
	assert_int_equal (rollback ("web@c", &err), -1);
	assert_int_equal (err->status, DMIG_EFAIL);
	assert_non_null (strstr (err->msg, "no snapshot 'web@c' in "));
	dmig_error_release (&err);
	/* the others roll back */
	assert_int_equal (rollback ("web@a", &err), 0);
	assert_non_null (strstr (rolled, "/docker/web/a.dmig"));
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown (changed_after_signing_named, setup, teardown),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
