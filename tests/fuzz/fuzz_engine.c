/* Engine JSON (engines/): the input parsed as JSON (src/json.c) into each
 * engine's container model (dmig_engine_parse with Docker's and Podman's
 * ops), asked whose /version answer it is, taken as an error answer
 * (dmig_engine_fail, which looks for the CRIU log it names); and the input
 * as text read for CRIU's log (dmig_criu_log_named), as a mountinfo or
 * ctr's mount line (the writable layer of Docker's containerd image store)
 * and as binds (dmig's network files). Dotted lookups (dmig_json_get) with
 * the paths dmig uses, odd ones and the input. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "criu.h"
#include "engine.h"
#include "json.h"
#include "scratch.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static const char *const paths[] = {
    "Id",
    "Name",
    "State.Running",
    "State.Pid",
    "HostConfig.RestartPolicy.MaximumRetryCount",
    "NetworkSettings.Networks",
    "GraphDriver.Data.UpperDir",
    "members",
    "config.Config.Image",
    "",
    ".",
    "..",
    "a.",
    ".a",
    "a..b",
    "message",
    "cause",
    "Components",
};

static void
lookups (json_object *o, const char *text)
{
	for (size_t i = 0; i < sizeof (paths) / sizeof (paths[0]); i++) {
		dmig_json_get (o, paths[i]);
		dmig_json_str (o, paths[i]);
		dmig_json_int (o, paths[i], -1);
		dmig_json_bool (o, paths[i]);
	}
	dmig_json_get (o, text);
	dmig_json_str (o, text);
}

/* Each engine's model of the input as an inspect answer. */
static void
models (json_object *o)
{
	const struct dmig_engine_ops *const ops[] = {&dmig_docker_ops, &dmig_podman_ops};

	for (size_t i = 0; i < 2; i++) {
		struct dmig_container *c = NULL;
		const struct dmig_mount *mt;
		dmig_error_t err = NULL;

		if (dmig_engine_parse (ops[i], o, &c, &err) == 0) {
			if (c == NULL || c->raw != o
			    || (c->name && c->name[0] == '/' && dmig_json_str (o, "Name")[1] != '/'))
				fuzz_fail ("%s's model of an inspect answer is off", ops[i]->kind);
			for (size_t v = 0; (mt = dmig_container_next_volume (c, &v)) != NULL;)
				if (mt->type != DMIG_MOUNT_VOLUME || mt->name == NULL)
					fuzz_fail ("a mount that is no named volume listed as one");
		} else if (c != NULL || err == NULL)
			fuzz_fail ("%s refused an inspect answer without an error", ops[i]->kind);
		dmig_container_free (c);
		dmig_error_release (&err);
		ops[i]->identify (o);
	}
	dmig_engine_version_names (o, "Podman");
}

/* The input as an engine's error answer; the engine is only named. */
static void
error_answer (json_object *o)
{
	struct dmig_engine e = {.ops = &dmig_podman_ops};
	dmig_error_t err = NULL;

	dmig_json_api_message (o);
	dmig_engine_fail (&e, 500, o, &err, "checkpoint %s", "web");
	if (err == NULL || err->msg == NULL || (err->criu_log != NULL) != (err->criu_summary != NULL))
		fuzz_fail ("an error answer made a broken error");
	dmig_error_release (&err);
}

/* What an engine said, read for the CRIU log it names; small buffers too. */
static void
criu_log (const char *text)
{
	char path[512], summary[1024], small[20], tiny[1];

	if (dmig_criu_log_named (text, path, sizeof (path), summary, sizeof (summary)) == 0
	    && (!*path || strlen (path) >= sizeof (path)))
		fuzz_fail ("a CRIU log named as '%s'", path);
	if (dmig_criu_log_named (text, small, sizeof (small), tiny, sizeof (tiny)) == 0 && (!*small || *tiny))
		fuzz_fail ("a CRIU log named in small buffers as '%s'", small);
}

/* The input as a container's mountinfo and as mount options: an upperdir
 * found is a string of its own, a snapshot's folder only when it says so;
 * and as a bind. */
static void
layer (const uint8_t *data, size_t size, const char *text)
{
	FILE *f = size ? fmemopen ((void *)data, size, "r") : NULL;
	char *u;

	if (f) {
		u = dmig_container_upper_from_mountinfo (f);
		if (u && (*u == '\0' || strlen (u) > size))
			fuzz_fail ("a mountinfo's upperdir read as '%s'", u);
		free (u);
		fclose (f);
	}
	u = dmig_container_upper_of (text);
	if (u && (*u == '\0' || !strstr (text, "upperdir=")))
		fuzz_fail ("mount options' upperdir read as '%s'", u);
	if (u && dmig_container_snapshot_dir_ok (u)
	    && (u[0] != '/' || strstr (u, "/../") || !strstr (u, "/snapshots/")))
		fuzz_fail ("'%s' taken as a snapshot's folder", u);
	free (u);
	if (dmig_container_netfile_bind (text) && !strstr (text, "/" DMIG_NETFILES "/"))
		fuzz_fail ("'%s' taken as dmig's network file", text);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	char *text = fuzz_str (data, size);
	dmig_error_t err = NULL;
	json_object *o = NULL;

	criu_log (text);
	layer (data, size, text);
	if (dmig_json_parse ((const char *)data, size, &o, &err) == 0) {
		lookups (o, text);
		models (o);
		error_answer (o);
		dmig_json_text (o);
		json_object_put (o);
	} else if (err == NULL)
		fuzz_fail ("malformed JSON refused without an error");
	dmig_error_release (&err);
	free (text);
	return 0;
}
