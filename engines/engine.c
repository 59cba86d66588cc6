/* Engine selection and the API call helpers both engines use. */
#include "engine.h"

#include <errno.h>
#include <limits.h>
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

#include "archive_io.h"
#include "child.h"
#include "criu.h"
#include "fs.h"
#include "log.h"
#include "ref.h"

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
dmig_engine_path (struct dmig_engine *e, bool compat, char *buf, size_t cap, dmig_error_t *err, const char *fmt, ...)
{
	const char *prefix = compat ? e->ops->compat : e->ops->api;
	size_t len = strlen (prefix);
	bool fits = len < cap;
	va_list ap;

	if (fits)
		memcpy (buf, prefix, len + 1);
	va_start (ap, fmt);
	for (const char *f = fmt; fits && *f; f++) {
		char num[24], one[2] = {*f, '\0'}, *q = NULL;
		const char *piece = one;

		if (f[0] == '%' && (f[1] == 's' || f[1] == 'r')) {
			const char *arg = va_arg (ap, const char *);
			piece = f[1] == 'r' ? (arg ? arg : "") : (q = dmig_http_escape (arg ? arg : ""));
			f++;
		} else if (f[0] == '%' && f[1] == 'd') {
			snprintf (num, sizeof (num), "%d", va_arg (ap, int));
			piece = num;
			f++;
		}
		if (piece == NULL || len + strlen (piece) >= cap)
			fits = false;
		else {
			memcpy (buf + len, piece, strlen (piece) + 1);
			len += strlen (piece);
		}
		free (q);
	}
	va_end (ap);
	if (!fits) {
		if (cap > 0)
			buf[0] = '\0';
		return dmig_error_set (err, DMIG_EFAIL, 0, "a request path for %s is too long", e->ops->kind);
	}
	return 0;
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
	/* the engine put it down to CRIU: where CRIU's own account is */
	if (err && *err) {
		char log[512], summary[1024];
		if (dmig_criu_log_named ((*err)->msg, log, sizeof (log), summary, sizeof (summary)) == 0)
			dmig_error_criu (err, log, summary);
	}
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
	dmig_criu_explain (err, e->host);
	json_object_put (ans);
	dmig_http_resp_free (&resp);
	return -1;
}

int
dmig_engine_remove (struct dmig_engine *e, const char *name, dmig_error_t *err)
{
	char path[1024];
	json_object *ans = NULL;
	int st;

	if (dmig_engine_path (e, false, path, sizeof (path), err, "/containers/%s%r", name, e->ops->remove_query) < 0)
		return -1;
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
	char path[1024];
	json_object *ans = NULL;
	int st;

	if (dmig_engine_path (e, false, path, sizeof (path), err, "/containers/%s/stop?%r=%d", name, e->ops->stop_param,
	                      timeout_s)
	    < 0)
		return -1;
	st = dmig_engine_call (e, "POST", path, NULL, DMIG_API_TIMEOUT_MS + timeout_s * 1000L, &ans, err);
	/* 304: it was stopped already */
	if (st >= 0 && st != 200 && st != 204 && st != 304)
		dmig_engine_fail (e, st, ans, err, "cannot stop container '%s'", name);
	json_object_put (ans);
	return st == 200 || st == 204 || st == 304 ? 0 : -1;
}

const char *
dmig_image_format_name (enum dmig_image_format f)
{
	return f == DMIG_IMAGE_DOCKER ? "docker" : f == DMIG_IMAGE_OCI ? "oci" : NULL;
}

enum dmig_image_format
dmig_image_format_parse (const char *name)
{
	if (name && strcmp (name, "docker") == 0)
		return DMIG_IMAGE_DOCKER;
	if (name && strcmp (name, "oci") == 0)
		return DMIG_IMAGE_OCI;
	return DMIG_IMAGE_UNKNOWN;
}

int
dmig_engine_image_format (struct dmig_engine *e, const char *image, enum dmig_image_format *fmt, dmig_error_t *err)
{
	char path[1024];
	json_object *ans = NULL;
	const char *type;

	*fmt = DMIG_IMAGE_UNKNOWN;
	if (e->ops->manifest_type == NULL)
		return 0;
	if (dmig_engine_path (e, false, path, sizeof (path), err, "/images/%s/json", image) < 0
	    || dmig_engine_must (e, "GET", path, NULL, DMIG_API_TIMEOUT_MS, &ans, err) < 0)
		return dmig_error_wrap (err, "cannot inspect image '%s'", image);
	/* application/vnd.docker.distribution.manifest.v2+json (or v1),
	 * application/vnd.oci.image.manifest.v1+json */
	type = dmig_json_str (ans, e->ops->manifest_type);
	if (type && strncmp (type, "application/vnd.docker.", 23) == 0)
		*fmt = DMIG_IMAGE_DOCKER;
	else if (type && strncmp (type, "application/vnd.oci.", 20) == 0)
		*fmt = DMIG_IMAGE_OCI;
	json_object_put (ans);
	return 0;
}

