/* Bundle reading (src/bundle.c dmig_bundle_unpack): the input is a bundle
 * file, unpacked into a fresh staging folder. Whatever it holds, nothing
 * may appear beside staging (a sentinel folder there stays empty), and an
 * accepted bundle must have put exactly its listed members in staging. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bundle.h"
#include "json.h"
#include "scratch.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
	static char keys[4096];

	(void)argc;
	(void)argv;
	/* signatures are judged by the keys of this process's folder (none),
	 * never the host's */
	snprintf (keys, sizeof (keys), "%s/keys", fuzz_root ());
	setenv ("DMIG_KEY_DIR", keys, 1);
	return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	const char *run = fuzz_enter ();
	json_object *m = NULL, *list;
	dmig_error_t err = NULL;
	char bundle[4096], staging[4096], path[4096];
	struct stat st;

	snprintf (bundle, sizeof (bundle), "%s", fuzz_file ("snap.dmig", data, size));
	snprintf (staging, sizeof (staging), "%s/staging", run);
	if (mkdir (staging, 0700) < 0 || mkdir ("sentinel", 0700) < 0)
		fuzz_fail ("cannot make the run's folders");

	if (dmig_bundle_unpack (bundle, staging, &m, NULL, &err) == 0) {
		list = dmig_json_get (m, "members");
		for (size_t i = 0; i < json_object_array_length (list); i++) {
			const char *name = dmig_json_str (json_object_array_get_idx (list, i), "name");
			snprintf (path, sizeof (path), "%s/%s", staging, name ? name : "");
			if (name == NULL || lstat (path, &st) < 0 || !S_ISREG (st.st_mode)
			    || st.st_size != dmig_json_int (json_object_array_get_idx (list, i), "size", -1))
				fuzz_fail ("an accepted bundle lacks its member '%s'", name ? name : "(none)");
		}
	} else if (m != NULL || err == NULL)
		fuzz_fail ("a refused bundle left a manifest or no error");
	json_object_put (m);
	dmig_error_release (&err);
	/* the run's folder holds the bundle, staging and the sentinel only */
	if (fuzz_entries ("sentinel") != 0 || fuzz_entries (".") != 3)
		fuzz_fail ("an unpack wrote outside staging");
	fuzz_leave ();
	return 0;
}
