#include "ref.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static int
valid_name (const char *s)
{
	size_t n = strlen (s);

	if (n == 0 || n > DMIG_NAME_MAX || !isalnum ((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(isalnum (c) || c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

/* An invalid name as its refusal echoes it: control characters quoted,
 * cut short past a valid name's length. */
#define ECHO_MAX (4 * DMIG_NAME_MAX + 4)

int
dmig_ref_valid_container (const char *s, dmig_error_t *err)
{
	char q[ECHO_MAX];

	if (s == NULL || !valid_name (s))
		return dmig_error_set (err, DMIG_EUSAGE, 0,
		                       "invalid container name '%s': use letters, digits, '_', '.' and '-', "
		                       "starting with a letter or digit",
		                       dmig_log_quote (s, q, sizeof (q)));
	return 0;
}

int
dmig_ref_valid_snapshot (const char *s, dmig_error_t *err)
{
	char q[ECHO_MAX];

	if (s == NULL || !valid_name (s))
		return dmig_error_set (err, DMIG_EUSAGE, 0,
		                       "invalid snapshot name '%s': use letters, digits, '_', '.' and '-', "
		                       "starting with a letter or digit",
		                       dmig_log_quote (s, q, sizeof (q)));
	if (strcmp (s, "latest") == 0)
		return dmig_error_set (err, DMIG_EUSAGE, 0,
		                       "'latest' is reserved for the newest snapshot: choose another name");
	return 0;
}

int
dmig_ref_parse (const char *s, struct dmig_ref *ref, dmig_error_t *err)
{
	char q[ECHO_MAX];
	const char *at;
	size_t clen;

	memset (ref, 0, sizeof (*ref));
	if (s == NULL || *s == '\0')
		return dmig_error_set (err, DMIG_EUSAGE, 0, "empty snapshot ref: use <container>@<name>");
	dmig_log_quote (s, q, sizeof (q));
	at = strchr (s, '@');
	clen = at ? (size_t)(at - s) : strlen (s);
	if (clen == 0 || clen > DMIG_NAME_MAX)
		return dmig_error_set (err, DMIG_EUSAGE, 0,
		                       "bad snapshot ref '%s': use <container>@<name> or <container>@latest", q);
	memcpy (ref->container, s, clen);
	if (dmig_ref_valid_container (ref->container, err) < 0)
		return dmig_error_wrap (err, "bad snapshot ref '%s'", q);
	if (at == NULL || strcmp (at + 1, "latest") == 0)
		return 0;
	if (strchr (at + 1, '@') != NULL || dmig_ref_valid_snapshot (at + 1, err) < 0) {
		dmig_error_release (err);
		return dmig_error_set (err, DMIG_EUSAGE, 0,
		                       "bad snapshot ref '%s': use <container>@<name> or <container>@latest", q);
	}
	snprintf (ref->name, sizeof (ref->name), "%s", at + 1);
	return 0;
}

int
dmig_ref_parse_range (const char *opt, const char *s, long min, long max, long *out, dmig_error_t *err)
{
	char q[ECHO_MAX];
	long v = 0;

	if (s == NULL || *s == '\0' || strlen (s) > 6)
		goto bad;
	for (const char *p = s; *p; p++) {
		if (!isdigit ((unsigned char)*p))
			goto bad;
		v = v * 10 + (*p - '0');
	}
	if (v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	return dmig_error_set (err, DMIG_EUSAGE, 0, "%s needs a whole number from %ld to %ld, not '%s'", opt, min, max,
	                       dmig_log_quote (s, q, sizeof (q)));
}

int
dmig_ref_parse_count (const char *opt, const char *s, long *out, dmig_error_t *err)
{
	return dmig_ref_parse_range (opt, s, 0, DMIG_COUNT_MAX, out, err);
}
