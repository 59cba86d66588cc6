/* What users type: container and snapshot names, <container>@<name> refs,
 * --keep counts (src/ref.c); move targets and the one remote quoting
 * function (src/target.c). Each parse that accepts must hand back only what
 * its contract allows; the quoting must read back as the same argv. */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ref.h"
#include "scratch.h"
#include "target.h"

#define ARGV_MAX 64

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* The alphabet of names, checked here on its own, not by ref.c's code. */
static bool
name_chars (const char *s)
{
	if (!isalnum ((unsigned char)*s) || strlen (s) > DMIG_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum ((unsigned char)*s) && !strchr ("_.-", *s))
			return false;
	return true;
}

/* Nothing in a parsed target that ssh or a shell would read as an option
 * (lead is false: a leading '-') or a meta-character. */
static bool
target_chars (const char *s, bool lead, const char *extra)
{
	if (!lead && *s == '-')
		return false;
	for (; *s; s++)
		if (!isalnum ((unsigned char)*s) && !strchr (extra, *s))
			return false;
	return true;
}

static void
refs (const char *s)
{
	dmig_error_t err = NULL;
	struct dmig_ref ref;
	long count = -1;

	if (dmig_ref_valid_container (s, &err) == 0 && !name_chars (s))
		fuzz_fail ("container name '%s' accepted", s);
	dmig_error_release (&err);
	if (dmig_ref_valid_snapshot (s, &err) == 0 && (!name_chars (s) || strcmp (s, "latest") == 0))
		fuzz_fail ("snapshot name '%s' accepted", s);
	dmig_error_release (&err);
	if (dmig_ref_parse (s, &ref, &err) == 0) {
		if (!name_chars (ref.container)
		    || (*ref.name && (!name_chars (ref.name) || !strcmp (ref.name, "latest"))))
			fuzz_fail ("ref '%s' read as '%s' @ '%s'", s, ref.container, ref.name);
	} else if (err == NULL || err->msg == NULL)
		fuzz_fail ("ref '%s' refused without a message", s);
	dmig_error_release (&err);
	if (dmig_ref_parse_count ("--keep", s, &count, &err) == 0) {
		char *end;
		if (count < 0 || count > 100000 || strtol (s, &end, 10) != count || *end
		    || !isdigit ((unsigned char)*s))
			fuzz_fail ("count '%s' read as %ld", s, count);
	}
	dmig_error_release (&err);
}

static void
target (const char *s)
{
	dmig_error_t err = NULL;
	struct dmig_target t;

	if (dmig_target_parse (s, &t, &err) == 0) {
		if (!*t.host || !target_chars (t.host, false, ".-_:") || !target_chars (t.user, false, ".-_")
		    || t.port < 0 || t.port > 65535
		    || (*t.socket && (t.socket[0] != '/' || !target_chars (t.socket, true, "/._-"))))
			fuzz_fail ("target '%s' read as user '%s' host '%s' port %d socket '%s'", s, t.user, t.host,
			           t.port, t.socket);
	}
	dmig_error_release (&err);
}

/* Read a quoted line back as a POSIX shell would: words of '...' pieces
 * and \' between them, separated by single spaces. */
static bool
unquote_equals (const char *q, char *const argv[])
{
	for (size_t i = 0; argv[i]; i++) {
		const char *a = argv[i];
		if (i > 0 && *q++ != ' ')
			return false;
		do {
			if (*q == '\\' && q[1] == '\'') {
				if (*a++ != '\'')
					return false;
				q += 2;
				continue;
			}
			if (*q++ != '\'')
				return false;
			while (*q && *q != '\'')
				if (*q++ != *a++)
					return false;
			if (*q++ != '\'')
				return false;
		} while (*q == '\'' || *q == '\\');
		if (*a)
			return false;
	}
	return *q == '\0';
}

/* The input's lines as argv, quoted for the remote shell. */
static void
quote (char *s)
{
	char *argv[ARGV_MAX + 1], *line = s, *q;
	size_t n = 0;

	while (n < ARGV_MAX && line) {
		char *nl = strchr (line, '\n');
		if (nl)
			*nl++ = '\0';
		argv[n++] = line;
		line = nl;
	}
	argv[n] = NULL;
	q = dmig_target_shell_quote (argv);
	if (q == NULL || !unquote_equals (q, argv))
		fuzz_fail ("argv[0] '%s' quoted as %s", argv[0], q ? q : "NULL");
	free (q);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	char *s = fuzz_str (data, size);

	refs (s);
	target (s);
	quote (s); /* last: it cuts s into lines */
	free (s);
	return 0;
}
