/* The engines behind one table (the registry), how one is found and
 * named, and the API calls both engines make: paths, calls, streams, the
 * container's inspect, remove, stop and rename. */
#include "engine.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "criu.h"
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
dmig_engine_path (struct dmig_engine *e, bool compat, char *buf, size_t cap, dmig_error_t *err, const char *fmt, ...)
{
	const char *prefix = compat || e->ops->api == NULL ? e->docker_api : e->ops->api;
	size_t len = strlen (prefix);
	bool fits = len < cap;
	va_list ap;

	/* an unversioned path would be answered at whatever version the
	 * engine likes */
	if (*prefix == '\0') {
		if (cap > 0)
			buf[0] = '\0';
		return dmig_error_set (err, DMIG_EFAIL, 0, "no Docker API version agreed with %s", e->ops->kind);
	}

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
	dmig_log_debug ("%s %s %s", e->ops->kind, method, path);
	if (dmig_http_request (e->http, &req, &resp, err) < 0)
		return -1;
	if (out && resp.len > 0) {
		dmig_error_t perr = NULL;
		if (dmig_json_parse (resp.body, resp.len, out, &perr) < 0) {
			/* Errors may come as plain text: keep it as the message
			 * (without the line's end). */
			size_t n = resp.len;
			while (n > 0 && strchr (" \t\r\n", resp.body[n - 1]))
				n--;
			dmig_error_release (&perr);
			*out = json_object_new_object ();
			json_object_object_add (*out, "message", json_object_new_string_len (resp.body, (int)n));
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
	return dmig_engine_stream_answer (e, req, what, NULL, err);
}

int
dmig_engine_stream_answer (struct dmig_engine *e, struct dmig_http_req *req, const char *what, json_object **answer,
                           dmig_error_t *err)
{
	struct dmig_http_resp resp;
	json_object *ans = NULL;

	if (answer)
		*answer = NULL;
	if (req->timeout_ms == 0)
		req->timeout_ms = DMIG_CRIU_TIMEOUT_MS;
	dmig_log_debug ("%s %s %s (streamed)", e->ops->kind, req->method, req->path);
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
		if (answer && resp.body && dmig_json_parse (resp.body, resp.len, answer, NULL) < 0)
			*answer = NULL;
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
	if ((st == 200 || st == 204) && e->ops->removed)
		e->ops->removed (e);
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
	if (st == 0 && e->ops->locate)
		e->ops->locate (e, *out);
	return st;
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

/* "1.44" (or "v1.44", as Docker's own client takes it) as DMIG_API (1, 44);
 * -1 when it is not a version. */
static int
api_parse (const char *s)
{
	char *end;
	long major, minor;

	if (s == NULL)
		return -1;
	s += *s == 'v';
	if (*s < '0' || *s > '9')
		return -1;
	major = strtol (s, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return -1;
	minor = strtol (end + 1, &end, 10);
	if (*end != '\0' || major > 99 || minor > 999)
		return -1;
	return (int)DMIG_API (major, minor);
}

#define API_TEXT(v) (v) / 1000, (v) % 1000

/* The Docker API version to speak with the engine whose /version said ver:
 * the newest both know. Docker 29 refuses anything below 1.44 with a 400;
 * Debian 12's Docker 20.10 anything above 1.41. */
static int
negotiate (struct dmig_engine *e, json_object *ver, dmig_error_t *err)
{
	const char *max_s = dmig_json_str (ver, "ApiVersion"), *min_s = dmig_json_str (ver, "MinAPIVersion");
	int max = api_parse (max_s), min = min_s && *min_s ? api_parse (min_s) : 0, use;

	if (max < 0 || min < 0) {
		dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                "%s at %s does not say which API versions it speaks (its /version gave ApiVersion "
		                "'%s', MinAPIVersion '%s')",
		                e->ops->title, e->socket, max_s ? max_s : "", min_s ? min_s : "");
		return dmig_error_code (err, EPROTO);
	}
	use = max < DMIG_API_NEWEST ? max : DMIG_API_NEWEST;
	if (use < min || use < DMIG_API_OLDEST) {
		char range[48];

		if (min > 0)
			snprintf (range, sizeof (range), "%d.%d to %d.%d", API_TEXT (min), API_TEXT (max));
		else
			snprintf (range, sizeof (range), "up to %d.%d", API_TEXT (max));
		dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                "%s %s at %s speaks Docker API %s, dmig %d.%d to %d.%d: no version in common (%s)",
		                e->ops->title, e->version, e->socket, range, API_TEXT (DMIG_API_OLDEST),
		                API_TEXT (DMIG_API_NEWEST),
		                use < min ? "this engine needs a newer dmig" : "dmig needs a newer engine");
		return dmig_error_code (err, ENOTSUP);
	}
	e->api = use;
	snprintf (e->docker_api, sizeof (e->docker_api), "/v%d.%d", API_TEXT (use));
	dmig_log_debug ("%s %s at %s: Docker API %s to %s, speaking %d.%d", e->ops->kind, e->version, e->socket,
	                min_s ? min_s : "?", max_s, API_TEXT (use));
	return 0;
}

/* Ask the engine behind e->http what it is (each known engine in turn) and
 * which Docker API version to speak with it. */
static int
identify (struct dmig_engine *e, dmig_error_t *err)
{
	json_object *ver = NULL;
	int status, r;

	/* the call's messages name an engine: the first one's until it is known */
	e->ops = dmig_engines[0];
	/* Both engines answer Docker's /version, unversioned: at any API
	 * version they speak. */
	status = dmig_engine_call (e, "GET", "/version", NULL, 10000L, &ver, err);
	if (status < 0)
		return dmig_error_status (err, DMIG_EPREFLIGHT);
	if (status != 200 || !json_object_is_type (ver, json_type_object)) {
		const char *msg = dmig_json_api_message (ver);
		dmig_error_set (err, DMIG_EPREFLIGHT, 0, "the engine at %s does not answer /version: it said %d%s%s",
		                e->socket, status, msg ? ": " : "", msg ? msg : "");
		json_object_put (ver);
		return dmig_error_code (err, EPROTO);
	}
	for (size_t i = 0; dmig_engines[i]; i++)
		if (dmig_engines[i]->identify (ver)) {
			e->ops = dmig_engines[i];
			break;
		}
	e->version = strdup (dmig_json_str (ver, "Version") ? dmig_json_str (ver, "Version") : "unknown");
	r = e->version ? negotiate (e, ver, err) : dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	json_object_put (ver);
	return r;
}

void
dmig_engine_dial (const struct dmig_engine_ops *ops, const char *socket, struct dmig_engine_dial *d)
{
	size_t n = 0;

	memset (d, 0, sizeof (*d));
	if (ops->cli == NULL)
		return;
	d->argv[n++] = (char *)ops->cli;
	if (socket && *socket) {
		snprintf (d->url, sizeof (d->url), "unix://%s", socket);
		d->argv[n++] = (char *)ops->cli_url;
		d->argv[n++] = d->url;
	}
	d->argv[n++] = "system";
	d->argv[n++] = "dial-stdio";
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
	free (e->runtime);
	free (e->driver);
	free (e->containerd);
	free (e->containerd_ns);
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
		if (name && dmig_engine_inspect (*out, name, ctr, err) < 0) {
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
		if (dmig_engine_open (url, &e, &e2) < 0 || (name && dmig_engine_inspect (e, name, &c, &e2) < 0)) {
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
	} else if (nrun > 1 && name == NULL) {
		dmig_error_set (err, DMIG_EUSAGE, 0,
		                "both %s and %s run here: choose one with -H unix://%s or -H unix://%s",
		                running[0]->ops->title, running[1]->ops->title, running[0]->socket, running[1]->socket);
		goto fail;
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
