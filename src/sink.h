/* The byte sink: where a stream dmig writes goes (a file descriptor, hashed
 * and counted on the way), and the matching reader of a file descriptor.
 * Plain POSIX I/O; no library behind it. */
#ifndef DMIG_SINK_H
#define DMIG_SINK_H

#include <stdint.h>
#include <sys/types.h>

#include "digest.h"

/* Where the bytes of a written stream go: a file descriptor, hashed on the way. */
struct dmig_sink {
	int fd;
	struct dmig_digest *digest; /* may be NULL */
	uint64_t bytes;             /* counted */
	int progress;               /* also shown on the progress line */
	int werr;                   /* errno of a failed write */
};

/* Write len bytes to the sink (hashing and counting them): 0, or -1 with
 * errno set. Fits dmig_http_write_fn, so a download can stream into a sink. */
int dmig_sink_put (void *sink, const char *buf, size_t len);
/* Read from the file descriptor *(int *) arg: fits dmig_http_read_fn. */
ssize_t dmig_sink_fd_read (void *arg, char *buf, size_t len);

#endif
