/* Engine selection and the API call helpers both engines use. */
#include "engine.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ref.h"

#include "criu.h"
#include "fsutil.h"
#include "log.h"

static const char *
socket_of (const char *url)
{
	if (strncmp (url, "unix://", 7) == 0)
		return url + 7;
	if (url[0] == '/')
		return url;
	return NULL;
}

int
dmig_engine_call (struct dmig_engine *e, const char *method, const char *path, json_object *body, long timeout_ms,
                  json_object **out, dmig_error_t *err)
{
	struct dmig_http_req req = {.method = method, .path = path, .timeout_ms = timeout_ms};
	struct dmig_http_resp resp;
	const char *text = NULL;

	if (out)
		*out = NULL;
	if (body) {
		text = dmig_json_text (body);
		req.body = text;
		req.body_len = strlen (text);
	}
	dmig_debug ("%s %s %s", e->ops->kind, method, path);
	if (dmig_http_request (e->http, &req, &resp, err) < 0)
		return -1;
	if (out && resp.len > 0) {
		dmig_error_t perr = NULL;
		if (dmig_json_parse (resp.body, resp.len, out, &perr) < 0) {
			/* Errors may come as plain text: keep it as the message. */
			dmig_error_release (&perr);
			*out = json_object_new_object ();
			json_object_object_add (*out, "message", json_object_new_string_len (resp.body, (int)resp.len));
		}
	}
	dmig_http_resp_free (&resp);
	return (int)resp.status;
}

int
dmig_engine_fail (struct dmig_engine *e, int status, json_object *answer, dmig_error_t *err, const char *fmt, ...)
{
	const char *msg = answer ? dmig_json_api_message (answer) : NULL;
	char *what = NULL;
	va_list ap;
	int r;

	va_start (ap, fmt);
	r = vasprintf (&what, fmt, ap);
	va_end (ap);
	dmig_error_set (err, DMIG_EFAIL, 0, "%s: %s said %d%s%s", r >= 0 ? what : "engine call", e->ops->kind, status,
	                msg ? ": " : "", msg ? msg : "");
	if (r >= 0)
		free (what);
	return -1;
}

int
dmig_engine_must (struct dmig_engine *e, const char *method, const char *path, json_object *body, long timeout_ms,
                  json_object **out, dmig_error_t *err)
{
	json_object *ans = NULL;
	int st = dmig_engine_call (e, method, path, body, timeout_ms, &ans, err);

	if (st < 0)
		return -1;
	if (st < 200 || st >= 300) {
		dmig_engine_fail (e, st, ans, err, "%s %s", method, path);
		json_object_put (ans);
		return -1;
	}
	if (out)
		*out = ans;
	else
		json_object_put (ans);
	return 0;
}

int
dmig_engine_stream (struct dmig_engine *e, struct dmig_http_req *req, const char *what, dmig_error_t *err)
{
	struct dmig_http_resp resp;
	json_object *ans = NULL;

	if (req->timeout_ms == 0)
		req->timeout_ms = DMIG_CRIU_TIMEOUT_MS;
	dmig_debug ("%s %s %s (streamed)", e->ops->kind, req->method, req->path);
	if (dmig_http_request (e->http, req, &resp, err) < 0)
		return dmig_error_wrap (err, "%s", what);
	if (resp.status >= 200 && resp.status < 300) {
		/* Docker reports errors of a streamed job inside a 200 answer,
		 * as JSON lines with an "error" member. */
		for (char *line = resp.body; line && *line;) {
			char *end = strchr (line, '\n');
			size_t n = end ? (size_t)(end - line) : strlen (line);
			if (n > 0 && dmig_json_parse (line, n, &ans, NULL) == 0 && dmig_json_str (ans, "error")) {
				dmig_error_set (err, DMIG_EFAIL, 0, "%s: %s said: %s", what, e->ops->kind,
				                dmig_json_str (ans, "error"));
				json_object_put (ans);
				dmig_http_resp_free (&resp);
				return -1;
			}
			json_object_put (ans);
			ans = NULL;
			line = end ? end + 1 : NULL;
		}
		dmig_http_resp_free (&resp);
		return 0;
	}
	if (resp.body && dmig_json_parse (resp.body, resp.len, &ans, NULL) < 0)
		ans = NULL;
	dmig_engine_fail (e, (int)resp.status, ans, err, "%s", what);
	dmig_criu_explain (err, !e->remote);
	json_object_put (ans);
	dmig_http_resp_free (&resp);
	return -1;
}

