// WRAP: dmig_http_request dmig_ssh_connect dmig_ssh_forward_unix dmig_ssh_name dmig_ssh_last_error
/* The Docker API version each engine connection speaks, against scripted
 * daemons that serve only the versions they say (as dockerd's version
 * middleware does): Docker 29, 28.5, Debian 12's 20.10, Podman 5, one too
 * new for dmig, one too old, and engines whose /version is no use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "http.h"
#include "log.h"
#include "migrate.h"
#include "ssh.h"
#include "http_group.h"

#define ENDPOINT_SYSCTLS "com.docker.network.endpoint.sysctls"

/* The daemon: its /version answer and the API versions it serves. */
static struct {
	int version_status; /* < 0: no answer at all */
	const char *version;
	int min, max; /* DMIG_API; min 0: any */
	bool libpod;  /* serves /v4.0.0/libpod too (Podman) */
} d;
static char seen[16][256]; /* the paths asked for */
static size_t nseen;
static char create_body[4096];  /* what the last create sent */
static char connect_body[1024]; /* and the last network connect */

static int
answer (struct dmig_http_resp *resp, long status, const char *body)
{
	resp->status = status;
	resp->body = strdup (body);
	resp->len = strlen (body);
	return 0;
}

int __wrap_dmig_http_request (struct dmig_http *h, const struct dmig_http_req *req, struct dmig_http_resp *resp,
                              dmig_error_t *err);
int
__wrap_dmig_http_request (struct dmig_http *h, const struct dmig_http_req *req, struct dmig_http_resp *resp,
                          dmig_error_t *err)
{
	const char *p = req->path, *rest;
	char msg[256];
	int major, minor, n = 0, v;

	(void)h;
	memset (resp, 0, sizeof (*resp));
	assert_true (nseen < sizeof (seen) / sizeof (seen[0]));
	snprintf (seen[nseen++], sizeof (seen[0]), "%s %s", req->method, p);
	if (strcmp (p, "/version") == 0) {
		if (d.version_status < 0)
			return dmig_error_set (err, DMIG_EFAIL, 0, "cannot connect to the engine");
		return answer (resp, d.version_status, d.version);
	}
	if (d.libpod && strncmp (p, "/v4.0.0/libpod/", 15) == 0) {
		rest = p + 14;
		goto route;
	}
	/* every other path names a version */
	if (sscanf (p, "/v%d.%d%n", &major, &minor, &n) != 2 || n == 0)
		fail_msg ("unversioned request %s", p);
	v = DMIG_API (major, minor);
	rest = p + n;
	if (v < d.min) {
		snprintf (
		    msg, sizeof (msg),
		    "{\"message\":\"client version %d.%d is too old. Minimum supported API version is %d.%d, please "
		    "upgrade your client to a newer version\"}",
		    major, minor, d.min / 1000, d.min % 1000);
		return answer (resp, 400, msg);
	}
	if (v > d.max) {
		snprintf (msg, sizeof (msg),
		          "{\"message\":\"client version %d.%d is too new. Maximum supported API version is %d.%d\"}",
		          major, minor, d.max / 1000, d.max % 1000);
		return answer (resp, 400, msg);
	}
route:
	if (strcmp (rest, "/info") == 0)
		return answer (resp, 200, "{\"ExperimentalBuild\":true,\"DockerRootDir\":\"/nonexistent/docker\"}");
	if (strcmp (rest, "/containers/web/json") == 0)
		return answer (resp, 200, "{\"Id\":\"abc\",\"Name\":\"/web\",\"State\":{\"Running\":true}}");
	if (strncmp (rest, "/containers/create?", 19) == 0) {
		snprintf (create_body, sizeof (create_body), "%.*s", (int)req->body_len, req->body ? req->body : "");
		return answer (resp, 201, "{\"Id\":\"new1\"}");
	}
	if (strcmp (rest, "/networks/extra/connect") == 0) {
		snprintf (connect_body, sizeof (connect_body), "%.*s", (int)req->body_len, req->body ? req->body : "");
		return answer (resp, 200, "");
	}
	if (strcmp (rest, "/containers/new1/json") == 0)
		return answer (resp, 200,
		               "{\"Id\":\"new1\",\"GraphDriver\":{\"Data\":{\"UpperDir\":\"/nonexistent/u\"}}}");
	if (strncmp (rest, "/containers/new1?", 17) == 0)
		return answer (resp, 204, "");
	return answer (resp, 404, "{\"message\":\"page not found\"}");
}

