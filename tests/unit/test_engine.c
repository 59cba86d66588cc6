// WRAP: dmig_http_request dmig_ssh_name
/* Engines through a scripted HTTP seam: requests made, answers judged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "bundle.h"
#include "check.h"
#include "engine.h"
#include "fs.h"
#include "http.h"
#include "image.h"
#include "log.h"
#include "migrate.h"
#include "snapshot.h"
#include "http_group.h"

/* The script: each call must match the next step, and gets its answer. */
struct step {
	const char *method;
	const char *path; /* prefix the request path must start with */
	int status;       /* < 0: no answer at all (transport error) */
	const char *body;
	const char *stream; /* bytes handed to req->write, for streamed answers */
	size_t stream_len;
	char seen_body[4096];
	char seen_path[512];
};

/* The engine's own checks of a move (engines/move.h), as the preflight
 * runs them without --force: 0, or -1 at the first refusal. The one named
 * last (may be NULL) gets its detail into *detail. */
static int
engine_checks (const struct dmig_engine_ops *ops, struct dmig_move *mv, char *detail, size_t cap, dmig_error_t *err)
{
	for (const struct dmig_move_check *c = ops->move->checks; c->name; c++) {
		enum dmig_verdict v;
		if ((c->needs & DMIG_NEED_CONTAINER) && mv->ctr == NULL)
			continue;
		if (cap)
			*detail = '\0';
		v = c->run (mv, detail, cap, err);
		if (v == DMIG_CHECK_FAIL || v == DMIG_CHECK_ERROR)
			return -1;
	}
	return 0;
}

static struct step script[32];
static size_t nsteps, next_step;

int __wrap_dmig_http_request (struct dmig_http *h, const struct dmig_http_req *req, struct dmig_http_resp *resp,
                              dmig_error_t *err);
int
__wrap_dmig_http_request (struct dmig_http *h, const struct dmig_http_req *req, struct dmig_http_resp *resp,
                          dmig_error_t *err)
{
	struct step *s;
	(void)h;
	memset (resp, 0, sizeof (*resp));
	if (next_step >= nsteps)
		fail_msg ("unexpected request %s %s", req->method, req->path);
	s = &script[next_step++];
	assert_string_equal (req->method, s->method);
	if (strncmp (req->path, s->path, strlen (s->path)) != 0)
		fail_msg ("request %s, expected %s", req->path, s->path);
	snprintf (s->seen_path, sizeof (s->seen_path), "%s", req->path);
	if (req->body)
		snprintf (s->seen_body, sizeof (s->seen_body), "%.*s", (int)req->body_len, req->body);
	if (s->status < 0)
		return dmig_error_set (err, DMIG_EFAIL, 0, "cannot connect to the engine");
	resp->status = s->status;
	if (s->stream && req->write && s->status < 300) {
		if (req->write (req->arg, s->stream, s->stream_len) < 0)
			return dmig_error_set (err, DMIG_EFAIL, 0, "write failed");
		return 0;
	}
	resp->body = strdup (s->body ? s->body : "");
	resp->len = strlen (resp->body);
	return 0;
}

/* A move's target, as its link names it. */
const char *__wrap_dmig_ssh_name (const struct dmig_ssh *s);
const char *
__wrap_dmig_ssh_name (const struct dmig_ssh *s)
{
	(void)s;
	return "hostD";
}

static void
expect (const char *method, const char *path, int status, const char *body)
{
	script[nsteps++] = (struct step){.method = method, .path = path, .status = status, .body = body};
}

static char sock[64];

static int
setup (void **state)
{
	int fd;
	(void)state;
	nsteps = next_step = 0;
	memset (script, 0, sizeof (script));
	snprintf (sock, sizeof (sock), "/tmp/dmig-sock-XXXXXX");
	fd = mkstemp (sock);
	assert_true (fd >= 0);
	close (fd);
	return 0;
}

static int
teardown (void **state)
{
	(void)state;
	unlink (sock);
	assert_int_equal (next_step, nsteps); /* every scripted call was made */
	return 0;
}

static struct dmig_engine *
open_engine (const char *version_body)
{
	struct dmig_engine *e = NULL;
	dmig_error_t err = NULL;
	char url[128];
	expect ("GET", "/version", 200, version_body);
	snprintf (url, sizeof (url), "unix://%s", sock);
	if (dmig_engine_open (url, &e, &err) < 0)
		fail_msg ("open: %s", err->msg);
	return e;
}

/* The engine's model of an inspect answer, for the calls that take one. */
static int
check (struct dmig_engine *e, json_object *j, dmig_error_t *err)
{
	struct dmig_container *c = NULL;
	int r;

	assert_int_equal (dmig_engine_parse (e->ops, j, &c, NULL), 0);
	r = dmig_check_container (e, c, err);
	dmig_container_free (c);
	return r;
}

static int
capture (struct dmig_engine *e, json_object *j, const char *staging, const struct dmig_capture_opts *o,
         struct dmig_members *ms, dmig_error_t *err)
{
	struct dmig_container *c = NULL;
	int r;

	assert_int_equal (dmig_engine_parse (e->ops, j, &c, NULL), 0);
	r = e->ops->capture (e, c, staging, o, ms, err);
	dmig_container_free (c);
	return r;
}

/* As Debian 12's engines answer (ApiVersion, MinAPIVersion measured). */
#define DOCKER_VERSION                                                                                                 \
	"{\"Version\":\"20.10.24\",\"ApiVersion\":\"1.41\",\"MinAPIVersion\":\"1.12\",\"Components\":[{\"Name\":"      \
	"\"Engine\"}]}"
#define PODMAN_VERSION                                                                                                 \
	"{\"Version\":\"4.3.1\",\"ApiVersion\":\"1.41\",\"MinAPIVersion\":\"1.24\",\"Components\":[{\"Name\":"         \
	"\"Podman Engine\"}]}"

/* As Debian testing's Podman answers (lab host D). */
#define PODMAN5_VERSION                                                                                                \
	"{\"Version\":\"5.8.6\",\"ApiVersion\":\"1.44\",\"MinAPIVersion\":\"1.24\",\"Components\":[{\"Name\":"         \
	"\"Podman Engine\"}]}"
/* libpod's /info, with the runtime its import restores with */
#define PODMAN_INFO(rt) "{\"host\":{\"ociRuntime\":{\"name\":\"" rt "\",\"path\":\"/usr/bin/" rt "\"}}}"

static void
tells_engines_apart (void **state)
{
	struct dmig_engine *e;
	(void)state;
	e = open_engine (DOCKER_VERSION);
	assert_string_equal (e->ops->kind, "docker");
	assert_string_equal (e->version, "20.10.24");
	dmig_engine_close (e);
	e = open_engine (PODMAN_VERSION);
	assert_string_equal (e->ops->kind, "podman");
	dmig_engine_close (e);
}

/* The registry: every engine once, each identified by its own answer. */
static void
registry_lists_each_engine (void **state)
{
	const char *const *kinds = dmig_engine_kinds ();
	(void)state;
	assert_string_equal (kinds[0], "docker");
	assert_string_equal (kinds[1], "podman");
	assert_null (kinds[2]);
	for (size_t i = 0; dmig_engines[i]; i++) {
		assert_non_null (dmig_engines[i]->socket);
		assert_non_null (dmig_engines[i]->parse);
		assert_non_null (dmig_engines[i]->move);
	}
}

/* Every %s of a request path is escaped; %r (the engine's own fragment)
 * and %d are not; what does not fit fails. */
static void
paths_escape_their_arguments (void **state)
{
	struct dmig_engine *e = open_engine (PODMAN_VERSION);
	dmig_error_t err = NULL;
	char path[64];
	(void)state;
	assert_int_equal (dmig_engine_path (e, false, path, sizeof (path), &err, "/images/%s/json%r?t=%d",
	                                    "localhost/web:1 x", "/get", 7),
	                  0);
	assert_string_equal (path, "/v4.0.0/libpod/images/localhost%2Fweb%3A1%20x/json/get?t=7");
	assert_int_equal (dmig_engine_path (e, true, path, sizeof (path), &err, "/volumes/%s", "../../containers"), 0);
	assert_string_equal (path, "/v1.41/volumes/..%2F..%2Fcontainers");
	assert_int_equal (dmig_engine_path (e, false, path, 20, &err, "/containers/%s", "web"), -1);
	assert_non_null (strstr (err->msg, "too long"));
	assert_string_equal (path, "");
	dmig_error_release (&err);
	dmig_engine_close (e);
}

/* Each engine's inspect answer as one model: Docker's leading '/' goes,
 * Podman's image name and OCI config are its own keys. */