int
dmig_engine_remove (struct dmig_engine *e, const char *name, dmig_error_t *err)
{
	char path[512];
	json_object *ans = NULL;
	int st;

	snprintf (path, sizeof (path), "%s/containers/%s%s", e->ops->api, name, e->ops->remove_query);
	st = dmig_engine_call (e, "DELETE", path, NULL, DMIG_API_TIMEOUT_MS, &ans, err);
	/* gone already is what was asked for */
	if (st >= 0 && st != 200 && st != 204 && st != 404)
		dmig_engine_fail (e, st, ans, err, "cannot remove container '%s'", name);
	json_object_put (ans);
	return st == 200 || st == 204 || st == 404 ? 0 : -1;
}

int
dmig_engine_stop (struct dmig_engine *e, const char *name, int timeout_s, dmig_error_t *err)
{
	char path[512];
	json_object *ans = NULL;
	int st;

	snprintf (path, sizeof (path), "%s/containers/%s/stop?%s=%d", e->ops->api, name, e->ops->stop_param, timeout_s);
	st = dmig_engine_call (e, "POST", path, NULL, DMIG_API_TIMEOUT_MS + timeout_s * 1000L, &ans, err);
	/* 304: it was stopped already */
	if (st >= 0 && st != 200 && st != 204 && st != 304)
		dmig_engine_fail (e, st, ans, err, "cannot stop container '%s'", name);
	json_object_put (ans);
	return st == 200 || st == 204 || st == 304 ? 0 : -1;
}

int
dmig_engine_image_save (struct dmig_engine *e, const char *image, dmig_http_write_fn write, void *arg,
                        dmig_error_t *err)
{
	struct dmig_http_req req = {.method = "GET", .write = write, .arg = arg};
	char path[1024], *q = dmig_http_escape (image);
	int r;

	snprintf (path, sizeof (path), "%s%s%s%s", e->ops->api, e->ops->save_path[0], q ? q : "", e->ops->save_path[1]);
	free (q);
	req.path = path;
	r = dmig_engine_stream (e, &req, "cannot save the image", err);
	return r < 0 ? dmig_error_wrap (err, "%s", image) : 0;
}

int
dmig_engine_image_load (struct dmig_engine *e, dmig_http_read_fn read, void *arg, dmig_error_t *err)
{
	struct dmig_http_req req = {.method = "POST", .read = read, .arg = arg, .content_type = "application/x-tar"};
	char path[256];

	snprintf (path, sizeof (path), "%s%s", e->ops->api, e->ops->load_path);
	req.path = path;
	return dmig_engine_stream (e, &req, "cannot load the image", err);
}

int
dmig_engine_rename (struct dmig_engine *e, const char *from, const char *to, dmig_error_t *err)
{
	char path[512], *q = dmig_http_escape (to);
	int r;

	snprintf (path, sizeof (path), "%s/containers/%s/rename?name=%s", e->ops->api, from, q ? q : "");
	free (q);
	r = dmig_engine_must (e, "POST", path, NULL, DMIG_API_TIMEOUT_MS, NULL, err);
	return r < 0 ? dmig_error_wrap (err, "cannot rename '%s' to '%s'", from, to) : 0;
}

bool
dmig_engine_running (struct dmig_engine *e, const char *name)
{
	json_object *ctr = NULL;
	dmig_error_t err = NULL;
	bool running = dmig_engine_inspect (e, name, &ctr, &err) == 0 && dmig_json_bool (ctr, "State.Running");

	dmig_error_release (&err);
	json_object_put (ctr);
	return running;
}

json_object *
dmig_next_volume (json_object *ctr, size_t *i, const char **name)
{
	json_object *mounts = dmig_json_get (ctr, "Mounts");

	while (mounts && json_object_is_type (mounts, json_type_array) && *i < json_object_array_length (mounts)) {
		json_object *mt = json_object_array_get_idx (mounts, (*i)++);
		const char *type = dmig_json_str (mt, "Type");
		if (type && strcmp (type, "volume") == 0 && (*name = dmig_json_str (mt, "Name")) != NULL)
			return mt;
	}
	*name = NULL;
	return NULL;
}

/* A /proc/net/tcp{,6} local address on loopback: 127/8, ::1, ::ffff:127/104.
 * The kernel prints each 32-bit word of the address as it lies in memory. */
static bool
loopback_addr (const char *hex)
{
	uint32_t w;
	unsigned char b[4];
	size_t len = strcspn (hex, ":");

	if (len == 32 && strncmp (hex, "00000000000000000000000001000000", 32) == 0)
		return true;
	if (len == 32 && strncmp (hex, "0000000000000000FFFF0000", 24) == 0)
		hex += 24, len = 8;
	if (len != 8 || sscanf (hex, "%8x", &w) != 1)
		return false;
	memcpy (b, &w, sizeof (b));
	return b[0] == 127;
}