int
dmig_engine_image_save (struct dmig_engine *e, const char *image, dmig_http_write_fn write, void *arg,
                        dmig_error_t *err)
{
	struct dmig_http_req req = {.method = "GET", .write = write, .arg = arg};
	enum dmig_image_format fmt;
	const char *query;
	char path[1024];
	int r;

	/* Podman's default archive (OCI) gives a Docker-format image a new ID */
	if (dmig_engine_image_format (e, image, &fmt, err) < 0)
		return -1;
	query = e->ops->save_query[fmt];
	if (dmig_engine_path (e, false, path, sizeof (path), err, "%r%s%r%r", e->ops->save_path[0], image,
	                      e->ops->save_path[1], query ? query : "")
	    < 0)
		return -1;
	req.path = path;
	r = dmig_engine_stream (e, &req, "cannot save the image", err);
	return r < 0 ? dmig_error_wrap (err, "%s", image) : 0;
}

/* A load's request body from the caller, its answer kept. */
struct load_io {
	dmig_http_read_fn read;
	void *arg;
	size_t len;
	char answer[64 * 1024];
};

static ssize_t
load_read (void *arg, char *buf, size_t len)
{
	struct load_io *io = arg;
	return io->read (io->arg, buf, len);
}

static int
load_answer (void *arg, const char *buf, size_t len)
{
	struct load_io *io = arg;
	size_t n = sizeof (io->answer) - 1 - io->len;

	memcpy (io->answer + io->len, buf, len < n ? len : n);
	io->len += len < n ? len : n;
	return 0;
}

/* Podman answers {"Names":[...]}; Docker JSON lines with a "stream" each
 * ("Loaded image: x:1", "Loaded image ID: sha256:...") and errors as
 * lines with an "error" member inside its 200. */
static int
load_names (struct dmig_engine *e, char *answer, json_object *names, dmig_error_t *err)
{
	for (char *line = answer; line && *line;) {
		char *end = strchr (line, '\n'), *start = line;
		size_t n = end ? (size_t)(end - line) : strlen (line);
		json_object *o = NULL, *list;
		const char *s;

		line = end ? end + 1 : NULL;
		if (n == 0 || dmig_json_parse (start, n, &o, NULL) < 0)
			continue;
		if ((s = dmig_json_str (o, "error")) != NULL) {
			dmig_error_set (err, DMIG_EFAIL, 0, "cannot load the image: %s said: %s", e->ops->kind, s);
			json_object_put (o);
			return -1;
		}
		list = json_object_object_get (o, "Names");
		for (size_t i = 0; json_object_is_type (list, json_type_array) && i < json_object_array_length (list);
		     i++)
			if ((s = json_object_get_string (json_object_array_get_idx (list, i))) != NULL)
				json_object_array_add (names, json_object_new_string (s));
		if ((s = dmig_json_str (o, "stream")) != NULL
		    && (strncmp (s, "Loaded image: ", 14) == 0 || strncmp (s, "Loaded image ID: ", 17) == 0)) {
			s = strchr (s, ':') + 2;
			json_object_array_add (names, json_object_new_string_len (s, (int)strcspn (s, "\r\n")));
		}
		json_object_put (o);
	}
	return 0;
}

int
dmig_engine_image_load (struct dmig_engine *e, dmig_http_read_fn read, void *arg, json_object **names,
                        dmig_error_t *err)
{
	struct dmig_http_req req = {.method = "POST", .content_type = "application/x-tar"};
	struct load_io *io = calloc (1, sizeof (*io));
	json_object *got = json_object_new_array ();
	char path[256];
	int r = -1;

	if (names)
		*names = NULL;
	if (io == NULL || got == NULL) {
		dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
		goto out;
	}
	io->read = read;
	io->arg = arg;
	req.read = load_read;
	req.write = load_answer;
	req.arg = io;
	req.path = path;
	if (dmig_engine_path (e, false, path, sizeof (path), err, "%r", e->ops->load_path) < 0
	    || dmig_engine_stream (e, &req, "cannot load the image", err) < 0
	    || load_names (e, io->answer, got, err) < 0)
		goto out;
	if (names) {
		*names = got;
		got = NULL;
	}
	r = 0;
out:
	json_object_put (got);
	free (io);
	return r;
}

