/* libcurl over a UNIX socket. The only file that includes curl.h. */
#include "http.h"
#include "interrupt.h"
#include "log.h"

#include <errno.h>

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define RESP_MAX (256u << 20) /* bound in-memory answers */

struct dmig_http {
	CURL *curl;
	char *socket;
	char errbuf[CURL_ERROR_SIZE];
};

struct xfer {
	const struct dmig_http_req *req;
	struct dmig_http_resp *resp;
	size_t cap;
	int failed; /* the write callback refused data */
	int toobig;
};

static int inited; /* dmig_http_global_init's count */

/* Not thread-safe (libcurl's rule): main calls it before any thread starts.
 * Plain HTTP over UNIX sockets needs none of libcurl's optional parts (TLS). */
int
dmig_http_global_init (dmig_error_t *err)
{
	if (curl_global_init (CURL_GLOBAL_NOTHING) != CURLE_OK)
		return dmig_error_set (err, DMIG_EFAIL, 0, "cannot initialise libcurl");
	inited++;
	return 0;
}

void
dmig_http_global_cleanup (void)
{
	if (inited == 0)
		return;
	inited--;
	curl_global_cleanup ();
}

int
dmig_http_open (const char *socket_path, struct dmig_http **out, dmig_error_t *err)
{
	struct dmig_http *h;

	/* Without it curl_easy_init would initialise libcurl itself, from
	 * whichever thread came first: a program's mistake, said as one. */
	if (inited == 0)
		return dmig_error_set (err, DMIG_EFAIL, 0, "libcurl is not initialised (dmig_http_global_init)");
	h = calloc (1, sizeof (*h));
	if (h == NULL || (h->socket = strdup (socket_path)) == NULL || (h->curl = curl_easy_init ()) == NULL) {
		dmig_http_close (h);
		return dmig_error_set (err, DMIG_EFAIL, 0, "cannot set up an HTTP client");
	}
	*out = h;
	return 0;
}

void
dmig_http_close (struct dmig_http *h)
{
	if (h == NULL)
		return;
	if (h->curl)
		curl_easy_cleanup (h->curl);
	free (h->socket);
	free (h);
}

const char *
dmig_http_socket (const struct dmig_http *h)
{
	return h->socket;
}

static size_t
on_write (char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;

	if (x->resp->status == -2) { /* a 2xx answer the caller streams */
		if (x->req->write (x->req->arg, data, len) < 0) {
			x->failed = 1;
			return 0;
		}
		return len;
	}
	if (x->resp->len + len + 1 > x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 4096;
		char *p;
		while (cap < x->resp->len + len + 1)
			cap *= 2;
		if (cap > RESP_MAX) {
			x->toobig = 1;
			return 0;
		}
		p = realloc (x->resp->body, cap);
		if (p == NULL)
			return 0;
		x->resp->body = p;
		x->cap = cap;
	}
	memcpy (x->resp->body + x->resp->len, data, len);
	x->resp->len += len;
	x->resp->body[x->resp->len] = '\0';
	return len;
}

/* About once a second, even while nothing moves: stop when interrupted. */
static int
on_progress (void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)arg;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return dmig_interrupted ? 1 : 0;
}

static size_t
on_read (char *buf, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	ssize_t r = x->req->read (x->req->arg, buf, size * n);

	return r < 0 ? CURL_READFUNC_ABORT : (size_t)r;
}

/* Decide once per answer whether its body streams: on the first header line. */
static size_t
on_header (char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;
	int code;

	if (len > 9 && strncmp (data, "HTTP/", 5) == 0) {
		const char *sp = memchr (data, ' ', len);
		code = sp ? atoi (sp + 1) : 0;
		/* -2: stream to the caller; otherwise buffer (errors, 1xx). */
		x->resp->status = (x->req->write != NULL && code >= 200 && code < 300) ? -2 : -3;
	}
	return len;
}

