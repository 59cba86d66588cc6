/* Part of the libarchive seam, private to it: what its files (archive_io.c,
 * tarstream.c; the only files that include archive.h) share. Nothing else
 * includes this header. */
#ifndef DMIG_ARCHIVE_SEAM_H
#define DMIG_ARCHIVE_SEAM_H

#include <archive.h>
#include <archive_entry.h>
#include <stdint.h>

#include "error.h"

/* The size of the buffers data is copied through. */
#define DMIG_ARCHIVE_BUFSZ (256 * 1024)

/* Set *err to what libarchive says went wrong in a, after what: -1. */
int dmig_archive_fail (dmig_error_t *err, struct archive *a, const char *what);
/* Say with -v what libarchive warned about when r is ARCHIVE_WARN; r. */
int dmig_archive_warned (struct archive *a, int r, const char *what);
/* Write entry e with exactly size bytes of data read from fd through buf
 * (DMIG_ARCHIVE_BUFSZ bytes). */
int dmig_archive_copy_fd (struct archive *out, struct archive_entry *e, int fd, uint64_t size, char *buf,
                          dmig_error_t *err);
/* A reader of tar streams, zstd-compressed or not; NULL when out of memory. */
struct archive *dmig_archive_tar_reader (void);

#endif