int
dmig_engine_image_list (struct dmig_engine *e, json_object **out, dmig_error_t *err)
{
	char path[256];

	*out = NULL;
	if (dmig_engine_path (e, false, path, sizeof (path), err, "/images/json?all=true") < 0)
		return -1;
	if (dmig_engine_must (e, "GET", path, NULL, DMIG_API_TIMEOUT_MS, out, err) < 0)
		return dmig_error_wrap (err, "cannot list the images");
	if (!json_object_is_type (*out, json_type_array)) {
		json_object_put (*out);
		*out = NULL;
		return dmig_error_set (err, DMIG_EFAIL, 0, "cannot list the images: %s's answer is not a list",
		                       e->ops->kind);
	}
	return 0;
}

static const char *
bare_id (const char *id)
{
	return id && strncmp (id, "sha256:", 7) == 0 ? id + 7 : id;
}

/* The image in list that ref ("sha256:<id>" or a name) is, and how many
 * names it has; its bare ID, or NULL. */
static const char *
list_find (json_object *list, const char *ref, size_t *ntags)
{
	bool by_id = strncmp (ref, "sha256:", 7) == 0;

	for (size_t i = 0; i < json_object_array_length (list); i++) {
		json_object *img = json_object_array_get_idx (list, i),
		            *tags = json_object_object_get (img, "RepoTags");
		const char *id = bare_id (dmig_json_str (img, "Id"));
		size_t n = json_object_is_type (tags, json_type_array) ? json_object_array_length (tags) : 0;
		bool hit = id && by_id && strcmp (id, ref + 7) == 0;

		for (size_t j = 0; id && !by_id && !hit && j < n; j++) {
			const char *tag = json_object_get_string (json_object_array_get_idx (tags, j));
			hit = tag && strcmp (tag, ref) == 0;
		}
		if (hit) {
			if (ntags)
				*ntags = n;
			return id;
		}
	}
	return NULL;
}

/* POST the path around the escaped image ID, with name's repo and tag. */
static int
image_name_call (struct dmig_engine *e, const char *const around[2], const char *id, const char *name,
                 dmig_error_t *err)
{
	const char *slash = strrchr (name, '/'), *colon = strrchr (name, ':');
	char repo[512], path[1024];

	if (colon == NULL || (slash && colon < slash))
		colon = name + strlen (name);
	snprintf (repo, sizeof (repo), "%.*s", (int)(colon - name), name);
	if (dmig_engine_path (e, false, path, sizeof (path), err, "%r%s%r?repo=%s&tag=%s", around[0], id, around[1],
	                      repo, *colon ? colon + 1 : "latest")
	    < 0)
		return -1;
	return dmig_engine_must (e, "POST", path, NULL, DMIG_API_TIMEOUT_MS, NULL, err);
}

