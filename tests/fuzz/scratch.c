/* The libFuzzer targets' private folder: one per process under /tmp, a
 * fresh run folder inside it for every input, removed after it. */
#include "scratch.h"

#include <dirent.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

static char root[PATH_MAX];
static char run[PATH_MAX];
static char file[PATH_MAX];
static int home = -1; /* where the process was: libFuzzer's paths are relative to it */

void
fuzz_fail (const char *fmt, ...)
{
	va_list ap;

	va_start (ap, fmt);
	fputs ("fuzz: ", stderr);
	vfprintf (stderr, fmt, ap);
	fputc ('\n', stderr);
	va_end (ap);
	abort ();
}

static void
remove_root (void)
{
	if (home >= 0 && fchdir (home) < 0)
		return;
	dmig_fs_rm_rf (root, NULL);
}

const char *
fuzz_root (void)
{
	const char *tmp = getenv ("TMPDIR");

	if (*root)
		return root;
	/* TMPDIR on a tmpfs makes the targets that write files faster (the
	 * bundle's fsyncs cost nothing there) */
	snprintf (root, sizeof (root), "%s/dmig-fuzz-XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp");
	if (mkdtemp (root) == NULL)
		fuzz_fail ("cannot make a private folder: %s", strerror (errno));
	home = open (".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (home < 0)
		fuzz_fail ("cannot open the working directory: %s", strerror (errno));
	atexit (remove_root);
	return root;
}

const char *
fuzz_enter (void)
{
	snprintf (run, sizeof (run), "%s/run", fuzz_root ());
	/* a run that died half way (it cannot, short of a finding) left nothing */
	dmig_fs_rm_rf (run, NULL);
	if (mkdir (run, 0700) < 0 || chdir (run) < 0)
		fuzz_fail ("cannot make %s: %s", run, strerror (errno));
	return run;
}

void
fuzz_leave (void)
{
	dmig_error_t err = NULL;

	if (fchdir (home) < 0)
		fuzz_fail ("cannot go back to the working directory: %s", strerror (errno));
	if (dmig_fs_rm_rf (run, &err) < 0)
		fuzz_fail ("%s", err->msg);
}

const char *
fuzz_file (const char *name, const uint8_t *data, size_t size)
{
	int fd;

	snprintf (file, sizeof (file), "%s/%s", run, name);
	fd = open (file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		fuzz_fail ("cannot create %s: %s", file, strerror (errno));
	for (size_t done = 0; done < size;) {
		ssize_t n = write (fd, data + done, size - done);
		if (n <= 0)
			fuzz_fail ("cannot write %s: %s", file, strerror (errno));
		done += (size_t)n;
	}
	close (fd);
	return file;
}

char *
fuzz_str (const uint8_t *data, size_t size)
{
	char *s = malloc (size + 1);

	if (s == NULL)
		fuzz_fail ("out of memory");
	memcpy (s, data, size);
	s[size] = '\0';
	return s;
}

size_t
fuzz_entries (const char *dir)
{
	DIR *d = opendir (dir);
	struct dirent *de;
	size_t n = 0;

	if (d == NULL)
		fuzz_fail ("cannot open %s", dir);
	while ((de = readdir (d)) != NULL)
		n += strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0;
	closedir (d);
	return n;
}
