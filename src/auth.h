/* Bundle authenticity (docs/bundle.md, "Who made a bundle"): this host's
 * Ed25519 key, made on first need, the keys it trusts, and a manifest's
 * signature (the member manifest.sig) made and judged. The folder is
 * /etc/dmig/keys (DMIG_KEY_DIR overrides it):
 *   host.key          this host's private key (PEM, 0600)
 *   host.pub          its public key, to copy to the hosts that trust it
 *   trusted/NAME.pub  a public key of a host this one trusts (NAME: the
 *                     signer, as list shows it) */
#ifndef DMIG_AUTH_H
#define DMIG_AUTH_H

#include <stddef.h>

#include "error.h"
#include "sign.h"

#define DMIG_KEY_DIR      "/etc/dmig/keys"
#define DMIG_KEY_ID_HEX   65   /* sha256 of the raw public key, hex, NUL */
#define DMIG_AUTH_SIG_MAX 4096 /* the largest manifest.sig read */
#define DMIG_SIGNER_MAX   64

enum dmig_auth_state {
	DMIG_AUTH_NONE,    /* unsigned: format 1, or its signature taken out */
	DMIG_AUTH_UNKNOWN, /* signed by a key this host does not trust, or in a way it cannot read */
	DMIG_AUTH_TRUSTED, /* signed by a key this host trusts, and the signature holds */
};

struct dmig_auth {
	enum dmig_auth_state state;
	char key[DMIG_KEY_ID_HEX];    /* the signing key's ID, when the signature names one */
	char signer[DMIG_SIGNER_MAX]; /* trusted: "this host", or its file's name in trusted/ without .pub */
};

/* The key folder: $DMIG_KEY_DIR, or DMIG_KEY_DIR. */
const char *dmig_auth_dir (void);
/* The ID of a public key: sha256 of its 32 bytes, in hex. */
void dmig_auth_key_id (const unsigned char pub[DMIG_SIGN_PUB_LEN], char id[DMIG_KEY_ID_HEX]);
/* This host's signing key, made (with host.pub) on first need. Refused
 * (exit 3) when the folder or the key is another user's, or others may
 * write to the folder or read the key. */
int dmig_auth_host_key (struct dmig_sign_key **out, dmig_error_t *err);
/* The manifest.sig member of a manifest's exact bytes, by key k: text to
 * free(). */
int dmig_auth_sign (const struct dmig_sign_key *k, const void *manifest, size_t len, char **out, dmig_error_t *err);
/* Judge the signature sig (siglen bytes; NULL: unsigned) of a manifest's
 * exact bytes, before they are parsed: 0 and *a, or -1 (exit 3) when a key
 * this host trusts signed another manifest, or its signature is damaged.
 * bundle names the bundle in messages. */
int dmig_auth_verify (const char *bundle, const void *manifest, size_t len, const char *sig, size_t siglen,
                      struct dmig_auth *a, dmig_error_t *err);
/* "none", "unknown", "trusted" */
const char *dmig_auth_state_name (enum dmig_auth_state s);
/* Who signed, for a person: "this host", "hostb", "unknown key 1a2b3c4d5e6f", "no". */
const char *dmig_auth_describe (const struct dmig_auth *a, char *buf, size_t cap);

#endif