int
dmig_http_request (struct dmig_http *h, const struct dmig_http_req *req, struct dmig_http_resp *resp, dmig_error_t *err)
{
	struct xfer x = {.req = req, .resp = resp};
	struct curl_slist *hdrs = NULL;
	char url[4096];
	CURLcode rc;
	long code = 0;

	memset (resp, 0, sizeof (*resp));
	curl_easy_reset (h->curl);
	snprintf (url, sizeof (url), "http://d%s", req->path);
	curl_easy_setopt (h->curl, CURLOPT_UNIX_SOCKET_PATH, h->socket);
	curl_easy_setopt (h->curl, CURLOPT_URL, url);
	curl_easy_setopt (h->curl, CURLOPT_CUSTOMREQUEST, req->method);
	curl_easy_setopt (h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt (h->curl, CURLOPT_NOSIGNAL, 1L);
	if (getenv ("DMIG_CURL_VERBOSE"))
		curl_easy_setopt (h->curl, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt (h->curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	if (req->timeout_ms > 0)
		curl_easy_setopt (h->curl, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	curl_easy_setopt (h->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt (h->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt (h->curl, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt (h->curl, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt (h->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt (h->curl, CURLOPT_HEADERDATA, &x);
	if (req->read != NULL) {
		curl_easy_setopt (h->curl, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt (h->curl, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt (h->curl, CURLOPT_READDATA, &x);
		hdrs = curl_slist_append (hdrs, "Transfer-Encoding: chunked");
		/* UPLOAD means PUT; the custom method above still wins. */
	} else if (req->body != NULL) {
		curl_easy_setopt (h->curl, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt (h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	} else if (strcmp (req->method, "POST") == 0) {
		curl_easy_setopt (h->curl, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt (h->curl, CURLOPT_POSTFIELDSIZE, 0L);
	}
	if (req->read != NULL || req->body != NULL) {
		char ct[128];
		snprintf (ct, sizeof (ct), "Content-Type: %s",
		          req->content_type ? req->content_type : "application/json");
		hdrs = curl_slist_append (hdrs, ct);
	}
	hdrs = curl_slist_append (hdrs, "Expect:");
	curl_easy_setopt (h->curl, CURLOPT_HTTPHEADER, hdrs);
	h->errbuf[0] = '\0';

	rc = curl_easy_perform (h->curl);
	curl_slist_free_all (hdrs);
	curl_easy_getinfo (h->curl, CURLINFO_RESPONSE_CODE, &code);
	resp->status = code;
	if (rc != CURLE_OK) {
		const char *why = h->errbuf[0] ? h->errbuf : curl_easy_strerror (rc);
		dmig_http_resp_free (resp);
		if (x.failed)
			return dmig_error_set (err, DMIG_EFAIL, 0, "%s %s: the answer could not be stored", req->method,
			                       req->path);
		if (x.toobig)
			return dmig_error_set (err, DMIG_EFAIL, 0, "%s %s: answer larger than %u MiB", req->method,
			                       req->path, RESP_MAX >> 20);
		if (rc == CURLE_COULDNT_CONNECT) {
			/* curl's own text names a made-up host and port 80 */
			long oserr = 0;
			curl_easy_getinfo (h->curl, CURLINFO_OS_ERRNO, &oserr);
			return dmig_error_set (
			    err, DMIG_EFAIL, 0,
			    "cannot connect to the engine at %s: %s: is it running? (-H names another socket)",
			    h->socket, oserr ? strerror ((int)oserr) : why);
		}
		if (rc == CURLE_ABORTED_BY_CALLBACK && dmig_interrupted) {
			dmig_error_set (err, DMIG_EFAIL, 0, "%s %s: interrupted", req->method, req->path);
			return dmig_error_code (err, EINTR);
		}
		if (rc == CURLE_OPERATION_TIMEDOUT)
			return dmig_error_set (err, DMIG_EFAIL, 0, "%s %s: no answer from the engine in time (%s)",
			                       req->method, req->path, why);
		return dmig_error_set (err, DMIG_EFAIL, 0, "%s %s: %s", req->method, req->path, why);
	}
	if (resp->body == NULL && (req->write == NULL || code >= 300)) {
		resp->body = strdup ("");
		if (resp->body == NULL)
			return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	}
	return 0;
}

void
dmig_http_resp_free (struct dmig_http_resp *resp)
{
	free (resp->body);
	resp->body = NULL;
	resp->len = 0;
}

char *
dmig_http_escape (const char *s)
{
	char *e = curl_easy_escape (NULL, s, 0);
	char *r = e ? strdup (e) : NULL;

	curl_free (e);
	return r;
}
