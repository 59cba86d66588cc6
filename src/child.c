/* Children dmig starts and waits for (see child.h). */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "fs.h"

extern char **environ;

/* dmig's environment followed by extra (NULL-terminated): a new array of
 * borrowed strings, or NULL when out of memory. */
static char **
environment (char *const *extra)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	while (extra[k])
		k++;
	env = calloc (n + k + 1, sizeof (*env));
	if (env == NULL)
		return NULL;
	memcpy (env, environ, n * sizeof (*env));
	memcpy (env + n, extra, k * sizeof (*env));
	return env;
}

/* posix_spawnp argv with stdout and stderr on out_fd (when >= 0): the
 * child's pid, or -1 with errno set. */
static pid_t
spawn_argv (const struct dmig_child *c, int out_fd)
{
	posix_spawn_file_actions_t fa;
	char **env = c->env ? environment (c->env) : environ;
	pid_t pid;
	int r;

	if (env == NULL) {
		errno = ENOMEM;
		return -1;
	}
	posix_spawn_file_actions_init (&fa);
	if (out_fd >= 0) {
		posix_spawn_file_actions_adddup2 (&fa, out_fd, STDOUT_FILENO);
		posix_spawn_file_actions_adddup2 (&fa, out_fd, STDERR_FILENO);
	}
	r = posix_spawnp (&pid, c->argv[0], &fa, NULL, c->argv, env);
	posix_spawn_file_actions_destroy (&fa);
	if (env != environ)
		free (env);
	if (r != 0) {
		errno = r;
		return -1;
	}
	return pid;
}

/* fork, and run c->fn in the child: its pid, or -1 with errno set. */
static pid_t
fork_fn (const struct dmig_child *c, int out_fd)
{
	pid_t pid = fork ();

	if (pid == 0) {
		if (out_fd >= 0 && (dup2 (out_fd, STDOUT_FILENO) < 0 || dup2 (out_fd, STDERR_FILENO) < 0))
			_exit (127);
		_exit (c->fn (c->arg));
	}
	return pid;
}

static int
killed (pid_t pid)
{
	int status;

	kill (pid, SIGKILL);
	while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
		;
	return DMIG_CHILD_KILLED;
}

int
dmig_child_run (const struct dmig_child *c)
{
	long long deadline = c->timeout_ms > 0 ? dmig_clock_now_ms () + c->timeout_ms : LLONG_MAX;
	int fds[2] = {-1, -1}, status = 0, nap_ms = 1;
	pid_t pid;

	if (c->out != NULL && pipe2 (fds, O_CLOEXEC) < 0)
		return DMIG_CHILD_NOSTART;
	pid = c->argv != NULL ? spawn_argv (c, fds[1]) : fork_fn (c, fds[1]);
	if (fds[1] >= 0)
		close (fds[1]);
	if (pid < 0) {
		int e = errno;
		if (fds[0] >= 0)
			close (fds[0]);
		errno = e;
		return DMIG_CHILD_NOSTART;
	}
	if (fds[0] >= 0) {
		/* its output to its end: the deadline or an interruption cut it short */
		int r = dmig_fs_read_all (fds[0], c->out, c->cap, deadline);
		close (fds[0]);
		if (r < 0)
			return killed (pid);
	}
	/* Poll, napping 1, 2, 4 ... 20 ms: a child that is done is seen at once,
	 * one that runs long costs 50 wake-ups a second. */
	for (;;) {
		pid_t w = waitpid (pid, &status, WNOHANG);
		if (w == pid)
			return status;
		if (w < 0 && errno != EINTR)
			return DMIG_CHILD_NOWAIT;
		if (dmig_clock_now_ms () >= deadline)
			return killed (pid);
		usleep ((useconds_t)nap_ms * 1000);
		nap_ms = nap_ms < 10 ? nap_ms * 2 : 20;
	}
}

int
dmig_child_capture (char *const argv[], char *out, size_t cap, int timeout_s)
{
	char none[1];
	struct dmig_child c = {
	    .argv = argv, .out = out ? out : none, .cap = out ? cap : sizeof (none), .timeout_ms = timeout_s * 1000LL};
	int status = dmig_child_run (&c);

	return status >= 0 && WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}
