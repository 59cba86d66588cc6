// WRAP:
/* What dmig refuses to carry, each check alone: the container's state,
 * terminal and storage from its inspect; and, from a real process standing
 * in for the container (a child of the test's, which counts as the
 * container with its descendants), the unix sockets connected outside it
 * and the files CRIU cannot dump. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "live.h"

static struct dmig_engine docker = {.ops = &dmig_docker_ops};

static struct dmig_container *
parse (const char *json)
{
	json_object *raw = json_tokener_parse (json);
	struct dmig_container *c = NULL;

	assert_non_null (raw);
	assert_int_equal (dmig_engine_parse (&dmig_docker_ops, raw, &c, NULL), 0);
	json_object_put (raw);
	return c;
}

/* fn's result for c: 0 with detail, or -1 whose message says says. */
static void
refuses (dmig_check_fn *fn, struct dmig_container *c, const char *says)
{
	dmig_error_t err = NULL;
	char detail[512] = "";

	assert_int_equal (fn (&docker, c, detail, sizeof (detail), &err), -1);
	assert_non_null (err);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	if (strstr (err->msg, says) == NULL)
		fail_msg ("'%s' does not say '%s'", err->msg, says);
	dmig_error_release (&err);
}

static void
passes (dmig_check_fn *fn, struct dmig_container *c, const char *says)
{
	dmig_error_t err = NULL;
	char detail[512] = "";

	if (fn (&docker, c, detail, sizeof (detail), &err) != 0)
		fail_msg ("refused: %s", err ? err->msg : detail);
	assert_null (err);
	if (strstr (detail, says) == NULL)
		fail_msg ("'%s' does not say '%s'", detail, says);
}

#define RUNNING "\"State\":{\"Running\":true,\"Pid\":0}"
#define LAYER   "\"GraphDriver\":{\"Name\":\"overlay2\",\"Data\":{\"UpperDir\":\"/var/lib/docker/overlay2/x/diff\"}}"

static void
state_tty_storage (void **state)
{
	struct dmig_container *c;
	(void)state;

	c = parse ("{\"Id\":\"c0ffee\",\"Name\":\"/web\"," RUNNING "," LAYER "}");
	passes (dmig_check_state, c, "container 'web' runs");
	passes (dmig_check_tty, c, "no terminal");
	passes (dmig_check_storage, c, "overlay2, its writable layer /var/lib/docker/overlay2/x/diff");
	assert_int_equal (dmig_check_container (&docker, c, NULL), 0);
	dmig_container_free (c);

	c = parse ("{\"Name\":\"/web\",\"State\":{\"Running\":true,\"Paused\":true}}");
	refuses (dmig_check_state, c, "container 'web' is paused, a state dmig does not carry");
	dmig_container_free (c);
	c = parse ("{\"Name\":\"/web\",\"State\":{\"Running\":false}}");
	refuses (dmig_check_state, c, "container 'web' is not running: start it first");
	dmig_container_free (c);
	c = parse ("{\"Name\":\"/web\"," RUNNING ",\"HostConfig\":{\"AutoRemove\":true}}");
	refuses (dmig_check_state, c, "was started with --rm");
	dmig_container_free (c);
	c = parse ("{\"Name\":\"/web\"," RUNNING ",\"Config\":{\"Tty\":true}," LAYER "}");
	refuses (dmig_check_tty, c, "container 'web' has a terminal (-t)");
	/* the whole check gives the first refusal */
	dmig_error_t err = NULL;
	assert_int_equal (dmig_check_container (&docker, c, &err), -1);
	assert_non_null (strstr (err->msg, "has a terminal"));
	dmig_error_release (&err);
	dmig_container_free (c);
	c = parse ("{\"Name\":\"/web\"," RUNNING ",\"GraphDriver\":{\"Name\":\"vfs\"}}");
	refuses (dmig_check_storage, c, "uses the 'vfs' storage driver: dmig carries only overlay2 and overlayfs");
	dmig_container_free (c);
}

/* ---- a process standing in for a running container ---- */

enum hold {
	HOLD_NOTHING,
	HOLD_DAEMON,
	HOLD_PEER_OUTSIDE,
	HOLD_PAIR_INSIDE,
	HOLD_CHILD_PEER_OUTSIDE,
	HOLD_IO_URING,
	HOLD_KMSG
};

