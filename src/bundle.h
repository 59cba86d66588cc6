/* A snapshot bundle: one tar (zstd) whose first member is manifest.json,
 * then manifest.sig, the host's signature of it (auth.h; since format 2,
 * and not in bundles written without a key), then the members the
 * manifest lists, each with its size and sha256:
 *   checkpoint.tar        the engine's checkpoint (CRIU images, config)
 *   rootfs.tar            the writable layer (Docker; Podman's is inside
 *                         its checkpoint export)
 *   volumes/<name>.tar    each named volume's content (Docker)   */
#ifndef DMIG_BUNDLE_H
#define DMIG_BUNDLE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth.h"
#include "sink.h"
#include "error.h"

/* 2: manifest.sig after the manifest. Format 1 bundles read as unsigned. */
#define DMIG_BUNDLE_FORMAT   2
#define DMIG_MEMBERS_MAX     64
#define DMIG_MEMBER_NAME_MAX 160
#define DMIG_MANIFEST_MAX    (16u << 20)

struct dmig_member {
	char name[DMIG_MEMBER_NAME_MAX];
	uint64_t size;
	char sha256[DMIG_SHA256_HEX];
};

struct dmig_members {
	size_t n;
	struct dmig_member m[DMIG_MEMBERS_MAX];
};

/* Is this a name a bundle member may have? */
bool dmig_bundle_member_name_ok (const char *name);
/* Start writing member `name` as a file in staging: *sink hashes and counts. */
int dmig_bundle_member_begin (const char *staging, const char *name, struct dmig_sink *sink, dmig_error_t *err);
/* Finish it (fsync, close) and record it in ms. With ok false, just close. */
int dmig_bundle_member_end (struct dmig_members *ms, const char *name, struct dmig_sink *sink, bool ok,
                            dmig_error_t *err);
/* Open a staged member for reading: fd, or < 0. */
int dmig_bundle_member_open (const char *staging, const char *name, dmig_error_t *err);

/* Write the bundle at path (never over an existing file): manifest (its
 * "members" filled from ms), its signature by key (NULL: none), then each
 * member from staging. Atomic. */
int dmig_bundle_write (const char *path, json_object *manifest, const char *staging, const struct dmig_members *ms,
                       const struct dmig_sign_key *key, dmig_error_t *err);
/* Read only the manifest and its signature (cheap: the first two members).
 * The signature is judged before the manifest is parsed: *auth says who
 * signed (auth may be NULL); a bundle a trusted key signed that does not
 * match its signature is refused (exit 3). */
int dmig_bundle_read_manifest (const char *path, json_object **out, struct dmig_auth *auth, dmig_error_t *err);
/* The same, then every member unpacked into staging and verified against
 * the manifest; fails, having changed nothing else, on any mismatch or
 * hostile entry. Refused (exit 3) before any member is written when
 * staging's file system has less room than the manifest's members need. */
int dmig_bundle_unpack (const char *path, const char *staging, json_object **manifest, struct dmig_auth *auth,
                        dmig_error_t *err);

#endif
