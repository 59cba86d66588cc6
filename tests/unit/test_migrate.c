// WRAP: dmig_preflight_move dmig_engine_running
// WRAP: dmig_image_exists dmig_ssh_alive dmig_ssh_name
// WRAP: dmig_ssh_open_exec dmig_ssh_wait dmig_volume_get dmig_volume_remove dmig_ssh_connect
/* The move's orchestrator: its steps in order, and after a failure the undo
 * that puts the container back (resume the source before discarding the
 * target's half-made clone), with the statuses the CLI promises. Its checks
 * (src/preflight.c, test_preflight.c) are one step here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "criu.h"
#include "engine.h"
#include "fs.h"
#include "interrupt.h"
#include "log.h"
#include "migrate.h"
#include "preflight.h"
#include "ship.h"
#include "ssh.h"

static char dir[64], logpath[128], hook_failed[256], jdir[128], jpath[192];

/* What the fake steps do: the one named fails (or raises SIGINT). */
static const char *fail_at, *interrupt_at;
static bool resume_fails, source_runs, freeze_stops, discard_fails;
static int fail_code; /* the failing step's error code (EINTR: the signal cut it short) */

/* Steps and hooks write one line each into the same file, in order. */
static void
note (const char *what)
{
	FILE *fp = fopen (logpath, "a");
	assert_non_null (fp);
	fprintf (fp, "%s\n", what);
	fclose (fp);
}

/* The file's lines, joined by spaces. */
static const char *
calls (void)
{
	static char out[1024];
	char line[128];
	FILE *fp = fopen (logpath, "r");

	*out = '\0';
	if (fp == NULL)
		return out;
	while (fgets (line, sizeof (line), fp) != NULL) {
		line[strcspn (line, "\n")] = '\0';
		if (*out)
			strncat (out, " ", sizeof (out) - strlen (out) - 1);
		strncat (out, line, sizeof (out) - strlen (out) - 1);
	}
	fclose (fp);
	return out;
}

/* The journal's phase while a step runs: what a recovery would read. */
static const char *
journal_phase (void)
{
	static char phase[32];
	json_object *j = json_object_from_file (jpath);

	snprintf (phase, sizeof (phase), "%s", j && dmig_json_str (j, "phase") ? dmig_json_str (j, "phase") : "none");
	json_object_put (j);
	return phase;
}

static int
step (const char *name, dmig_error_t *err)
{
	note (name);
	if (interrupt_at && strcmp (interrupt_at, name) == 0)
		raise (SIGINT);
	if (fail_at && strcmp (fail_at, name) == 0) {
		dmig_error_set (err, DMIG_EFAIL, 0, "%s broke", name);
		return dmig_error_code (err, fail_code);
	}
	return 0;
}

/* The checks, as one step: a refusal there is exit 3 with nothing done. */
int __wrap_dmig_preflight_move (struct dmig_move *m, dmig_error_t *err);
int
__wrap_dmig_preflight_move (struct dmig_move *m, dmig_error_t *err)
{
	assert_non_null (m->dst);
	if (step ("check", err) < 0)
		return dmig_error_status (err, DMIG_EPREFLIGHT);
	return 0;
}

/* The engine's own state: made by prepare, freed by release. */
static int
fake_prepare (struct dmig_move *m, dmig_error_t *err)
{
	m->priv = strdup ("clone");
	return step ("prepare", err);
}

static void
fake_release (struct dmig_move *m)
{
	note (m->priv ? "release:clone" : "release");
	free (m->priv);
	m->priv = NULL;
}

static int
fake_freeze (struct dmig_move *m, dmig_error_t *err)
{
	assert_string_equal (journal_phase (), "freeze");
	if (freeze_stops)
		m->frozen = true; /* as an engine marks it once the container stopped */
	if (step ("freeze", err) < 0)
		return -1;
	m->frozen = true;
	return 0;
}

