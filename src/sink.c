/* The byte sink: every stream dmig writes to a file or a pipe goes through
 * dmig_sink_put, which hashes, counts and shows what it wrote. */
#include "sink.h"

#include <errno.h>
#include <unistd.h>

#include "interrupt.h"
#include "progress.h"

int
dmig_sink_put (void *arg, const char *buf, size_t len)
{
	struct dmig_sink *s = arg;
	const char *p = buf;
	size_t left = len;

	while (left > 0) {
		ssize_t n = write (s->fd, p, left);
		if (n < 0 && errno == EINTR && !dmig_interrupted)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			s->werr = errno;
			return -1;
		}
		p += n;
		left -= (size_t)n;
	}
	if (s->digest)
		dmig_digest_update (s->digest, buf, len);
	s->bytes += len;
	if (s->progress)
		dmig_progress_add (len);
	return 0;
}

ssize_t
dmig_sink_fd_read (void *arg, char *buf, size_t len)
{
	int fd = *(int *)arg;
	ssize_t n;

	while ((n = read (fd, buf, len)) < 0 && errno == EINTR)
		;
	return n;
}
