/* The manifest reader (src/bundle.c: the first member of a bundle, its JSON,
 * its format, its member list; the signature after it, src/auth.c) through
 * both public readers: the input is the manifest's text, put first in a
 * bundle by dmig's own tar writer, with one fixed member after it. Input
 * with a NUL byte: what follows the first NUL is manifest.sig, in which
 * @KEY@ stands for this process's host key's ID and @SIG@ for its valid
 * signature of the manifest's text (so a seed reaches a trusted key, and a
 * mutation of the manifest a refused one). An accepted unpack must have
 * checked that member against the manifest; a trusted bundle must be
 * signed by that key. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "bundle.h"
#include "json.h"
#include "scratch.h"
#include "sign.h"
#include "tarstream.h"

#define MEMBER      "checkpoint.tar"
#define MEMBER_DATA "dmig fuzz\n"
#define MEMBER_SHA  "25ac24f5f3f74b727b7761e5f6d16c5fc71e2109d5bac5083fa94efd5d3ab54f"

static struct dmig_sign_key *key;
static char key_id[DMIG_KEY_ID_HEX];

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
	static char dir[4096];
	unsigned char pub[DMIG_SIGN_PUB_LEN];
	dmig_error_t err = NULL;

	(void)argc;
	(void)argv;
	/* this process's own key folder, never the host's */
	snprintf (dir, sizeof (dir), "%s/keys", fuzz_root ());
	setenv ("DMIG_KEY_DIR", dir, 1);
	if (dmig_auth_host_key (&key, &err) < 0)
		fuzz_fail ("cannot make the host key: %s", err->msg);
	dmig_sign_key_public (key, pub);
	dmig_auth_key_id (pub, key_id);
	return 0;
}

/* The signature's text with @KEY@ and @SIG@ filled in (free it). */
static char *
signature (const uint8_t *manifest, size_t mlen, const uint8_t *data, size_t size)
{
	char *in = fuzz_str (data, size), *sig = NULL, *hex, *out, *p;
	dmig_error_t err = NULL;
	size_t cap = size * 2 + 256, n = 0;

	if (dmig_auth_sign (key, manifest, mlen, &sig, &err) < 0)
		fuzz_fail ("cannot sign: %s", err->msg);
	hex = strstr (sig, "\"signature\": \"") + 14;
	hex[128] = '\0';
	out = malloc (cap);
	if (out == NULL)
		fuzz_fail ("out of memory");
	for (p = in; *p;) {
		const char *with = strncmp (p, "@KEY@", 5) == 0 ? key_id : strncmp (p, "@SIG@", 5) == 0 ? hex : NULL;
		size_t len = with ? strlen (with) : 1;
		if (n + len + 1 > cap && (out = realloc (out, cap = 2 * cap + len)) == NULL)
			fuzz_fail ("out of memory");
		memcpy (out + n, with ? with : p, len);
		n += len;
		p += with ? 5 : 1;
	}
	out[n] = '\0';
	free (sig);
	free (in);
	return out;
}

/* manifest.json holding the input (up to a NUL), its signature, then MEMBER. */
static void
write_bundle (const char *path, const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr (data, '\0', size);
	size_t mlen = nul ? (size_t)(nul - data) : size;
	char *sig = nul ? signature (data, mlen, nul + 1, size - mlen - 1) : NULL;
	struct dmig_tar_writer *w = NULL;
	dmig_error_t err = NULL;
	int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0 || dmig_tar_writer_open (fd, false, &w, &err) < 0
	    || dmig_tar_writer_add_buf (w, "manifest.json", data, mlen, &err) < 0
	    || (sig && dmig_tar_writer_add_buf (w, "manifest.sig", sig, strlen (sig), &err) < 0)
	    || dmig_tar_writer_add_buf (w, MEMBER, MEMBER_DATA, strlen (MEMBER_DATA), &err) < 0
	    || dmig_tar_writer_close (w, &err) < 0)
		fuzz_fail ("cannot write the bundle: %s", err ? err->msg : "open");
	close (fd);
	free (sig);
}

static void
check_auth (const struct dmig_auth *a)
{
	if (a->state == DMIG_AUTH_TRUSTED && (strcmp (a->key, key_id) != 0 || strcmp (a->signer, "this host") != 0))
		fuzz_fail ("a bundle trusted as signed by '%s' (key %s)", a->signer, a->key);
	if (a->state == DMIG_AUTH_NONE && (*a->key || *a->signer))
		fuzz_fail ("an unsigned bundle with a signer");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	const char *run = fuzz_enter ();
	json_object *m = NULL, *list;
	dmig_error_t err = NULL;
	struct dmig_auth a;
	const char *sha;
	char bundle[4096], staging[4096];
	int64_t format;
	struct stat st;

	snprintf (bundle, sizeof (bundle), "%s/snap.dmig", run);
	snprintf (staging, sizeof (staging), "%s/staging", run);
	write_bundle (bundle, data, size);
	if (mkdir (staging, 0700) < 0)
		fuzz_fail ("cannot make %s", staging);

	if (dmig_bundle_read_manifest (bundle, &m, &a, &err) == 0) {
		format = dmig_json_int (m, "format", 0);
		if (!json_object_is_type (m, json_type_object) || format < 1 || format > DMIG_BUNDLE_FORMAT)
			fuzz_fail ("a manifest of another format read");
		check_auth (&a);
	} else if (m != NULL || err == NULL)
		fuzz_fail ("a refused manifest left a result or no error");
	json_object_put (m);
	dmig_error_release (&err);

	if (dmig_bundle_unpack (bundle, staging, &m, &a, &err) == 0) {
		/* accepted: it lists exactly the one member, as it is */
		list = dmig_json_get (m, "members");
		sha = dmig_json_str (json_object_array_get_idx (list, 0), "sha256");
		if (json_object_array_length (list) != 1 || sha == NULL || strcmp (sha, MEMBER_SHA) != 0
		    || stat (MEMBER, &st) == 0 || stat ("staging/" MEMBER, &st) < 0
		    || st.st_size != (off_t)strlen (MEMBER_DATA))
			fuzz_fail ("an unpack accepted a manifest that does not describe the bundle");
		check_auth (&a);
	} else if (m != NULL || err == NULL)
		fuzz_fail ("a refused unpack left a manifest or no error");
	json_object_put (m);
	dmig_error_release (&err);
	fuzz_leave ();
	return 0;
}