/* What a move's connect needs of SSH: a link, and a local socket for the
 * target's engine (the test's socket file). */
static char sock[64];
static int dummy_ssh;

int __wrap_dmig_ssh_connect (const struct dmig_target *t, const char *config, struct dmig_ssh **out, dmig_error_t *err);
int
__wrap_dmig_ssh_connect (const struct dmig_target *t, const char *config, struct dmig_ssh **out, dmig_error_t *err)
{
	(void)t;
	(void)config;
	(void)err;
	*out = (struct dmig_ssh *)&dummy_ssh;
	return 0;
}

int __wrap_dmig_ssh_forward_unix (struct dmig_ssh *s, const char *remote, char *const dial[], char *local, size_t cap,
                                  dmig_error_t *err);
int
__wrap_dmig_ssh_forward_unix (struct dmig_ssh *s, const char *remote, char *const dial[], char *local, size_t cap,
                              dmig_error_t *err)
{
	(void)s;
	(void)err;
	assert_string_equal (remote, "/var/run/docker.sock");
	/* the other way there: Docker's CLI, told the same socket */
	assert_non_null (dial);
	assert_string_equal (dial[0], "docker");
	assert_string_equal (dial[1], "-H");
	assert_string_equal (dial[2], "unix:///var/run/docker.sock");
	assert_string_equal (dial[3], "system");
	snprintf (local, cap, "%s", sock);
	return 0;
}

const char *__wrap_dmig_ssh_name (const struct dmig_ssh *s);
const char *
__wrap_dmig_ssh_name (const struct dmig_ssh *s)
{
	(void)s;
	return "root@lab2:22";
}

void __wrap_dmig_ssh_last_error (struct dmig_ssh *s, char *out, size_t cap);
void
__wrap_dmig_ssh_last_error (struct dmig_ssh *s, char *out, size_t cap)
{
	(void)s;
	snprintf (out, cap, "%s", "");
}

static int
setup (void **state)
{
	int fd;
	(void)state;
	memset (&d, 0, sizeof (d));
	d.version_status = 200;
	nseen = 0;
	create_body[0] = '\0';
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
	return 0;
}

static int
open_engine (struct dmig_engine **e, dmig_error_t *err)
{
	char url[128];
	snprintf (url, sizeof (url), "unix://%s", sock);
	*e = NULL;
	return dmig_engine_open (url, e, err);
}

#define DOCKER(version, api, min)                                                                                      \
	"{\"Version\":\"" version "\",\"ApiVersion\":\"" api "\",\"MinAPIVersion\":\"" min                             \
	"\",\"Components\":[{\"Name\":\"Engine\"}]}"

/* The daemon as configured, opened: it speaks want, and every call dmig
 * makes then (Docker's check, an inspect) is answered. */
static struct dmig_engine *
speaks (const char *version, int min, int max, int want, const char *prefix)
{
	struct dmig_engine *e = NULL;
	struct dmig_container *c = NULL;
	dmig_error_t err = NULL;

	d.version = version;
	d.min = min;
	d.max = max;
	if (open_engine (&e, &err) < 0)
		fail_msg ("open: %s", err->msg);
	assert_int_equal (e->api, want);
	assert_string_equal (e->docker_api, prefix);
	if (strcmp (e->ops->kind, "docker") == 0 && e->ops->check (e, &err) < 0)
		fail_msg ("check: %s", err->msg);
	if (dmig_engine_inspect (e, "web", &c, &err) < 0 || c == NULL)
		fail_msg ("inspect: %s", err ? err->msg : "no container");
	assert_string_equal (c->id, "abc");
	dmig_container_free (c);
	return e;
}

/* Docker 29: 1.44 and newer only. dmig speaks its own newest, and what a
 * dmig pinned to 1.41 got is what the scripted daemon answers too. */
static void
docker_29_is_spoken_to_at_1_51 (void **state)
{
	struct dmig_engine *e =
	    speaks (DOCKER ("29.0.0", "1.52", "1.44"), DMIG_API (1, 44), DMIG_API (1, 52), DMIG_API_NEWEST, "/v1.51");
	json_object *ans = NULL;
	dmig_error_t err = NULL;
	(void)state;

	assert_string_equal (seen[1], "GET /v1.51/info");
	assert_string_equal (seen[2], "GET /v1.51/containers/web/json");
	assert_int_equal (dmig_engine_call (e, "GET", "/v1.41/containers/web/json", NULL, 1000, &ans, &err), 400);
	assert_string_equal (dmig_json_api_message (ans),
	                     "client version 1.41 is too old. Minimum supported API version is 1.44, please upgrade "
	                     "your client to a newer version");
	json_object_put (ans);
	dmig_engine_close (e);
}

