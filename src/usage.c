#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dmig.h"

int
dmig_usage (dmig_error_t *err, const char *synopsis, const char *fmt, ...)
{
	va_list ap;
	char *what = NULL;
	int r;

	va_start (ap, fmt);
	r = vasprintf (&what, fmt, ap);
	va_end (ap);
	dmig_error_set (err, DMIG_EUSAGE, 0, "%s (usage: dmig %s)", r >= 0 ? what : "bad usage", synopsis);
	free (what);
	return -1;
}

int
dmig_usage_bad_option (int c, char **argv, const char *synopsis, dmig_error_t *err)
{
	if (c == ':')
		return dmig_usage (err, synopsis, "option '%s' needs a value", argv[optind - 1]);
	return dmig_usage (err, synopsis, "unknown option '%s'", argv[optind - 1]);
}