static int
fake_ship (struct dmig_move *m, dmig_error_t *err)
{
	(void)m;
	return step ("ship", err);
}

static int
fake_restore (struct dmig_move *m, dmig_error_t *err)
{
	(void)m;
	/* journaled before it begins: a kill now is recovered by asking the target */
	assert_string_equal (journal_phase (), "restore");
	return step ("restore", err);
}

static int
fake_discard (struct dmig_move *m, dmig_error_t *err)
{
	(void)m;
	note ("discard");
	if (discard_fails)
		return dmig_error_set (err, DMIG_EFAIL, 0, "the target's engine does not answer");
	return 0;
}

static int
fake_resume (struct dmig_move *m, dmig_error_t *err)
{
	(void)m;
	note ("resume");
	if (resume_fails)
		return dmig_error_set (err, DMIG_EFAIL, 0, "resume broke");
	return 0;
}

static int
fake_finish (struct dmig_move *m, dmig_error_t *err)
{
	(void)m;
	return step ("finish", err);
}

static int
fake_engine_check (struct dmig_engine *e, dmig_error_t *err)
{
	(void)e;
	(void)err;
	return 0;
}

static const struct dmig_move_ops fake_move = {
    .prepare = fake_prepare,
    .freeze = fake_freeze,
    .ship = fake_ship,
    .restore = fake_restore,
    .discard = fake_discard,
    .resume = fake_resume,
    .finish = fake_finish,
    .release = fake_release,
};

static int
fake_parse (json_object *raw, struct dmig_container *c, dmig_error_t *err)
{
	return dmig_container_parse_common (raw, c, err);
}

static const struct dmig_engine_ops fake_ops = {
    .kind = "docker",
    .api = "/v4.0.0/libpod",
    .parse = fake_parse,
    .check = fake_engine_check,
    .move = &fake_move,
};

/* ---- the seams beyond the move's ops ---- */

static int dummy_ssh;
#define FAKE_SSH ((struct dmig_ssh *)&dummy_ssh)

bool __wrap_dmig_engine_running (struct dmig_engine *e, const char *name);
bool
__wrap_dmig_engine_running (struct dmig_engine *e, const char *name)
{
	assert_false (e->remote);
	assert_string_equal (name, "c0ffee");
	return source_runs;
}

int __wrap_dmig_image_exists (struct dmig_engine *e, const char *id, bool *exists, dmig_error_t *err);
int
__wrap_dmig_image_exists (struct dmig_engine *e, const char *id, bool *exists, dmig_error_t *err)
{
	(void)e;
	(void)err;
	assert_string_equal (id, "sha256:1234");
	*exists = true; /* nothing to ship */
	return 0;
}

bool __wrap_dmig_ssh_alive (struct dmig_ssh *s);
bool
__wrap_dmig_ssh_alive (struct dmig_ssh *s)
{
	assert_ptr_equal (s, FAKE_SSH);
	return true;
}

const char *__wrap_dmig_ssh_name (const struct dmig_ssh *s);
const char *
__wrap_dmig_ssh_name (const struct dmig_ssh *s)
{
	assert_ptr_equal (s, FAKE_SSH);
	return "root@lab2:22";
}

int __wrap_dmig_volume_get (struct dmig_engine *e, const char *name, char **mountpoint, dmig_error_t *err);
int
__wrap_dmig_volume_get (struct dmig_engine *e, const char *name, char **mountpoint, dmig_error_t *err)
{
	char what[64];
	(void)err;
	assert_true (e->remote);
	snprintf (what, sizeof (what), "mkvol:%s", name);
	note (what);
	*mountpoint = strdup ("/var/lib/docker/volumes/data/_data");
	return 0;
}

int __wrap_dmig_volume_remove (struct dmig_engine *e, const char *name, dmig_error_t *err);
int
__wrap_dmig_volume_remove (struct dmig_engine *e, const char *name, dmig_error_t *err)
{
	char what[64];
	(void)err;
	assert_true (e->remote);
	snprintf (what, sizeof (what), "rmvol:%s", name);
	note (what);
	return 0;
}