/* Docker 28.5 (1.51, from 1.24) and Debian 12's 20.10 (1.41, from 1.12),
 * which refuses anything newer than 1.41. */
static void
older_dockers_are_spoken_to_at_theirs (void **state)
{
	struct dmig_engine *e;
	(void)state;

	e = speaks (DOCKER ("28.5.1", "1.51", "1.24"), DMIG_API (1, 24), DMIG_API (1, 51), DMIG_API (1, 51), "/v1.51");
	dmig_engine_close (e);
	nseen = 0;
	e = speaks (DOCKER ("20.10.24+dfsg1", "1.41", "1.12"), DMIG_API (1, 12), DMIG_API (1, 41), DMIG_API (1, 41),
	            "/v1.41");
	assert_string_equal (seen[1], "GET /v1.41/info");
	dmig_engine_close (e);
	/* an engine that names no minimum takes any version up to its own */
	nseen = 0;
	e = speaks ("{\"Version\":\"20.10.5\",\"ApiVersion\":\"1.41\"}", 0, DMIG_API (1, 41), DMIG_API (1, 41),
	            "/v1.41");
	dmig_engine_close (e);
	nseen = 0;
	e = speaks ("{\"Version\":\"20.10.5\",\"ApiVersion\":\"1.41\",\"MinAPIVersion\":\"\"}", 0, DMIG_API (1, 41),
	            DMIG_API (1, 41), "/v1.41");
	dmig_engine_close (e);
}

/* Podman: libpod calls keep libpod's prefix; the Docker API it serves
 * (volumes, networks) is spoken at the version it says. */
static void
podman_compat_is_negotiated (void **state)
{
	struct dmig_engine *e;
	char path[128];
	(void)state;

	d.libpod = true;
	e = speaks (
	    "{\"Version\":\"5.8.0\",\"ApiVersion\":\"1.44\",\"MinAPIVersion\":\"1.24\",\"Components\":[{\"Name\":"
	    "\"Podman Engine\"}]}",
	    DMIG_API (1, 24), DMIG_API (1, 44), DMIG_API (1, 44), "/v1.44");
	assert_string_equal (e->ops->kind, "podman");
	assert_string_equal (seen[1], "GET /v4.0.0/libpod/containers/web/json");
	assert_int_equal (dmig_engine_path (e, true, path, sizeof (path), NULL, "/volumes/%s", "data"), 0);
	assert_string_equal (path, "/v1.44/volumes/data");
	assert_int_equal (dmig_engine_path (e, false, path, sizeof (path), NULL, "/containers/%s/json", "web"), 0);
	assert_string_equal (path, "/v4.0.0/libpod/containers/web/json");
	dmig_engine_close (e);
}

/* No version in common: refused before any other call, naming both sides'
 * versions, as a pre-flight refusal. */
static void
no_version_in_common_is_refused (void **state)
{
	struct {
		const char *version, *says[3];
	} cases[] = {
	    {DOCKER ("31.0.0", "1.60", "1.55"),
	     {"Docker 31.0.0 at", "speaks Docker API 1.55 to 1.60, dmig 1.41 to 1.51", "needs a newer dmig"}},
	    {DOCKER ("19.03.15", "1.40", "1.12"),
	     {"Docker 19.03.15 at", "speaks Docker API 1.12 to 1.40, dmig 1.41 to 1.51", "needs a newer engine"}},
	    {"{\"Version\":\"1.13.1\",\"ApiVersion\":\"1.26\"}",
	     {"Docker 1.13.1", "speaks Docker API up to 1.26", "needs a newer engine"}},
	};
	(void)state;

	for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
		struct dmig_engine *e = NULL;
		dmig_error_t err = NULL;

		nseen = 0;
		d.version = cases[i].version;
		assert_int_equal (open_engine (&e, &err), -1);
		assert_null (e);
		assert_int_equal (err->status, DMIG_EPREFLIGHT);
		assert_int_equal (err->code, ENOTSUP);
		for (size_t j = 0; j < 3; j++)
			if (strstr (err->msg, cases[i].says[j]) == NULL)
				fail_msg ("case %zu: '%s' does not say '%s'", i, err->msg, cases[i].says[j]);
		assert_null (strchr (err->msg, '\n'));
		assert_int_equal (nseen, 1);
		dmig_error_release (&err);
	}
}

