/* Children dmig starts: a program (argv, no shell) or a function run in a
 * forked child, its output captured or not, waited for with a deadline and
 * killed at it. The one place dmig spawns or forks a child. */
#ifndef DMIG_CHILD_H
#define DMIG_CHILD_H

#include <stddef.h>

struct dmig_child {
	/* The program and its arguments: argv[0] is looked up in PATH (a name
	 * with a '/' is run as it is). */
	char *const *argv;
	/* Or, with argv NULL: fn (arg) runs in a forked child, which exits with
	 * what fn returns. Only async-signal-safe calls in fn (dmig has
	 * threads). */
	int (*fn) (void *arg);
	void *arg;
	/* "NAME=value" entries (NULL-terminated) the program gets after dmig's
	 * own environment; NULL: dmig's environment only. */
	char *const *env;
	/* Set: the child's stdout and stderr go here, up to cap - 1 bytes
	 * (NUL-terminated), and it is killed, too, once dmig is interrupted
	 * (dmig_interrupted). NULL: it writes where dmig does. */
	char *out;
	size_t cap;
	/* Killed (SIGKILL) when it has not ended after this long; <= 0: no
	 * deadline. */
	long long timeout_ms;
};

#define DMIG_CHILD_NOSTART (-1) /* it could not be started (errno set) */
#define DMIG_CHILD_NOWAIT  (-2) /* it could not be waited for (errno set) */
#define DMIG_CHILD_KILLED  (-3) /* dmig killed it: the deadline, an interruption */

/* Start the child c describes and wait for it: its wait status (test it
 * with WIFEXITED, WEXITSTATUS, WTERMSIG), or one of DMIG_CHILD_*. */
int dmig_child_run (const struct dmig_child *c);

/* Run argv with its stdout and stderr captured (up to cap - 1 bytes; out
 * may be NULL) and killed after timeout_s seconds or at an interruption:
 * its exit status, or -1 when it did not run, was killed or died of a
 * signal. */
int dmig_child_capture (char *const argv[], char *out, size_t cap, int timeout_s);

#endif
