/* The Ed25519 seam (OpenSSL libcrypto, beside digest.c): keys made, kept as
 * PEM text and read back, messages signed and signatures verified. No file
 * I/O here: src/auth.c keeps the keys. */
#ifndef DMIG_SIGN_H
#define DMIG_SIGN_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define DMIG_SIGN_PUB_LEN 32 /* a raw Ed25519 public key */
#define DMIG_SIGN_LEN     64 /* an Ed25519 signature */
#define DMIG_SIGN_PEM_MAX 1024

/* A private key. */
struct dmig_sign_key;

int dmig_sign_generate (struct dmig_sign_key **out, dmig_error_t *err);
/* Read a private key from PEM text (PKCS#8, unencrypted, Ed25519 only). */
int dmig_sign_key_read (const char *pem, size_t len, struct dmig_sign_key **out, dmig_error_t *err);
/* The key as PEM text into buf (at most cap bytes): its length, or < 0. */
int dmig_sign_key_pem (const struct dmig_sign_key *k, char *buf, size_t cap, size_t *len, dmig_error_t *err);
void dmig_sign_key_public (const struct dmig_sign_key *k, unsigned char pub[DMIG_SIGN_PUB_LEN]);
void dmig_sign_key_free (struct dmig_sign_key *k);

/* A public key from PEM text (SubjectPublicKeyInfo, Ed25519 only), and back. */
int dmig_sign_pub_read (const char *pem, size_t len, unsigned char pub[DMIG_SIGN_PUB_LEN], dmig_error_t *err);
int dmig_sign_pub_pem (const unsigned char pub[DMIG_SIGN_PUB_LEN], char *buf, size_t cap, size_t *len,
                       dmig_error_t *err);

int dmig_sign_sign (const struct dmig_sign_key *k, const void *msg, size_t len, unsigned char sig[DMIG_SIGN_LEN],
                    dmig_error_t *err);
/* Is sig pub's signature of msg? */
bool dmig_sign_verify (const unsigned char pub[DMIG_SIGN_PUB_LEN], const void *msg, size_t len,
                       const unsigned char sig[DMIG_SIGN_LEN]);

#endif