/* Undo one name of a load; 0, or -1 with what is left in err. */
static int
unload_one (struct dmig_engine *e, json_object *before, json_object *after, const char *name, const char *want,
            dmig_error_t *err)
{
	static const char *const tag_path[2] = {"/images/", "/tag"};
	bool is_id = strncmp (name, "sha256:", 7) == 0;
	const char *got, *had = is_id ? NULL : list_find (before, name, NULL);
	char ref[128], path[1024];
	size_t ntags = 0;
	json_object *ans = NULL;
	int st;

	got = list_find (after, name, &ntags);
	if (got == NULL || strcmp (got, want) == 0)
		return 0;
	snprintf (ref, sizeof (ref), "sha256:%s", got);
	if (list_find (before, ref, NULL) == NULL) {
		/* the load made it: it goes with its names (one name after
		 * another may find it gone already) */
		if (dmig_engine_path (e, false, path, sizeof (path), err, "/images/%s", got) < 0)
			return -1;
		st = dmig_engine_call (e, "DELETE", path, NULL, DMIG_API_TIMEOUT_MS, &ans, err);
		if (st >= 0 && st != 200 && st != 404)
			dmig_engine_fail (e, st, ans, err, "image %s stays there: cannot remove it", got);
		json_object_put (ans);
		if (st != 200 && st != 404)
			return -1;
	} else if (!is_id && had == NULL && e->ops->untag_path[0] != NULL) {
		/* an image that was there took a name it did not have */
		if (image_name_call (e, e->ops->untag_path, got, name, err) < 0)
			return dmig_error_wrap (err, "name '%s' stays on image %s there", name, got);
	} else if (!is_id && had == NULL) {
		/* Docker: removing a name the image has besides others only
		 * untags; its only name would take the image with it */
		if (ntags < 2)
			return dmig_error_set (err, DMIG_EFAIL, 0,
			                       "name '%s' stays on image %s there: remove it with '%s rmi %s' if "
			                       "nothing needs that image",
			                       name, got, e->ops->kind, name);
		if (dmig_engine_path (e, false, path, sizeof (path), err, "/images/%s?noprune=1", name) < 0
		    || dmig_engine_must (e, "DELETE", path, NULL, DMIG_API_TIMEOUT_MS, NULL, err) < 0)
			return dmig_error_wrap (err, "name '%s' stays on image %s there", name, got);
	}
	/* the name goes back to the image that had it */
	if (had && strcmp (had, got) != 0 && image_name_call (e, tag_path, had, name, err) < 0)
		return dmig_error_wrap (err, "name '%s' is not back on image %s there", name, had);
	return 0;
}

int
dmig_engine_image_unload (struct dmig_engine *e, json_object *before, json_object *names, const char *want,
                          dmig_error_t *err)
{
	json_object *after = NULL;
	dmig_error_t first = NULL, e2 = NULL;
	size_t n = json_object_is_type (names, json_type_array) ? json_object_array_length (names) : 0;

	if (n == 0)
		return dmig_error_set (err, DMIG_EFAIL, 0, "%s did not say what it loaded", e->ops->kind);
	if (dmig_engine_image_list (e, &after, err) < 0)
		return -1;
	/* each name, even after one failed: as little left as can be */
	for (size_t i = 0; i < n; i++) {
		const char *name = json_object_get_string (json_object_array_get_idx (names, i));
		if (name && unload_one (e, before, after, name, bare_id (want), first ? &e2 : &first) < 0 && e2)
			dmig_error_release (&e2);
	}
	json_object_put (after);
	if (first == NULL)
		return 0;
	if (err)
		*err = first;
	else
		dmig_error_release (&first);
	return -1;
}

int
dmig_engine_rename (struct dmig_engine *e, const char *from, const char *to, dmig_error_t *err)
{
	char path[1024];
	int r;

	if (dmig_engine_path (e, false, path, sizeof (path), err, "/containers/%s/rename?name=%s", from, to) < 0)
		return -1;
	r = dmig_engine_must (e, "POST", path, NULL, DMIG_API_TIMEOUT_MS, NULL, err);
	return r < 0 ? dmig_error_wrap (err, "cannot rename '%s' to '%s'", from, to) : 0;
}

