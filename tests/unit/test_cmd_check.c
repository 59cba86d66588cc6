// WRAP: dmig_engine_find dmig_engine_close dmig_preflight_all
/* dmig check's command line and output: one line per check (ok, warn,
 * FAIL, skip with what it saw), or --json's list; exit 3 when one failed,
 * 0 otherwise, 2 for a bad command line (before anything is asked). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmig.h"
#include "engine.h"
#include "migrate.h"
#include "preflight.h"

static struct dmig_globals g;
static const struct dmig_engine_ops fake_ops = {.kind = "docker", .title = "Docker"};
static struct dmig_engine src = {.ops = &fake_ops, .socket = "/var/run/docker.sock"};

/* What the seams saw, and what the checks say. */
static int finds, runs;
static const char *found_name;
static bool no_such_container;
static struct dmig_move_opts seen;
static bool saw_ctr;
static struct dmig_check_line lines[8];
static size_t nlines;

int __wrap_dmig_engine_find (const char *host, const char *name, const char *const *store_kinds,
                             struct dmig_engine **out, struct dmig_container **ctr, dmig_error_t *err);
int
__wrap_dmig_engine_find (const char *host, const char *name, const char *const *store_kinds, struct dmig_engine **out,
                         struct dmig_container **ctr, dmig_error_t *err)
{
	(void)host;
	(void)store_kinds;
	(void)err;
	finds++;
	found_name = name;
	*out = &src;
	*ctr = name && !no_such_container ? calloc (1, sizeof (**ctr)) : NULL;
	return 0;
}

void __wrap_dmig_engine_close (struct dmig_engine *e);
void
__wrap_dmig_engine_close (struct dmig_engine *e)
{
	assert_true (e == NULL || e == &src);
}

int __wrap_dmig_preflight_all (struct dmig_move *m, struct dmig_checks *out, dmig_error_t *err);
int
__wrap_dmig_preflight_all (struct dmig_move *m, struct dmig_checks *out, dmig_error_t *err)
{
	(void)err;
	runs++;
	seen = *m->o;
	saw_ctr = m->ctr != NULL;
	assert_ptr_equal (m->src, &src);
	memset (out, 0, sizeof (*out));
	out->lines = calloc (nlines, sizeof (*out->lines));
	for (size_t i = 0; i < nlines; i++) {
		out->lines[i] = lines[i];
		out->lines[i].detail = strdup (lines[i].detail);
		out->fails += lines[i].result == DMIG_CHECK_FAIL || lines[i].result == DMIG_CHECK_ERROR;
		out->warns += lines[i].result == DMIG_CHECK_WARN;
	}
	out->n = nlines;
	return 0;
}

static int
setup (void **state)
{
	(void)state;
	g = (struct dmig_globals){.store = "/nonexistent/dmig-store"};
	finds = runs = 0;
	found_name = NULL;
	no_such_container = false;
	lines[0] = (struct dmig_check_line){"ssh", DMIG_CHECK_OK, false, "root@lab2:22: its host key known, logged in"};
	lines[1] = (struct dmig_check_line){"kernel", DMIG_CHECK_WARN, false, "6.1.0 here, 6.12.9 on root@lab2:22"};
	lines[2] = (struct dmig_check_line){"name", DMIG_CHECK_FAIL, false,
	                                    "a container named 'web' exists on root@lab2:22 already"};
	lines[3] = (struct dmig_check_line){"binds", DMIG_CHECK_SKIP, true, "not checked: check 'ssh' failed"};
	lines[4] = (struct dmig_check_line){"disk", DMIG_CHECK_ERROR, true, "the engine said 500"};
	nlines = 5;
	return 0;
}

/* cmd_check with stdout into a buffer: its return, *err, *said. */
static int
check (const char **said, dmig_error_t *err, int argc, char **argv)
{
	static char buf[8192];
	FILE *tmp = tmpfile ();
	int saved = dup (STDOUT_FILENO), r;
	size_t n;

	assert_non_null (tmp);
	fflush (stdout);
	dup2 (fileno (tmp), STDOUT_FILENO);
	optind = 0;
	opterr = 0;
	r = cmd_check (argc, argv, &g, err);
	fflush (stdout);
	dup2 (saved, STDOUT_FILENO);
	close (saved);
	rewind (tmp);
	n = fread (buf, 1, sizeof (buf) - 1, tmp);
	buf[n] = '\0';
	fclose (tmp);
	*said = buf;
	return r;
}

#define CHECK(said, err, ...)                                                                                          \
	({                                                                                                             \
		char *av[] = {"check", __VA_ARGS__, NULL};                                                             \
		check (said, err, (int)(sizeof (av) / sizeof (av[0])) - 1, av);                                        \
	})

static void
text_lines_and_exit_3 (void **state)
{
	const char *said;
	dmig_error_t err = NULL;
	(void)state;

	assert_int_equal (CHECK (&said, &err, "root@lab2", "web"), -1);
	assert_string_equal (said, "ok    ssh             root@lab2:22: its host key known, logged in\n"
	                           "warn  kernel          6.1.0 here, 6.12.9 on root@lab2:22\n"
	                           "FAIL  name            a container named 'web' exists on root@lab2:22 already\n"
	                           "skip  binds           not checked: check 'ssh' failed\n"
	                           "FAIL  disk            the engine said 500\n");
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	assert_string_equal (err->msg, "moving 'web' to root@lab2 would be refused: 2 of 5 checks failed (name, disk)");
	dmig_error_release (&err);
	assert_string_equal (found_name, "web");
	assert_true (saw_ctr);
}

