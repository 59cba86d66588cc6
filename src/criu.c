#include "criu.h"

#include <stdio.h>
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
	char *ver_argv[] = { "criu", "--version", NULL }, *check_argv[] = { "criu", "check", NULL };
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
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
				       "CRIU is not installed or does not run (no working 'criu' in PATH): install CRIU "
				       ">= %d.%d ('make setup' in dmig's source does)",
				       DMIG_CRIU_MIN_MAJOR, DMIG_CRIU_MIN_MINOR);
	v += 9;
	snprintf (version, cap, "%.*s", (int) strcspn (v, "\n"), v);
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