bool
dmig_engine_running (struct dmig_engine *e, const char *name)
{
	struct dmig_container *ctr = NULL;
	dmig_error_t err = NULL;
	bool running = dmig_engine_inspect (e, name, &ctr, &err) == 0 && ctr && ctr->running;

	dmig_error_release (&err);
	dmig_container_free (ctr);
	return running;
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

/* The OCI config the runtime runs a local container with: Podman names it;
 * Docker's is in containerd's bundle (dockerd's own containerd, or the
 * system's). NULL when it cannot be found. */
static json_object *
oci_config (struct dmig_engine *e, const struct dmig_container *ctr)
{
	static const char *const bundles[] = {
	    "/run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby/",
	    "/run/containerd/io.containerd.runtime.v2.task/moby/",
	};
	const char *id = ctr->id, *named = ctr->oci_config;
	char path[PATH_MAX];

	if (e->remote)
		return NULL;
	if (named != NULL)
		return json_object_from_file (named);
	if (id == NULL || strspn (id, "0123456789abcdef") != strlen (id))
		return NULL;
	for (size_t i = 0; i < sizeof (bundles) / sizeof (bundles[0]); i++) {
		snprintf (path, sizeof (path), "%s%s/config.json", bundles[i], id);
		if (access (path, R_OK) == 0)
			return json_object_from_file (path);
	}
	return NULL;
}

static bool
is_bind (json_object *mount)
{
	const char *type = dmig_json_str (mount, "type");
	json_object *opts = dmig_json_get (mount, "options");

	if (type && strcmp (type, "bind") == 0)
		return true;
	for (size_t i = 0; opts && i < json_object_array_length (opts); i++) {
		const char *o = json_object_get_string (json_object_array_get_idx (opts, i));
		if (o && (strcmp (o, "bind") == 0 || strcmp (o, "rbind") == 0))
			return true;
	}
	return false;
}

/* A bind mount from a symlink: CRIU 4's mount engine (mnt-v2) opens the
 * source without following a last symlink (open_tree AT_SYMLINK_NOFOLLOW)
 * and cannot restore it ("Failed to move_mount" for a link to a folder,
 * "Can't remount ... with MS_PRIVATE" for one to a file), so its checkpoint would
 * leave the container stopped for good. Such a bind is the user's (-v
 * /link:/data) or the engine's init (--init: Debian's docker-init and
 * catatonit are links; make setup points the engines at the real files). */
static int
symlinked_bind (json_object *cfg, const struct dmig_container *ctr, dmig_error_t *err)
{
	json_object *mounts = cfg ? dmig_json_get (cfg, "mounts") : NULL;
	size_t n = cfg ? (json_object_is_type (mounts, json_type_array) ? json_object_array_length (mounts) : 0)
	               : ctr->nmounts;
	struct stat st;

	for (size_t i = 0; i < n; i++) {
		json_object *mt = cfg ? json_object_array_get_idx (mounts, i) : NULL;
		const char *src = cfg ? dmig_json_str (mt, "source") : ctr->mounts[i].source;
		const char *dst = cfg ? dmig_json_str (mt, "destination") : ctr->mounts[i].destination;
		bool bind = cfg ? is_bind (mt) : ctr->mounts[i].type == DMIG_MOUNT_BIND;
		const char *name = ctr->name;
		char *real;

		if (src == NULL || dst == NULL || !bind || lstat (src, &st) < 0 || !S_ISLNK (st.st_mode))
			continue;
		if (dmig_criu_restores_symlinks (NULL)) {
			dmig_debug ("bind mount from the symlink %s: CRIU here restores it (older mount engine)", src);
			continue;
		}
		real = realpath (src, NULL);
		if (strcmp (dst, "/sbin/docker-init") == 0 || strcmp (dst, "/run/podman-init") == 0)
			dmig_error_set (err, DMIG_EPREFLIGHT, 0,
			                "container '%s' runs with --init from %s, a symlink to %s, which CRIU cannot "
			                "restore: run dmig's setup (make setup), whose CRIU restores it, or point the "
			                "engine's init path at %s (Docker: \"init-path\" in daemon.json; Podman: "
			                "init_path in containers.conf) and recreate the container",
			                name, src, real ? real : "?", real ? real : "the real file");
		else
			dmig_error_set (err, DMIG_EPREFLIGHT, 0,
			                "container '%s' has a bind mount from %s, a symlink to %s, which CRIU cannot "
			                "restore: run dmig's setup (make setup), whose CRIU restores it, or recreate "
			                "the container with %s as the source of %s",
			                name, src, real ? real : "?", real ? real : "the link's target", dst);
		free (real);
		return -1;
	}
	return 0;
}

/* What CRIU is known not to restore, found before anything changes: a
 * checkpoint that cannot be resumed must never be taken. */
static int
check_restorable (struct dmig_engine *e, const struct dmig_container *ctr, dmig_error_t *err)
{
	json_object *cfg = oci_config (e, ctr), *ns;
	bool userns = ctr->userns;
	const char *name = ctr->name;
	int r = 0;

	ns = cfg ? dmig_json_get (cfg, "linux.namespaces") : NULL;
	for (size_t i = 0; ns && i < json_object_array_length (ns); i++) {
		const char *t = dmig_json_str (json_object_array_get_idx (ns, i), "type");
		userns |= t && strcmp (t, "user") == 0;
	}
	/* CRIU cannot read its own images back in the container's user
	 * namespace ("Unable to open timens-0.img: Permission denied") */
	if (userns)
		r = dmig_error_set (
		    err, DMIG_EPREFLIGHT, 0,
		    "container '%s' runs in a user namespace of its own (--uidmap, --userns), whose "
		    "checkpoint CRIU cannot restore: run it without one to move, snapshot or roll it back",
		    name);
	else if (!e->remote)
		r = symlinked_bind (cfg, ctr, err);
	json_object_put (cfg);
	return r;
}

int
dmig_engine_check_container (struct dmig_engine *e, const struct dmig_container *ctr, dmig_error_t *err)
{
	const char *name = ctr->name ? ctr->name : "?", *driver = ctr->driver;
	const char *mode = ctr->network_mode ? ctr->network_mode : "";
	int pid = ctr->pid, connected, loopback;

	/* Podman's paused container is not running, Docker's is: one answer.
	 * Podman cannot checkpoint one, and unpausing it for the checkpoint
	 * would let it run when its user froze it. */
	if (ctr->paused)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "container '%s' is paused, a state dmig does not carry: unpause it first "
		                       "('%s unpause %s')",
		                       name, e->ops->kind, name);
	if (!ctr->running)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0, "container '%s' is not running: start it first", name);
	/* A checkpoint stops it (every move and rollback, Podman's snapshot),
	 * and the engine then removes it: Podman did in 6 of 10 snapshots. */
	if (ctr->auto_remove)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "container '%s' was started with --rm: %s removes it when a checkpoint stops "
		                       "it; run it without --rm to move, snapshot or roll it back",
		                       name, e->ops->kind);
	if (ctr->tty)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "container '%s' has a terminal (-t): CRIU cannot checkpoint it through %s", name,
		                       e->ops->kind);
	if (driver == NULL || strcmp (driver, e->ops->driver) != 0)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "container '%s' uses the '%s' storage driver: dmig carries only %s layers", name,
		                       driver ? driver : "unknown", e->ops->driver);
	if (check_restorable (e, ctr, err) < 0)
		return -1;
	/* in its own network namespace, the sockets there are its own */
	if (!e->remote && pid > 0 && strcmp (mode, "host") != 0 && strncmp (mode, "container:", 10) != 0) {
		count_tcp (pid, &connected, &loopback);
		if (!e->ops->tcp_established && connected > 0)
			return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
			                       "container '%s' has %d open TCP connection%s, which %s's API cannot "
			                       "checkpoint (it has no --tcp-established): close them first (listening "
			                       "sockets are fine)",
			                       name, connected, connected == 1 ? "" : "s", e->ops->title);
		if (loopback > 0)
			return dmig_error_set (
			    err, DMIG_EPREFLIGHT, 0,
			    "container '%s' has %d open TCP connection%s on its loopback, which %s "
			    "cannot restore (it brings the loopback up only after CRIU has run): close "
			    "them first (listening sockets are fine)",
			    name, loopback, loopback == 1 ? "" : "s", e->ops->title);
	}
	return 0;
}