static void
json_list (void **state)
{
	const char *said;
	dmig_error_t err = NULL;
	json_object *a, *o;
	(void)state;

	assert_int_equal (CHECK (&said, &err, "--json", "root@lab2", "web"), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	dmig_error_release (&err);
	a = json_tokener_parse (said);
	assert_non_null (a);
	assert_true (json_object_is_type (a, json_type_array));
	assert_int_equal (json_object_array_length (a), 5);
	o = json_object_array_get_idx (a, 2);
	assert_string_equal (dmig_json_str (o, "check"), "name");
	assert_string_equal (dmig_json_str (o, "result"), "FAIL");
	assert_string_equal (dmig_json_str (o, "detail"), "a container named 'web' exists on root@lab2:22 already");
	assert_false (dmig_json_bool (o, "skippable"));
	o = json_object_array_get_idx (a, 1);
	assert_string_equal (dmig_json_str (o, "result"), "warn");
	o = json_object_array_get_idx (a, 3);
	assert_string_equal (dmig_json_str (o, "result"), "skip");
	assert_true (dmig_json_bool (o, "skippable"));
	/* an error of a check is a FAIL to its reader */
	assert_string_equal (dmig_json_str (json_object_array_get_idx (a, 4), "result"), "FAIL");
	assert_string_equal (said + strlen (said) - 1, "\n");
	json_object_put (a);
	/* the global --json, before the command, is the same */
	g.json = true;
	assert_int_equal (CHECK (&said, &err, "root@lab2"), -1);
	dmig_error_release (&err);
	assert_int_equal (said[0], '[');
}

/* No FAIL: exit 0, warnings or not; without a container, the host's. */
static void
passes (void **state)
{
	const char *said;
	dmig_error_t err = NULL;
	(void)state;

	lines[2].result = lines[4].result = DMIG_CHECK_OK;
	lines[3].result = DMIG_CHECK_OK;
	assert_int_equal (CHECK (&said, &err, "--keep-source", "--ignore-volumes", "lab2"), 0);
	assert_null (err);
	assert_null (found_name);
	assert_false (saw_ctr);
	assert_true (seen.keep_source);
	assert_true (seen.ignore_volumes);
	assert_false (seen.force);
	assert_non_null (strstr (said, "warn  kernel"));
	assert_int_equal (runs, 1);
}

/* What a target's engine says is quoted: one line per check, always. */
static void
details_quoted (void **state)
{
	const char *said;
	dmig_error_t err = NULL;
	(void)state;

	lines[0].detail = "root@lab2:22: 'criu' exited 1: \x1b[2Jboom\nsecond";
	nlines = 1;
	assert_int_equal (CHECK (&said, &err, "lab2"), 0);
	assert_string_equal (said, "ok    ssh             root@lab2:22: 'criu' exited 1: \\x1b[2Jboom\\nsecond\n");
}

static void
no_such_container_here (void **state)
{
	const char *said;
	dmig_error_t err = NULL;
	(void)state;

	no_such_container = true;
	assert_int_equal (CHECK (&said, &err, "lab2", "web"), -1);
	assert_int_equal (err->status, DMIG_EFAIL);
	assert_string_equal (err->msg, "no container 'web' in docker at /var/run/docker.sock (see 'docker ps -a')");
	assert_int_equal (runs, 0);
	assert_string_equal (said, "");
	dmig_error_release (&err);
}

/* Nothing is asked for a bad command line. */
static void
bad_args (void **state)
{
	static const char *const bad[][4] = {
	    {"name a target, and at most one container", NULL},
	    {"name a target, and at most one container", "lab2", "web", "db"},
	    {"unknown option '--force'", "--force", "lab2", "web"},
	    {"bad target 'lab2;reboot'", "lab2;reboot"},
	    {"invalid container name", "lab2", "web;reboot"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof (bad) / sizeof (bad[0]); i++) {
		char *av[5] = {"check"};
		int ac = 1;
		const char *said;
		dmig_error_t err = NULL;

		for (size_t j = 1; j < 4 && bad[i][j]; j++)
			av[ac++] = (char *)bad[i][j];
		assert_int_equal (check (&said, &err, ac, av), -1);
		assert_int_equal (err->status, DMIG_EUSAGE);
		if (strstr (err->msg, bad[i][0]) == NULL)
			fail_msg ("'%s' does not say '%s'", err->msg, bad[i][0]);
		dmig_error_release (&err);
	}
	assert_int_equal (finds, 0);
	assert_int_equal (runs, 0);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup (text_lines_and_exit_3, setup),
	    cmocka_unit_test_setup (json_list, setup),
	    cmocka_unit_test_setup (passes, setup),
	    cmocka_unit_test_setup (details_quoted, setup),
	    cmocka_unit_test_setup (no_such_container_here, setup),
	    cmocka_unit_test_setup (bad_args, setup),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