static void
inspect_answers_parse_into_the_model (void **state)
{
	json_object *d = json_tokener_parse (
	    "{\"Id\":\"abc\",\"Name\":\"/web\",\"Image\":\"sha256:1\",\"Config\":{\"Image\":\"web:1\",\"Tty\":true},"
	    "\"State\":{\"Running\":true,\"Paused\":false,\"Pid\":42},\"HostConfig\":{\"AutoRemove\":true,"
	    "\"NetworkMode\":\"net1\",\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":3},"
	    "\"LogConfig\":{\"Type\":\"json-file\"}},\"LogPath\":\"/l/abc-json.log\",\"GraphDriver\":{\"Name\":"
	    "\"overlay2\",\"Data\":{\"UpperDir\":\"/u\"}},\"NetworkSettings\":{\"Networks\":{\"net1\":{},\"net2\":{}}},"
	    "\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/srv\",\"Destination\":\"/srv\",\"RW\":false},"
	    "{\"Type\":\"volume\",\"Name\":\"data\",\"Source\":\"/v/data\",\"Destination\":\"/data\",\"RW\":true},"
	    "{\"Type\":\"volume\",\"Source\":\"/v/anon\",\"Destination\":\"/x\"}]}");
	json_object *p = json_tokener_parse ("{\"Id\":\"def\",\"Name\":\"db\",\"Image\":\"99d8\",\"ImageName\":"
	                                     "\"localhost/db:1\",\"OCIConfigPath\":\"/o/config.json\",\"HostConfig\":{"
	                                     "\"IDMappings\":{\"UidMap\":[\"0:1000:1\"]}}}");
	struct dmig_container *c = NULL;
	const struct dmig_mount *v;
	size_t i = 0;
	(void)state;

	assert_int_equal (dmig_engine_parse (&dmig_docker_ops, d, &c, NULL), 0);
	assert_string_equal (c->id, "abc");
	assert_string_equal (c->name, "web");
	assert_string_equal (c->image_id, "sha256:1");
	assert_string_equal (c->image_name, "web:1");
	assert_true (c->running && !c->paused && c->auto_remove && c->tty && !c->userns);
	assert_int_equal (c->pid, 42);
	assert_string_equal (c->driver, "overlay2");
	assert_string_equal (c->upper, "/u");
	assert_string_equal (c->network_mode, "net1");
	assert_int_equal (c->nnetworks, 2);
	assert_string_equal (c->restart_policy, "on-failure");
	assert_int_equal (c->restart_retries, 3);
	assert_string_equal (c->log_driver, "json-file");
	assert_string_equal (c->log_path, "/l/abc-json.log");
	assert_int_equal (c->nmounts, 3);
	assert_int_equal (c->mounts[0].type, DMIG_MOUNT_BIND);
	assert_false (c->mounts[0].rw);
	/* named volumes only */
	assert_non_null (v = dmig_container_next_volume (c, &i));
	assert_string_equal (v->name, "data");
	assert_string_equal (v->source, "/v/data");
	assert_true (v->rw);
	assert_null (dmig_container_next_volume (c, &i));
	assert_ptr_equal (c->raw, d); /* the answer itself, kept */
	dmig_container_free (c);

	assert_int_equal (dmig_engine_parse (&dmig_podman_ops, p, &c, NULL), 0);
	assert_string_equal (c->name, "db");
	assert_string_equal (c->image_name, "localhost/db:1");
	assert_string_equal (c->oci_config, "/o/config.json");
	assert_true (c->userns);
	assert_null (c->upper);
	dmig_container_free (c);

	/* not an object: refused */
	json_object *a = json_tokener_parse ("[]");
	dmig_error_t err = NULL;
	assert_int_equal (dmig_engine_parse (&dmig_docker_ops, a, &c, &err), -1);
	assert_null (c);
	dmig_error_release (&err);
	json_object_put (a);
	json_object_put (d);
	json_object_put (p);
}

