#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The length of the UTF-8 character at p, or 0 when it is not one or is a
 * C1 control (U+0080..U+009F, which terminals act on as ESC sequences). */
static size_t
utf8_len (const unsigned char *p)
{
	unsigned int cp;
	size_t n;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07u;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff)
	    || cp <= 0x9f)
		return 0;
	return n;
}

/* The next character of p as dmig prints it: its bytes or an escape in
 * esc; *k is how many bytes of p it takes, *wn how many it writes. */
static const char *
quote_next (const unsigned char *p, char esc[8], size_t *k, size_t *wn)
{
	*k = 1;
	if (*p == '\n' || *p == '\r' || *p == '\t')
		snprintf (esc, 8, "\\%c", *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't');
	else if (*p < 0x20 || *p == 0x7f || (*p >= 0x80 && (*k = utf8_len (p)) == 0)) {
		snprintf (esc, 8, "\\x%02x", *p);
		*k = 1;
	} else {
		*wn = *k;
		return (const char *)p;
	}
	*wn = strlen (esc);
	return esc;
}

char *
dmig_log_quote (const char *s, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t o = 0, total = 0, k, wn, room;
	char esc[8];

	if (cap == 0)
		return out;
	for (const unsigned char *q = p; *q; q += k) {
		quote_next (q, esc, &k, &wn);
		total += wn;
	}
	/* too long: as much as fits before "...", never half an escape */
	room = total < cap ? cap - 1 : cap > 3 ? cap - 4 : 0;
	for (; *p; p += k) {
		const char *w = quote_next (p, esc, &k, &wn);
		if (o + wn > room)
			break;
		memcpy (out + o, w, wn);
		o += wn;
	}
	if (total >= cap && cap > 3) {
		memcpy (out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

void
dmig_log_puts (FILE *f, const char *s)
{
	size_t cap = 4 * strlen (s) + 1;
	char *q = malloc (cap);

	fputs (q ? dmig_log_quote (s, q, cap) : "(out of memory)", f);
	free (q);
}

static void vlog (int min, const char *prefix, const char *fmt, va_list ap) __attribute__ ((format (printf, 3, 0)));

static void
vlog (int min, const char *prefix, const char *fmt, va_list ap)
{
	char *msg = NULL;

	if (level < min)
		return;
	if (vasprintf (&msg, fmt, ap) < 0)
		msg = NULL;
	/* what dmig did not write itself (names, paths, engines' words) may
	 * hold control characters: quoted, and one line */
	fprintf (stderr, "dmig: %s", prefix);
	dmig_log_puts (stderr, msg ? msg : "(out of memory)");
	fputc ('\n', stderr);
	free (msg);
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