/* The connected TCP sockets in the network namespace of process pid: all
 * of them, and those on loopback. Listening sockets and TIME_WAIT (no
 * process holds those) do not count. */
static void
count_tcp (int pid, int *connected, int *loopback)
{
	static const char *const files[] = {"tcp", "tcp6"};

	*connected = *loopback = 0;
	for (size_t i = 0; i < 2; i++) {
		char path[64], line[512], local[64];
		unsigned int st;
		FILE *fp;

		snprintf (path, sizeof (path), "/proc/%d/net/%s", pid, files[i]);
		if ((fp = fopen (path, "re")) == NULL)
			continue;
		while (fgets (line, sizeof (line), fp) != NULL) {
			if (sscanf (line, " %*u: %63s %*s %x", local, &st) != 2 || st == 0x06 || st == 0x07
			    || st == 0x0A)
				continue;
			(*connected)++;
			*loopback += loopback_addr (local);
		}
		fclose (fp);
	}
}

int
dmig_engine_check_container (struct dmig_engine *e, json_object *ctr, dmig_error_t *err)
{
	const char *name = dmig_json_str (ctr, "Name"), *driver = dmig_json_str (ctr, "GraphDriver.Name");
	const char *mode = dmig_json_str (ctr, "HostConfig.NetworkMode");
	int pid = (int)dmig_json_int (ctr, "State.Pid", 0), connected, loopback;

	name = name ? name + (name[0] == '/') : "?";
	mode = mode ? mode : "";
	if (!dmig_json_bool (ctr, "State.Running"))
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0, "container '%s' is not running: start it first", name);
	if (dmig_json_bool (ctr, "Config.Tty"))
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "container '%s' has a terminal (-t): CRIU cannot checkpoint it through %s", name,
		                       e->ops->kind);
	if (driver == NULL || strcmp (driver, e->ops->driver) != 0)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "container '%s' uses the '%s' storage driver: dmig carries only %s layers", name,
		                       driver ? driver : "unknown", e->ops->driver);
	/* in its own network namespace, the sockets there are its own */
	if (!e->remote && pid > 0 && strcmp (mode, "host") != 0 && strncmp (mode, "container:", 10) != 0) {
		count_tcp (pid, &connected, &loopback);
		if (!e->ops->tcp_established && connected > 0)
			return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
			                       "container '%s' has %d open TCP connection%s, which %c%s's API cannot "
			                       "checkpoint (it has no --tcp-established): close them first (listening "
			                       "sockets are fine)",
			                       name, connected, connected == 1 ? "" : "s", toupper (e->ops->kind[0]),
			                       e->ops->kind + 1);
		if (loopback > 0)
			return dmig_error_set (
			    err, DMIG_EPREFLIGHT, 0,
			    "container '%s' has %d open TCP connection%s on its loopback, which %c%s "
			    "cannot restore (it brings the loopback up only after CRIU has run): close "
			    "them first (listening sockets are fine)",
			    name, loopback, loopback == 1 ? "" : "s", toupper (e->ops->kind[0]), e->ops->kind + 1);
	}
	return 0;
}

int
dmig_engine_inspect (struct dmig_engine *e, const char *name, json_object **out, dmig_error_t *err)
{
	char path[512];
	json_object *ans = NULL;
	int st;

	*out = NULL;
	snprintf (path, sizeof (path), "%s/containers/%s/json", e->ops->api, name);
	st = dmig_engine_call (e, "GET", path, NULL, DMIG_API_TIMEOUT_MS, &ans, err);
	if (st < 0)
		return -1;
	if (st == 404) {
		json_object_put (ans);
		return 0;
	}
	if (st != 200 || !json_object_is_type (ans, json_type_object)) {
		dmig_engine_fail (e, st, ans, err, "cannot inspect container '%s'", name);
		json_object_put (ans);
		return -1;
	}
	*out = ans;
	return 0;
}

int
dmig_engine_image_exists (struct dmig_engine *e, const char *id, bool *exists, dmig_error_t *err)
{
	char path[512];
	json_object *ans = NULL;
	int st;

	snprintf (path, sizeof (path), "%s/images/%s/json", e->ops->api, id);
	st = dmig_engine_call (e, "GET", path, NULL, DMIG_API_TIMEOUT_MS, &ans, err);
	if (st < 0)
		return -1;
	*exists = st == 200;
	if (st != 200 && st != 404)
		dmig_engine_fail (e, st, ans, err, "cannot inspect image %s", id);
	json_object_put (ans);
	return st == 200 || st == 404 ? 0 : -1;
}

