/* sha256 through OpenSSL's EVP interface. With sign.c, the only files that
 * include openssl. */
#include "digest.h"

#include <openssl/evp.h>
#include <stdio.h>

struct dmig_digest {
	EVP_MD_CTX *ctx;
};

struct dmig_digest *
dmig_digest_new (void)
{
	struct dmig_digest *d = OPENSSL_zalloc (sizeof (*d));

	if (d == NULL)
		return NULL;
	d->ctx = EVP_MD_CTX_new ();
	if (d->ctx == NULL || EVP_DigestInit_ex (d->ctx, EVP_sha256 (), NULL) != 1) {
		dmig_digest_free (d);
		return NULL;
	}
	return d;
}

void
dmig_digest_update (struct dmig_digest *d, const void *buf, size_t len)
{
	EVP_DigestUpdate (d->ctx, buf, len);
}

void
dmig_digest_finish (struct dmig_digest *d, char hex[DMIG_SHA256_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_DigestFinal_ex (d->ctx, md, &n);
	for (unsigned int i = 0; i < n && i < 32; i++)
		snprintf (hex + 2 * i, 3, "%02x", md[i]);
	hex[64] = '\0';
	dmig_digest_free (d);
}

void
dmig_digest_free (struct dmig_digest *d)
{
	if (d == NULL)
		return;
	EVP_MD_CTX_free (d->ctx);
	OPENSSL_free (d);
}
