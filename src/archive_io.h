/* The libarchive seam: tar streams in and out, secure extraction. */
#ifndef DMIG_ARCHIVE_H
#define DMIG_ARCHIVE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "digest.h"
#include "error.h"

/* Where the bytes of a written tar go: a file descriptor, hashed on the way. */
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
ssize_t dmig_fd_read (void *arg, char *buf, size_t len);

/* How dmig_archive_pack_dir treats overlayfs bookkeeping. */
enum dmig_pack_mode {
	/* an overlay layer as it is: whiteouts (0/0 character devices) and the
	 * trusted.overlay.opaque marker kept; host-specific trusted.overlay.*
	 * xattrs (origin, redirect, metacopy) dropped */
	DMIG_PACK_LAYER,
	/* files to unpack into a mounted root file system: no whiteouts, no
	 * trusted.overlay.* xattrs at all (deletions travel separately) */
	DMIG_PACK_FILES,
	/* as FILES, and the folder itself as "." first: its owner and mode
	 * belong to what is carried (a named volume's root, e.g. PostgreSQL's
	 * 0700 data folder) */
	DMIG_PACK_TREE,
};

/* Pack the contents of dir (dir itself only with DMIG_PACK_TREE) as a pax
 * tar into sink: owners, modes, times and other xattrs kept, symlinks stored
 * as symlinks. Socket files are left out, as the engines' own archives do:
 * a socket is remade by the program that binds it (CRIU binds a restored
 * listening socket again), and tar cannot hold one. */
int dmig_archive_pack_dir (const char *dir, enum dmig_pack_mode mode, struct dmig_sink *sink, dmig_error_t *err);

/* Copy the tar read from in_fd to sink, with member `name` replaced by (or,
 * when absent, added as) the size bytes read from src_fd. */
int dmig_archive_replace_member (int in_fd, const char *name, int src_fd, uint64_t size, struct dmig_sink *sink,
                                 dmig_error_t *err);

/* Extract the tar read from fd into dest (an existing directory) with the
 * secure flags: no "..", no absolute names, nothing through a symlink, no hard
 * link out of dest; owners, modes, times and xattrs kept. */
int dmig_archive_extract (int fd, const char *dest, dmig_error_t *err);

/* Extract the tar stored as member `member` of the tar read from fd (a tar
 * in a tar, as Podman's export holds volumes), as dmig_archive_extract does.
 * *found tells whether the member was there. */
int dmig_archive_extract_nested (int fd, const char *member, const char *dest, bool *found, dmig_error_t *err);

/* Outer bundle streams: a tar, zstd-compressed when written. */
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
