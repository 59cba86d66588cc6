/* The HTTP seam: requests to an engine API over a UNIX socket (libcurl). */
#ifndef DMIG_HTTP_H
#define DMIG_HTTP_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

struct dmig_http;

/* Streaming callbacks. read: fill buf, return bytes (0 at the end) or -1.
 * write: consume len bytes, return 0 or -1 to abort the transfer. */
typedef ssize_t (*dmig_http_read_fn) (void *arg, char *buf, size_t len);
typedef int (*dmig_http_write_fn) (void *arg, const char *buf, size_t len);

struct dmig_http_req {
	const char *method; /* "GET", "POST", "DELETE", ... */
	const char *path;   /* with query string, already escaped */
	const char *body;   /* in-memory body, or NULL */
	size_t body_len;
	const char *content_type; /* default application/json when a body is sent */
	dmig_http_read_fn read;   /* streamed request body, instead of body */
	dmig_http_write_fn write; /* streamed response body of a 2xx answer */
	void *arg;
	long timeout_ms; /* whole request; 0 = no limit (stalls still end it) */
};

struct dmig_http_resp {
	long status;
	char *body; /* NUL-terminated; NULL when streamed to write */
	size_t len;
};

/* libcurl's global state: init once at the start of the program, before any
 * thread, and cleanup at its end. dmig_http_open fails without it. */
int dmig_http_global_init (dmig_error_t *err);
void dmig_http_global_cleanup (void);
int dmig_http_open (const char *socket_path, struct dmig_http **out, dmig_error_t *err);
/* (An engine across SSH is reached the same way: dmig_ssh_forward_unix
 * gives a local socket for it.) */
void dmig_http_close (struct dmig_http *h);
const char *dmig_http_socket (const struct dmig_http *h);
/* Send req; fills resp for any HTTP status (the caller judges it).
 * Fails only when no answer came: connect error, timeout, abort. */
int dmig_http_request (struct dmig_http *h, const struct dmig_http_req *req, struct dmig_http_resp *resp,
                       dmig_error_t *err);
void dmig_http_resp_free (struct dmig_http_resp *resp);
/* Percent-escape a query value; free() the result. */
char *dmig_http_escape (const char *s);

#endif