static void
missing_socket_and_bad_url (void **state)
{
	struct dmig_engine *e = NULL;
	dmig_error_t err = NULL;
	(void)state;
	assert_int_equal (dmig_engine_open ("unix:///nonexistent/engine.sock", &e, &err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	assert_non_null (strstr (err->msg, "no engine socket at /nonexistent/engine.sock"));
	dmig_error_release (&err);
	assert_int_equal (dmig_engine_open ("tcp://1.2.3.4:2375", &e, &err), -1);
	assert_int_equal (err->status, DMIG_EUSAGE);
	dmig_error_release (&err);
	/* a socket nobody answers on */
	char url[128];
	snprintf (url, sizeof (url), "unix://%s", sock);
	expect ("GET", "/version", -1, NULL);
	assert_int_equal (dmig_engine_open (url, &e, &err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	dmig_error_release (&err);
}

static void
docker_needs_experimental (void **state)
{
	struct dmig_engine *e = open_engine (DOCKER_VERSION);
	dmig_error_t err = NULL;
	(void)state;
	expect ("GET", "/v1.41/info", 200, "{\"ExperimentalBuild\":false,\"DockerRootDir\":\"/var/lib/docker\"}");
	assert_int_equal (e->ops->check (e, &err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	assert_non_null (strstr (err->msg, "experimental"));
	dmig_error_release (&err);
	expect ("GET", "/v1.41/info", 200, "{\"ExperimentalBuild\":true}");
	assert_int_equal (e->ops->check (e, &err), 0);
	dmig_engine_close (e);
}

static void
inspect_answers (void **state)
{
	struct dmig_engine *e = open_engine (DOCKER_VERSION);
	dmig_error_t err = NULL;
	struct dmig_container *c = NULL;
	(void)state;
	expect ("GET", "/v1.41/containers/web/json", 404, "{\"message\":\"No such container: web\"}");
	assert_int_equal (dmig_engine_inspect (e, "web", &c, &err), 0);
	assert_null (c);
	expect ("GET", "/v1.41/containers/web/json", 200, "{\"Id\":\"abc\",\"Name\":\"/web\"}");
	assert_int_equal (dmig_engine_inspect (e, "web", &c, &err), 0);
	assert_string_equal (c->id, "abc");
	assert_string_equal (c->name, "web");
	dmig_container_free (c);
	expect ("GET", "/v1.41/containers/web/json", 500, "{\"message\":\"daemon on fire\"}");
	assert_int_equal (dmig_engine_inspect (e, "web", &c, &err), -1);
	assert_non_null (strstr (err->msg, "daemon on fire"));
	assert_non_null (strstr (err->msg, "500"));
	dmig_error_release (&err);
	expect ("GET", "/v1.41/containers/web/json", 500, "plain text failure");
	assert_int_equal (dmig_engine_inspect (e, "web", &c, &err), -1);
	assert_non_null (strstr (err->msg, "plain text failure"));
	dmig_error_release (&err);
	expect ("GET", "/v1.41/containers/web/json", -1, NULL);
	assert_int_equal (dmig_engine_inspect (e, "web", &c, &err), -1);
	assert_non_null (strstr (err->msg, "cannot connect"));
	dmig_error_release (&err);
	dmig_engine_close (e);
}

static void
docker_refuses_what_it_cannot_carry (void **state)
{
	struct dmig_engine *e = open_engine (DOCKER_VERSION);
	dmig_error_t err = NULL;
	struct {
		const char *json, *says;
	} cases[] = {
	    {"{\"Name\":\"/w\",\"State\":{\"Running\":false},\"GraphDriver\":{\"Name\":\"overlay2\"}}", "not running"},
	    {"{\"Name\":\"/w\",\"State\":{\"Running\":true},\"Config\":{\"Tty\":true},\"GraphDriver\":{\"Name\":"
	     "\"overlay2\"}}",
	     "terminal"},
	    {"{\"Name\":\"/w\",\"State\":{\"Running\":true},\"GraphDriver\":{\"Name\":\"vfs\"}}", "overlay2"},
	    /* Docker's paused container runs; dmig does not carry the pause */
	    {"{\"Name\":\"/w\",\"State\":{\"Running\":true,\"Paused\":true},\"GraphDriver\":{\"Name\":"
	     "\"overlay2\"}}",
	     "container 'w' is paused, a state dmig does not carry: unpause it first ('docker unpause w')"},
	    {"{\"Name\":\"/w\",\"State\":{\"Running\":true},\"HostConfig\":{\"AutoRemove\":true},"
	     "\"GraphDriver\":{\"Name\":\"overlay2\"}}",
	     "container 'w' was started with --rm: docker removes it when a checkpoint stops it; run it without --rm"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
		json_object *c = json_tokener_parse (cases[i].json);
		assert_int_equal (check (e, c, &err), -1);
		assert_int_equal (err->status, DMIG_EPREFLIGHT);
		if (strstr (err->msg, cases[i].says) == NULL)
			fail_msg ("'%s' does not say '%s'", err->msg, cases[i].says);
		dmig_error_release (&err);
		json_object_put (c);
	}
	json_object *ok = json_tokener_parse ("{\"Name\":\"/w\",\"State\":{\"Running\":true},\"GraphDriver\":{\"Name\":"
	                                      "\"overlay2\"}}");
	assert_int_equal (check (e, ok, &err), 0);
	json_object_put (ok);
	dmig_engine_close (e);

	/* Podman's paused container does not run: paused all the same */
	e = open_engine (PODMAN_VERSION);
	json_object *paused = json_tokener_parse ("{\"Name\":\"w\",\"State\":{\"Running\":false,\"Paused\":true},"
	                                          "\"GraphDriver\":{\"Name\":\"overlay\"}}");
	assert_int_equal (check (e, paused, &err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	assert_non_null (strstr (err->msg, "container 'w' is paused, a state dmig does not carry: unpause it first "
	                                   "('podman unpause w')"));
	dmig_error_release (&err);
	json_object_put (paused);
	dmig_engine_close (e);
}

static void
remove_is_idempotent (void **state)
{
	struct dmig_engine *e = open_engine (DOCKER_VERSION);
	dmig_error_t err = NULL;
	(void)state;
	expect ("DELETE", "/v1.41/containers/web?force=true", 404, "{\"message\":\"No such container\"}");
	assert_int_equal (dmig_engine_remove (e, "web", &err), 0);
	expect ("DELETE", "/v1.41/containers/web?force=true", 409, "{\"message\":\"removal in progress\"}");
	assert_int_equal (dmig_engine_remove (e, "web", &err), -1);
	assert_non_null (strstr (err->msg, "removal in progress"));
	dmig_error_release (&err);
	dmig_engine_close (e);
}

/* A tar in memory as Podman's export would stream it. */
static size_t
export_tar (char *buf, size_t cap)
{
	struct archive *a = archive_write_new ();
	const char *names[] = {"config.dump", "rootfs-diff.tar"}, *data[] = {"{}", "podman's own diff"};
	size_t used = 0;

	archive_write_set_format_pax_restricted (a);
	archive_write_set_bytes_in_last_block (a, 1);
	assert_int_equal (archive_write_open_memory (a, buf, cap, &used), ARCHIVE_OK);
	for (size_t i = 0; i < 2; i++) {
		struct archive_entry *e = archive_entry_new ();
		archive_entry_set_pathname (e, names[i]);
		archive_entry_set_filetype (e, AE_IFREG);
		archive_entry_set_perm (e, 0600);
		archive_entry_set_size (e, (la_int64_t)strlen (data[i]));
		archive_write_header (a, e);
		archive_write_data (a, data[i], strlen (data[i]));
		archive_entry_free (e);
	}
	archive_write_close (a);
	archive_write_free (a);
	return used;
}

/* Podman's snapshot: export with keep, dmig's own copy of the writable layer
 * in place of the export's, restore in place; a failed restore in place is
 * reported as state lost, with the command that recovers. */
static void
podman_capture_requests (void **state)
{
	struct dmig_engine *e = open_engine (PODMAN_VERSION);
	struct dmig_capture_opts o = {.leave_running = true};
	struct dmig_members ms = {0};
	dmig_error_t err = NULL;
	char staging[64], upper[64], body[1024], path[256], cmd[512];
	static char tar[64 * 1024];
	size_t tarlen = export_tar (tar, sizeof (tar));
	json_object *c;
	FILE *fp;
	(void)state;

	snprintf (staging, sizeof (staging), "/tmp/dmig-stage-XXXXXX");
	snprintf (upper, sizeof (upper), "/tmp/dmig-upper-XXXXXX");
	assert_non_null (mkdtemp (staging));
	assert_non_null (mkdtemp (upper));
	snprintf (path, sizeof (path), "%s/changed-file", upper);
	fp = fopen (path, "w");
	fputs ("changed by the container", fp);
	fclose (fp);
	snprintf (body, sizeof (body),
	          "{\"Id\":\"abc123\",\"Name\":\"db\",\"State\":{\"Running\":true},\"GraphDriver\":{\"Name\":"
	          "\"overlay\",\"Data\":{\"UpperDir\":\"%s\"}}}",
	          upper);
	c = json_tokener_parse (body);
	expect ("POST", "/v4.0.0/libpod/containers/abc123/checkpoint?export=true&keep=true", 200, NULL);
	script[nsteps - 1].stream = tar;
	script[nsteps - 1].stream_len = tarlen;
	expect ("POST", "/v4.0.0/libpod/containers/abc123/restore?keep=true", 200, "{}");
	expect ("GET", "/v4.0.0/libpod/containers/abc123/json", 200, "{\"State\":{\"Pid\":0}}");
	assert_int_equal (capture (e, c, staging, &o, &ms, &err), 0);
	assert_non_null (strstr (script[1].seen_path, "tcpEstablished=true"));
	assert_int_equal (ms.n, 1);
	assert_string_equal (ms.m[0].name, "checkpoint.tar");
	/* the member is the export with dmig's layer, and its checksum is right */
	snprintf (cmd, sizeof (cmd), "sha256sum %s/checkpoint.tar | grep -q %s", staging, ms.m[0].sha256);
	assert_int_equal (system (cmd), 0);
	snprintf (cmd, sizeof (cmd),
	          "tar -xOf %s/checkpoint.tar rootfs-diff.tar | tar -xO changed-file | grep -q 'changed by'", staging);
	assert_int_equal (system (cmd), 0);
	snprintf (cmd, sizeof (cmd), "tar -xOf %s/checkpoint.tar config.dump | grep -q '{}'", staging);
	assert_int_equal (system (cmd), 0);

	dmig_fs_rm_rf (staging, NULL);
	assert_non_null (mkdtemp (strcpy (staging, "/tmp/dmig-stage-XXXXXX")));
	memset (&ms, 0, sizeof (ms));
	expect ("POST", "/v4.0.0/libpod/containers/abc123/checkpoint?export=true&keep=true", 200, NULL);
	script[nsteps - 1].stream = tar;
	script[nsteps - 1].stream_len = tarlen;
	expect ("POST", "/v4.0.0/libpod/containers/abc123/restore?keep=true", 500, "{\"cause\":\"criu failed\"}");
	assert_int_equal (capture (e, c, staging, &o, &ms, &err), -1);
	assert_int_equal (err->status, DMIG_ELOST);
	assert_non_null (strstr (err->msg, "criu failed"));
	assert_non_null (strstr (err->msg, "podman container restore --keep db"));
	dmig_error_release (&err);

	/* the layer cannot be copied: the container is resumed all the same */
	dmig_fs_rm_rf (staging, NULL);
	assert_non_null (mkdtemp (strcpy (staging, "/tmp/dmig-stage-XXXXXX")));
	memset (&ms, 0, sizeof (ms));
	json_object *gone = json_tokener_parse ("{\"Id\":\"abc123\",\"Name\":\"db\",\"GraphDriver\":{\"Name\":"
	                                        "\"overlay\",\"Data\":{\"UpperDir\":\"/nonexistent/upper\"}}}");
	expect ("POST", "/v4.0.0/libpod/containers/abc123/checkpoint?export=true&keep=true", 200, NULL);
	script[nsteps - 1].stream = tar;
	script[nsteps - 1].stream_len = tarlen;
	expect ("POST", "/v4.0.0/libpod/containers/abc123/restore?keep=true", 200, "{}");
	expect ("GET", "/v4.0.0/libpod/containers/abc123/json", 200, "{\"State\":{\"Pid\":0}}");
	assert_int_equal (capture (e, gone, staging, &o, &ms, &err), -1);
	assert_int_equal (err->status, DMIG_EFAIL);
	assert_non_null (strstr (err->msg, "writable layer"));
	assert_int_equal (ms.n, 0);
	dmig_error_release (&err);
	json_object_put (gone);

	/* a failed checkpoint leaves the container running: a plain failure */
	dmig_fs_rm_rf (staging, NULL);
	assert_non_null (mkdtemp (strcpy (staging, "/tmp/dmig-stage-XXXXXX")));
	memset (&ms, 0, sizeof (ms));
	expect ("POST", "/v4.0.0/libpod/containers/abc123/checkpoint", 500, "{\"cause\":\"dump failed\"}");
	expect ("GET", "/v4.0.0/libpod/containers/abc123/json", 200, "{\"State\":{\"Running\":true}}");
	assert_int_equal (capture (e, c, staging, &o, &ms, &err), -1);
	assert_int_equal (err->status, DMIG_EFAIL);
	assert_int_equal (ms.n, 0);
	dmig_error_release (&err);

	/* an export that broke off after the dump stopped it: resumed */
	dmig_fs_rm_rf (staging, NULL);
	assert_non_null (mkdtemp (strcpy (staging, "/tmp/dmig-stage-XXXXXX")));
	expect ("POST", "/v4.0.0/libpod/containers/abc123/checkpoint", 500, "{\"cause\":\"broken pipe\"}");
	expect ("GET", "/v4.0.0/libpod/containers/abc123/json", 200, "{\"State\":{\"Running\":false}}");
	expect ("POST", "/v4.0.0/libpod/containers/abc123/restore?keep=true", 200, "{}");
	expect ("GET", "/v4.0.0/libpod/containers/abc123/json", 200, "{\"State\":{\"Pid\":0}}");
	assert_int_equal (capture (e, c, staging, &o, &ms, &err), -1);
	assert_non_null (strstr (err->msg, "broken pipe"));
	assert_int_equal (ms.n, 0);
	dmig_error_release (&err);

	dmig_fs_rm_rf (staging, NULL);
	dmig_fs_rm_rf (upper, NULL);
	json_object_put (c);
	dmig_engine_close (e);
}

/* Docker's snapshot unpauses even when the checkpoint fails. */
static void
docker_unpauses_after_failed_checkpoint (void **state)
{
	struct dmig_engine *e = open_engine (DOCKER_VERSION);
	struct dmig_capture_opts o = {.leave_running = true};
	struct dmig_members ms = {0};
	dmig_error_t err = NULL;
	char staging[64], upper[64], body[1024];
	(void)state;

	snprintf (staging, sizeof (staging), "/tmp/dmig-stage-XXXXXX");
	snprintf (upper, sizeof (upper), "/tmp/dmig-upper-XXXXXX");
	assert_non_null (mkdtemp (staging));
	assert_non_null (mkdtemp (upper));
	snprintf (body, sizeof (body),
	          "{\"Id\":\"abc\",\"Name\":\"/w\",\"State\":{\"Running\":true},\"GraphDriver\":{\"Name\":\"overlay2\","
	          "\"Data\":{\"UpperDir\":\"%s\"}}}",
	          upper);
	json_object *c = json_tokener_parse (body);
	expect ("POST", "/v1.41/containers/abc/pause", 204, "");
	expect ("POST", "/v1.41/containers/abc/checkpoints", 500, "{\"message\":\"criu failed: type NOTIFY\"}");
	expect ("POST", "/v1.41/containers/abc/unpause", 204, "");
	assert_int_equal (capture (e, c, staging, &o, &ms, &err), -1);
	assert_int_equal (err->status, DMIG_EFAIL);
	assert_non_null (strstr (err->msg, "criu failed"));
	assert_non_null (strstr (err->msg, "checkpoint failed"));
	if (strstr (script[2].seen_body, "\"Exit\":false") == NULL)
		fail_msg ("checkpoint body: %s", script[2].seen_body);
	dmig_error_release (&err);
	/* and if unpausing fails too, the message says how to recover */
	dmig_fs_rm_rf (staging, NULL);
	assert_non_null (mkdtemp (strcpy (staging, "/tmp/dmig-stage-XXXXXX")));
	memset (&ms, 0, sizeof (ms));
	expect ("POST", "/v1.41/containers/abc/pause", 204, "");
	expect ("POST", "/v1.41/containers/abc/checkpoints", 500, "{\"message\":\"criu failed\"}");
	expect ("POST", "/v1.41/containers/abc/unpause", 500, "{\"message\":\"cannot unpause\"}");
	assert_int_equal (capture (e, c, staging, &o, &ms, &err), -1);
	assert_int_equal (err->status, DMIG_ELOST);
	assert_non_null (strstr (err->msg, "docker unpause abc"));
	dmig_error_release (&err);
	dmig_fs_rm_rf (staging, NULL);
	dmig_fs_rm_rf (upper, NULL);
	json_object_put (c);
	dmig_engine_close (e);
}

/* A checkpoint that stops the container (rollback's safety snapshot):
 * Docker would start it again from scratch as its restart policy says, so
 * the policy is "no" from before the freeze; given back when the container
 * was not stopped after all. A checkpoint that leaves it running keeps it. */
static void
docker_exit_checkpoint_holds_restart_policy (void **state)
{
	struct dmig_engine *e = open_engine (DOCKER_VERSION);
	struct dmig_capture_opts o = {.leave_running = false};
	struct dmig_members ms = {0};
	dmig_error_t err = NULL;
	char staging[64], upper[64], body[1024];
	size_t first;
	(void)state;

	snprintf (staging, sizeof (staging), "/tmp/dmig-stage-XXXXXX");
	snprintf (upper, sizeof (upper), "/tmp/dmig-upper-XXXXXX");
	assert_non_null (mkdtemp (staging));
	assert_non_null (mkdtemp (upper));
	snprintf (body, sizeof (body),
	          "{\"Id\":\"abc\",\"Name\":\"/w\",\"State\":{\"Running\":true},\"HostConfig\":{\"RestartPolicy\":{"
	          "\"Name\":\"unless-stopped\",\"MaximumRetryCount\":0}},\"GraphDriver\":{\"Name\":\"overlay2\","
	          "\"Data\":{\"UpperDir\":\"%s\"}}}",
	          upper);
	json_object *c = json_tokener_parse (body);

	/* the checkpoint fails: it runs on, its policy given back; kept in the
	 * container's own checkpoints (a stale one of that name goes first) */
	expect ("GET", "/v1.41/info", 200, "{\"DockerRootDir\":\"/nonexistent/docker\"}");
	expect ("DELETE", "/v1.41/containers/abc/checkpoints/dmig-safety", 404, "{}");
	first = nsteps;
	expect ("POST", "/v1.41/containers/abc/update", 200, "{}");
	expect ("POST", "/v1.41/containers/abc/pause", 204, "");
	expect ("POST", "/v1.41/containers/abc/checkpoints", 500, "{\"message\":\"criu failed\"}");
	expect ("POST", "/v1.41/containers/abc/unpause", 204, "");
	expect ("POST", "/v1.41/containers/abc/update", 200, "{}");
	assert_int_equal (capture (e, c, staging, &o, &ms, &err), -1);
	assert_int_equal (err->status, DMIG_EFAIL);
	assert_string_equal (script[first].seen_body, "{\"RestartPolicy\":{\"Name\":\"no\"}}");
	assert_non_null (strstr (script[first + 2].seen_body, "\"Exit\":true"));
	assert_non_null (strstr (script[first + 2].seen_body, "\"CheckpointID\":\"dmig-safety\""));
	assert_null (strstr (script[first + 2].seen_body, "CheckpointDir"));
	assert_string_equal (script[first + 4].seen_body,
	                     "{\"RestartPolicy\":{\"Name\":\"unless-stopped\",\"MaximumRetryCount\":0}}");
	dmig_error_release (&err);

	/* the checkpoint stops it: stopped it stays, policy "no" (then the
	 * staged checkpoint is read, which the scripted engine did not write) */
	dmig_fs_rm_rf (staging, NULL);
	assert_non_null (mkdtemp (strcpy (staging, "/tmp/dmig-stage-XXXXXX")));
	memset (&ms, 0, sizeof (ms));
	expect ("DELETE", "/v1.41/containers/abc/checkpoints/dmig-safety", 404, "{}");
	first = nsteps;
	expect ("POST", "/v1.41/containers/abc/update", 200, "{}");
	expect ("POST", "/v1.41/containers/abc/pause", 204, "");
	expect ("POST", "/v1.41/containers/abc/checkpoints", 201, "");
	assert_int_equal (capture (e, c, staging, &o, &ms, &err), -1);
	assert_string_equal (script[first].seen_body, "{\"RestartPolicy\":{\"Name\":\"no\"}}");
	dmig_error_release (&err);

	/* leave running (a snapshot): the policy is not touched */
	dmig_fs_rm_rf (staging, NULL);
	assert_non_null (mkdtemp (strcpy (staging, "/tmp/dmig-stage-XXXXXX")));
	memset (&ms, 0, sizeof (ms));
	o.leave_running = true;
	expect ("POST", "/v1.41/containers/abc/pause", 204, "");
	expect ("POST", "/v1.41/containers/abc/checkpoints", 500, "{\"message\":\"criu failed\"}");
	expect ("POST", "/v1.41/containers/abc/unpause", 204, "");
	assert_int_equal (capture (e, c, staging, &o, &ms, &err), -1);
	dmig_error_release (&err);

	dmig_fs_rm_rf (staging, NULL);
	dmig_fs_rm_rf (upper, NULL);
	json_object_put (c);
	dmig_engine_close (e);
}

/* Docker's restore creates the container from the image by the name it was
 * run with when that name still means the same image (docker ps and
 * Config.Image read as before), else by ID. */
static void
docker_restore_names_the_image (void **state)
{
	struct dmig_engine *e = open_engine (DOCKER_VERSION);
	dmig_error_t err = NULL;
	char staging[64], upper[64], body[512];
	struct {
		const char *image_name, *image_id_there, *created_from;
	} cases[] = {
	    {"counter:2", "sha256:abc", "\"Image\":\"counter:2\""},
	    {"counter:2", "sha256:other", "\"Image\":\"sha256:abc\""},
	    {"", NULL, "\"Image\":\"sha256:abc\""},
	};
	(void)state;

	snprintf (staging, sizeof (staging), "/tmp/dmig-stage-XXXXXX");
	snprintf (upper, sizeof (upper), "/tmp/dmig-upper-XXXXXX");
	assert_non_null (mkdtemp (staging));
	assert_non_null (mkdtemp (upper));
	expect ("GET", "/v1.41/info", 200, "{\"DockerRootDir\":\"/nonexistent/docker\"}");
	for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
		size_t create;
		char image_answer[128], ctr_answer[256];
		json_object *m;

		snprintf (body, sizeof (body),
		          "{\"container\":\"web\",\"image\":\"sha256:abc\",\"image_name\":\"%s\",\"config\":{"
		          "\"Config\":{\"Image\":\"%s\",\"Env\":[\"A=1\"]},\"HostConfig\":{}}}",
		          cases[i].image_name, cases[i].image_name);
		m = json_tokener_parse (body);
		if (cases[i].image_id_there) {
			snprintf (image_answer, sizeof (image_answer), "{\"Id\":\"%s\"}", cases[i].image_id_there);
			expect ("GET", "/v1.41/images/counter%3A2/json", 200, image_answer);
		}
		create = nsteps;
		expect ("POST", "/v1.41/containers/create?name=web", 201, "{\"Id\":\"new1\"}");
		snprintf (ctr_answer, sizeof (ctr_answer),
		          "{\"Id\":\"new1\",\"GraphDriver\":{\"Data\":{\"UpperDir\":\"%s\"}}}", upper);
		expect ("GET", "/v1.41/containers/new1/json", 200, ctr_answer);
		/* the staging folder holds no layer: the restore stops there and
		 * removes what it made */
		expect ("DELETE", "/v1.41/containers/new1?force=true", 204, "");
		assert_int_equal (e->ops->restore (e, m, staging, NULL, &err), -1);
		if (strstr (script[create].seen_body, cases[i].created_from) == NULL)
			fail_msg ("case %zu: created with %s", i, script[create].seen_body);
		assert_non_null (strstr (script[create].seen_body, "\"Env\":[\"A=1\"]"));
		dmig_error_release (&err);
		json_object_put (m);
	}
	dmig_fs_rm_rf (staging, NULL);
	dmig_fs_rm_rf (upper, NULL);
	dmig_engine_close (e);
}

/* --keep-source on Podman: a restart policy Podman 4 cannot change is
 * refused before anything changes (--force keeps it); from 5.1 the kept
 * source is set to "no" and dmig checks that it took. */
static void
podman_keep_source_policy (void **state)
{
	struct dmig_engine *e = open_engine (PODMAN_VERSION);
	json_object *raw =
	    json_tokener_parse ("{\"Id\":\"abc\",\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"always\"}}}");
	struct dmig_container *ctr = NULL;
	struct dmig_move_opts o = {.keep_source = true};
	struct dmig_move m = {.src = e, .name = "web", .o = &o};
	const struct dmig_move_ops *const pm = dmig_podman_ops.move;
	dmig_error_t err = NULL;
	char detail[512];

	(void)state;
	assert_int_equal (dmig_engine_parse (&dmig_podman_ops, raw, &ctr, NULL), 0);
	json_object_put (raw);
	m.ctr = ctr;
	assert_int_equal (engine_checks (&dmig_podman_ops, &m, detail, sizeof (detail), &err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	assert_non_null (strstr (err->msg, "restart policy 'always', which Podman 4.3.1 cannot change"));
	assert_non_null (strstr (err->msg, "--force"));
	/* what going on past it (--force) means */
	assert_string_equal (detail, "the kept source 'web' keeps restart policy 'always' (--force): remove it before "
	                             "the host reboots");
	dmig_error_release (&err);
	o.force = true;
	/* kept as it is: no call at all */
	assert_int_equal (pm->finish (&m, &err), 0);
	o.force = false;
	o.keep_source = false;
	assert_int_equal (engine_checks (&dmig_podman_ops, &m, detail, sizeof (detail), &err), 0);
	assert_string_equal (detail, "not asked: the source is removed (no --keep-source)");
	dmig_engine_close (e);

	e = open_engine ("{\"Version\":\"5.1.0\",\"ApiVersion\":\"1.41\",\"MinAPIVersion\":\"1.24\",\"Components\":[{"
	                 "\"Name\":\"Podman Engine\"}]}");
	m.src = e;
	o.keep_source = true;
	assert_int_equal (engine_checks (&dmig_podman_ops, &m, detail, sizeof (detail), &err), 0);
	assert_string_equal (detail, "the kept source's restart policy is 'no' once the move sets it");
	expect ("POST", "/v4.0.0/libpod/containers/abc/update?restartPolicy=no", 200, "");
	expect ("GET", "/v4.0.0/libpod/containers/abc/json", 200,
	        "{\"Id\":\"abc\",\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"no\"}}}");
	assert_int_equal (pm->finish (&m, &err), 0);
	/* an engine that ignores the request: still a success (the container
	 * runs on the target), with a warning */
	expect ("POST", "/v4.0.0/libpod/containers/abc/update?restartPolicy=no", 200, "");
	expect ("GET", "/v4.0.0/libpod/containers/abc/json", 200,
	        "{\"Id\":\"abc\",\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"always\"}}}");
	assert_int_equal (pm->finish (&m, &err), 0);
	assert_null (err);
	dmig_container_free (ctr);
	dmig_engine_close (e);
}

static struct dmig_container *
podman_model (const char *json)
{
	json_object *raw = json_tokener_parse (json);
	struct dmig_container *c = NULL;

	assert_non_null (raw);
	assert_int_equal (dmig_engine_parse (&dmig_podman_ops, raw, &c, NULL), 0);
	json_object_put (raw);
	return c;
}

/* Podman's import restores with its default runtime, whichever made the
 * checkpoint: a checkpoint that runtime cannot restore is refused before
 * anything changes, naming both runtimes and the ways out; the default is
 * asked once per connection, on 4.3 as on 5.x. */
static void
podman_runtime_check (void **state)
{
	struct dmig_engine *e = open_engine (PODMAN5_VERSION);
	struct dmig_container *runc = podman_model ("{\"Id\":\"abc\",\"Name\":\"web\",\"OCIRuntime\":\"runc\"}");
	struct dmig_container *crun = podman_model ("{\"Id\":\"abc\",\"Name\":\"web\",\"OCIRuntime\":\"crun\"}");
	struct dmig_container *unsaid = podman_model ("{\"Id\":\"abc\",\"Name\":\"web\"}");
	dmig_error_t err = NULL;
	(void)state;

	assert_string_equal (runc->runtime, "runc");
	assert_null (unsaid->runtime);
	expect ("GET", "/v4.0.0/libpod/info", 200, PODMAN_INFO ("crun"));
	assert_int_equal (e->ops->restorable (e, runc, "container 'web' runs", &err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	if (strstr (err->msg,
	            "container 'web' runs with runtime 'runc', but Podman here restores a checkpoint with its "
	            "default runtime 'crun', which cannot restore runc's: make runc its default here")
	        == NULL
	    || strstr (err->msg, "'podman --runtime runc system service --time=0 unix:///run/podman/runc.sock') and "
	                         "name that socket (-H unix:///run/podman/runc.sock)")
	           == NULL)
		fail_msg ("%s", err->msg);
	dmig_error_release (&err);
	/* asked once: no other request */
	assert_int_equal (e->ops->restorable (e, runc, "container 'web' runs", &err), -1);
	dmig_error_release (&err);
	assert_int_equal (e->ops->restorable (e, crun, "container 'web' runs", &err), 0);
	assert_int_equal (e->ops->restorable (e, unsaid, "container 'web' runs", &err), 0);
	assert_null (err);
	dmig_engine_close (e);

	/* 4.3 says it the same way */
	e = open_engine (PODMAN_VERSION);
	expect ("GET", "/v4.0.0/libpod/info", 200, PODMAN_INFO ("runc"));
	assert_int_equal (e->ops->restorable (e, runc, "snapshot 'web@s' was taken", &err), 0);
	assert_int_equal (e->ops->restorable (e, crun, "snapshot 'web@s' was taken", &err), -1);
	assert_non_null (strstr (err->msg, "snapshot 'web@s' was taken with runtime 'crun', but Podman here restores"));
	dmig_error_release (&err);
	dmig_engine_close (e);

	/* an engine that does not say, or does not answer: refused */
	e = open_engine (PODMAN5_VERSION);
	expect ("GET", "/v4.0.0/libpod/info", 200, "{\"host\":{}}");
	assert_int_equal (e->ops->restorable (e, runc, "container 'web' runs", &err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	assert_non_null (strstr (err->msg, "Podman 5.8.6 does not say which runtime it restores with"));
	dmig_error_release (&err);
	expect ("GET", "/v4.0.0/libpod/info", 500, "{\"cause\":\"db locked\"}");
	assert_int_equal (e->ops->restorable (e, runc, "container 'web' runs", &err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	dmig_error_release (&err);
	dmig_engine_close (e);
	dmig_container_free (runc);
	dmig_container_free (crun);
	dmig_container_free (unsaid);
}

/* The runtime a checkpoint or restore runs, and where a move writes, as
 * each engine's /info says. */
static void
runtimes_and_dirs (void **state)
{
	struct dmig_engine *e = open_engine (PODMAN5_VERSION);
	struct dmig_container *crun = podman_model ("{\"Id\":\"abc\",\"Name\":\"web\",\"OCIRuntime\":\"crun\"}");
	char name[64], path[256], data[256], upload[256];
	json_object *raw;
	struct dmig_container *dc = NULL;
	dmig_error_t err = NULL;
	(void)state;

	/* Podman: the container's own here; an import's the default */
	expect ("GET", "/v4.0.0/libpod/info", 200, PODMAN_INFO ("runc"));
	assert_int_equal (e->ops->runtime (e, crun, false, name, sizeof (name), path, sizeof (path), &err), 0);
	assert_string_equal (name, "crun");
	assert_string_equal (path, "crun");
	expect ("GET", "/v4.0.0/libpod/info", 200, PODMAN_INFO ("runc"));
	assert_int_equal (e->ops->runtime (e, crun, true, name, sizeof (name), path, sizeof (path), &err), 0);
	assert_string_equal (name, "runc");
	assert_string_equal (path, "/usr/bin/runc");
	expect ("GET", "/v4.0.0/libpod/info", 200, "{\"host\":{}}");
	assert_int_equal (e->ops->runtime (e, NULL, true, name, sizeof (name), path, sizeof (path), &err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	dmig_error_release (&err);
	expect ("GET", "/v4.0.0/libpod/info", 200, "{\"store\":{\"graphRoot\":\"/srv/containers\"}}");
	assert_int_equal (e->ops->dirs (e, data, sizeof (data), upload, sizeof (upload), &err), 0);
	assert_string_equal (data, "/srv/containers");
	assert_string_equal (upload, "/var/tmp");
	dmig_engine_close (e);
	dmig_container_free (crun);

	/* Docker: the container's runtime must be one the engine has */
	e = open_engine (DOCKER_VERSION);
	raw = json_tokener_parse ("{\"Id\":\"abc\",\"Name\":\"/web\",\"HostConfig\":{\"Runtime\":\"crun\"}}");
	assert_int_equal (dmig_engine_parse (e->ops, raw, &dc, NULL), 0);
	json_object_put (raw);
	expect ("GET", "/v1.41/info", 200,
	        "{\"DefaultRuntime\":\"runc\",\"Runtimes\":{\"io.containerd.runc.v2\":{\"path\":\"runc\"},"
	        "\"crun\":{\"path\":\"/usr/local/bin/crun\"}}}");
	assert_int_equal (e->ops->runtime (e, dc, true, name, sizeof (name), path, sizeof (path), &err), 0);
	assert_string_equal (name, "crun");
	assert_string_equal (path, "/usr/local/bin/crun");
	expect ("GET", "/v1.41/info", 200, "{\"DefaultRuntime\":\"runc\",\"Runtimes\":{\"runc\":{\"path\":\"runc\"}}}");
	assert_int_equal (e->ops->runtime (e, dc, true, name, sizeof (name), path, sizeof (path), &err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	if (strstr (err->msg, "Docker 20.10.24 here has no runtime 'crun', which the container runs with") == NULL)
		fail_msg ("%s", err->msg);
	dmig_error_release (&err);
	/* a runtime by a dotted name; a program name an option parser would take is not asked */
	expect ("GET", "/v1.41/info", 200,
	        "{\"DefaultRuntime\":\"io.containerd.runc.v2\",\"Runtimes\":{\"io.containerd.runc.v2\":{\"path\":\"-"
	        "x\"}}}");
	assert_int_equal (e->ops->runtime (e, NULL, false, name, sizeof (name), path, sizeof (path), &err), 0);
	assert_string_equal (name, "io.containerd.runc.v2");
	assert_string_equal (path, "");
	expect ("GET", "/v1.41/info", 200, "{\"DockerRootDir\":\"/srv/docker\",\"Driver\":\"overlay2\"}");
	assert_int_equal (e->ops->dirs (e, data, sizeof (data), upload, sizeof (upload), &err), 0);
	assert_string_equal (data, "/srv/docker");
	assert_string_equal (upload, "");
	dmig_container_free (dc);
	dmig_engine_close (e);
}

/* With -v a restore asks for Podman's statistics and says them on one
 * line; without, it does not ask (Podman fails a restore whose statistics
 * it cannot read). */
static void
podman_restore_stats_with_v (void **state)
{
	struct dmig_engine *e = open_engine (PODMAN5_VERSION);
	struct dmig_container *ctr = podman_model ("{\"Id\":\"abc123\",\"Name\":\"db\",\"State\":{\"Running\":true}}");
	FILE *tmp = tmpfile ();
	char said[1024] = "";
	dmig_error_t err = NULL;
	int saved = dup (STDERR_FILENO);
	(void)state;

	assert_non_null (tmp);
	/* a capture cut short: stopped, resumed from its checkpoint */
	expect ("GET", "/v4.0.0/libpod/containers/abc123/json", 200, "{\"State\":{\"Running\":false}}");
	expect ("POST", "/v4.0.0/libpod/containers/abc123/restore?keep=true", 200, "{}");
	expect ("GET", "/v4.0.0/libpod/containers/abc123/json", 200, "{\"State\":{\"Pid\":0}}");
	assert_int_equal (dmig_podman_ops.settle (e, ctr, &err), 0);
	assert_null (strstr (script[2].seen_path, "printStats"));
	assert_non_null (strstr (script[2].seen_path, "restore?keep=true"));

	dmig_log_set (DMIG_VERBOSE);
	fflush (stderr);
	dup2 (fileno (tmp), STDERR_FILENO);
	expect ("GET", "/v4.0.0/libpod/containers/abc123/json", 200, "{\"State\":{\"Running\":false}}");
	expect ("POST", "/v4.0.0/libpod/containers/abc123/restore?keep=true", 200,
	        "{\"Id\":\"abc123\",\"runtime_restore_duration\":216977,\"criu_statistics\":{\"forking_time\":3,"
	        "\"restore_time\":159678,\"pages_restored\":4112}}");
	expect ("GET", "/v4.0.0/libpod/containers/abc123/json", 200, "{\"State\":{\"Pid\":0}}");
	assert_int_equal (dmig_podman_ops.settle (e, ctr, &err), 0);
	fflush (stderr);
	dup2 (saved, STDERR_FILENO);
	close (saved);
	dmig_log_set (DMIG_QUIET);
	rewind (tmp);
	fread (said, 1, sizeof (said) - 1, tmp);
	fclose (tmp);
	assert_non_null (strstr (script[5].seen_path, "restore?keep=true&tcpEstablished=true&printStats=true"));
	if (strstr (said, "podman restored 'db': 216 ms in the runtime, of them 159 ms in CRIU (4112 pages)") == NULL)
		fail_msg ("said: %s", said);
	dmig_container_free (ctr);
	dmig_engine_close (e);
}

/* A move whose target would restore with a runtime that cannot is refused
 * in its check, naming the target; --force tries all the same. */
static void
podman_move_runtime_refused (void **state)
{
	struct dmig_engine *src = open_engine (PODMAN5_VERSION), *dst = open_engine (PODMAN5_VERSION);
	struct dmig_container *ctr = podman_model ("{\"Id\":\"abc\",\"Name\":\"web\",\"OCIRuntime\":\"runc\"}");
	struct dmig_move_opts o = {0};
	struct dmig_move m = {.src = src, .dst = dst, .name = "web", .o = &o, .ctr = ctr};
	dmig_error_t err = NULL;
	char detail[1024];
	(void)state;

	dst->remote = true;
	expect ("GET", "/v4.0.0/libpod/info", 200, PODMAN_INFO ("crun"));
	assert_int_equal (engine_checks (&dmig_podman_ops, &m, detail, sizeof (detail), &err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	if (strstr (err->msg,
	            "container 'web' runs with runtime 'runc', but Podman on hostD restores a checkpoint with "
	            "its default runtime 'crun'")
	        == NULL
	    || strstr (err->msg, "make runc its default there") == NULL
	    || strstr (err->msg, "(ssh://hostD/run/podman/runc.sock)") == NULL)
		fail_msg ("%s", err->msg);
	/* --force tries all the same, and says so */
	assert_non_null (strstr (detail, "(ssh://hostD/run/podman/runc.sock) (--force: trying all the same)"));
	dmig_error_release (&err);
	/* a target whose runtime is the container's */
	dmig_engine_close (dst);
	dst = open_engine (PODMAN5_VERSION);
	dst->remote = true;
	m.dst = dst;
	expect ("GET", "/v4.0.0/libpod/info", 200, PODMAN_INFO ("runc"));
	assert_int_equal (engine_checks (&dmig_podman_ops, &m, detail, sizeof (detail), &err), 0);
	assert_null (err);
	/* one that does not say cannot be gone past (an error, not a refusal) */
	dmig_engine_close (dst);
	dst = open_engine (PODMAN5_VERSION);
	dst->remote = true;
	m.dst = dst;
	expect ("GET", "/v4.0.0/libpod/info", 500, "{\"cause\":\"db locked\"}");
	assert_int_equal (dmig_podman_ops.move->checks[0].run (&m, detail, sizeof (detail), &err), DMIG_CHECK_ERROR);
	dmig_error_release (&err);
	dmig_container_free (ctr);
	dmig_engine_close (src);
	dmig_engine_close (dst);
}

/* Connected TCP sockets: Docker cannot checkpoint any, Podman cannot
 * restore those on loopback. A real connected pair in this process's own
 * network namespace (IPv4 and IPv6 loopback) stands for a container's. */
static int
loopback_pair (int family, int fds[3])
{
	struct sockaddr_storage ss = {0};
	socklen_t len;

	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl (INADDR_LOOPBACK);
		len = sizeof (*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_loopback;
		len = sizeof (*in6);
	}
	fds[0] = socket (family, SOCK_STREAM, 0);
	if (fds[0] < 0 || bind (fds[0], (struct sockaddr *)&ss, len) < 0 || listen (fds[0], 1) < 0
	    || getsockname (fds[0], (struct sockaddr *)&ss, &len) < 0)
		return -1;
	fds[1] = socket (family, SOCK_STREAM, 0);
	if (fds[1] < 0 || connect (fds[1], (struct sockaddr *)&ss, len) < 0)
		return -1;
	fds[2] = accept (fds[0], NULL, NULL);
	return fds[2] < 0 ? -1 : 0;
}

static void
open_tcp_connections_refused (void **state)
{
	int families[] = {AF_INET, AF_INET6};
	char json[256];

	(void)state;
	snprintf (json, sizeof (json),
	          "{\"Name\":\"/w\",\"State\":{\"Running\":true,\"Pid\":%d},\"HostConfig\":{\"NetworkMode\":\"none\"},"
	          "\"GraphDriver\":{\"Name\":\"overlay2\"}}",
	          (int)getpid ());
	for (size_t f = 0; f < 2; f++) {
		int fds[3] = {-1, -1, -1};
		if (loopback_pair (families[f], fds) < 0) {
			for (int i = 0; i < 3; i++)
				if (fds[i] >= 0)
					close (fds[i]);
			if (families[f] == AF_INET6)
				continue; /* no IPv6 here */
			fail_msg ("cannot make a loopback TCP pair");
		}
		json_object *c = json_tokener_parse (json);
		dmig_error_t err = NULL;
		struct dmig_engine *e = open_engine (DOCKER_VERSION);
		assert_int_equal (check (e, c, &err), -1);
		assert_int_equal (err->status, DMIG_EPREFLIGHT);
		assert_non_null (strstr (err->msg, "open TCP connection"));
		assert_non_null (strstr (err->msg, "cannot checkpoint"));
		dmig_error_release (&err);
		dmig_engine_close (e);
		/* Podman: on loopback, refused */
		json_object_object_add (json_object_object_get (c, "GraphDriver"), "Name",
		                        json_object_new_string ("overlay"));
		e = open_engine (PODMAN_VERSION);
		assert_int_equal (check (e, c, &err), -1);
		assert_non_null (strstr (err->msg, "on its loopback"));
		dmig_error_release (&err);
		/* the host's network: its sockets are not the container's */
		json_object_object_add (json_object_object_get (c, "HostConfig"), "NetworkMode",
		                        json_object_new_string ("host"));
		assert_int_equal (check (e, c, &err), 0);
		dmig_engine_close (e);
		json_object_put (c);
		for (int i = 0; i < 3; i++)
			close (fds[i]);
	}
}

/* What a save streamed, kept. */
struct sink {
	char buf[256];
	size_t len;
};

static int
sink_put (void *arg, const char *buf, size_t len)
{
	struct sink *k = arg;
	assert_true (k->len + len < sizeof (k->buf));
	memcpy (k->buf + k->len, buf, len);
	k->len += len;
	return 0;
}

static void
expect_stream (const char *method, const char *path, const char *bytes)
{
	expect (method, path, 200, NULL);
	script[nsteps - 1].stream = bytes;
	script[nsteps - 1].stream_len = strlen (bytes);
}

/* Podman's save keeps the ID only in the archive of the image's own format
 * (its default, OCI, gives a Docker-format image a new ID); what the
 * manifest type does not tell is left to the engine; Docker has one format. */
static void
image_save_picks_the_format (void **state)
{
	struct dmig_engine *e = open_engine (PODMAN_VERSION);
	dmig_error_t err = NULL;
	struct {
		const char *inspect, *query;
		enum dmig_image_format fmt;
	} cases[] = {
	    {"{\"Id\":\"99d8\",\"ManifestType\":\"application/vnd.docker.distribution.manifest.v2+json\"}",
	     "?format=docker-archive", DMIG_IMAGE_DOCKER},
	    {"{\"Id\":\"99d8\",\"ManifestType\":\"application/vnd.docker.distribution.manifest.v1+prettyjws\"}",
	     "?format=docker-archive", DMIG_IMAGE_DOCKER},
	    {"{\"Id\":\"99d8\",\"ManifestType\":\"application/vnd.oci.image.manifest.v1+json\"}", "?format=oci-archive",
	     DMIG_IMAGE_OCI},
	    {"{\"Id\":\"99d8\"}", "", DMIG_IMAGE_UNKNOWN},
	    {"{\"Id\":\"99d8\",\"ManifestType\":\"application/x-something-else\"}", "", DMIG_IMAGE_UNKNOWN},
	};
	(void)state;
	for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
		struct sink k = {.len = 0};
		enum dmig_image_format fmt = DMIG_IMAGE_FORMATS;
		char want[256];

		expect ("GET", "/v4.0.0/libpod/images/localhost%2Fweb%3A1/json", 200, cases[i].inspect);
		expect_stream ("GET", "/v4.0.0/libpod/images/localhost%2Fweb%3A1/get", "image tar");
		assert_int_equal (dmig_image_save (e, "localhost/web:1", sink_put, &k, &err), 0);
		snprintf (want, sizeof (want), "/v4.0.0/libpod/images/localhost%%2Fweb%%3A1/get%s", cases[i].query);
		assert_string_equal (script[nsteps - 1].seen_path, want);
		assert_int_equal (k.len, 9);
		assert_memory_equal (k.buf, "image tar", 9);
		/* the same answer for the manifest */
		expect ("GET", "/v4.0.0/libpod/images/99d8/json", 200, cases[i].inspect);
		assert_int_equal (dmig_image_format_of (e, "99d8", &fmt, &err), 0);
		assert_int_equal (fmt, cases[i].fmt);
	}
	/* the image cannot be inspected: no save asked for */
	expect ("GET", "/v4.0.0/libpod/images/gone/json", 404, "{\"cause\":\"image not known\"}");
	assert_int_equal (dmig_image_save (e, "gone", sink_put, &(struct sink){.len = 0}, &err), -1);
	assert_non_null (strstr (err->msg, "cannot inspect image 'gone'"));
	assert_non_null (strstr (err->msg, "image not known"));
	dmig_error_release (&err);
	dmig_engine_close (e);

	/* Docker: its save keeps every ID; nothing to ask */
	e = open_engine (DOCKER_VERSION);
	enum dmig_image_format fmt = DMIG_IMAGE_FORMATS;
	struct sink k = {.len = 0};
	expect_stream ("GET", "/v1.41/images/get?names=web%3A1", "docker tar");
	assert_int_equal (dmig_image_save (e, "web:1", sink_put, &k, &err), 0);
	assert_string_equal (script[nsteps - 1].seen_path, "/v1.41/images/get?names=web%3A1");
	assert_int_equal (dmig_image_format_of (e, "sha256:99d8", &fmt, &err), 0);
	assert_int_equal (fmt, DMIG_IMAGE_UNKNOWN);
	dmig_engine_close (e);

	/* the manifest's spelling, and anything else read as unknown */
	assert_string_equal (dmig_image_format_name (DMIG_IMAGE_DOCKER), "docker");
	assert_string_equal (dmig_image_format_name (DMIG_IMAGE_OCI), "oci");
	assert_null (dmig_image_format_name (DMIG_IMAGE_UNKNOWN));
	assert_int_equal (dmig_image_format_parse ("docker"), DMIG_IMAGE_DOCKER);
	assert_int_equal (dmig_image_format_parse ("oci"), DMIG_IMAGE_OCI);
	assert_int_equal (dmig_image_format_parse ("OCI; rm -rf /"), DMIG_IMAGE_UNKNOWN);
	assert_int_equal (dmig_image_format_parse (NULL), DMIG_IMAGE_UNKNOWN);
}

static ssize_t
no_body (void *arg, char *buf, size_t len)
{
	(void)arg;
	(void)buf;
	(void)len;
	return 0;
}

/* What each engine says it loaded; Docker's errors inside its 200. */
static void
image_load_tells_what_it_loaded (void **state)
{
	struct dmig_engine *e = open_engine (PODMAN_VERSION);
	dmig_error_t err = NULL;
	json_object *names = NULL;
	(void)state;

	expect_stream ("POST", "/v4.0.0/libpod/images/load", "{\"Names\":[\"localhost/web:1\"]}");
	assert_int_equal (dmig_image_load (e, no_body, NULL, &names, &err), 0);
	assert_string_equal (json_object_to_json_string (names), "[ \"localhost\\/web:1\" ]");
	json_object_put (names);
	dmig_engine_close (e);

	e = open_engine (DOCKER_VERSION);
	expect_stream ("POST", "/v1.41/images/load?quiet=1",
	               "{\"stream\":\"Loaded image: web:1\\n\"}\n{\"stream\":\"Loaded image ID: sha256:99d8\\n\"}\n");
	assert_int_equal (dmig_image_load (e, no_body, NULL, &names, &err), 0);
	assert_int_equal (json_object_array_length (names), 2);
	assert_string_equal (json_object_get_string (json_object_array_get_idx (names, 0)), "web:1");
	assert_string_equal (json_object_get_string (json_object_array_get_idx (names, 1)), "sha256:99d8");
	json_object_put (names);
	expect_stream ("POST", "/v1.41/images/load?quiet=1",
	               "{\"errorDetail\":{\"message\":\"no space left\"},\"error\":\"no space left on device\"}\n");
	assert_int_equal (dmig_image_load (e, no_body, NULL, &names, &err), -1);
	assert_null (names);
	assert_non_null (strstr (err->msg, "cannot load the image: docker said: no space left on device"));
	dmig_error_release (&err);
	expect ("POST", "/v1.41/images/load?quiet=1", 500, "{\"message\":\"unexpected EOF\"}");
	assert_int_equal (dmig_image_load (e, no_body, NULL, NULL, &err), -1);
	assert_non_null (strstr (err->msg, "unexpected EOF"));
	dmig_error_release (&err);
	dmig_engine_close (e);
}

#define IMG(id, tags) "{\"Id\":\"" id "\",\"RepoTags\":" tags "}"

/* A load whose image came with another ID is undone: what it made goes,
 * what was there before stays, and each name goes back where it was. */
static void
image_unload_undoes_only_the_load (void **state)
{
	struct dmig_engine *e = open_engine (PODMAN_VERSION);
	dmig_error_t err = NULL;
	json_object *before, *names = json_tokener_parse ("[\"localhost/web:1\"]");
	(void)state;

	/* a new image, which took the name from another: removed, name back */
	before = json_tokener_parse ("[" IMG ("aaaa", "[\"localhost/web:1\"]") "," IMG ("bbbb", "null") "]");
	expect ("GET", "/v4.0.0/libpod/images/json?all=true", 200,
	        "[" IMG ("aaaa", "null") "," IMG ("bbbb", "null") "," IMG ("cccc", "[\"localhost/web:1\"]") "]");
	expect ("DELETE", "/v4.0.0/libpod/images/cccc", 200, "{}");
	expect ("POST", "/v4.0.0/libpod/images/aaaa/tag?repo=localhost%2Fweb&tag=1", 201, "");
	assert_int_equal (dmig_image_unload (e, before, names, "99d8", &err), 0);
	assert_string_equal (script[nsteps - 1].seen_path, "/v4.0.0/libpod/images/aaaa/tag?repo=localhost%2Fweb&tag=1");
	json_object_put (before);

	/* an image that was there took the name: only the name comes off */
	before = json_tokener_parse ("[" IMG ("cccc", "[\"localhost/other:2\"]") "]");
	expect ("GET", "/v4.0.0/libpod/images/json?all=true", 200,
	        "[" IMG ("cccc", "[\"localhost/other:2\",\"localhost/web:1\"]") "]");
	expect ("POST", "/v4.0.0/libpod/images/cccc/untag?repo=localhost%2Fweb&tag=1", 201, "");
	assert_int_equal (dmig_image_unload (e, before, names, "99d8", &err), 0);
	/* it had the name already: nothing changed, nothing to do */
	before = (json_object_put (before), json_tokener_parse ("[" IMG ("cccc", "[\"localhost/web:1\"]") "]"));
	expect ("GET", "/v4.0.0/libpod/images/json?all=true", 200, "[" IMG ("cccc", "[\"localhost/web:1\"]") "]");
	assert_int_equal (dmig_image_unload (e, before, names, "99d8", &err), 0);
	/* the image with the ID wanted is never touched (IDs with or without
	 * sha256:) */
	expect ("GET", "/v4.0.0/libpod/images/json?all=true", 200, "[" IMG ("99d8", "[\"localhost/web:1\"]") "]");
	assert_int_equal (dmig_image_unload (e, before, names, "sha256:99d8", &err), 0);
	json_object_put (before);

	/* a load that reported only an ID; its image will not go: said */
	before = json_tokener_parse ("[]");
	json_object_put (names);
	names = json_tokener_parse ("[\"sha256:dddd\"]");
	expect ("GET", "/v4.0.0/libpod/images/json?all=true", 200, "[" IMG ("dddd", "null") "]");
	expect ("DELETE", "/v4.0.0/libpod/images/dddd", 409, "{\"cause\":\"image is in use by a container\"}");
	assert_int_equal (dmig_image_unload (e, before, names, "99d8", &err), -1);
	assert_non_null (strstr (err->msg, "image dddd stays there"));
	assert_non_null (strstr (err->msg, "in use by a container"));
	dmig_error_release (&err);
	/* a load that said nothing: nothing can be undone, and that is said */
	json_object_put (names);
	names = json_object_new_array ();
	assert_int_equal (dmig_image_unload (e, before, names, "99d8", &err), -1);
	assert_non_null (strstr (err->msg, "did not say what it loaded"));
	dmig_error_release (&err);
	json_object_put (before);
	json_object_put (names);
	dmig_engine_close (e);

	/* Docker has no untag: a name on an image that has others comes off by
	 * removing the name; an image's only name would take the image along */
	e = open_engine (DOCKER_VERSION);
	names = json_tokener_parse ("[\"web:1\"]");
	before = json_tokener_parse ("[" IMG ("sha256:cccc", "[\"other:2\"]") "," IMG ("sha256:eeee", "null") "]");
	expect ("GET", "/v1.41/images/json?all=true", 200,
	        "[" IMG ("sha256:cccc", "[\"other:2\",\"web:1\"]") "," IMG ("sha256:eeee", "null") "]");
	expect ("DELETE", "/v1.41/images/web%3A1?noprune=1", 200, "[{\"Untagged\":\"web:1\"}]");
	assert_int_equal (dmig_image_unload (e, before, names, "sha256:99d8", &err), 0);
	expect ("GET", "/v1.41/images/json?all=true", 200,
	        "[" IMG ("sha256:cccc", "[\"other:2\"]") "," IMG ("sha256:eeee", "[\"web:1\"]") "]");
	assert_int_equal (dmig_image_unload (e, before, names, "sha256:99d8", &err), -1);
	assert_non_null (strstr (err->msg, "name 'web:1' stays on image eeee there"));
	assert_non_null (strstr (err->msg, "docker rmi web:1"));
	dmig_error_release (&err);
	json_object_put (before);
	json_object_put (names);
	dmig_engine_close (e);
}

/* A snapshot whose image is not here: the refusal names the command that
 * brings it with its ID, in the archive format the manifest records; an
 * older bundle without it gets the engine's plain save; a name that is
 * not a plain word never goes into the command. */
static void
missing_image_names_the_command (void **state)
{
	struct {
		const char *version, *kind, *format, *name, *inspect, *says;
	} cases[] = {
	    {PODMAN_VERSION, "podman", "docker", "localhost/web:1", "/v4.0.0/libpod/images/99d8/json",
	     "podman save --format docker-archive localhost/web:1"},
	    {PODMAN_VERSION, "podman", "oci", "localhost/web:1", "/v4.0.0/libpod/images/99d8/json",
	     "podman save --format oci-archive localhost/web:1"},
	    {PODMAN_VERSION, "podman", NULL, "localhost/web:1", "/v4.0.0/libpod/images/99d8/json",
	     "podman save localhost/web:1"},
	    {PODMAN_VERSION, "podman", "docker", "web;touch /tmp/x", "/v4.0.0/libpod/images/99d8/json",
	     "podman save --format docker-archive 99d8"},
	    {DOCKER_VERSION, "docker", NULL, "web:1", "/v1.41/images/99d8/json", "docker save web:1"},
	};
	char dir[64], path[128], host[256] = "", says[512];
	struct dmig_members none = {0};
	(void)state;

	gethostname (host, sizeof (host) - 1);
	snprintf (dir, sizeof (dir), "/tmp/dmig-store-XXXXXX");
	assert_non_null (mkdtemp (dir));
	for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
		struct dmig_engine *e = open_engine (cases[i].version);
		json_object *m = json_object_new_object ();
		dmig_error_t err = NULL;

		json_object_object_add (m, "format", json_object_new_int (DMIG_BUNDLE_FORMAT));
		json_object_object_add (m, "engine", json_object_new_string (cases[i].kind));
		json_object_object_add (m, "image", json_object_new_string ("99d8"));
		json_object_object_add (m, "image_name", json_object_new_string (cases[i].name));
		if (cases[i].format)
			json_object_object_add (m, "image_format", json_object_new_string (cases[i].format));
		snprintf (path, sizeof (path), "%s/s%zu.dmig", dir, i);
		assert_int_equal (dmig_bundle_write (path, m, dir, &none, NULL, &err), 0);
		json_object_put (m);
		expect ("GET", cases[i].inspect, 404, "{\"message\":\"no such image\"}");
		assert_int_equal (dmig_snapshot_restore (e, path, dir, &err), -1);
		assert_int_equal (err->status, DMIG_EPREFLIGHT);
		snprintf (says, sizeof (says), "'%s | ssh root@%s %s load', then retry", cases[i].says, host,
		          cases[i].kind);
		if (strstr (err->msg, says) == NULL || strstr (err->msg, "needs image 99d8") == NULL)
			fail_msg ("'%s' does not say %s", err->msg, says);
		dmig_error_release (&err);
		unlink (path);
		dmig_engine_close (e);
	}
	/* an image "ID" that is not one never reaches the engine */
	{
		struct dmig_engine *e = open_engine (PODMAN_VERSION);
		json_object *m = json_object_new_object ();
		dmig_error_t err = NULL;

		json_object_object_add (m, "format", json_object_new_int (DMIG_BUNDLE_FORMAT));
		json_object_object_add (m, "engine", json_object_new_string ("podman"));
		json_object_object_add (m, "image", json_object_new_string ("../../containers/x"));
		snprintf (path, sizeof (path), "%s/bad.dmig", dir);
		assert_int_equal (dmig_bundle_write (path, m, dir, &none, NULL, &err), 0);
		json_object_put (m);
		assert_int_equal (dmig_snapshot_restore (e, path, dir, &err), -1);
		assert_non_null (strstr (err->msg, "names no valid image ID"));
		dmig_error_release (&err);
		unlink (path);
		dmig_engine_close (e);
	}
	assert_int_equal (rmdir (dir), 0); /* no staging folder left */
}

/* The command that bridges a host's engine socket: each engine's CLI, its
 * URL option only with a socket named, nothing for an engine without a CLI. */
static void
dial_commands (void **state)
{
	static const struct dmig_engine_ops no_cli = {.kind = "other"};
	struct {
		const struct dmig_engine_ops *ops;
		const char *socket;
		const char *argv[6];
	} cases[] = {
	    {&dmig_docker_ops, NULL, {"docker", "system", "dial-stdio"}},
	    {&dmig_docker_ops, "", {"docker", "system", "dial-stdio"}},
	    {&dmig_docker_ops,
	     "/run/docker-b.sock",
	     {"docker", "-H", "unix:///run/docker-b.sock", "system", "dial-stdio"}},
	    {&dmig_podman_ops, NULL, {"podman", "system", "dial-stdio"}},
	    {&dmig_podman_ops,
	     "/run/user/0/podman/podman.sock",
	     {"podman", "--url", "unix:///run/user/0/podman/podman.sock", "system", "dial-stdio"}},
	    {&no_cli, "/run/x.sock", {NULL}},
	};
	(void)state;

	for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
		struct dmig_engine_dial d;
		size_t n = 0;

		dmig_engine_dial (cases[i].ops, cases[i].socket, &d);
		for (; cases[i].argv[n]; n++)
			if (d.argv[n] == NULL || strcmp (d.argv[n], cases[i].argv[n]) != 0)
				fail_msg ("case %zu: argument %zu is '%s', not '%s'", i, n,
				          d.argv[n] ? d.argv[n] : "(none)", cases[i].argv[n]);
		if (d.argv[n] != NULL)
			fail_msg ("case %zu: argument %zu '%s' too many", i, n, d.argv[n]);
	}
}

int
main (void)
{
	dmig_log_set (DMIG_QUIET);
#define T(x) cmocka_unit_test_setup_teardown (x, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T (tells_engines_apart),
	    cmocka_unit_test (registry_lists_each_engine),
	    cmocka_unit_test (dial_commands),
	    T (paths_escape_their_arguments),
	    cmocka_unit_test (inspect_answers_parse_into_the_model),
	    T (missing_socket_and_bad_url),
	    T (docker_needs_experimental),
	    T (inspect_answers),
	    T (docker_refuses_what_it_cannot_carry),
	    T (remove_is_idempotent),
	    T (podman_capture_requests),
	    T (docker_unpauses_after_failed_checkpoint),
	    T (docker_exit_checkpoint_holds_restart_policy),
	    T (docker_restore_names_the_image),
	    T (podman_keep_source_policy),
	    T (podman_runtime_check),
	    T (runtimes_and_dirs),
	    T (podman_restore_stats_with_v),
	    T (podman_move_runtime_refused),
	    T (open_tcp_connections_refused),
	    T (image_save_picks_the_format),
	    T (image_load_tells_what_it_loaded),
	    T (image_unload_undoes_only_the_load),
	    T (missing_image_names_the_command),
	};
	return cmocka_run_group_tests (tests, http_group_setup, http_group_teardown);
}
