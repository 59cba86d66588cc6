/* Ed25519 through OpenSSL's EVP interface (sign.h). With digest.c, the only
 * files that include openssl. */
#include "sign.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <string.h>

struct dmig_sign_key {
	EVP_PKEY *pkey;
};

/* OpenSSL's reason for the last failure, and its queue emptied. */
static int
fail (dmig_error_t *err, const char *what)
{
	char why[256] = "";
	unsigned long e = ERR_peek_last_error ();

	if (e != 0)
		ERR_error_string_n (e, why, sizeof (why));
	ERR_clear_error ();
	return dmig_error_set (err, DMIG_EFAIL, 0, "%s%s%s", what, *why ? ": " : "", why);
}

/* Never a passphrase prompt on the terminal: dmig's keys have none. */
static int
no_passphrase (char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return 0;
}

/* A memory BIO's text into buf. */
static int
bio_text (BIO *b, char *buf, size_t cap, size_t *len, dmig_error_t *err)
{
	char *p = NULL;
	long n = BIO_get_mem_data (b, &p);

	if (n <= 0 || (size_t)n >= cap)
		return dmig_error_set (err, DMIG_EFAIL, 0, "a key's PEM text does not fit");
	memcpy (buf, p, (size_t)n);
	buf[n] = '\0';
	*len = (size_t)n;
	return 0;
}

int
dmig_sign_generate (struct dmig_sign_key **out, dmig_error_t *err)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id (EVP_PKEY_ED25519, NULL);
	EVP_PKEY *pkey = NULL;

	*out = NULL;
	if (ctx == NULL || EVP_PKEY_keygen_init (ctx) != 1 || EVP_PKEY_keygen (ctx, &pkey) != 1) {
		EVP_PKEY_CTX_free (ctx);
		return fail (err, "cannot make an Ed25519 key");
	}
	EVP_PKEY_CTX_free (ctx);
	*out = OPENSSL_zalloc (sizeof (**out));
	if (*out == NULL) {
		EVP_PKEY_free (pkey);
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	}
	(*out)->pkey = pkey;
	return 0;
}

int
dmig_sign_key_read (const char *pem, size_t len, struct dmig_sign_key **out, dmig_error_t *err)
{
	BIO *b = len <= DMIG_SIGN_PEM_MAX ? BIO_new_mem_buf (pem, (int)len) : NULL;
	EVP_PKEY *pkey = b ? PEM_read_bio_PrivateKey (b, NULL, no_passphrase, NULL) : NULL;

	*out = NULL;
	BIO_free (b);
	if (pkey == NULL)
		return fail (err, "not an Ed25519 private key in PEM");
	if (EVP_PKEY_id (pkey) != EVP_PKEY_ED25519) {
		EVP_PKEY_free (pkey);
		return dmig_error_set (err, DMIG_EFAIL, 0, "not an Ed25519 private key (another algorithm)");
	}
	*out = OPENSSL_zalloc (sizeof (**out));
	if (*out == NULL) {
		EVP_PKEY_free (pkey);
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	}
	(*out)->pkey = pkey;
	return 0;
}

int
dmig_sign_key_pem (const struct dmig_sign_key *k, char *buf, size_t cap, size_t *len, dmig_error_t *err)
{
	BIO *b = BIO_new (BIO_s_mem ());
	int r;

	if (b == NULL || PEM_write_bio_PrivateKey (b, k->pkey, NULL, NULL, 0, NULL, NULL) != 1) {
		BIO_free (b);
		return fail (err, "cannot write the key as PEM");
	}
	r = bio_text (b, buf, cap, len, err);
	/* the memory BIO held the private key: cleared as it goes */
	{
		char *p = NULL;
		long n = BIO_get_mem_data (b, &p);
		if (n > 0)
			OPENSSL_cleanse (p, (size_t)n);
	}
	BIO_free (b);
	return r;
}

void
dmig_sign_key_public (const struct dmig_sign_key *k, unsigned char pub[DMIG_SIGN_PUB_LEN])
{
	size_t n = DMIG_SIGN_PUB_LEN;

	if (EVP_PKEY_get_raw_public_key (k->pkey, pub, &n) != 1 || n != DMIG_SIGN_PUB_LEN) {
		memset (pub, 0, DMIG_SIGN_PUB_LEN); /* no Ed25519 key fails this */
		ERR_clear_error ();
	}
}

void
dmig_sign_key_free (struct dmig_sign_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free (k->pkey);
	OPENSSL_free (k);
}

int
dmig_sign_pub_read (const char *pem, size_t len, unsigned char pub[DMIG_SIGN_PUB_LEN], dmig_error_t *err)
{
	BIO *b = len <= DMIG_SIGN_PEM_MAX ? BIO_new_mem_buf (pem, (int)len) : NULL;
	EVP_PKEY *pkey = b ? PEM_read_bio_PUBKEY (b, NULL, no_passphrase, NULL) : NULL;
	size_t n = DMIG_SIGN_PUB_LEN;
	int r = 0;

	BIO_free (b);
	if (pkey == NULL)
		return fail (err, "not an Ed25519 public key in PEM");
	if (EVP_PKEY_id (pkey) != EVP_PKEY_ED25519 || EVP_PKEY_get_raw_public_key (pkey, pub, &n) != 1
	    || n != DMIG_SIGN_PUB_LEN) {
		ERR_clear_error ();
		r = dmig_error_set (err, DMIG_EFAIL, 0, "not an Ed25519 public key (another algorithm)");
	}
	EVP_PKEY_free (pkey);
	return r;
}

int
dmig_sign_pub_pem (const unsigned char pub[DMIG_SIGN_PUB_LEN], char *buf, size_t cap, size_t *len, dmig_error_t *err)
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key (EVP_PKEY_ED25519, NULL, pub, DMIG_SIGN_PUB_LEN);
	BIO *b = BIO_new (BIO_s_mem ());
	int r;

	if (pkey == NULL || b == NULL || PEM_write_bio_PUBKEY (b, pkey) != 1) {
		EVP_PKEY_free (pkey);
		BIO_free (b);
		return fail (err, "cannot write the public key as PEM");
	}
	r = bio_text (b, buf, cap, len, err);
	EVP_PKEY_free (pkey);
	BIO_free (b);
	return r;
}

int
dmig_sign_sign (const struct dmig_sign_key *k, const void *msg, size_t len, unsigned char sig[DMIG_SIGN_LEN],
                dmig_error_t *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
	size_t n = DMIG_SIGN_LEN;
	int ok;

	/* Ed25519 is one-shot: no digest of its own to name */
	ok = ctx != NULL && EVP_DigestSignInit (ctx, NULL, NULL, NULL, k->pkey) == 1
	     && EVP_DigestSign (ctx, sig, &n, msg, len) == 1 && n == DMIG_SIGN_LEN;
	EVP_MD_CTX_free (ctx);
	return ok ? 0 : fail (err, "cannot sign the manifest");
}

bool
dmig_sign_verify (const unsigned char pub[DMIG_SIGN_PUB_LEN], const void *msg, size_t len,
                  const unsigned char sig[DMIG_SIGN_LEN])
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key (EVP_PKEY_ED25519, NULL, pub, DMIG_SIGN_PUB_LEN);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
	bool ok;

	ok = pkey != NULL && ctx != NULL && EVP_DigestVerifyInit (ctx, NULL, NULL, NULL, pkey) == 1
	     && EVP_DigestVerify (ctx, sig, DMIG_SIGN_LEN, msg, len) == 1;
	EVP_MD_CTX_free (ctx);
	EVP_PKEY_free (pkey);
	ERR_clear_error ();
	return ok;
}
