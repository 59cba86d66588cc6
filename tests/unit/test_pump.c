/* dmig_pump: a producer thread into a pipe, a consumer here; which error is
 * told when one side fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pump.h"

#define BIG (4u << 20) /* more than a pipe holds */

struct side {
	size_t produce; /* bytes to write, then fail if fail_after */
	int fail_after;
	size_t consume; /* bytes to read before failing (SIZE_MAX: all) */
	size_t got;
};

static int
produce (void *arg, struct dmig_sink *sink, dmig_error_t *err)
{
	struct side *s = arg;
	char buf[4096];

	memset (buf, 'x', sizeof (buf));
	for (size_t done = 0; done < s->produce; done += sizeof (buf))
		if (dmig_sink_put (sink, buf, sizeof (buf)) < 0)
			return dmig_error_set (err, DMIG_EFAIL, errno, "producer could not write");
	if (s->fail_after)
		return dmig_error_set (err, DMIG_EFAIL, 0, "producer broke");
	return 0;
}

static int
consume (void *arg, int fd, dmig_error_t *err)
{
	struct side *s = arg;
	char buf[4096];
	ssize_t n;

	while ((n = read (fd, buf, sizeof (buf))) > 0) {
		s->got += (size_t)n;
		if (s->got >= s->consume)
			return dmig_error_set (err, DMIG_EFAIL, 0, "consumer refused");
	}
	return n < 0 ? dmig_error_set (err, DMIG_EFAIL, errno, "consumer could not read") : 0;
}

static void
everything_arrives (void **state)
{
	struct side s = {.produce = BIG, .consume = SIZE_MAX};
	dmig_error_t err = NULL;
	uint64_t bytes = 0;

	(void)state;
	assert_int_equal (dmig_pump (produce, &s, consume, &s, 0, &bytes, &err), 0);
	assert_null (err);
	assert_int_equal (bytes, BIG);
	assert_int_equal (s.got, BIG);
}

static void
producer_fails_first (void **state)
{
	struct side s = {.produce = 8192, .fail_after = 1, .consume = SIZE_MAX};
	dmig_error_t err = NULL;

	(void)state;
	/* the consumer saw a short stream and succeeded: the producer's word counts */
	assert_int_equal (dmig_pump (produce, &s, consume, &s, 0, NULL, &err), -1);
	assert_string_equal (err->msg, "producer broke");
	dmig_error_release (&err);
}

static void
consumer_fails_first (void **state)
{
	struct side s = {.produce = BIG, .consume = 100};
	dmig_error_t err = NULL;

	(void)state;
	/* the producer then fails on a broken pipe: the consumer's error is told */
	assert_int_equal (dmig_pump (produce, &s, consume, &s, 0, NULL, &err), -1);
	assert_string_equal (err->msg, "consumer refused");
	dmig_error_release (&err);
}

static int
consume_part (void *arg, int fd, dmig_error_t *err)
{
	char buf[16];
	(void)arg;
	(void)err;
	return read (fd, buf, sizeof (buf)) < 0 ? -1 : 0;
}

static void
consumer_stops_early_without_error (void **state)
{
	struct side s = {.produce = BIG};
	dmig_error_t err = NULL;

	(void)state;
	/* a stream not read to its end is a failure, never a silent success */
	assert_int_equal (dmig_pump (produce, &s, consume_part, &s, 0, NULL, &err), -1);
	assert_non_null (strstr (err->msg, "producer could not write"));
	dmig_error_release (&err);
}

int
main (void)
{
	dmig_log_set (DMIG_QUIET);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (everything_arrives),
	    cmocka_unit_test (producer_fails_first),
	    cmocka_unit_test (consumer_fails_first),
	    cmocka_unit_test (consumer_stops_early_without_error),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