/* The target does not answer (a recovery's connect). */
int __wrap_dmig_ssh_connect (const struct dmig_target *t, const char *config, struct dmig_ssh **out, dmig_error_t *err);
int
__wrap_dmig_ssh_connect (const struct dmig_target *t, const char *config, struct dmig_ssh **out, dmig_error_t *err)
{
	(void)config;
	note ("connect");
	*out = NULL;
	return dmig_error_set (err, DMIG_EPREFLIGHT, 0, "cannot connect to %s: no route to host", t->host);
}

/* The remote tars: each gets a stream that ends at once, and exits with
 * tar_status[its index]. */
static int tar_status[8], opened, waited;

int __wrap_dmig_ssh_open_exec (struct dmig_ssh *s, char *const argv[], int *fd, int *id, dmig_error_t *err);
int
__wrap_dmig_ssh_open_exec (struct dmig_ssh *s, char *const argv[], int *fd, int *id, dmig_error_t *err)
{
	int sv[2];
	(void)err;
	assert_ptr_equal (s, FAKE_SSH);
	assert_string_equal (argv[0], "tar");
	assert_int_equal (socketpair (AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close (sv[1]); /* the remote end reads nothing and says nothing */
	*fd = sv[0];
	*id = opened++;
	return 0;
}

int __wrap_dmig_ssh_wait (struct dmig_ssh *s, int id, long timeout_ms, int *status, char *errtext, size_t cap,
                          dmig_error_t *err);
int
__wrap_dmig_ssh_wait (struct dmig_ssh *s, int id, long timeout_ms, int *status, char *errtext, size_t cap,
                      dmig_error_t *err)
{
	(void)timeout_ms;
	(void)err;
	assert_ptr_equal (s, FAKE_SSH);
	assert_true (id >= 0 && id < opened);
	waited++;
	*status = tar_status[id];
	snprintf (errtext, cap, "%s", tar_status[id] ? "tar: ./x: Cannot open: No space left on device\n" : "");
	return 0;
}

static int
feed_nothing (void *arg, struct dmig_sink *sink, dmig_error_t *err)
{
	(void)arg;
	(void)sink;
	(void)err;
	return 0;
}

/* Three streams; the second's tar exits 2: the ship fails and says so, and
 * every tar is waited for. */
static void
remote_tar_status_counts (void **state)
{
	struct dmig_send sends[] = {
	    {.dest = "/v/a", .what = "volume 'a'", .feed = feed_nothing},
	    {.dest = "/v/b", .what = "volume 'b'", .feed = feed_nothing},
	    {.dest = "/v/c", .what = "volume 'c'", .feed = feed_nothing},
	};
	dmig_error_t err = NULL;
	(void)state;

	opened = waited = 0;
	memset (tar_status, 0, sizeof (tar_status));
	assert_int_equal (dmig_ship_dirs (FAKE_SSH, sends, 3, NULL, &err), 0);
	assert_null (err);
	assert_int_equal (waited, 3);

	opened = waited = 0;
	tar_status[1] = 2;
	assert_int_equal (dmig_ship_dirs (FAKE_SSH, sends, 3, NULL, &err), -1);
	assert_non_null (err);
	assert_int_equal (waited, 3);
	assert_int_equal (err->status, DMIG_EFAIL);
	assert_string_equal (err->msg, "shipping volume 'b': writing /v/b on root@lab2:22 failed: tar exited 2: tar: "
	                               "./x: Cannot open: No space left on device");
	dmig_error_release (&err);
}

/* ---- one move, as cmd_move fills it ---- */

static struct dmig_engine src = {.ops = &fake_ops, .docker_api = "/v1.44"},
                          dst = {.ops = &fake_ops, .docker_api = "/v1.41", .remote = true, .host = FAKE_SSH};
static struct dmig_target target = {.spec = "root@lab2", .host = "lab2"};
static struct dmig_move_opts opts;
static struct dmig_move m;
static struct dmig_container *ctr;

static int
setup (void **state)
{
	(void)state;
	snprintf (dir, sizeof (dir), "/tmp/dmig-migrate-XXXXXX");
	assert_non_null (mkdtemp (dir));
	snprintf (logpath, sizeof (logpath), "%s/calls", dir);
	snprintf (jdir, sizeof (jdir), "%s/journal", dir);
	snprintf (jpath, sizeof (jpath), "%s/docker/web.json", jdir);
	setenv ("DMIG_JOURNAL_DIR", jdir, 1);
	snprintf (hook_failed, sizeof (hook_failed), "echo \"hook:$DMIG_PHASE:$DMIG_CONTAINER\" >> %s", logpath);
	setenv ("DMIG_NO_PROGRESS", "1", 1);
	fail_at = interrupt_at = NULL;
	resume_fails = freeze_stops = discard_fails = false;
	fail_code = 0;
	source_runs = true;
	dmig_interrupted = 0;
	opts = (struct dmig_move_opts){.hook_failed = hook_failed, .hook_timeout_s = 10};
	json_object *raw =
	    json_tokener_parse ("{\"Id\":\"c0ffee\",\"Name\":\"/web\",\"Image\":\"sha256:1234\","
	                        "\"Config\":{\"Image\":\"web:1\"},\"State\":{\"Running\":true,\"Pid\":0}}");
	assert_int_equal (dmig_engine_parse (&fake_ops, raw, &ctr, NULL), 0);
	json_object_put (raw);
	m = (struct dmig_move){
	    .src = &src, .dst = &dst, .ssh = FAKE_SSH, .ctr = ctr, .name = "web", .target = &target, .o = &opts};
	return 0;
}

static int
teardown (void **state)
{
	(void)state;
	m.dst = NULL; /* static here, not made by a connect */
	m.ssh = NULL;
	dmig_migrate_release (&m);
	dmig_container_free (ctr);
	dmig_fs_rm_rf (dir, NULL);
	return 0;
}

/* Run the move; it must fail with status and a message that says says. */
static void
run_fails (int status, const char *says)
{
	dmig_error_t err = NULL;

	assert_int_equal (dmig_migrate_run (&m, &err), -1);
	assert_non_null (err);
	if (strstr (err->msg, says) == NULL)
		fail_msg ("'%s' does not say '%s'", err->msg, says);
	assert_int_equal (err->status, status);
	assert_int_equal (dmig_interrupted, 0);
	dmig_error_release (&err);
}

static void
succeeds (void **state)
{
	dmig_error_t err = NULL;
	(void)state;
	assert_int_equal (dmig_migrate_run (&m, &err), 0);
	assert_null (err);
	/* finish once, nothing undone, no failed-restore hook */
	assert_string_equal (calls (), "check prepare freeze ship restore finish");
	assert_string_equal (journal_phase (), "none"); /* the move ended: its journal went */
	assert_true (m.downtime_ms >= 0);
	assert_true (m.total_ms >= 0);
}

/* A check refuses: exit 3, and nothing after it runs (no freeze, no
 * journal, no hook: nothing was made, nothing to undo). */
static void
refused_by_a_check (void **state)
{
	(void)state;
	fail_at = "check";
	run_fails (DMIG_EPREFLIGHT, "check broke");
	assert_string_equal (calls (), "check");
	assert_string_equal (journal_phase (), "none");
}

static void
prepare_fails (void **state)
{
	(void)state;
	fail_at = "prepare";
	run_fails (DMIG_EFAIL, "failed before the freeze; container 'web' runs on here, unchanged: prepare broke");
	/* nothing was frozen: no resume, and no freeze after it */
	assert_string_equal (calls (), "check prepare discard");
}

static void
freeze_fails_source_runs (void **state)
{
	(void)state;
	fail_at = "freeze";
	run_fails (DMIG_EFAIL, "failed at the freeze; container 'web' runs on here, unchanged: freeze broke");
	assert_string_equal (calls (), "check prepare freeze discard");
}

/* A checkpoint that failed but stopped the container anyway: resumed. */
static void
freeze_fails_source_stopped (void **state)
{
	(void)state;
	fail_at = "freeze";
	source_runs = false;
	run_fails (DMIG_EFAIL, "container 'web' runs again on the source: freeze broke");
	assert_string_equal (calls (), "check prepare freeze resume discard hook:failed-restore:web");
}

/* The engine stopped it before failing: resumed, whatever the engine says. */
static void
freeze_fails_after_stopping (void **state)
{
	(void)state;
	fail_at = "freeze";
	freeze_stops = true;
	run_fails (DMIG_EFAIL, "container 'web' runs again on the source: freeze broke");
	assert_string_equal (calls (), "check prepare freeze resume discard hook:failed-restore:web");
}

static void
ship_fails (void **state)
{
	(void)state;
	fail_at = "ship";
	run_fails (DMIG_EFAIL, "the move failed; container 'web' runs again on the source: ship broke");
	assert_string_equal (journal_phase (), "none"); /* all put back */
	/* the source first, then the target's clone, then the hook */
	assert_string_equal (calls (), "check prepare freeze ship resume discard hook:failed-restore:web");
}

static void
pre_restore_hook_fails (void **state)
{
	(void)state;
	opts.hook_pre = "/bin/false";
	run_fails (DMIG_EFAIL, "runs again on the source: the pre-restore hook failed (exit 1)");
	assert_string_equal (calls (), "check prepare freeze ship resume discard hook:failed-restore:web");
}

static void
restore_fails (void **state)
{
	(void)state;
	fail_at = "restore";
	run_fails (DMIG_EFAIL, "the move failed; container 'web' runs again on the source: restore broke");
	assert_string_equal (calls (), "check prepare freeze ship restore resume discard hook:failed-restore:web");
}

/* The target's engine died in the restore: the source runs again, and
 * what is left there is the journal's clean-up for 'dmig recover'. */
static void
restore_and_discard_fail (void **state)
{
	(void)state;
	fail_at = "restore";
	discard_fails = true;
	run_fails (DMIG_EFAIL, "the move failed; container 'web' runs again on the source: restore broke");
	assert_string_equal (journal_phase (), "cleanup");
	assert_string_equal (calls (), "check prepare freeze ship restore resume discard hook:failed-restore:web");
}

/* Before the freeze likewise: it runs on, the clean-up is journaled. */
static void
prepare_and_discard_fail (void **state)
{
	(void)state;
	fail_at = "prepare";
	discard_fails = true;
	run_fails (DMIG_EFAIL, "runs on here, unchanged");
	assert_string_equal (journal_phase (), "cleanup");
}

/* Putting it back failed too: exit 4, and the target is cleaned all the same. */
static void
restore_and_resume_fail (void **state)
{
	(void)state;
	fail_at = "restore";
	resume_fails = true;
	run_fails (DMIG_ELOST, "resuming the container on the source failed too (resume broke): restore broke");
	/* not put back: the journal stays for 'dmig recover' */
	assert_string_equal (journal_phase (), "restore");
	assert_string_equal (calls (), "check prepare freeze ship restore resume discard hook:failed-restore:web");
}

static void
ship_and_resume_fail (void **state)
{
	(void)state;
	fail_at = "ship";
	resume_fails = true;
	run_fails (DMIG_ELOST, "resuming the container on the source failed too (resume broke): ship broke");
	assert_string_equal (calls (), "check prepare freeze ship resume discard hook:failed-restore:web");
}

/* The container runs on the target: a failed cleanup of the source is only
 * warned about, and nothing is undone. */
static void
finish_fails (void **state)
{
	dmig_error_t err = NULL;
	(void)state;
	fail_at = "finish";
	assert_int_equal (dmig_migrate_run (&m, &err), 0);
	assert_null (err);
	assert_string_equal (calls (), "check prepare freeze ship restore finish");
}

static void
post_restore_hook_fails (void **state)
{
	dmig_error_t err = NULL;
	(void)state;
	opts.hook_post = "/bin/false";
	assert_int_equal (dmig_migrate_run (&m, &err), 0);
	assert_null (err);
	assert_string_equal (calls (), "check prepare freeze ship restore finish");
}

/* SIGINT during the freeze (held until the checkpoint ends): no ship, the
 * source resumed, and the error says why. */
static void
interrupted_at_freeze (void **state)
{
	(void)state;
	interrupt_at = "freeze";
	run_fails (DMIG_EFAIL, "the move failed; container 'web' runs again on the source: interrupted by Interrupt");
	assert_string_equal (calls (), "check prepare freeze resume discard hook:failed-restore:web");
}

static void
interrupted_at_ship (void **state)
{
	(void)state;
	interrupt_at = "ship";
	run_fails (DMIG_EFAIL, "runs again on the source: interrupted by Interrupt");
	assert_string_equal (calls (), "check prepare freeze ship resume discard hook:failed-restore:web");
}

/* A step the signal cut short (its error's code EINTR, whatever its text)
 * fails the move as interrupted; one that failed on its own keeps its
 * error although a signal came too. */
static void
interrupt_cuts_a_step_short (void **state)
{
	(void)state;
	interrupt_at = fail_at = "ship";
	fail_code = EINTR;
	run_fails (DMIG_EFAIL, "runs again on the source: interrupted by Interrupt");
	teardown (NULL);
	setup (NULL);
	interrupt_at = fail_at = "ship";
	run_fails (DMIG_EFAIL, "runs again on the source: ship broke");
}

/* Before the freeze: nothing to resume, and the error says interrupted. */
static void
interrupted_at_prepare (void **state)
{
	(void)state;
	interrupt_at = "prepare";
	run_fails (DMIG_EFAIL, "runs on here, unchanged: interrupted by Interrupt");
	assert_string_equal (calls (), "check prepare discard");
}

/* A named volume: made on the target before the engine's prepare, and
 * removed there after the engine's discard; the engine's state released
 * once, by dmig_migrate_release. */
static void
volumes_made_and_undone (void **state)
{
	json_object *raw = json_tokener_parse (
	    "{\"Id\":\"c0ffee\",\"Name\":\"/web\",\"Image\":\"sha256:1234\",\"State\":{\"Running\":true},"
	    "\"Mounts\":[{\"Type\":\"volume\",\"Name\":\"data\",\"Source\":\"/nonexistent/data\","
	    "\"Destination\":\"/data\",\"RW\":true}]}");
	struct dmig_container *vc = NULL;
	(void)state;

	assert_int_equal (dmig_engine_parse (&fake_ops, raw, &vc, NULL), 0);
	json_object_put (raw);
	m.ctr = vc;
	fail_at = "ship";
	run_fails (DMIG_EFAIL, "runs again on the source: ship broke");
	assert_int_equal (m.nvolumes, 1);
	assert_string_equal (m.volumes[0].name, "data");
	assert_string_equal (m.volumes[0].here, "/nonexistent/data");
	m.dst = NULL; /* static here, not made by a connect */
	m.ssh = NULL;
	dmig_migrate_release (&m);
	assert_string_equal (calls (),
	                     "check mkvol:data prepare freeze ship resume discard rmvol:data hook:failed-restore:web "
	                     "release:clone");
	assert_int_equal (m.nvolumes, 0);
	assert_null (m.priv);
	m.ctr = ctr;
	dmig_container_free (vc);
}

/* A journal as a killed move left it, at phase. */
static json_object *
killed_at (const char *phase)
{
	json_object *j = json_object_new_object ();

	json_object_object_add (j, "op", json_object_new_string ("move"));
	json_object_object_add (j, "phase", json_object_new_string (phase));
	json_object_object_add (j, "engine", json_object_new_string ("docker"));
	json_object_object_add (j, "container", json_object_new_string ("web"));
	json_object_object_add (j, "target", json_object_new_string ("root@lab2"));
	json_object_object_add (j, "inspect", json_object_get (ctr->raw));
	return j;
}

/* Killed after the restore went through: the source goes, the target is
 * not even asked. */
static void
recover_after_restore (void **state)
{
	json_object *j = killed_at ("restored");
	dmig_error_t err = NULL;
	(void)state;
	assert_int_equal (dmig_migrate_recover (&src, j, &err), 0);
	assert_null (err);
	assert_string_equal (calls (), "finish release");
	json_object_put (j);
}

/* Killed while it restored there, and there does not answer: which copy
 * should run cannot be told, so nothing is done (the journal stays). */
static void
recover_restoring_needs_the_target (void **state)
{
	json_object *j = killed_at ("restore");
	dmig_error_t err = NULL;
	(void)state;
	assert_int_equal (dmig_migrate_recover (&src, j, &err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	assert_non_null (strstr (err->msg, "cut short while it restored there"));
	assert_non_null (strstr (err->msg, "run 'dmig recover web' once it does"));
	assert_string_equal (calls (), "connect release");
	dmig_error_release (&err);
	json_object_put (j);
}

/* Killed after the freeze, the target away: the source runs again at once;
 * the target's clean-up is left for later, and said so. */
static void
recover_frozen_resumes_first (void **state)
{
	json_object *j = killed_at ("freeze");
	dmig_error_t err = NULL;
	(void)state;
	assert_int_equal (dmig_migrate_recover (&src, j, &err), -1);
	assert_non_null (strstr (err->msg, "container 'web' runs here; what the move made on root@lab2 is left there"));
	assert_string_equal (calls (), "connect resume release");
	dmig_error_release (&err);
	json_object_put (j);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown (succeeds, setup, teardown),
	    cmocka_unit_test_setup_teardown (refused_by_a_check, setup, teardown),
	    cmocka_unit_test_setup_teardown (prepare_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown (freeze_fails_source_runs, setup, teardown),
	    cmocka_unit_test_setup_teardown (freeze_fails_source_stopped, setup, teardown),
	    cmocka_unit_test_setup_teardown (freeze_fails_after_stopping, setup, teardown),
	    cmocka_unit_test_setup_teardown (ship_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown (pre_restore_hook_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown (restore_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown (restore_and_resume_fail, setup, teardown),
	    cmocka_unit_test_setup_teardown (restore_and_discard_fail, setup, teardown),
	    cmocka_unit_test_setup_teardown (prepare_and_discard_fail, setup, teardown),
	    cmocka_unit_test_setup_teardown (ship_and_resume_fail, setup, teardown),
	    cmocka_unit_test_setup_teardown (finish_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown (post_restore_hook_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown (interrupted_at_freeze, setup, teardown),
	    cmocka_unit_test_setup_teardown (interrupted_at_ship, setup, teardown),
	    cmocka_unit_test_setup_teardown (interrupted_at_prepare, setup, teardown),
	    cmocka_unit_test_setup_teardown (volumes_made_and_undone, setup, teardown),
	    cmocka_unit_test_setup_teardown (recover_after_restore, setup, teardown),
	    cmocka_unit_test_setup_teardown (recover_restoring_needs_the_target, setup, teardown),
	    cmocka_unit_test_setup_teardown (recover_frozen_resumes_first, setup, teardown),
	    cmocka_unit_test_setup_teardown (interrupt_cuts_a_step_short, setup, teardown),
	    cmocka_unit_test (remote_tar_status_counts),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
