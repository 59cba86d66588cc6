/* Part of the libarchive seam (tarstream.c and archive_io.c are the only
 * files that include archive.h): the tar streams a bundle is made of (and
 * Docker's log carried in a move), written member by member and read back
 * entry by entry. */
#ifndef DMIG_TARSTREAM_H
#define DMIG_TARSTREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* A tar written to a file descriptor, zstd-compressed with zstd true. */
struct dmig_tar_writer;
int dmig_tar_writer_open (int fd, bool zstd, struct dmig_tar_writer **out, dmig_error_t *err);
/* Add a regular file member of exactly size bytes read from src_fd. */
int dmig_tar_writer_add_fd (struct dmig_tar_writer *w, const char *name, int src_fd, uint64_t size, dmig_error_t *err);
int dmig_tar_writer_add_buf (struct dmig_tar_writer *w, const char *name, const void *buf, size_t len,
                             dmig_error_t *err);
/* Add a folder member with permissions perm (owned by root). */
int dmig_tar_writer_add_dir (struct dmig_tar_writer *w, const char *name, mode_t perm, dmig_error_t *err);
/* Finish the stream (close it even on error). */
int dmig_tar_writer_close (struct dmig_tar_writer *w, dmig_error_t *err);

struct dmig_tar_entry {
	const char *name;
	bool regular; /* a plain file (not a link, device, directory) */
	bool hardlink;
	int64_t size;
};
struct dmig_tar_reader;
int dmig_tar_reader_open (int fd, struct dmig_tar_reader **out, dmig_error_t *err);
/* 1: an entry, 0: the end, < 0: error (truncated, corrupt). */
int dmig_tar_reader_next (struct dmig_tar_reader *r, struct dmig_tar_entry *e, dmig_error_t *err);
/* Read the current entry's data: bytes read, 0 at its end, < 0 error. */
ssize_t dmig_tar_reader_read (struct dmig_tar_reader *r, void *buf, size_t len, dmig_error_t *err);
void dmig_tar_reader_close (struct dmig_tar_reader *r);

#endif
