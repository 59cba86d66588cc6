#include "criu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

static void
last_line (char *text, char *out, size_t cap)
{
	size_t n = strlen (text);
	char *start;

	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
		text[--n] = '\0';
	start = strrchr (text, '\n');
	snprintf (out, cap, "%s", start ? start + 1 : text);
}

int
dmig_criu_check (char *version, size_t cap, dmig_error_t *err)
{
	static char cached[32];
	char *ver_argv[] = {"criu", "--version", NULL}, *check_argv[] = {"criu", "check", NULL};
	char out[4096], line[256];
	int major = 0, minor = 0, r;
	const char *v;

	if (*cached) {
		snprintf (version, cap, "%s", cached);
		return 0;
	}
	r = dmig_run (ver_argv, out, sizeof (out), 10);
	v = strstr (out, "Version: ");
	if (r != 0 || v == NULL)
		return dmig_error_set (
		    err, DMIG_EPREFLIGHT, 0,
		    "CRIU is not installed or does not run (no working 'criu' in PATH): install CRIU "
		    ">= %d.%d ('make setup' in dmig's source does)",
		    DMIG_CRIU_MIN_MAJOR, DMIG_CRIU_MIN_MINOR);
	v += 9;
	snprintf (version, cap, "%.*s", (int)strcspn (v, "\n"), v);
	if (sscanf (version, "%d.%d", &major, &minor) != 2 || major < DMIG_CRIU_MIN_MAJOR
	    || (major == DMIG_CRIU_MIN_MAJOR && minor < DMIG_CRIU_MIN_MINOR))
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "CRIU %s is too old: dmig needs %d.%d or newer (older ones cannot dump TCP "
		                       "sockets on current kernels)",
		                       version, DMIG_CRIU_MIN_MAJOR, DMIG_CRIU_MIN_MINOR);
	r = dmig_run (check_argv, out, sizeof (out), 30);
	if (r != 0) {
		last_line (out, line, sizeof (line));
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0, "CRIU %s fails 'criu check' on this host: %s", version,
		                       *line ? line : "no output");
	}
	snprintf (cached, sizeof (cached), "%s", version);
	return 0;
}

/* The first few "Error (file:line): ..." lines of a CRIU log. */
static int
decisive_lines (const char *log, char *out, size_t cap)
{
	char line[1024];
	FILE *fp = fopen (log, "re");
	size_t used = 0;
	int n = 0;

	*out = '\0';
	if (fp == NULL)
		return -1;
	while (n < 3 && fgets (line, sizeof (line), fp) != NULL) {
		char *e = strstr (line, "Error (");
		/* harmless where the sandbox caps RLIMIT_NOFILE */
		if (e == NULL || strstr (e, "RLIMIT_NOFILE") != NULL)
			continue;
		e[strcspn (e, "\n")] = '\0';
		used += (size_t)snprintf (out + used, used < cap ? cap - used : 0, "%s%s", n ? " | " : "", e);
		n++;
	}
	fclose (fp);
	return 0;
}

void
dmig_criu_explain (dmig_error_t *err, bool local)
{
	char path[512], lines[1536], *msg, *at, *full = NULL;
	size_t n;

	static const char *const marks[] = {"log file: ", "path= "}; /* Podman's runc; Docker's runc */
	size_t mark = 0;

	if (err == NULL || *err == NULL)
		return;
	for (at = NULL; mark < 2 && (at = strstr ((*err)->msg, marks[mark])) == NULL; mark++)
		;
	if (at == NULL)
		return;
	at += strlen (marks[mark]);
	n = strcspn (at, ": \n");
	if (n == 0 || n >= sizeof (path))
		return;
	memcpy (path, at, n);
	path[n] = '\0';
	msg = (*err)->msg;
	if (!local)
		snprintf (lines, sizeof (lines), "see its log on that host");
	else if (decisive_lines (path, lines, sizeof (lines)) < 0)
		snprintf (lines, sizeof (lines), "its log is gone, the engine removed it with the failed container");
	/* What precedes the log's name is the engine's own summary. */
	n = (size_t)(at - strlen (marks[mark]) - msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ' || msg[n - 1] == ';'))
		n--;
	if (asprintf (&full, "%.*s; CRIU: %s (log: %s)", (int)n, msg, *lines ? lines : "no error lines in its log",
	              path)
	    < 0)
		return;
	free (msg);
	(*err)->msg = full;
}
