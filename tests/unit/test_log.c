// WRAP:
/* What dmig prints on stderr (errors, warnings, summaries) holds no
 * character a terminal acts on: names, paths and engines' words are
 * echoed with their control characters quoted, on one line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "log.h"
#include "ref.h"

/* What f wrote on stderr. */
static const char *
stderr_of (void (*f) (void))
{
	static char buf[4096];
	FILE *tmp = tmpfile ();
	int saved = dup (STDERR_FILENO);
	size_t n;

	assert_non_null (tmp);
	assert_true (saved >= 0);
	fflush (stderr);
	dup2 (fileno (tmp), STDERR_FILENO);
	f ();
	fflush (stderr);
	dup2 (saved, STDERR_FILENO);
	close (saved);
	rewind (tmp);
	n = fread (buf, 1, sizeof (buf) - 1, tmp);
	buf[n] = '\0';
	fclose (tmp);
	return buf;
}

static void
quote_cases (void **state)
{
	char q[64];
	(void)state;

	assert_string_equal (dmig_log_quote ("web", q, sizeof (q)), "web");
	assert_string_equal (dmig_log_quote ("a\x1b[31mb", q, sizeof (q)), "a\\x1b[31mb");
	assert_string_equal (dmig_log_quote ("1\n2\r3\t4\x7f", q, sizeof (q)), "1\\n2\\r3\\t4\\x7f");
	/* UTF-8 passes; a C1 control (U+009B, CSI) and bytes that are not
	 * UTF-8 do not */
	assert_string_equal (dmig_log_quote ("caf\xc3\xa9 \xe2\x82\xac", q, sizeof (q)), "caf\xc3\xa9 \xe2\x82\xac");
	assert_string_equal (dmig_log_quote ("\xc2\x9b"
	                                     "2J",
	                                     q, sizeof (q)),
	                     "\\xc2\\x9b2J");
	assert_string_equal (dmig_log_quote ("\xff\xc3", q, sizeof (q)), "\\xff\\xc3");
	assert_string_equal (dmig_log_quote (NULL, q, sizeof (q)), "");
	/* cut short with "...", never inside an escape */
	assert_string_equal (dmig_log_quote ("abcdefghij", q, 8), "abcd...");
	assert_string_equal (dmig_log_quote ("abc\x1b"
	                                     "def",
	                                     q, 8),
	                     "abc...");
	assert_string_equal (dmig_log_quote ("ab\x1b", q, 7), "ab\\x1b");
}

static void
report_escape (void)
{
	dmig_error_t err = NULL;
	dmig_error_set (&err, DMIG_EUSAGE, 0, "no container 'a\x1b]0;owned\x07%s'\nline two\n", "b\tc");
	assert_int_equal (dmig_error_report (&err), DMIG_EUSAGE);
}

static void
warn_escape (void)
{
	dmig_log_warn ("skipping '%s'", "/s/\x1b[2Jx.dmig");
	dmig_log_info ("moved %s", "w\neb");
}

static void
stderr_quoted (void **state)
{
	(void)state;
	dmig_log_set (DMIG_NORMAL);
	assert_string_equal (stderr_of (report_escape), "dmig: no container 'a\\x1b]0;owned\\x07b\\tc';line two \n");
	assert_string_equal (stderr_of (warn_escape),
	                     "dmig: warning: skipping '/s/\\x1b[2Jx.dmig'\ndmig: moved w\\neb\n");
}

/* The refusal of an invalid name echoes it quoted (and not at any
 * length), whoever prints the message. */
static void
invalid_names_echoed_quoted (void **state)
{
	dmig_error_t err = NULL;
	char huge[4096];
	struct dmig_ref ref;
	long n;
	(void)state;

	assert_int_equal (dmig_ref_valid_container ("web\x1b[2J", &err), -1);
	assert_non_null (strstr (err->msg, "'web\\x1b[2J'"));
	dmig_error_release (&err);
	assert_int_equal (dmig_ref_valid_snapshot ("s\x1b", &err), -1);
	assert_non_null (strstr (err->msg, "'s\\x1b'"));
	dmig_error_release (&err);
	assert_int_equal (dmig_ref_parse ("w\x1b@s", &ref, &err), -1);
	assert_null (strchr (err->msg, '\x1b'));
	dmig_error_release (&err);
	assert_int_equal (dmig_ref_parse ("w@s\x1b", &ref, &err), -1);
	assert_null (strchr (err->msg, '\x1b'));
	dmig_error_release (&err);
	assert_int_equal (dmig_ref_parse_count ("--keep", "1\x1b", &n, &err), -1);
	assert_non_null (strstr (err->msg, "'1\\x1b'"));
	dmig_error_release (&err);
	memset (huge, 'a', sizeof (huge) - 1);
	huge[sizeof (huge) - 1] = '\0';
	huge[0] = '-';
	assert_int_equal (dmig_ref_valid_container (huge, &err), -1);
	assert_true (strlen (err->msg) < 1024);
	dmig_error_release (&err);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (quote_cases),
	    cmocka_unit_test (stderr_quoted),
	    cmocka_unit_test (invalid_names_echoed_quoted),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