int
dmig_engine_parse (const struct dmig_engine_ops *ops, json_object *raw, struct dmig_container **out, dmig_error_t *err)
{
	struct dmig_container *c = calloc (1, sizeof (*c));

	*out = NULL;
	if (c == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	if (ops->parse (raw, c, err) < 0) {
		free (c);
		return -1;
	}
	*out = c;
	return 0;
}

int
dmig_engine_inspect (struct dmig_engine *e, const char *name, struct dmig_container **out, dmig_error_t *err)
{
	char path[1024];
	json_object *ans = NULL;
	int st;

	*out = NULL;
	if (dmig_engine_path (e, false, path, sizeof (path), err, "/containers/%s/json", name) < 0)
		return -1;
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
	st = dmig_engine_parse (e->ops, ans, out, err);
	json_object_put (ans);
	return st;
}

int
dmig_engine_image_exists (struct dmig_engine *e, const char *id, bool *exists, dmig_error_t *err)
{
	char path[1024];
	json_object *ans = NULL;
	int st;

	if (dmig_engine_path (e, false, path, sizeof (path), err, "/images/%s/json", id) < 0)
		return -1;
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
	char path[1024];
	int st;

	*mountpoint = NULL;
	if (dmig_ref_valid_container (name, err) < 0
	    || dmig_engine_path (e, true, path, sizeof (path), err, "/volumes/%s", name) < 0)
		return -1;
	st = dmig_engine_call (e, "GET", path, NULL, DMIG_API_TIMEOUT_MS, &v, err);
	if (st < 0)
		return -1;
	if (st == 404) {
		json_object_put (v);
		v = NULL;
		body = json_object_new_object ();
		json_object_object_add (body, "Name", json_object_new_string (name));
		st = dmig_engine_path (e, true, path, sizeof (path), err, "/volumes/create") < 0
		         ? -1
		         : dmig_engine_must (e, "POST", path, body, DMIG_API_TIMEOUT_MS, &v, err);
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
	if (dmig_fs_empty_dir (*mountpoint, err) < 0) {
		free (*mountpoint);
		*mountpoint = NULL;
		return dmig_error_wrap (err, "cannot empty volume '%s'", name);
	}
	return 0;
}

int
dmig_engine_restore_volumes (struct dmig_engine *e, json_object *manifest, const char *staging, const char *nested,
                             dmig_error_t *err)
{
	json_object *vols = dmig_json_get (manifest, "volumes");

	for (size_t i = 0; json_object_is_type (vols, json_type_array) && i < json_object_array_length (vols); i++) {
		const char *vname = json_object_get_string (json_object_array_get_idx (vols, i));
		char member[DMIG_MEMBER_NAME_MAX], *mp = NULL;
		bool found = true;
		int fd, r;

		snprintf (member, sizeof (member), "volumes/%s.tar", vname ? vname : "");
		if (dmig_engine_volume_prepare (e, vname ? vname : "", &mp, err) < 0)
			return -1;
		fd = dmig_bundle_member_open (staging, nested ? nested : member, err);
		r = fd < 0           ? -1
		    : nested != NULL ? dmig_archive_extract_nested (fd, member, mp, &found, err)
		                     : dmig_archive_extract (fd, mp, err);
		if (fd >= 0)
			close (fd);
		free (mp);
		if (r < 0)
			return dmig_error_wrap (err, "cannot restore volume '%s'", vname);
		if (!found)
			return dmig_error_set (err, DMIG_EFAIL, 0, "the checkpoint lacks volume '%s'", vname);
	}
	return 0;
}

int
dmig_engine_volume_remove (struct dmig_engine *e, const char *name, dmig_error_t *err)
{
	json_object *ans = NULL;
	char path[1024];
	int st;

	if (dmig_engine_path (e, false, path, sizeof (path), err, "/volumes/%s?force=true", name) < 0)
		return -1;
	st = dmig_engine_call (e, "DELETE", path, NULL, DMIG_API_TIMEOUT_MS, &ans, err);
	if (st >= 300 && st != 404)
		dmig_engine_fail (e, st, ans, err, "cannot remove volume '%s'", name);
	json_object_put (ans);
	return st < 0 || (st >= 300 && st != 404) ? -1 : 0;
}

/* In a child of dmig's (setns changes the calling thread): bring up lo in
 * the network namespace *(int *) arg. */
static int
lo_up (void *arg)
{
	struct ifreq ifr = {0};
	int sock;

	if (setns (*(int *)arg, CLONE_NEWNET) < 0 || (sock = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return 1;
	snprintf (ifr.ifr_name, sizeof (ifr.ifr_name), "lo");
	if (ioctl (sock, SIOCGIFFLAGS, &ifr) < 0)
		return 2;
	ifr.ifr_flags |= IFF_UP;
	return ioctl (sock, SIOCSIFFLAGS, &ifr) < 0 ? 3 : 0;
}

int
dmig_netns_lo_up (int pid, dmig_error_t *err)
{
	char ns[64];
	int fd, status, e;
	struct dmig_child child = {.fn = lo_up, .arg = &fd};

	snprintf (ns, sizeof (ns), "/proc/%d/ns/net", pid);
	fd = open (ns, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot open %s", ns);
	status = dmig_child_run (&child);
	e = errno;
	close (fd);
	if (status == DMIG_CHILD_NOSTART)
		return dmig_error_set (err, DMIG_EFAIL, e, "fork");
	if (status < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
		return dmig_error_set (err, DMIG_EFAIL, 0, "cannot bring up loopback in the network namespace of %d",
		                       pid);
	return 0;
}

const struct dmig_engine_ops *const dmig_engines[] = {&dmig_docker_ops, &dmig_podman_ops, NULL};

const char *const *
dmig_engine_kinds (void)
{
	static const char *kinds[sizeof (dmig_engines) / sizeof (dmig_engines[0])];

	for (size_t i = 0; dmig_engines[i]; i++)
		kinds[i] = dmig_engines[i]->kind;
	return kinds;
}

/* Ask the engine behind e->http what it is: each known engine in turn. */
static int
identify (struct dmig_engine *e, dmig_error_t *err)
{
	json_object *ver = NULL;
	int status;

	/* the call's messages name an engine: the first one's until it is known */
	e->ops = dmig_engines[0];
	/* Both engines answer Docker's /version. */
	status = dmig_engine_call (e, "GET", "/version", NULL, 10000L, &ver, err);
	if (status < 0)
		return dmig_error_status (err, DMIG_EPREFLIGHT);
	if (status != 200) {
		dmig_engine_fail (e, status, ver, err, "engine at %s", e->socket);
		json_object_put (ver);
		return -1;
	}
	for (size_t i = 0; dmig_engines[i]; i++)
		if (dmig_engines[i]->identify (ver)) {
			e->ops = dmig_engines[i];
			break;
		}
	e->version = strdup (dmig_json_str (ver, "Version") ? dmig_json_str (ver, "Version") : "unknown");
	json_object_put (ver);
	return 0;
}

bool
dmig_engine_version_names (json_object *version, const char *word)
{
	json_object *comps = dmig_json_get (version, "Components");

	for (size_t i = 0; json_object_is_type (comps, json_type_array) && i < json_object_array_length (comps); i++) {
		const char *n = dmig_json_str (json_object_array_get_idx (comps, i), "Name");
		if (n && strstr (n, word))
			return true;
	}
	return false;
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

/* "Docker or Podman", "/var/run/docker.sock or /run/podman/podman.sock":
 * the registry's engines, for messages. */
static const char *
engine_list (char *buf, size_t cap, bool sockets, const char *joint)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; dmig_engines[i] && len < cap; i++)
		len += (size_t)snprintf (buf + len, cap - len, "%s%s",
		                         i == 0                ? ""
		                         : dmig_engines[i + 1] ? ", "
		                                               : joint,
		                         sockets ? dmig_engines[i]->socket : dmig_engines[i]->title);
	return buf;
}

static const char *
engine_titles (const char *joint)
{
	static char buf[256], j[16];

	snprintf (j, sizeof (j), " %s ", joint);
	return engine_list (buf, sizeof (buf), false, j);
}

static const char *
engine_sockets (void)
{
	static char buf[512];
	return engine_list (buf, sizeof (buf), true, " or ");
}

static int
kind_listed (const char *kind, const char *const *kinds)
{
	for (; kinds && *kinds; kinds++)
		if (strcmp (*kinds, kind) == 0)
			return 1;
	return 0;
}

#define NENGINES (sizeof (dmig_engines) / sizeof (dmig_engines[0]) - 1)

int
dmig_engine_find (const char *host, const char *name, const char *const *store_kinds, struct dmig_engine **out,
                  struct dmig_container **ctr, dmig_error_t *err)
{
	struct dmig_engine *found[NENGINES] = {NULL}, *running[NENGINES] = {NULL};
	struct dmig_container *insp[NENGINES] = {NULL};
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
	for (size_t i = 0; dmig_engines[i]; i++) {
		struct dmig_engine *e = NULL;
		struct dmig_container *c = NULL;
		dmig_error_t e2 = NULL;
		char url[PATH_MAX];

		snprintf (url, sizeof (url), "unix://%s", dmig_engines[i]->socket);
		if (dmig_engine_open (url, &e, &e2) < 0 || dmig_engine_inspect (e, name, &c, &e2) < 0) {
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
	if (nfound > 1) {
		dmig_error_set (err, DMIG_EUSAGE, 0,
		                "both %s and %s have a container '%s': choose one with -H unix://%s or -H unix://%s",
		                found[0]->ops->title, found[1]->ops->title, name, found[0]->socket, found[1]->socket);
		goto fail;
	}
	if (nfound == 1) {
		*out = found[0];
		*ctr = insp[0];
	} else if (nrun == 1) {
		*out = running[0];
	} else if (nrun > 1) {
		/* the one engine (if one) with snapshots of that name */
		size_t with = 0;
		for (size_t i = 0; i < nrun; i++)
			if (store_kinds && kind_listed (running[i]->ops->kind, store_kinds)) {
				*out = running[i];
				with++;
			}
		if (with != 1) {
			*out = NULL;
			dmig_error_set (err, DMIG_EFAIL, 0, "no container '%s' in %s%s", name, engine_titles ("or"),
			                with ? ", and both have snapshots of that name: choose the engine with -H"
			                     : "");
			goto fail;
		}
	} else {
		if (first != NULL) {
			*err = first;
			return -1;
		}
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "no container engine found at %s: start %s, or name one with -H",
		                       engine_sockets (), engine_titles ("or"));
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
		dmig_container_free (insp[i]);
	dmig_error_release (&first);
	*out = NULL;
	return -1;
}
