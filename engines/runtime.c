/* An engine still at work on a container (runtime.h): read from /proc. */
#include "runtime.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"

#define N_OF(a) (sizeof (a) / sizeof ((a)[0]))

/* A process's argv, NUL-separated, into buf (at most cap - 1 bytes):
 * its length, or -1. */
static ssize_t
read_cmdline (const char *pid, char *buf, size_t cap)
{
	char path[300];
	ssize_t n, len = 0;
	int fd;

	snprintf (path, sizeof (path), "/proc/%s/cmdline", pid);
	if ((fd = open (path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while ((size_t)len < cap - 1 && (n = read (fd, buf + len, cap - 1 - (size_t)len)) > 0)
		len += n;
	close (fd);
	buf[len] = '\0';
	return len;
}

/* argv (len bytes) has an argument "checkpoint" or "restore" and one
 * equal to id */
static bool
argv_works_on (const char *argv, ssize_t len, const char *id)
{
	bool verb = false, it = false;

	for (const char *a = argv; a < argv + len; a += strlen (a) + 1) {
		if (strcmp (a, "checkpoint") == 0 || strcmp (a, "restore") == 0)
			verb = true;
		else if (strcmp (a, id) == 0)
			it = true;
	}
	return verb && it;
}

/* path is in id's checkpoint folder ("/<id>/", then "checkpoint") */
static bool
in_checkpoints (const char *path, const char *id)
{
	size_t n = strlen (id);

	for (const char *p = strstr (path, id); p != NULL; p = strstr (p + 1, id))
		if (p > path && p[-1] == '/' && p[n] == '/' && strstr (p + n, "checkpoint") != NULL)
			return true;
	return false;
}

static bool
under (const char *path, const char *dir)
{
	size_t n = strlen (dir);
	return strncmp (path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* a file the process pid has open is one w watches */
static bool
fds_touch (const char *pid, const struct dmig_runtime_watch *w)
{
	char dir[300], link[600], path[4096];
	struct dirent *d;
	bool hit = false;
	DIR *fds;

	snprintf (dir, sizeof (dir), "/proc/%s/fd", pid);
	if ((fds = opendir (dir)) == NULL)
		return false;
	while (!hit && (d = readdir (fds)) != NULL) {
		ssize_t n;

		if (!isdigit ((unsigned char)d->d_name[0]))
			continue;
		snprintf (link, sizeof (link), "%s/%s", dir, d->d_name);
		if ((n = readlink (link, path, sizeof (path) - 1)) <= 0 || path[0] != '/')
			continue;
		path[n] = '\0';
		for (size_t i = 0; i < N_OF (w->ids) && !hit; i++)
			hit = w->ids[i] && *w->ids[i] && in_checkpoints (path, w->ids[i]);
		for (size_t i = 0; i < N_OF (w->dirs) && !hit; i++)
			hit = w->dirs[i] && *w->dirs[i] && under (path, w->dirs[i]);
	}
	closedir (fds);
	return hit;
}

bool
dmig_runtime_busy (const struct dmig_runtime_watch *w)
{
	/* a runtime's argv: its options, the paths of the images, the ID */
	char argv[16384];
	struct dirent *d;
	bool busy = false;
	DIR *proc;

	if ((proc = opendir ("/proc")) == NULL)
		return false;
	while (!busy && (d = readdir (proc)) != NULL) {
		ssize_t len;

		if (!isdigit ((unsigned char)d->d_name[0]) || (pid_t)atoi (d->d_name) == getpid ())
			continue;
		if ((len = read_cmdline (d->d_name, argv, sizeof (argv))) > 0)
			for (size_t i = 0; i < N_OF (w->ids) && !busy; i++)
				busy = w->ids[i] && *w->ids[i] && argv_works_on (argv, len, w->ids[i]);
		busy = busy || fds_touch (d->d_name, w);
	}
	closedir (proc);
	return busy;
}

int
dmig_runtime_wait (const struct dmig_runtime_watch *w, long timeout_ms, long quiet_ms, bool *waited)
{
	long long end = dmig_clock_now_ms () + timeout_ms, idle_since = -1;

	*waited = false;
	for (;;) {
		long long now = dmig_clock_now_ms ();

		if (dmig_runtime_busy (w)) {
			*waited = true;
			idle_since = -1;
		} else if (idle_since < 0) {
			idle_since = now;
		}
		if (idle_since >= 0 && now - idle_since >= quiet_ms)
			return 0;
		if (now >= end)
			return -1;
		usleep (100 * 1000);
	}
}
