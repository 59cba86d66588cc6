// WRAP: dmig_http_request
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
#include "engine.h"
#include "fsutil.h"
#include "log.h"
#include "migrate.h"

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

#define DOCKER_VERSION "{\"Version\":\"20.10.24\",\"Components\":[{\"Name\":\"Engine\"}]}"
#define PODMAN_VERSION "{\"Version\":\"4.3.1\",\"Components\":[{\"Name\":\"Podman Engine\"}]}"

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
	json_object *c = NULL;
	(void)state;
	expect ("GET", "/v1.41/containers/web/json", 404, "{\"message\":\"No such container: web\"}");
	assert_int_equal (dmig_engine_inspect (e, "web", &c, &err), 0);
	assert_null (c);
	expect ("GET", "/v1.41/containers/web/json", 200, "{\"Id\":\"abc\",\"Name\":\"/web\"}");
	assert_int_equal (dmig_engine_inspect (e, "web", &c, &err), 0);
	assert_string_equal (dmig_json_str (c, "Id"), "abc");
	json_object_put (c);
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
	};
	(void)state;
	for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
		json_object *c = json_tokener_parse (cases[i].json);
		assert_int_equal (dmig_engine_check_container (e, c, &err), -1);
		assert_int_equal (err->status, DMIG_EPREFLIGHT);
		if (strstr (err->msg, cases[i].says) == NULL)
			fail_msg ("'%s' does not say '%s'", err->msg, cases[i].says);
		dmig_error_release (&err);
		json_object_put (c);
	}
	json_object *ok = json_tokener_parse ("{\"Name\":\"/w\",\"State\":{\"Running\":true},\"GraphDriver\":{\"Name\":"
	                                      "\"overlay2\"}}");
	assert_int_equal (dmig_engine_check_container (e, ok, &err), 0);
	json_object_put (ok);
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
	assert_int_equal (e->ops->capture (e, c, staging, &o, &ms, &err), 0);
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

	dmig_rm_rf (staging, NULL);
	assert_non_null (mkdtemp (strcpy (staging, "/tmp/dmig-stage-XXXXXX")));
	memset (&ms, 0, sizeof (ms));
	expect ("POST", "/v4.0.0/libpod/containers/abc123/checkpoint?export=true&keep=true", 200, NULL);
	script[nsteps - 1].stream = tar;
	script[nsteps - 1].stream_len = tarlen;
	expect ("POST", "/v4.0.0/libpod/containers/abc123/restore?keep=true", 500, "{\"cause\":\"criu failed\"}");
	assert_int_equal (e->ops->capture (e, c, staging, &o, &ms, &err), -1);
	assert_int_equal (err->status, DMIG_ELOST);
	assert_non_null (strstr (err->msg, "criu failed"));
	assert_non_null (strstr (err->msg, "podman container restore --keep db"));
	dmig_error_release (&err);

	/* the layer cannot be copied: the container is resumed all the same */
	dmig_rm_rf (staging, NULL);
	assert_non_null (mkdtemp (strcpy (staging, "/tmp/dmig-stage-XXXXXX")));
	memset (&ms, 0, sizeof (ms));
	json_object *gone = json_tokener_parse ("{\"Id\":\"abc123\",\"Name\":\"db\",\"GraphDriver\":{\"Name\":"
	                                        "\"overlay\",\"Data\":{\"UpperDir\":\"/nonexistent/upper\"}}}");
	expect ("POST", "/v4.0.0/libpod/containers/abc123/checkpoint?export=true&keep=true", 200, NULL);
	script[nsteps - 1].stream = tar;
	script[nsteps - 1].stream_len = tarlen;
	expect ("POST", "/v4.0.0/libpod/containers/abc123/restore?keep=true", 200, "{}");
	expect ("GET", "/v4.0.0/libpod/containers/abc123/json", 200, "{\"State\":{\"Pid\":0}}");
	assert_int_equal (e->ops->capture (e, gone, staging, &o, &ms, &err), -1);
	assert_int_equal (err->status, DMIG_EFAIL);
	assert_non_null (strstr (err->msg, "writable layer"));
	assert_int_equal (ms.n, 0);
	dmig_error_release (&err);
	json_object_put (gone);

	/* a failed checkpoint leaves the container running: a plain failure */
	dmig_rm_rf (staging, NULL);
	assert_non_null (mkdtemp (strcpy (staging, "/tmp/dmig-stage-XXXXXX")));
	memset (&ms, 0, sizeof (ms));
	expect ("POST", "/v4.0.0/libpod/containers/abc123/checkpoint", 500, "{\"cause\":\"dump failed\"}");
	expect ("GET", "/v4.0.0/libpod/containers/abc123/json", 200, "{\"State\":{\"Running\":true}}");
	assert_int_equal (e->ops->capture (e, c, staging, &o, &ms, &err), -1);
	assert_int_equal (err->status, DMIG_EFAIL);
	assert_int_equal (ms.n, 0);
	dmig_error_release (&err);

	/* an export that broke off after the dump stopped it: resumed */
	dmig_rm_rf (staging, NULL);
	assert_non_null (mkdtemp (strcpy (staging, "/tmp/dmig-stage-XXXXXX")));
	expect ("POST", "/v4.0.0/libpod/containers/abc123/checkpoint", 500, "{\"cause\":\"broken pipe\"}");
	expect ("GET", "/v4.0.0/libpod/containers/abc123/json", 200, "{\"State\":{\"Running\":false}}");
	expect ("POST", "/v4.0.0/libpod/containers/abc123/restore?keep=true", 200, "{}");
	expect ("GET", "/v4.0.0/libpod/containers/abc123/json", 200, "{\"State\":{\"Pid\":0}}");
	assert_int_equal (e->ops->capture (e, c, staging, &o, &ms, &err), -1);
	assert_non_null (strstr (err->msg, "broken pipe"));
	assert_int_equal (ms.n, 0);
	dmig_error_release (&err);

	dmig_rm_rf (staging, NULL);
	dmig_rm_rf (upper, NULL);
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
	assert_int_equal (e->ops->capture (e, c, staging, &o, &ms, &err), -1);
	assert_int_equal (err->status, DMIG_EFAIL);
	assert_non_null (strstr (err->msg, "criu failed"));
	assert_non_null (strstr (err->msg, "checkpoint failed"));
	if (strstr (script[2].seen_body, "\"Exit\":false") == NULL)
		fail_msg ("checkpoint body: %s", script[2].seen_body);
	dmig_error_release (&err);
	/* and if unpausing fails too, the message says how to recover */
	dmig_rm_rf (staging, NULL);
	assert_non_null (mkdtemp (strcpy (staging, "/tmp/dmig-stage-XXXXXX")));
	memset (&ms, 0, sizeof (ms));
	expect ("POST", "/v1.41/containers/abc/pause", 204, "");
	expect ("POST", "/v1.41/containers/abc/checkpoints", 500, "{\"message\":\"criu failed\"}");
	expect ("POST", "/v1.41/containers/abc/unpause", 500, "{\"message\":\"cannot unpause\"}");
	assert_int_equal (e->ops->capture (e, c, staging, &o, &ms, &err), -1);
	assert_int_equal (err->status, DMIG_ELOST);
	assert_non_null (strstr (err->msg, "docker unpause abc"));
	dmig_error_release (&err);
	dmig_rm_rf (staging, NULL);
	dmig_rm_rf (upper, NULL);
	json_object_put (c);
	dmig_engine_close (e);
}

