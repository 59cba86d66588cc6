/* The sha256 seam (OpenSSL libcrypto). */
#ifndef DMIG_DIGEST_H
#define DMIG_DIGEST_H

#include <stddef.h>

#define DMIG_SHA256_HEX 65

struct dmig_digest;

struct dmig_digest *dmig_digest_new (void);
void dmig_digest_update (struct dmig_digest *d, const void *buf, size_t len);
/* Finish into 64 hex digits + NUL and free d. */
void dmig_digest_finish (struct dmig_digest *d, char hex[DMIG_SHA256_HEX]);
void dmig_digest_free (struct dmig_digest *d);

#endif
