/* Podman's checkpoint export, read and rewritten (src/archive_io.c
 * dmig_archive_replace_member): the input as the export, rootfs-diff.tar
 * replaced by (or added as) a small fixed member. When the rewrite says it
 * succeeded, what it wrote must read back as a tar (dmig's own reader) whose
 * first rootfs-diff.tar is that member. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "archive_io.h"
#include "scratch.h"
#include "tarstream.h"

#define MEMBER "rootfs-diff.tar"
static const char member_data[] = "the writable layer, as a tar of its own\n";

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static int
open_file (const char *name, const void *data, size_t size)
{
	int fd = open (fuzz_file (name, data, size), O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		fuzz_fail ("cannot open %s", name);
	return fd;
}

/* Read the rewritten export back: a whole tar, its member as given. */
static void
check_rewritten (int fd)
{
	struct dmig_tar_reader *r = NULL;
	struct dmig_tar_entry e;
	dmig_error_t err = NULL;
	bool seen = false;
	char buf[4096];
	int rc;

	if (lseek (fd, 0, SEEK_SET) < 0 || dmig_tar_reader_open (fd, &r, &err) < 0)
		fuzz_fail ("the rewritten export cannot be read: %s", err ? err->msg : "lseek");
	while ((rc = dmig_tar_reader_next (r, &e, &err)) > 0) {
		size_t got = 0;
		ssize_t n;
		bool mine = !seen && e.name && strcmp (e.name, MEMBER) == 0;

		while ((n = dmig_tar_reader_read (r, buf, sizeof (buf), &err)) > 0) {
			if (mine
			    && (got + (size_t)n > strlen (member_data) || memcmp (buf, &member_data[got], (size_t)n)))
				fuzz_fail ("the rewritten export holds another " MEMBER);
			got += (size_t)n;
		}
		if (n < 0)
			fuzz_fail ("the rewritten export is corrupt: %s", err->msg);
		if (mine && (!e.regular || got != strlen (member_data)))
			fuzz_fail ("the rewritten export's " MEMBER " is not the member given");
		seen = seen || mine;
	}
	if (rc < 0 || !seen)
		fuzz_fail ("the rewritten export is %s", rc < 0 ? err->msg : "without " MEMBER);
	dmig_tar_reader_close (r);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	struct dmig_sink sink = {.fd = -1};
	dmig_error_t err = NULL;
	int in, diff;

	fuzz_enter ();
	in = open_file ("export.tar", data, size);
	diff = open_file (MEMBER, member_data, strlen (member_data));
	sink.fd = open ("checkpoint.tar", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (sink.fd < 0)
		fuzz_fail ("cannot create the rewritten export");

	if (dmig_archive_replace_member (in, MEMBER, diff, strlen (member_data), &sink, &err) == 0)
		check_rewritten (sink.fd);
	else if (err == NULL)
		fuzz_fail ("a rewrite failed without an error");
	dmig_error_release (&err);
	close (sink.fd);
	close (diff);
	close (in);
	fuzz_leave ();
	return 0;
}
