/* The manifest reader (src/bundle.c: the first member of a bundle, its JSON,
 * its format, its member list) through both public readers: the input is
 * the manifest's text, put first in a bundle by dmig's own tar writer, with
 * one fixed member after it. An accepted unpack must have checked that
 * member against the manifest. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "json.h"
#include "scratch.h"
#include "tarstream.h"

#define MEMBER      "checkpoint.tar"
#define MEMBER_DATA "dmig fuzz\n"
#define MEMBER_SHA  "25ac24f5f3f74b727b7761e5f6d16c5fc71e2109d5bac5083fa94efd5d3ab54f"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* manifest.json holding the input, then MEMBER. */
static void
write_bundle (const char *path, const uint8_t *data, size_t size)
{
	struct dmig_tar_writer *w = NULL;
	dmig_error_t err = NULL;
	int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0 || dmig_tar_writer_open (fd, false, &w, &err) < 0
	    || dmig_tar_writer_add_buf (w, "manifest.json", data, size, &err) < 0
	    || dmig_tar_writer_add_buf (w, MEMBER, MEMBER_DATA, strlen (MEMBER_DATA), &err) < 0
	    || dmig_tar_writer_close (w, &err) < 0)
		fuzz_fail ("cannot write the bundle: %s", err ? err->msg : "open");
	close (fd);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	const char *run = fuzz_enter ();
	json_object *m = NULL, *list;
	dmig_error_t err = NULL;
	const char *sha;
	char bundle[4096], staging[4096];
	struct stat st;

	snprintf (bundle, sizeof (bundle), "%s/snap.dmig", run);
	snprintf (staging, sizeof (staging), "%s/staging", run);
	write_bundle (bundle, data, size);
	if (mkdir (staging, 0700) < 0)
		fuzz_fail ("cannot make %s", staging);

	if (dmig_bundle_read_manifest (bundle, &m, &err) == 0) {
		if (!json_object_is_type (m, json_type_object) || dmig_json_int (m, "format", 0) != DMIG_BUNDLE_FORMAT)
			fuzz_fail ("a manifest of another format read");
	} else if (m != NULL || err == NULL)
		fuzz_fail ("a refused manifest left a result or no error");
	json_object_put (m);
	dmig_error_release (&err);

	if (dmig_bundle_unpack (bundle, staging, &m, &err) == 0) {
		/* accepted: it lists exactly the one member, as it is */
		list = dmig_json_get (m, "members");
		sha = dmig_json_str (json_object_array_get_idx (list, 0), "sha256");
		if (json_object_array_length (list) != 1 || sha == NULL || strcmp (sha, MEMBER_SHA) != 0
		    || stat (MEMBER, &st) == 0 || stat ("staging/" MEMBER, &st) < 0
		    || st.st_size != (off_t)strlen (MEMBER_DATA))
			fuzz_fail ("an unpack accepted a manifest that does not describe the bundle");
	} else if (m != NULL || err == NULL)
		fuzz_fail ("a refused unpack left a manifest or no error");
	json_object_put (m);
	dmig_error_release (&err);
	fuzz_leave ();
	return 0;
}