/* /version that fails or says nothing usable: one line, pre-flight, and
 * nothing else asked. */
static void
version_failures_are_clear (void **state)
{
	struct {
		int status;
		const char *body, *says;
		int code;
	} cases[] = {
	    {-1, NULL, "cannot connect to the engine", 0},
	    {500, "{\"message\":\"daemon on fire\"}", "does not answer /version: it said 500: daemon on fire", EPROTO},
	    {404, "404 page not found\n", "does not answer /version: it said 404: 404 page not found", EPROTO},
	    {200, "{\"Version\":\"29.0.0\"}", "does not say which API versions it speaks", EPROTO},
	    {200, "{\"Version\":\"29.0.0\",\"ApiVersion\":\"1.x\"}", "ApiVersion '1.x'", EPROTO},
	    {200, "{\"Version\":\"29.0.0\",\"ApiVersion\":\"1.52\",\"MinAPIVersion\":\"new\"}", "MinAPIVersion 'new'",
	     EPROTO},
	    {200, "{\"Version\":\"29.0.0\",\"ApiVersion\":\"1.44.\"}", "ApiVersion '1.44.'", EPROTO},
	    {200, "{\"Version\":\"29.0.0\",\"ApiVersion\":1.52}", "does not say which API versions", EPROTO},
	    {200, "[]", "does not answer /version: it said 200", EPROTO},
	    {200, "not json", "does not say which API versions", EPROTO},
	};
	(void)state;

	for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
		struct dmig_engine *e = NULL;
		dmig_error_t err = NULL;

		nseen = 0;
		d.version_status = cases[i].status;
		d.version = cases[i].body;
		assert_int_equal (open_engine (&e, &err), -1);
		assert_null (e);
		assert_int_equal (err->status, DMIG_EPREFLIGHT);
		if (strstr (err->msg, cases[i].says) == NULL || err->code != cases[i].code)
			fail_msg ("case %zu: '%s' (code %d)", i, err->msg, err->code);
		assert_null (strchr (err->msg, '\n'));
		assert_int_equal (nseen, 1);
		dmig_error_release (&err);
	}
}

/* A move's target is negotiated with on its own: a Docker 29 target of a
 * 20.10 source speaks 1.51, one too new for dmig is refused naming it. */
static void
move_target_is_negotiated (void **state)
{
	struct dmig_engine src = {.ops = &dmig_docker_ops, .api = DMIG_API (1, 41), .docker_api = "/v1.41"};
	struct dmig_target target = {.spec = "lab2", .host = "lab2"};
	struct dmig_move m = {.src = &src, .target = &target};
	dmig_error_t err = NULL;
	(void)state;

	d.version = DOCKER ("29.0.0", "1.52", "1.44");
	d.min = DMIG_API (1, 44);
	d.max = DMIG_API (1, 52);
	if (dmig_migrate_connect (&m, &err) < 0)
		fail_msg ("connect: %s", err->msg);
	assert_true (m.dst->remote);
	assert_int_equal (m.dst->api, DMIG_API_NEWEST);
	assert_int_equal (src.api, DMIG_API (1, 41));
	dmig_engine_close (m.dst);

	m.dst = NULL;
	d.version = DOCKER ("31.0.0", "1.60", "1.55");
	assert_int_equal (dmig_migrate_connect (&m, &err), -1);
	assert_null (m.dst);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	if (strstr (err->msg, "the engine at /var/run/docker.sock on root@lab2:22: Docker 31.0.0 at ") == NULL
	    || strstr (err->msg, "1.55 to 1.60, dmig 1.41 to 1.51") == NULL)
		fail_msg ("'%s'", err->msg);
	dmig_error_release (&err);
}

/* A create made from an inspect: at 1.44 and newer a chosen MAC address
 * goes to the first network's endpoint (1.52 refuses Config.MacAddress);
 * up to 1.43 it stays the container's. The old container's short ID,
 * which inspects up to 1.44 list among its aliases, is not asked for, on
 * the first network nor on those connected after the create. */
