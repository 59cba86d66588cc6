/* What Podman's export asks of its import (engines/podspec.c, podconf.c):
 * the input is one JSON object holding a manifest, a spec.dump and a
 * config.dump ({"manifest": ..., "spec": ..., "conf": ...}), each judged as
 * a rollback judges them. A refusal is exit 3 and names its member (what it
 * quotes of the input may hold any byte: the log quotes it); a pass leaves
 * no error. */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "podspec.h"
#include "scratch.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
	static const char *const none[] = {NULL};

	(void)argc;
	(void)argv;
	/* the host's hooks folders are not the input's to read */
	dmig_podspec_hooks_dirs = none;
	return 0;
}

static void
judged (int r, dmig_error_t *err, const char *member)
{
	char says[32];

	snprintf (says, sizeof (says), "member '%s' ", member);
	if (r == 0 && *err != NULL)
		fuzz_fail ("%s passed and left an error", member);
	if (r < 0
	    && (*err == NULL || (*err)->status != DMIG_EPREFLIGHT || strncmp ((*err)->msg, says, strlen (says)) != 0))
		fuzz_fail ("%s refused without exit 3 or without naming it", member);
	dmig_error_release (err);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	json_object *o = NULL, *m, *spec, *conf;
	dmig_error_t err = NULL;

	if (dmig_json_parse ((const char *)data, size, &o, &err) < 0) {
		dmig_error_release (&err);
		return 0;
	}
	m = dmig_json_get (o, "manifest");
	spec = dmig_json_get (o, "spec");
	conf = dmig_json_get (o, "conf");
	judged (dmig_podspec_check (m, spec, conf, &err), &err, "spec.dump");
	judged (dmig_podconf_check (m, conf, &err), &err, "config.dump");
	json_object_put (o);
	return 0;
}
