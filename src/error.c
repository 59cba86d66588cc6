#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static char *vfmt (const char *fmt, va_list ap) __attribute__ ((format (printf, 1, 0)));

static char *
vfmt (const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf (&s, fmt, ap) < 0)
		return NULL;
	return s;
}

int
dmig_error_set (dmig_error_t *err, int status, int errnum, const char *fmt, ...)
{
	va_list ap;
	char *msg, *full = NULL;

	if (err == NULL)
		return -1;
	va_start (ap, fmt);
	msg = vfmt (fmt, ap);
	va_end (ap);
	if (errnum != 0 && msg != NULL && asprintf (&full, "%s: %s", msg, strerror (errnum)) >= 0) {
		free (msg);
		msg = full;
	}
	dmig_error_release (err);
	*err = calloc (1, sizeof (**err));
	if (*err == NULL) {
		free (msg);
		return -1;
	}
	/* Clamp odd values here so callers can trust the status. */
	if (status < DMIG_EFAIL || status > DMIG_ELOST)
		status = DMIG_EFAIL;
	(*err)->status = status;
	(*err)->errnum = errnum;
	(*err)->msg = msg != NULL ? msg : strdup ("out of memory");
	return -1;
}

int
dmig_error_wrap (dmig_error_t *err, const char *fmt, ...)
{
	va_list ap;
	char *ctx, *full = NULL;

	if (err == NULL || *err == NULL)
		return -1;
	va_start (ap, fmt);
	ctx = vfmt (fmt, ap);
	va_end (ap);
	if (ctx != NULL && asprintf (&full, "%s: %s", ctx, (*err)->msg) >= 0) {
		free ((*err)->msg);
		(*err)->msg = full;
	}
	if (ctx != NULL && (*err)->criu_summary != NULL && asprintf (&full, "%s: %s", ctx, (*err)->criu_summary) >= 0) {
		free ((*err)->criu_summary);
		(*err)->criu_summary = full;
	}
	free (ctx);
	return -1;
}

int
dmig_error_code (dmig_error_t *err, int code)
{
	if (err != NULL && *err != NULL)
		(*err)->code = code;
	return -1;
}

int
dmig_error_criu (dmig_error_t *err, const char *log, const char *summary)
{
	if (err == NULL || *err == NULL)
		return -1;
	free ((*err)->criu_log);
	free ((*err)->criu_summary);
	(*err)->criu_log = log ? strdup (log) : NULL;
	(*err)->criu_summary = summary && (*err)->criu_log ? strdup (summary) : NULL;
	return -1;
}

int
dmig_error_status (dmig_error_t *err, int status)
{
	if (err != NULL && *err != NULL && status >= DMIG_EFAIL && status <= DMIG_ELOST)
		(*err)->status = status;
	return -1;
}

void
dmig_error_release (dmig_error_t *err)
{
	if (err == NULL || *err == NULL)
		return;
	free ((*err)->msg);
	free ((*err)->criu_log);
	free ((*err)->criu_summary);
	free (*err);
	*err = NULL;
}

int
dmig_error_report (dmig_error_t *err)
{
	int status;

	if (err == NULL || *err == NULL)
		return DMIG_EFAIL;
	status = (*err)->status;
	/* One line: engines' and CRIU's messages may hold several. */
	for (char *p = (*err)->msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = *(p + 1) ? ';' : ' ';
	/* and nothing a terminal acts on: names, paths and engines' words
	 * are echoed, control characters quoted */
	fputs ("dmig: ", stderr);
	dmig_log_puts (stderr, (*err)->msg);
	fputc ('\n', stderr);
	dmig_error_release (err);
	return status;
}
