#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static int level = DMIG_NORMAL;

void
dmig_log_set (int verbosity)
{
	level = verbosity;
}

int
dmig_log_level (void)
{
	return level;
}

static void vlog (int min, const char *prefix, const char *fmt, va_list ap) __attribute__ ((format (printf, 3, 0)));

static void
vlog (int min, const char *prefix, const char *fmt, va_list ap)
{
	if (level < min)
		return;
	fprintf (stderr, "dmig: %s", prefix);
	vfprintf (stderr, fmt, ap);
	fputc ('\n', stderr);
}

void
dmig_log_info (const char *fmt, ...)
{
	va_list ap;
	va_start (ap, fmt);
	vlog (DMIG_NORMAL, "", fmt, ap);
	va_end (ap);
}

void
dmig_log_warn (const char *fmt, ...)
{
	va_list ap;
	va_start (ap, fmt);
	vlog (DMIG_NORMAL, "warning: ", fmt, ap);
	va_end (ap);
}

void
dmig_log_debug (const char *fmt, ...)
{
	va_list ap;
	va_start (ap, fmt);
	vlog (DMIG_VERBOSE, "", fmt, ap);
	va_end (ap);
}
