#include "criu.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "child.h"
#include "clock.h"
#include "fs.h"
#include "ssh.h"

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
dmig_criu_version_parse (const char *out, char *version, size_t cap, int *major, int *minor)
{
	const char *v = out != NULL ? strstr (out, "Version: ") : NULL;
	char line[64];

	*major = *minor = 0;
	if (v == NULL)
		return -1;
	v += 9;
	snprintf (line, sizeof (line), "%.*s", (int)strcspn (v, "\n"), v);
	if (version != NULL)
		snprintf (version, cap, "%s", line);
	if (sscanf (line, "%d.%d", major, minor) != 2)
		*major = *minor = 0;
	return 0;
}

bool
dmig_criu_version_ok (int major, int minor)
{
	return major > DMIG_CRIU_MIN_MAJOR || (major == DMIG_CRIU_MIN_MAJOR && minor >= DMIG_CRIU_MIN_MINOR);
}

int
dmig_criu_check (char *version, size_t cap, dmig_error_t *err)
{
	static char cached[32];
	char *ver_argv[] = {"criu", "--version", NULL}, *check_argv[] = {"criu", "check", NULL};
	char out[4096], line[256];
	int major, minor, r;

	if (*cached) {
		snprintf (version, cap, "%s", cached);
		return 0;
	}
	r = dmig_child_capture (ver_argv, out, sizeof (out), 10);
	if (r != 0 || dmig_criu_version_parse (out, version, cap, &major, &minor) < 0)
		return dmig_error_set (
		    err, DMIG_EPREFLIGHT, 0,
		    "CRIU is not installed or does not run (no working 'criu' in PATH): install CRIU "
		    ">= %d.%d ('make setup' in dmig's source does)",
		    DMIG_CRIU_MIN_MAJOR, DMIG_CRIU_MIN_MINOR);
	if (!dmig_criu_version_ok (major, minor))
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "CRIU %s is too old: dmig needs %d.%d or newer (older ones cannot dump TCP "
		                       "sockets on current kernels)",
		                       version, DMIG_CRIU_MIN_MAJOR, DMIG_CRIU_MIN_MINOR);
	r = dmig_child_capture (check_argv, out, sizeof (out), 30);
	if (r != 0) {
		last_line (out, line, sizeof (line));
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0, "CRIU %s fails 'criu check' on this host: %s", version,
		                       *line ? line : "no output");
	}
	snprintf (cached, sizeof (cached), "%s", version);
	return 0;
}

/* Add one line of a CRIU log to out if it is one of the first few
 * "Error (file:line): ..." lines. */
static void
add_line (char *line, char *out, size_t cap, size_t *used, int *n)
{
	char *e = strstr (line, "Error (");

	/* harmless where the sandbox caps RLIMIT_NOFILE */
	if (*n >= 3 || e == NULL || strstr (e, "RLIMIT_NOFILE") != NULL)
		return;
	e[strcspn (e, "\n")] = '\0';
	*used += (size_t)snprintf (out + *used, *used < cap ? cap - *used : 0, "%s%s", *n ? " | " : "", e);
	(*n)++;
}

/* The decisive lines of a CRIU log here, or on host (over SSH). */
static int
decisive_lines (const char *log, struct dmig_ssh *host, char *out, size_t cap)
{
	char line[1024], remote[4096];
	size_t used = 0;
	int n = 0;

	*out = '\0';
	if (host != NULL) {
		char *argv[] = {"grep", "-F", "-m", "8", "--", "Error (", (char *)log, NULL};
		if (dmig_ssh_run (host, argv, remote, sizeof (remote), 30000, NULL) < 0)
			return -1;
		for (char *l = strtok (remote, "\n"); l != NULL; l = strtok (NULL, "\n"))
			add_line (l, out, cap, &used, &n);
		return 0;
	}
	FILE *fp = fopen (log, "re");
	if (fp == NULL)
		return -1;
	while (fgets (line, sizeof (line), fp) != NULL)
		add_line (line, out, cap, &used, &n);
	fclose (fp);
	return 0;
}

int
dmig_criu_log_named (const char *msg, char *path, size_t pcap, char *summary, size_t scap)
{
	/* Podman's runc, Docker's runc name the log; Podman's runc may only
	 * show its command line, whose work path holds the log */
	static const char *const marks[] = {"log file: ", "path= ", "--work-path "};
	const char *at;
	size_t mark = 0, n;

	for (at = NULL; mark < 3 && (at = strstr (msg, marks[mark])) == NULL; mark++)
		;
	if (at == NULL)
		return -1;
	/* What precedes the log's name (or runc's command) is the engine's own summary. */
	n = (size_t)(at - msg);
	if (mark == 2) {
		const char *tick = memrchr (msg, '`', n);
		if (tick == NULL)
			return -1;
		n = (size_t)(tick - msg);
	}
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ' || msg[n - 1] == ';'))
		n--;
	snprintf (summary, scap, "%.*s%s", (int)n, msg,
	          mark < 2                          ? ""
	          : strstr (msg, "runc checkpoint") ? " runc checkpoint failed"
	                                            : " runc restore failed");
	at += strlen (marks[mark]);
	n = strcspn (at, mark < 2 ? ": \n" : " `\n");
	if (n == 0 || n + 16 >= pcap)
		return -1;
	snprintf (path, pcap, "%.*s%s", (int)n, at,
	          mark < 2                          ? ""
	          : strstr (msg, "runc checkpoint") ? "/dump.log"
	                                            : "/restore.log");
	return 0;
}