static pid_t ctr_pid;
static int outside = -1;                     /* the test's end of a socket the container holds */
static char daemon_dir[40], daemon_path[80]; /* a socket the test serves */

/* Start the stand-in holding what h says, and wait until it does. */
static void
start (enum hold h)
{
	int sv[2] = {-1, -1}, ready[2];
	char c;

	assert_int_equal (pipe (ready), 0);
	if (h == HOLD_DAEMON) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		snprintf (daemon_dir, sizeof (daemon_dir), "/tmp/dmig-check-XXXXXX");
		assert_non_null (mkdtemp (daemon_dir));
		snprintf (daemon_path, sizeof (daemon_path), "%s/engine.sock", daemon_dir);
		snprintf (sa.sun_path, sizeof (sa.sun_path), "%s", daemon_path);
		assert_true ((outside = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0);
		assert_int_equal (bind (outside, (struct sockaddr *)&sa, sizeof (sa)), 0);
		assert_int_equal (listen (outside, 1), 0);
	}
	if (h == HOLD_PEER_OUTSIDE || h == HOLD_PAIR_INSIDE || h == HOLD_CHILD_PEER_OUTSIDE)
		assert_int_equal (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ctr_pid = fork ();
	assert_true (ctr_pid >= 0);
	if (ctr_pid == 0) {
		setpgid (0, 0); /* its own group: stopped with its children */
		close (ready[0]);
		if (h == HOLD_PEER_OUTSIDE)
			close (sv[1]);
		if (h == HOLD_DAEMON) {
			struct sockaddr_un sa = {.sun_family = AF_UNIX};
			int fd = socket (AF_UNIX, SOCK_STREAM, 0);
			snprintf (sa.sun_path, sizeof (sa.sun_path), "%s", daemon_path);
			close (outside);
			if (fd < 0 || connect (fd, (struct sockaddr *)&sa, sizeof (sa)) < 0)
				_exit (3);
		}
		if (h == HOLD_IO_URING) {
			char params[120] = {0}; /* struct io_uring_params */
			if (syscall (__NR_io_uring_setup, 4, params) < 0)
				_exit (3);
		}
		if (h == HOLD_KMSG && open ("/dev/kmsg", O_RDONLY | O_CLOEXEC) < 0)
			_exit (3);
		/* a grandchild holds it: the container's processes are all of them */
		if (h == HOLD_CHILD_PEER_OUTSIDE) {
			close (sv[1]);
			if (fork () == 0) {
				if (write (ready[1], "r", 1) != 1)
					_exit (1);
				pause ();
				_exit (0);
			}
			close (sv[0]);
			pause ();
			_exit (0);
		}
		if (write (ready[1], "r", 1) != 1)
			_exit (1);
		pause ();
		_exit (0);
	}
	close (ready[1]);
	if (h == HOLD_DAEMON) {
		int conn = accept (outside, NULL, NULL); /* the daemon's end: outside */
		assert_true (conn >= 0);
		close (outside);
		outside = conn;
	}
	if (h == HOLD_PEER_OUTSIDE || h == HOLD_CHILD_PEER_OUTSIDE) {
		close (sv[0]);
		outside = sv[1];
	} else if (sv[0] >= 0) {
		close (sv[0]);
		close (sv[1]);
	}
	if (read (ready[0], &c, 1) != 1) {
		int status;
		waitpid (ctr_pid, &status, 0);
		close (ready[0]);
		ctr_pid = 0;
		skip (); /* the stand-in could not open it here (no io_uring, no /dev/kmsg) */
	}
	close (ready[0]);
}

static int
stop_stand_in (void **state)
{
	(void)state;
	if (ctr_pid > 0) {
		if (kill (-ctr_pid, SIGKILL) < 0) /* its group did not form yet */
			kill (ctr_pid, SIGKILL);
		waitpid (ctr_pid, NULL, 0);
	}
	ctr_pid = 0;
	if (outside >= 0)
		close (outside);
	outside = -1;
	if (*daemon_dir) {
		unlink (daemon_path);
		rmdir (daemon_dir);
		*daemon_dir = '\0';
	}
	return 0;
}

static struct dmig_container *
stand_in (void)
{
	char json[256];

	snprintf (json, sizeof (json), "{\"Name\":\"/web\",\"State\":{\"Running\":true,\"Pid\":%d}}", (int)ctr_pid);
	return parse (json);
}

static void
unix_peer_outside (void **state)
{
	struct dmig_container *c;
	(void)state;

	start (HOLD_PEER_OUTSIDE);
	c = stand_in ();
	refuses (dmig_check_unix, c,
	         "container 'web' has 1 unix socket connected to a process outside it (the first: "
	         "an unnamed socket (inode ");
	dmig_container_free (c);
}

/* Connected to a daemon's socket (as a bound-in docker.sock would be): named. */
static void
unix_daemon_outside (void **state)
{
	struct dmig_container *c;
	char says[256];
	(void)state;

	start (HOLD_DAEMON);
	c = stand_in ();
	snprintf (says, sizeof (says), "has 1 unix socket connected to a process outside it (the first: %s)",
	          daemon_path);
	refuses (dmig_check_unix, c, says);
	dmig_container_free (c);
}

/* The socket is a grandchild's: still the container's. */
static void
unix_peer_outside_of_a_descendant (void **state)
{
	struct dmig_live l;
	struct dmig_container *c;
	dmig_error_t err = NULL;
	(void)state;

	start (HOLD_CHILD_PEER_OUTSIDE);
	assert_int_equal (dmig_live_scan (ctr_pid, &l, &err), 0);
	assert_int_equal (l.npids, 2);
	dmig_live_free (&l);
	c = stand_in ();
	refuses (dmig_check_unix, c, "has 1 unix socket connected to a process outside it");
	dmig_container_free (c);
}

/* Both ends inside, or none: nothing to refuse. */
static void
unix_pair_inside (void **state)
{
	struct dmig_container *c;
	(void)state;

	start (HOLD_PAIR_INSIDE);
	c = stand_in ();
	passes (dmig_check_unix, c, "no unix socket connected outside the container");
	passes (dmig_check_fds, c, "1 process, no device, io_uring, perf event or BPF program open");
	dmig_container_free (c);
}

static void
fds_io_uring (void **state)
{
	struct dmig_container *c;
	(void)state;

	start (HOLD_IO_URING);
	c = stand_in ();
	refuses (dmig_check_fds, c,
	         "container 'web' has 1 open file CRIU cannot checkpoint (the first: [io_uring] held by "
	         "process ");
	dmig_container_free (c);
}

static void
fds_device (void **state)
{
	struct dmig_container *c;
	(void)state;

	start (HOLD_KMSG);
	c = stand_in ();
	refuses (dmig_check_fds, c, "(the first: /dev/kmsg (character device 1:11) held by process ");
	dmig_container_free (c);
}

/* A container elsewhere (or without a process) is not read here. */
static void
not_here (void **state)
{
	struct dmig_engine there = {.ops = &dmig_docker_ops, .remote = true};
	struct dmig_container *c = parse ("{\"Name\":\"/web\"," RUNNING "}");
	dmig_error_t err = NULL;
	char detail[256];
	(void)state;

	assert_int_equal (dmig_check_unix (&there, c, detail, sizeof (detail), &err), 0);
	assert_string_equal (detail, "not counted: the container does not run on this host");
	assert_int_equal (dmig_check_fds (&docker, c, detail, sizeof (detail), &err), 0);
	assert_string_equal (detail, "not read: the container does not run on this host");
	assert_int_equal (dmig_live_scan (0, &(struct dmig_live){0}, &err), -1);
	dmig_error_release (&err);
	dmig_container_free (c);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (state_tty_storage),
	    cmocka_unit_test_teardown (unix_peer_outside, stop_stand_in),
	    cmocka_unit_test_teardown (unix_peer_outside_of_a_descendant, stop_stand_in),
	    cmocka_unit_test_teardown (unix_daemon_outside, stop_stand_in),
	    cmocka_unit_test_teardown (unix_pair_inside, stop_stand_in),
	    cmocka_unit_test_teardown (fds_io_uring, stop_stand_in),
	    cmocka_unit_test_teardown (fds_device, stop_stand_in),
	    cmocka_unit_test (not_here),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