/* --keep-source on Podman: a restart policy Podman 4 cannot change is
 * refused before anything changes (--force keeps it); from 5.1 the kept
 * source is set to "no" and dmig checks that it took. */
static void
podman_keep_source_policy (void **state)
{
	struct dmig_engine *e = open_engine (PODMAN_VERSION);
	json_object *ctr =
	    json_tokener_parse ("{\"Id\":\"abc\",\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"always\"}}}");
	struct dmig_move_opts o = {.keep_source = true};
	struct dmig_move m = {.src = e, .ctr = ctr, .name = "web", .o = &o};
	dmig_error_t err = NULL;

	(void)state;
	assert_int_equal (dmig_podman_move.check (&m, &err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	assert_non_null (strstr (err->msg, "restart policy 'always', which Podman 4.3.1 cannot change"));
	assert_non_null (strstr (err->msg, "--force"));
	dmig_error_release (&err);
	o.force = true;
	assert_int_equal (dmig_podman_move.check (&m, &err), 0);
	/* kept as it is: no call at all */
	assert_int_equal (dmig_podman_move.finish (&m, &err), 0);
	o.force = false;
	o.keep_source = false;
	assert_int_equal (dmig_podman_move.check (&m, &err), 0);
	dmig_engine_close (e);

	e = open_engine ("{\"Version\":\"5.1.0\",\"Components\":[{\"Name\":\"Podman Engine\"}]}");
	m.src = e;
	o.keep_source = true;
	assert_int_equal (dmig_podman_move.check (&m, &err), 0);
	expect ("POST", "/v4.0.0/libpod/containers/abc/update?restartPolicy=no", 200, "");
	expect ("GET", "/v4.0.0/libpod/containers/abc/json", 200,
	        "{\"Id\":\"abc\",\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"no\"}}}");
	assert_int_equal (dmig_podman_move.finish (&m, &err), 0);
	/* an engine that ignores the request: still a success (the container
	 * runs on the target), with a warning */
	expect ("POST", "/v4.0.0/libpod/containers/abc/update?restartPolicy=no", 200, "");
	expect ("GET", "/v4.0.0/libpod/containers/abc/json", 200,
	        "{\"Id\":\"abc\",\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"always\"}}}");
	assert_int_equal (dmig_podman_move.finish (&m, &err), 0);
	assert_null (err);
	json_object_put (ctr);
	dmig_engine_close (e);
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
		assert_int_equal (dmig_engine_check_container (e, c, &err), -1);
		assert_int_equal (err->status, DMIG_EPREFLIGHT);
		assert_non_null (strstr (err->msg, "open TCP connection"));
		assert_non_null (strstr (err->msg, "cannot checkpoint"));
		dmig_error_release (&err);
		dmig_engine_close (e);
		/* Podman: on loopback, refused */
		json_object_object_add (json_object_object_get (c, "GraphDriver"), "Name",
		                        json_object_new_string ("overlay"));
		e = open_engine (PODMAN_VERSION);
		assert_int_equal (dmig_engine_check_container (e, c, &err), -1);
		assert_non_null (strstr (err->msg, "on its loopback"));
		dmig_error_release (&err);
		/* the host's network: its sockets are not the container's */
		json_object_object_add (json_object_object_get (c, "HostConfig"), "NetworkMode",
		                        json_object_new_string ("host"));
		assert_int_equal (dmig_engine_check_container (e, c, &err), 0);
		dmig_engine_close (e);
		json_object_put (c);
		for (int i = 0; i < 3; i++)
			close (fds[i]);
	}
}

int
main (void)
{
	dmig_log_set (DMIG_QUIET);
#define T(x) cmocka_unit_test_setup_teardown (x, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T (tells_engines_apart),
	    T (missing_socket_and_bad_url),
	    T (docker_needs_experimental),
	    T (inspect_answers),
	    T (docker_refuses_what_it_cannot_carry),
	    T (remove_is_idempotent),
	    T (podman_capture_requests),
	    T (docker_unpauses_after_failed_checkpoint),
	    T (podman_keep_source_policy),
	    T (open_tcp_connections_refused),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
