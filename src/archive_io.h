/* Part of the libarchive seam (archive_io.c and tarstream.c are the only
 * files that include archive.h): a folder packed into a tar stream, with
 * the overlay policy; a tar stream extracted securely; Podman's checkpoint
 * export rewritten. Bytes written go to a struct dmig_sink (sink.h). */
#ifndef DMIG_ARCHIVE_H
#define DMIG_ARCHIVE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "sink.h"

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

/* A device node an archive may hold. */
struct dmig_archive_dev {
	bool block;
	unsigned major, minor;
};

/* What a layer or a volume may hold beyond files, folders, symlinks, fifos
 * and overlay whiteouts (0/0 character devices): what the container it
 * comes from could have made (engines/content.c decides, docs/bundle.md).
 * NULL rules: nothing beyond. */
struct dmig_content_rules {
	bool devices;                        /* any device node (privileged) */
	const struct dmig_archive_dev *devs; /* else these */
	size_t ndevs;
	bool setid; /* setuid/setgid files */
	bool fcaps; /* file capabilities (the security.capability xattr) */
};

/* Extract the tar read from fd into dest (an existing directory) with the
 * secure flags: no "..", no absolute names, nothing through a symlink, no hard
 * link out of dest, every entry within rules; owners, modes, times and
 * xattrs kept. */
int dmig_archive_extract (int fd, const char *dest, const struct dmig_content_rules *rules, dmig_error_t *err);

/* Extract the tar stored as member `member` of the tar read from fd (a tar
 * in a tar, as Podman's export holds volumes), as dmig_archive_extract does.
 * *found tells whether the member was there. */
int dmig_archive_extract_nested (int fd, const char *member, const char *dest, const struct dmig_content_rules *rules,
                                 bool *found, dmig_error_t *err);

/* The largest member dmig_archive_verify hands whole to a check's fn. */
#define DMIG_ARCHIVE_READ_MAX (16u << 20)

/* What dmig_archive_verify checks beyond names, links and rules. */
struct dmig_archive_check {
	const struct dmig_content_rules *rules;
	/* members that are tars, checked as their outer one (fnmatch patterns,
	 * NULL-terminated; NULL: none) */
	const char *const *nested;
	/* members read whole and handed to fn (names, NULL-terminated) */
	const char *const *read;
	int (*fn) (void *arg, const char *name, const char *data, size_t len, dmig_error_t *err);
	void *arg;
};

/* Walk the tar read from fd without writing anything: every name (not
 * absolute, no "..", not twice, never under an earlier symlink), every hard
 * link (to an earlier member), every entry within chk->rules; members
 * matching chk->nested checked the same way, those in chk->read handed to
 * chk->fn. Refusals name the member (DMIG_EPREFLIGHT). */
int dmig_archive_verify (int fd, const struct dmig_archive_check *chk, dmig_error_t *err);

#endif
