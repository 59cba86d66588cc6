/* dmig error objects: fallible functions return < 0 and fill *err. */
#ifndef DMIG_ERROR_H
#define DMIG_ERROR_H

#include <stdarg.h>

/* Exit statuses, the contract in docs/cli.md. */
enum dmig_status {
	DMIG_OK = 0,
	DMIG_EFAIL = 1,      /* failed, everything is as it was */
	DMIG_EUSAGE = 2,     /* usage error */
	DMIG_EPREFLIGHT = 3, /* a check refused, nothing changed */
	DMIG_ELOST = 4,      /* failed and putting things back failed */
};

struct dmig_error {
	int status; /* enum dmig_status */
	int errnum; /* errno, or 0 (its text is in msg) */
	/* What happened, errno-like, for callers to tell (not in msg): EINTR
	 * when a signal cut the work short; an engine that answered but cannot
	 * be spoken to: ENOTSUP (no API version in common), EPROTO (no usable
	 * /version); 0 otherwise. */
	int code;
	/* A failure the engine put down to CRIU: the log it named, and its own
	 * summary before it named it (with the context added since). */
	char *criu_log, *criu_summary;
	char *msg;
};
typedef struct dmig_error *dmig_error_t;

/* Set *err (when err is not NULL) and return -1. */
int dmig_error_set (dmig_error_t *err, int status, int errnum, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));
/* Prefix context to an existing error: "ctx: old". Returns -1. */
int dmig_error_wrap (dmig_error_t *err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* Mark an existing error with a code (EINTR). Returns -1. */
int dmig_error_code (dmig_error_t *err, int code);
/* Note on an existing error the CRIU log its engine named and the engine's
 * summary of the failure. Returns -1. */
int dmig_error_criu (dmig_error_t *err, const char *log, const char *summary);
/* Change the status of an existing error (e.g. to DMIG_ELOST). Returns -1. */
int dmig_error_status (dmig_error_t *err, int status);
void dmig_error_release (dmig_error_t *err);
/* Print "dmig: msg" on stderr and return the exit status; releases it. */
int dmig_error_report (dmig_error_t *err);

#endif