void
dmig_criu_explain (dmig_error_t *err, struct dmig_ssh *host)
{
	char lines[1536], *full = NULL;

	/* once: the summary goes when its log has been read */
	if (err == NULL || *err == NULL || (*err)->criu_log == NULL || (*err)->criu_summary == NULL)
		return;
	if (decisive_lines ((*err)->criu_log, host, lines, sizeof (lines)) < 0)
		snprintf (lines, sizeof (lines), "its log is gone, the engine removed it with the failed container");
	if (asprintf (&full, "%s; CRIU: %s (log: %s)", (*err)->criu_summary,
	              *lines ? lines : "no error lines in its log", (*err)->criu_log)
	    < 0)
		return;
	free ((*err)->msg);
	(*err)->msg = full;
	free ((*err)->criu_summary);
	(*err)->criu_summary = NULL;
}

bool
dmig_criu_restores_symlinks (struct dmig_ssh *host)
{
	static int here = -1; /* asked once */
	char *argv[] = {"criu", "--dmig-restore-compat", NULL}, out[256];

	if (host != NULL)
		return dmig_ssh_run (host, argv, out, sizeof (out), 30000, NULL) == 0;
	if (here < 0)
		here = dmig_child_capture (argv, out, sizeof (out), 10) == 0;
	return here;
}

/* Given the image on stdin, `criu cpuinfo check` in a folder of its own
 * there, its words on stdout; exit 100 when the image could not be put
 * down. Nothing in it comes from the move. */
static const char cpuinfo_script[] =
    "d=$(mktemp -d) || exit 100; trap 'rm -rf -- \"$d\"' EXIT; cat > \"$d/cpuinfo.img\" || exit 100; "
    "criu cpuinfo check -D \"$d\" 2>&1";

/* This host's CPU as `criu cpuinfo dump` writes it, into img. */
static int
cpuinfo_here (char *img, size_t cap, size_t *len, dmig_error_t *err)
{
	char dir[] = "/tmp/dmig-cpuinfo-XXXXXX", path[64], out[1024], line[256];
	char *argv[] = {"criu", "cpuinfo", "dump", "-D", dir, NULL};
	ssize_t n = -1;
	int fd, r;

	if (mkdtemp (dir) == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "cannot make a folder for 'criu cpuinfo dump'");
	r = dmig_child_capture (argv, out, sizeof (out), 30);
	snprintf (path, sizeof (path), "%s/cpuinfo.img", dir);
	if (r == 0 && (fd = open (path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read (fd, img, cap);
		close (fd);
	}
	dmig_fs_rm_rf (dir, NULL);
	if (r != 0 || n <= 0 || (size_t)n == cap) {
		last_line (out, line, sizeof (line));
		return dmig_error_set (err, DMIG_EFAIL, 0, "'criu cpuinfo dump' failed here%s%s", *line ? ": " : "",
		                       line);
	}
	*len = (size_t)n;
	return 0;
}

int
dmig_criu_cpuinfo (struct dmig_ssh *host, char *why, size_t cap, dmig_error_t *err)
{
	char *argv[] = {"sh", "-c", (char *)cpuinfo_script, NULL};
	char img[64 * 1024], out[4096], errtext[1024];
	long long deadline = dmig_clock_now_ms () + 60 * 1000;
	size_t len = 0, off = 0;
	int fd, id, status = -1, r;

	if (cap)
		*why = '\0';
	if (cpuinfo_here (img, sizeof (img), &len, err) < 0)
		return -1;
	if (dmig_ssh_open_exec (host, argv, &fd, &id, err) < 0)
		return -1;
	while (off < len) {
		ssize_t n = write (fd, img + off, len - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	shutdown (fd, SHUT_WR);
	r = dmig_fs_read_all (fd, out, sizeof (out), deadline);
	close (fd);
	if (dmig_ssh_wait (host, id, 30 * 1000, &status, errtext, sizeof (errtext), err) < 0)
		return -1;
	if (r < 0 || off < len || status == 100 || status == 127)
		return dmig_error_set (err, DMIG_EFAIL, 0, "'criu cpuinfo check' did not run on %s%s%s",
		                       dmig_ssh_name (host), status == 127 ? ": no criu there" : "",
		                       r < 0 ? ": no answer in time" : "");
	if (status == 0)
		return 0;
	last_line (out, why, cap);
	if (cap && *why == '\0')
		snprintf (why, cap, "exit %d", status);
	return 1;
}
