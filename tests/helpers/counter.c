/* The test container's program: counts in memory, appends each number to a
 * file it keeps open, and checks a memory pattern when sent SIGUSR1.
 *
 *   counter <file> [<MiB of pattern>] [<interval ms>]
 *
 * After a restore the count in the file must go on with no gap or repeat,
 * and "pattern ok" must follow a SIGUSR1: memory came back byte for byte. */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t check_requested;

static void
on_usr1 (int sig)
{
	(void)sig;
	check_requested = 1;
}

static uint64_t
next (uint64_t *s)
{
	/* xorshift64: a pattern no page of zeroes can fake */
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int
main (int argc, char **argv)
{
	size_t words, mib = argc > 2 ? strtoul (argv[2], NULL, 10) : 8;
	long interval = argc > 3 ? strtol (argv[3], NULL, 10) : 100;
	struct timespec ts = {interval / 1000, (interval % 1000) * 1000000L};
	uint64_t *mem, seed = 0x9e3779b97f4a7c15ULL, s;
	unsigned long long count = 0;
	char line[64];
	int fd;

	if (argc < 2) {
		fprintf (stderr, "usage: counter <file> [<MiB>] [<interval ms>]\n");
		return 2;
	}
	fd = open (argv[1], O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0) {
		perror (argv[1]);
		return 1;
	}
	words = mib * (1 << 20) / sizeof (uint64_t);
	mem = malloc (words * sizeof (uint64_t) + 1);
	if (mem == NULL)
		return 1;
	s = seed;
	for (size_t i = 0; i < words; i++)
		mem[i] = next (&s);
	signal (SIGUSR1, on_usr1);
	for (;;) {
		int n = snprintf (line, sizeof (line), "%llu\n", ++count);
		if (write (fd, line, (size_t)n) != n)
			return 1;
		if (check_requested) {
			size_t bad = 0;
			check_requested = 0;
			s = seed;
			for (size_t i = 0; i < words; i++)
				bad += mem[i] != next (&s);
			n = snprintf (line, sizeof (line), bad ? "pattern BAD %zu\n" : "pattern ok\n", bad);
			if (write (fd, line, (size_t)n) != n)
				return 1;
		}
		nanosleep (&ts, NULL);
	}
}
