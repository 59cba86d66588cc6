#include "target.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
bad (dmig_error_t *err, const char *spec, const char *why)
{
	return dmig_error_set (err, DMIG_EUSAGE, 0,
	                       "bad target '%s': %s (use an ssh config name, [user@]host[:port] or "
	                       "ssh://[user@]host[:port][/path/to/engine.sock])",
	                       spec, why);
}

/* Host names, addresses and ssh aliases: letters, digits, '.', '-', '_';
 * IPv6 addresses come in brackets. Nothing that a shell or ssh would read
 * as an option or a meta-character. */
static int
host_ok (const char *h)
{
	if (*h == '\0' || *h == '-' || strlen (h) > 253)
		return 0;
	for (const char *p = h; *p; p++)
		if (!(isalnum ((unsigned char)*p) || *p == '.' || *p == '-' || *p == '_' || *p == ':'))
			return 0;
	return 1;
}

static int
user_ok (const char *u)
{
	if (*u == '\0' || *u == '-' || strlen (u) >= 64)
		return 0;
	for (const char *p = u; *p; p++)
		if (!(isalnum ((unsigned char)*p) || *p == '.' || *p == '-' || *p == '_'))
			return 0;
	return 1;
}

int
dmig_target_parse (const char *spec, struct dmig_target *t, dmig_error_t *err)
{
	char buf[512], *rest, *at, *colon, *slash = NULL;
	int url = 0;

	memset (t, 0, sizeof (*t));
	if (spec == NULL || *spec == '\0')
		return bad (err, "", "empty");
	if (strlen (spec) >= sizeof (buf))
		return bad (err, "...", "too long");
	snprintf (t->spec, sizeof (t->spec), "%s", spec);
	snprintf (buf, sizeof (buf), "%s", spec);
	rest = buf;
	if (strncmp (rest, "ssh://", 6) == 0) {
		url = 1;
		rest += 6;
		slash = strchr (rest, '/');
		if (slash) {
			if ((size_t)snprintf (t->socket, sizeof (t->socket), "%s", slash) >= sizeof (t->socket))
				return bad (err, spec, "socket path too long");
			*slash = '\0';
			for (const char *p = t->socket; *p; p++)
				if (!(isalnum ((unsigned char)*p) || strchr ("/._-", *p)))
					return bad (err, spec, "odd characters in the socket path");
			if (strstr (t->socket, "/../") || strcmp (t->socket, "/") == 0)
				return bad (err, spec, "odd socket path");
		}
	} else if (strstr (rest, "://") != NULL)
		return bad (err, spec, "only ssh:// URLs are supported");
	at = strrchr (rest, '@');
	if (at) {
		*at = '\0';
		if (!user_ok (rest))
			return bad (err, spec, "odd user name");
		snprintf (t->user, sizeof (t->user), "%s", rest);
		rest = at + 1;
	}
	if (*rest == '[') { /* [v6 address]:port */
		char *close = strchr (rest, ']');
		if (close == NULL)
			return bad (err, spec, "unclosed '['");
		*close = '\0';
		colon = close[1] == ':' ? close + 1 : NULL;
		if (close[1] != '\0' && colon == NULL)
			return bad (err, spec, "junk after ']'");
		rest++;
	} else {
		colon = strchr (rest, ':');
		if (colon && strchr (colon + 1, ':'))
			return bad (err, spec, "put an IPv6 address in brackets");
	}
	if (colon) {
		char *end;
		long port;
		*colon = '\0';
		port = strtol (colon + 1, &end, 10);
		if (*end != '\0' || colon[1] == '\0' || port < 1 || port > 65535)
			return bad (err, spec, "the port must be a number from 1 to 65535");
		t->port = (int)port;
	}
	if (!host_ok (rest))
		return bad (err, spec, "odd host name");
	snprintf (t->host, sizeof (t->host), "%s", rest);
	(void)url;
	return 0;
}

char *
dmig_target_shell_quote (char *const argv[])
{
	size_t len = 0, n = 0;
	char *out, *p;

	if (argv == NULL || argv[0] == NULL)
		return NULL;
	for (n = 0; argv[n]; n++)
		for (const char *s = argv[n]; *s; s++)
			len += *s == '\'' ? 4 : 1;
	len += n * 3 + 1;
	out = p = malloc (len);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (i)
			*p++ = ' ';
		*p++ = '\'';
		for (const char *s = argv[i]; *s; s++) {
			if (*s == '\'') { /* close, an escaped quote, reopen */
				memcpy (p, "'\\''", 4);
				p += 4;
			} else
				*p++ = *s;
		}
		*p++ = '\'';
	}
	*p = '\0';
	return out;
}