static void
create_adapts_to_the_version (void **state)
{
	static const char manifest[] =
	    "{\"container\":\"web\",\"image\":\"sha256:abc\",\"image_name\":\"\",\"config\":{\"Id\":"
	    "\"0123456789abcdef\",\"Name\":\"/"
	    "web\",\"Config\":{\"Image\":\"web:1\",\"MacAddress\":\"02:42:ac:11:00:09\"},"
	    "\"HostConfig\":{\"NetworkMode\":\"%s\"},\"NetworkSettings\":{\"Networks\":{\"%s\":{\"Aliases\":[\"db\","
	    "\"0123456789ab\"],\"IPAMConfig\":{\"IPv4Address\":\"10.9.0.9\"}},\"extra\":{\"Aliases\":[\"0123456789ab\","
	    "\"x\"]}}}}}";
	struct {
		const char *version;
		int min, max;
		const char *mode;
		bool mac_stays; /* Config.MacAddress */
		const char *has, *lacks;
	} cases[] = {
	    {DOCKER ("29.0.0", "1.52", "1.44"), DMIG_API (1, 44), DMIG_API (1, 52), "net.one", false,
	     "\"NetworkingConfig\":{\"EndpointsConfig\":{\"net.one\":{\"Aliases\":[\"db\"],\"IPAMConfig\":{"
	     "\"IPv4Address\":\"10.9.0.9\"},\"MacAddress\":\"02:42:ac:11:00:09\"}}}",
	     "0123456789ab\""},
	    {DOCKER ("29.0.0", "1.52", "1.44"), DMIG_API (1, 44), DMIG_API (1, 52), "bridge", false,
	     "\"NetworkingConfig\":{\"EndpointsConfig\":{\"bridge\":{\"MacAddress\":\"02:42:ac:11:00:09\"}}}",
	     "Aliases"},
	    {DOCKER ("29.0.0", "1.52", "1.44"), DMIG_API (1, 44), DMIG_API (1, 52), "host", false,
	     "\"NetworkMode\":\"host\"", "MacAddress"},
	    {DOCKER ("20.10.24", "1.41", "1.12"), DMIG_API (1, 12), DMIG_API (1, 41), "net.one", true,
	     "\"NetworkingConfig\":{\"EndpointsConfig\":{\"net.one\":{\"Aliases\":[\"db\"],\"IPAMConfig\":{"
	     "\"IPv4Address\":\"10.9.0.9\"}}}}",
	     "0123456789ab\""},
	    {DOCKER ("20.10.24", "1.41", "1.12"), DMIG_API (1, 12), DMIG_API (1, 41), "bridge", true,
	     "\"NetworkMode\":\"bridge\"", "NetworkingConfig"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
		struct dmig_engine *e = NULL;
		dmig_error_t err = NULL;
		char staging[64], text[1024];
		json_object *m, *body;

		nseen = 0;
		d.version = cases[i].version;
		d.min = cases[i].min;
		d.max = cases[i].max;
		if (open_engine (&e, &err) < 0)
			fail_msg ("open: %s", err->msg);
		snprintf (text, sizeof (text), manifest, cases[i].mode, cases[i].mode);
		m = json_tokener_parse (text);
		assert_non_null (m);
		snprintf (staging, sizeof (staging), "/tmp/dmig-stage-XXXXXX");
		assert_non_null (mkdtemp (staging));
		create_body[0] = connect_body[0] = '\0';
		/* the staging folder holds no layer: the restore stops after the
		 * create and removes what it made */
		assert_int_equal (e->ops->restore (e, m, staging, NULL, &err), -1);
		assert_non_null (strstr (err->msg, "writable layer"));
		if (strstr (create_body, cases[i].has) == NULL || strstr (create_body, cases[i].lacks) != NULL)
			fail_msg ("case %zu: '%s' lacks '%s' or has '%s'", i, create_body, cases[i].has,
			          cases[i].lacks);
		/* a network beyond the first: connected with its endpoint's settings */
		if (strcmp (cases[i].mode, "host") != 0
		    && strcmp (connect_body, "{\"Container\":\"new1\",\"EndpointConfig\":{\"Aliases\":[\"x\"]}}") != 0)
			fail_msg ("case %zu: connected with '%s'", i, connect_body);
		body = json_tokener_parse (create_body);
		assert_non_null (body);
		assert_int_equal (json_object_object_get_ex (body, "MacAddress", NULL), cases[i].mac_stays);
		json_object_put (body);
		dmig_error_release (&err);
		json_object_put (m);
		rmdir (staging);
		dmig_engine_close (e);
	}
}

/* From API 1.48 an interface's sysctl is refused in HostConfig.Sysctls:
 * eth0's go to the first network's endpoint as IFNAME (before what it had
 * there); an endpoint's driver options and gateway priority are carried. */
static void
create_moves_interface_sysctls (void **state)
{
	static const char manifest[] =
	    "{\"container\":\"web\",\"image\":\"sha256:abc\",\"image_name\":\"\",\"config\":{\"Id\":"
	    "\"0123456789abcdef\","
	    "\"Name\":\"/web\",\"Config\":{\"Image\":\"web:1\"},\"HostConfig\":{\"NetworkMode\":\"%s\",\"Sysctls\":{"
	    "\"net.ipv4.conf.eth0.log_martians\":\"1\",\"net.core.somaxconn\":\"1024\",\"net.ipv6.conf.eth1.x\":\"1\"}}"
	    ","
	    "\"NetworkSettings\":{\"Networks\":{\"net-one\":{\"DriverOpts\":{\"com.docker.network.endpoint.sysctls\":"
	    "\"net.ipv6.conf.IFNAME.forwarding=1\",\"other\":\"y\"},\"GwPriority\":5}}}}}";
	struct {
		const char *version;
		int min, max;
		const char *mode;
		size_t nsysctls;  /* left in HostConfig.Sysctls */
		const char *opts; /* the endpoint's sysctls (NULL: no endpoint) */
	} cases[] = {
	    {DOCKER ("29.0.0", "1.52", "1.44"), DMIG_API (1, 44), DMIG_API (1, 52), "net-one", 2,
	     "net.ipv4.conf.IFNAME.log_martians=1,net.ipv6.conf.IFNAME.forwarding=1"},
	    {DOCKER ("29.0.0", "1.52", "1.44"), DMIG_API (1, 44), DMIG_API (1, 52), "bridge", 2,
	     "net.ipv4.conf.IFNAME.log_martians=1"},
	    {DOCKER ("29.0.0", "1.52", "1.44"), DMIG_API (1, 44), DMIG_API (1, 52), "host", 3, NULL},
	    /* 1.47 moves eth0's itself; 1.41 applies them as they are */
	    {DOCKER ("27.5.1", "1.47", "1.24"), DMIG_API (1, 24), DMIG_API (1, 47), "net-one", 3,
	     "net.ipv6.conf.IFNAME.forwarding=1"},
	    {DOCKER ("20.10.24", "1.41", "1.12"), DMIG_API (1, 12), DMIG_API (1, 41), "net-one", 3,
	     "net.ipv6.conf.IFNAME.forwarding=1"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
		struct dmig_engine *e = NULL;
		dmig_error_t err = NULL;
		char staging[64], text[1024];
		json_object *m, *body, *ep = NULL, *opts = NULL;

		nseen = 0;
		d.version = cases[i].version;
		d.min = cases[i].min;
		d.max = cases[i].max;
		if (open_engine (&e, &err) < 0)
			fail_msg ("open: %s", err->msg);
		snprintf (text, sizeof (text), manifest, cases[i].mode);
		assert_non_null (m = json_tokener_parse (text));
		snprintf (staging, sizeof (staging), "/tmp/dmig-stage-XXXXXX");
		assert_non_null (mkdtemp (staging));
		create_body[0] = '\0';
		assert_int_equal (e->ops->restore (e, m, staging, NULL, &err), -1);
		assert_non_null (body = json_tokener_parse (create_body));
		assert_int_equal (json_object_object_length (dmig_json_get (body, "HostConfig.Sysctls")),
		                  cases[i].nsysctls);
		ep = dmig_json_get (dmig_json_get (body, "NetworkingConfig.EndpointsConfig"), cases[i].mode);
		if (cases[i].opts == NULL)
			assert_null (ep);
		else {
			assert_true (
			    json_object_object_get_ex (dmig_json_get (ep, "DriverOpts"), ENDPOINT_SYSCTLS, &opts));
			if (strcmp (json_object_get_string (opts), cases[i].opts) != 0)
				fail_msg ("case %zu: sysctls '%s'", i, json_object_get_string (opts));
			if (strcmp (cases[i].mode, "net-one") == 0) {
				assert_string_equal (dmig_json_str (ep, "DriverOpts.other"), "y");
				assert_int_equal (dmig_json_int (ep, "GwPriority", 0), 5);
			}
		}
		/* the inspect it was made from is as it was */
		assert_true (json_object_object_get_ex (
		    dmig_json_get (m, "config.NetworkSettings.Networks.net-one.DriverOpts"), ENDPOINT_SYSCTLS, &opts));
		assert_string_equal (json_object_get_string (opts), "net.ipv6.conf.IFNAME.forwarding=1");
		assert_int_equal (json_object_object_length (dmig_json_get (m, "config.HostConfig.Sysctls")), 3);
		/* what stays is never an interface's eth0 */
		json_object_object_foreach (dmig_json_get (body, "HostConfig.Sysctls"), key, val)
		{
			(void)val;
			if (cases[i].nsysctls == 2 && strstr (key, "eth0"))
				fail_msg ("case %zu: %s stays", i, key);
		}
		dmig_error_release (&err);
		json_object_put (body);
		json_object_put (m);
		rmdir (staging);
		dmig_engine_close (e);
	}
}

/* A mount's options of another type, which engines up to 1.41 dropped,
 * are refused from 1.42: they go, its own stay. */
static void
create_drops_foreign_mount_options (void **state)
{
	static const char manifest[] =
	    "{\"container\":\"web\",\"image\":\"sha256:abc\",\"image_name\":\"\",\"config\":{\"Id\":"
	    "\"0123456789abcdef\","
	    "\"Config\":{\"Image\":\"web:1\"},\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/srv\","
	    "\"Target\":\"/srv\",\"VolumeOptions\":{\"NoCopy\":true},\"BindOptions\":{\"Propagation\":\"rslave\"}},{"
	    "\"Type\":\"volume\",\"Source\":\"data\",\"Target\":\"/data\",\"VolumeOptions\":{\"NoCopy\":true},"
	    "\"TmpfsOptions\":{\"SizeBytes\":1}}]}}}";
	struct {
		const char *version;
		int min, max;
		bool kept;
	} cases[] = {
	    {DOCKER ("29.0.0", "1.52", "1.44"), DMIG_API (1, 44), DMIG_API (1, 52), false},
	    {DOCKER ("20.10.24", "1.41", "1.12"), DMIG_API (1, 12), DMIG_API (1, 41), true},
	};
	(void)state;

	for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
		struct dmig_engine *e = NULL;
		dmig_error_t err = NULL;
		char staging[64];
		json_object *m, *body, *bind, *vol;

		nseen = 0;
		d.version = cases[i].version;
		d.min = cases[i].min;
		d.max = cases[i].max;
		if (open_engine (&e, &err) < 0)
			fail_msg ("open: %s", err->msg);
		assert_non_null (m = json_tokener_parse (manifest));
		snprintf (staging, sizeof (staging), "/tmp/dmig-stage-XXXXXX");
		assert_non_null (mkdtemp (staging));
		create_body[0] = '\0';
		assert_int_equal (e->ops->restore (e, m, staging, NULL, &err), -1);
		assert_non_null (body = json_tokener_parse (create_body));
		bind = json_object_array_get_idx (dmig_json_get (body, "HostConfig.Mounts"), 0);
		vol = json_object_array_get_idx (dmig_json_get (body, "HostConfig.Mounts"), 1);
		assert_string_equal (dmig_json_str (bind, "BindOptions.Propagation"), "rslave");
		assert_true (dmig_json_bool (vol, "VolumeOptions.NoCopy"));
		assert_int_equal (dmig_json_get (bind, "VolumeOptions") != NULL, cases[i].kept);
		assert_int_equal (dmig_json_get (vol, "TmpfsOptions") != NULL, cases[i].kept);
		dmig_error_release (&err);
		json_object_put (body);
		json_object_put (m);
		rmdir (staging);
		dmig_engine_close (e);
	}
}

int
main (void)
{
	dmig_log_set (DMIG_QUIET);
#define T(x) cmocka_unit_test_setup_teardown (x, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T (docker_29_is_spoken_to_at_1_51),     T (older_dockers_are_spoken_to_at_theirs),
	    T (podman_compat_is_negotiated),        T (no_version_in_common_is_refused),
	    T (version_failures_are_clear),         T (move_target_is_negotiated),
	    T (create_adapts_to_the_version),       T (create_moves_interface_sysctls),
	    T (create_drops_foreign_mount_options),
	};
	return cmocka_run_group_tests (tests, http_group_setup, http_group_teardown);
}
