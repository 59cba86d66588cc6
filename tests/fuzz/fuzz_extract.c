/* Archive extraction (src/archive_io.c): the input as a tar extracted into
 * a scratch folder (dmig_archive_extract), then its member volumes/x.tar
 * extracted as a tar in a tar (dmig_archive_extract_nested), as a restore
 * does with Podman's export. Whatever the input, nothing may be made
 * outside the destination: a sentinel folder beside it stays empty, the
 * run's folder holds only what the harness made, and the input file gets
 * no hard link. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive_io.h"
#include "scratch.h"

#define NESTED "volumes/x.tar"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* The run's folder as the harness made it: input, dest, nested, sentinel. */
static void
nothing_outside (const char *what)
{
	struct stat st;

	if (fuzz_entries ("sentinel") != 0 || fuzz_entries (".") != 4 || lstat ("in.tar", &st) < 0
	    || !S_ISREG (st.st_mode) || st.st_nlink != 1)
		fuzz_fail ("%s made something outside its destination", what);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	const char *run = fuzz_enter ();
	char dest[4096], nested[4096];
	dmig_error_t err = NULL;
	bool found = false;
	int fd;

	fd = open (fuzz_file ("in.tar", data, size), O_RDONLY | O_CLOEXEC);
	snprintf (dest, sizeof (dest), "%s/dest", run);
	snprintf (nested, sizeof (nested), "%s/nested", run);
	if (fd < 0 || mkdir (dest, 0700) < 0 || mkdir (nested, 0700) < 0 || mkdir ("sentinel", 0700) < 0)
		fuzz_fail ("cannot make the run's folders");

	if (dmig_archive_extract (fd, dest, NULL, &err) < 0 && err == NULL)
		fuzz_fail ("an extraction failed without an error");
	dmig_error_release (&err);
	nothing_outside ("dmig_archive_extract");

	if (lseek (fd, 0, SEEK_SET) < 0)
		fuzz_fail ("cannot rewind the input");
	if (dmig_archive_extract_nested (fd, NESTED, nested, NULL, &found, &err) < 0 && err == NULL)
		fuzz_fail ("a nested extraction failed without an error");
	dmig_error_release (&err);
	nothing_outside ("dmig_archive_extract_nested");
	close (fd);
	fuzz_leave ();
	return 0;
}