int
dmig_engine_volume_get (struct dmig_engine *e, const char *name, char **mountpoint, dmig_error_t *err)
{
	/* Both engines serve Docker's volume API. */
	json_object *v = NULL, *body;
	const char *mp;
	char path[512];
	int st;

	*mountpoint = NULL;
	if (dmig_valid_container (name, err) < 0)
		return -1;
	snprintf (path, sizeof (path), "/v1.41/volumes/%s", name);
	st = dmig_engine_call (e, "GET", path, NULL, DMIG_API_TIMEOUT_MS, &v, err);
	if (st < 0)
		return -1;
	if (st == 404) {
		json_object_put (v);
		v = NULL;
		body = json_object_new_object ();
		json_object_object_add (body, "Name", json_object_new_string (name));
		st = dmig_engine_must (e, "POST", "/v1.41/volumes/create", body, DMIG_API_TIMEOUT_MS, &v, err);
		json_object_put (body);
		if (st < 0)
			return dmig_error_wrap (err, "cannot create volume '%s'", name);
	} else if (st != 200) {
		dmig_engine_fail (e, st, v, err, "cannot inspect volume '%s'", name);
		json_object_put (v);
		return -1;
	}
	mp = dmig_json_str (v, "Mountpoint");
	if (mp == NULL || *mp != '/') {
		json_object_put (v);
		return dmig_error_set (err, DMIG_EFAIL, 0, "volume '%s' has no local mount point", name);
	}
	*mountpoint = strdup (mp);
	json_object_put (v);
	return *mountpoint ? 0 : dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
}

int
dmig_engine_volume_prepare (struct dmig_engine *e, const char *name, char **mountpoint, dmig_error_t *err)
{
	if (dmig_engine_volume_get (e, name, mountpoint, err) < 0)
		return -1;
	if (dmig_empty_dir (*mountpoint, err) < 0) {
		free (*mountpoint);
		*mountpoint = NULL;
		return dmig_error_wrap (err, "cannot empty volume '%s'", name);
	}
	return 0;
}

