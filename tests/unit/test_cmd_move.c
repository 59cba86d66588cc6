// WRAP: dmig_local_open dmig_local_close dmig_migrate_connect dmig_store_staging dmig_migrate_run
/* dmig move's command line: each option reaches the move as parsed, and a
 * bad one is a usage error before anything is opened. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "dmig.h"
#include "local.h"
#include "migrate.h"
#include "store.h"

static struct dmig_globals g;
static const struct dmig_engine_ops fake_ops = {.kind = "docker"};
static struct dmig_engine src = {.ops = &fake_ops};

/* What reached the seams. */
static int opens, connects, runs;
static bool need_ctr;
static char opened[128];
static struct dmig_move_opts seen;
static struct dmig_target seen_target;
static int run_status; /* the move's error status */

int __wrap_dmig_local_open (struct dmig_globals *gl, const char *name, bool need, struct dmig_local *l,
                            dmig_error_t *err);
int
__wrap_dmig_local_open (struct dmig_globals *gl, const char *name, bool need, struct dmig_local *l, dmig_error_t *err)
{
	(void)err;
	assert_ptr_equal (gl, &g);
	opens++;
	need_ctr = need;
	snprintf (opened, sizeof (opened), "%s", name);
	l->e = &src;
	return 0;
}

void __wrap_dmig_local_close (struct dmig_local *l);
void
__wrap_dmig_local_close (struct dmig_local *l)
{
	assert_ptr_equal (l->e, &src);
}

int __wrap_dmig_migrate_connect (struct dmig_move *m, dmig_error_t *err);
int
__wrap_dmig_migrate_connect (struct dmig_move *m, dmig_error_t *err)
{
	(void)err;
	assert_ptr_equal (m->src, &src);
	connects++;
	return 0;
}

int __wrap_dmig_store_staging (const char *dir, char **out, dmig_error_t *err);
int
__wrap_dmig_store_staging (const char *dir, char **out, dmig_error_t *err)
{
	(void)dir;
	(void)err;
	*out = NULL;
	return 0;
}

int __wrap_dmig_migrate_run (struct dmig_move *m, dmig_error_t *err);
int
__wrap_dmig_migrate_run (struct dmig_move *m, dmig_error_t *err)
{
	runs++;
	assert_string_equal (m->name, opened);
	seen = *m->o;
	seen_target = *m->target;
	return dmig_error_set (err, run_status, 0, "stopped here");
}

static int
setup (void **state)
{
	(void)state;
	g = (struct dmig_globals){.store = "/nonexistent/dmig-store"};
	opens = connects = runs = 0;
	need_ctr = false;
	*opened = '\0';
	memset (&seen, 0, sizeof (seen));
	run_status = DMIG_EFAIL;
	return 0;
}

static void
run (int argc, char **argv, int status, const char *says)
{
	dmig_error_t err = NULL;
	optind = 0;
	opterr = 0;
	assert_int_equal (cmd_move (argc, argv, &g, &err), -1);
	assert_non_null (err);
	if (strstr (err->msg, says) == NULL)
		fail_msg ("'%s' does not say '%s'", err->msg, says);
	assert_int_equal (err->status, status);
	dmig_error_release (&err);
}

#define RUN(status, says, ...)                                                                                         \
	do {                                                                                                           \
		char *av[] = {__VA_ARGS__, NULL};                                                                      \
		run ((int)(sizeof (av) / sizeof (av[0])) - 1, av, status, says);                                       \
	} while (0)

static void
every_option (void **state)
{
	(void)state;
	RUN (DMIG_EFAIL, "stopped here", "move", "--keep-source", "--force", "--ignore-volumes",
	     "--hook-pre-restore=echo pre", "--hook-post-restore", "echo post", "--hook-failed-restore=echo failed",
	     "--hook-timeout=5", "--json", "web", "admin@10.0.0.7:2222");
	assert_int_equal (runs, 1);
	assert_string_equal (opened, "web");
	assert_true (need_ctr);
	assert_true (seen.keep_source);
	assert_true (seen.force);
	assert_true (seen.ignore_volumes);
	assert_string_equal (seen.hook_pre, "echo pre");
	assert_string_equal (seen.hook_post, "echo post");
	assert_string_equal (seen.hook_failed, "echo failed");
	assert_int_equal (seen.hook_timeout_s, 5);
	assert_true (g.json);
	assert_string_equal (seen_target.spec, "admin@10.0.0.7:2222");
	assert_string_equal (seen_target.host, "10.0.0.7");
	assert_int_equal (seen_target.port, 2222);
}

static void
defaults (void **state)
{
	(void)state;
	RUN (DMIG_EFAIL, "stopped here", "move", "web", "lab2");
	assert_int_equal (runs, 1);
	assert_false (seen.keep_source);
	assert_false (seen.force);
	assert_false (seen.ignore_volumes);
	assert_null (seen.hook_pre);
	assert_null (seen.hook_post);
	assert_null (seen.hook_failed);
	assert_int_equal (seen.hook_timeout_s, 60);
	assert_false (g.json);
	assert_string_equal (seen_target.host, "lab2");
}

/* A refusal says that nothing changed, and keeps its exit 3. */
static void
refusal_says_nothing_changed (void **state)
{
	(void)state;
	run_status = DMIG_EPREFLIGHT;
	RUN (DMIG_EPREFLIGHT, "move refused, nothing was changed: stopped here", "move", "web", "lab2");
	run_status = DMIG_ELOST;
	RUN (DMIG_ELOST, "stopped here", "move", "web", "lab2");
}

/* Nothing is opened for a bad command line. */
static void
bad_args (void **state)
{
	(void)state;
	RUN (DMIG_EUSAGE, "name a container and a target", "move");
	RUN (DMIG_EUSAGE, "name a container and a target", "move", "web");
	RUN (DMIG_EUSAGE, "name a container and a target", "move", "web", "lab2", "lab3");
	/* the message says the range the check holds it to */
	RUN (DMIG_EUSAGE, "--hook-timeout needs a whole number from 1 to 100000, not '0'", "move", "--hook-timeout=0",
	     "web", "lab2");
	RUN (DMIG_EUSAGE, "--hook-timeout needs a whole number from 1 to 100000, not 'soon'", "move",
	     "--hook-timeout=soon", "web", "lab2");
	RUN (DMIG_EUSAGE, "from 1 to 100000, not '100001'", "move", "--hook-timeout=100001", "web", "lab2");
	RUN (DMIG_EUSAGE, "unknown option '--frobnicate'", "move", "--frobnicate", "web", "lab2");
	RUN (DMIG_EUSAGE, "needs a value", "move", "web", "lab2", "--hook-pre-restore");
	RUN (DMIG_EUSAGE, "invalid container name", "move", "web;reboot", "lab2");
	assert_int_equal (opens, 0);
	assert_int_equal (connects, 0);
	assert_int_equal (runs, 0);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup (every_option, setup),
	    cmocka_unit_test_setup (defaults, setup),
	    cmocka_unit_test_setup (refusal_says_nothing_changed, setup),
	    cmocka_unit_test_setup (bad_args, setup),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