int
dmig_netns_lo_up (int pid, dmig_error_t *err)
{
	char ns[64];
	int fd, sock, status = 0;
	pid_t child;

	snprintf (ns, sizeof (ns), "/proc/%d/ns/net", pid);
	fd = open (ns, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot open %s", ns);
	/* setns changes the calling thread: do it in a child. */
	child = fork ();
	if (child < 0) {
		close (fd);
		return dmig_error_set (err, DMIG_EFAIL, errno, "fork");
	}
	if (child == 0) {
		struct ifreq ifr = {0};
		if (setns (fd, CLONE_NEWNET) < 0 || (sock = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
			_exit (1);
		snprintf (ifr.ifr_name, sizeof (ifr.ifr_name), "lo");
		if (ioctl (sock, SIOCGIFFLAGS, &ifr) < 0)
			_exit (2);
		ifr.ifr_flags |= IFF_UP;
		_exit (ioctl (sock, SIOCSIFFLAGS, &ifr) < 0 ? 3 : 0);
	}
	close (fd);
	while (waitpid (child, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
		return dmig_error_set (err, DMIG_EFAIL, 0, "cannot bring up loopback in the network namespace of %d",
		                       pid);
	return 0;
}

/* Ask the engine behind e->http what it is. */
static int
identify (struct dmig_engine *e, dmig_error_t *err)
{
	json_object *ver = NULL, *comps;
	int status;

	e->ops = &dmig_docker_ops;
	/* Both engines answer Docker's /version; Podman names itself there. */
	status = dmig_engine_call (e, "GET", "/version", NULL, 10000L, &ver, err);
	if (status < 0)
		return dmig_error_status (err, DMIG_EPREFLIGHT);
	if (status != 200) {
		dmig_engine_fail (e, status, ver, err, "engine at %s", e->socket);
		json_object_put (ver);
		return -1;
	}
	comps = dmig_json_get (ver, "Components");
	for (size_t i = 0; comps && i < json_object_array_length (comps); i++) {
		const char *n = dmig_json_str (json_object_array_get_idx (comps, i), "Name");
		if (n && strstr (n, "Podman"))
			e->ops = &dmig_podman_ops;
	}
	e->version = strdup (dmig_json_str (ver, "Version") ? dmig_json_str (ver, "Version") : "unknown");
	json_object_put (ver);
	return 0;
}

int
dmig_engine_open (const char *url, struct dmig_engine **out, dmig_error_t *err)
{
	const char *sock = socket_of (url);
	struct dmig_engine *e;
	struct stat st;

	if (sock == NULL || *sock == '\0')
		return dmig_error_set (err, DMIG_EUSAGE, 0,
		                       "unsupported engine URL '%s': use unix:///path/to/engine.sock", url);
	if (stat (sock, &st) < 0)
		return dmig_error_set (err, DMIG_EPREFLIGHT, errno, "no engine socket at %s", sock);
	e = calloc (1, sizeof (*e));
	if (e == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	if (dmig_http_open (sock, &e->http, err) < 0 || (e->socket = strdup (sock)) == NULL || identify (e, err) < 0) {
		dmig_engine_close (e);
		return -1;
	}
	*out = e;
	return 0;
}

void
dmig_engine_close (struct dmig_engine *e)
{
	if (e == NULL)
		return;
	dmig_http_close (e->http);
	free (e->socket);
	free (e->version);
	free (e->root);
	free (e);
}

static int
kind_listed (const char *kind, const char *const *kinds)
{
	for (; kinds && *kinds; kinds++)
		if (strcmp (*kinds, kind) == 0)
			return 1;
	return 0;
}

int
dmig_engine_find (const char *host, const char *name, const char *const *store_kinds, struct dmig_engine **out,
                  json_object **ctr, dmig_error_t *err)
{
	static const char *const defaults[] = {"unix://" DMIG_DOCKER_SOCK, "unix://" DMIG_PODMAN_SOCK};
	struct dmig_engine *found[2] = {NULL, NULL}, *running[2] = {NULL, NULL};
	json_object *insp[2] = {NULL, NULL};
	size_t nfound = 0, nrun = 0;
	dmig_error_t first = NULL;

	*out = NULL;
	*ctr = NULL;
	if (host == NULL || *host == '\0')
		host = getenv ("DOCKER_HOST");
	if (host == NULL || *host == '\0')
		host = getenv ("CONTAINER_HOST");
	if (host != NULL && *host != '\0') {
		if (dmig_engine_open (host, out, err) < 0)
			return -1;
		if (dmig_engine_inspect (*out, name, ctr, err) < 0) {
			dmig_engine_close (*out);
			*out = NULL;
			return -1;
		}
		return 0;
	}
	for (size_t i = 0; i < 2; i++) {
		struct dmig_engine *e = NULL;
		json_object *c = NULL;
		dmig_error_t e2 = NULL;

		if (dmig_engine_open (defaults[i], &e, &e2) < 0 || dmig_engine_inspect (e, name, &c, &e2) < 0) {
			if (first == NULL && e != NULL)
				first = e2; /* a running engine that failed: worth telling */
			else
				dmig_error_release (&e2);
			dmig_engine_close (e);
			continue;
		}
		running[nrun++] = e;
		if (c != NULL) {
			insp[nfound] = c;
			found[nfound++] = e;
		}
	}
	if (nfound == 2) {
		dmig_error_set (
		    err, DMIG_EUSAGE, 0,
		    "both Docker and Podman have a container '%s': choose one with -H unix://%s or -H unix://%s", name,
		    DMIG_DOCKER_SOCK, DMIG_PODMAN_SOCK);
		goto fail;
	}
	if (nfound == 1) {
		*out = found[0];
		*ctr = insp[0];
	} else if (nrun == 1) {
		*out = running[0];
	} else if (nrun == 2) {
		int a = store_kinds && kind_listed (running[0]->ops->kind, store_kinds);
		int b = store_kinds && kind_listed (running[1]->ops->kind, store_kinds);
		if (a != b)
			*out = a ? running[0] : running[1];
		else {
			dmig_error_set (err, DMIG_EFAIL, 0, "no container '%s' in Docker or Podman%s", name,
			                a ? ", and both have snapshots of that name: choose the engine with -H" : "");
			goto fail;
		}
	} else {
		if (first != NULL) {
			*err = first;
			return -1;
		}
		return dmig_error_set (
		    err, DMIG_EPREFLIGHT, 0,
		    "no container engine found at %s or %s: start Docker or Podman, or name one with -H",
		    DMIG_DOCKER_SOCK, DMIG_PODMAN_SOCK);
	}
	for (size_t i = 0; i < nrun; i++)
		if (running[i] != *out)
			dmig_engine_close (running[i]);
	dmig_error_release (&first);
	return 0;
fail:
	for (size_t i = 0; i < nrun; i++)
		dmig_engine_close (running[i]);
	for (size_t i = 0; i < nfound; i++)
		json_object_put (insp[i]);
	dmig_error_release (&first);
	*out = NULL;
	return -1;
}
