/* Bundle authenticity (auth.h): the key folder and its rules, this host's
 * key, the keys it trusts, manifests signed and signatures judged. */
#include "auth.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "fs.h"
#include "json.h"
#include "log.h"

#define ALGORITHM "ed25519"

const char *
dmig_auth_dir (void)
{
	const char *d = getenv ("DMIG_KEY_DIR");
	return d && *d ? d : DMIG_KEY_DIR;
}

static void
to_hex (const unsigned char *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Exactly 2n lowercase hex digits into n bytes. */
static bool
from_hex (const char *s, unsigned char *out, size_t n)
{
	if (strlen (s) != 2 * n || strspn (s, "0123456789abcdef") != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned hi = s[2 * i] <= '9' ? (unsigned)(s[2 * i] - '0') : (unsigned)(s[2 * i] - 'a' + 10);
		unsigned lo =
		    s[2 * i + 1] <= '9' ? (unsigned)(s[2 * i + 1] - '0') : (unsigned)(s[2 * i + 1] - 'a' + 10);
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

void
dmig_auth_key_id (const unsigned char pub[DMIG_SIGN_PUB_LEN], char id[DMIG_KEY_ID_HEX])
{
	struct dmig_digest *d = dmig_digest_new ();

	*id = '\0';
	if (d == NULL)
		return;
	dmig_digest_update (d, pub, DMIG_SIGN_PUB_LEN);
	dmig_digest_finish (d, id);
}

static const char *
owner (char buf[16])
{
	if (geteuid () == 0)
		return "root";
	snprintf (buf, 16, "%u", (unsigned)geteuid ());
	return buf;
}

/* A key folder or key file fit to be used: dmig's user's, written by it
 * alone (secret: read by it alone too). Else exit 3 and the command that
 * makes it so. */
static int
fit (const char *what, const char *path, const struct stat *st, bool secret, dmig_error_t *err)
{
	mode_t bad = secret ? 077 : 022;
	char who[16];

	if (st->st_uid != geteuid ())
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "refusing %s '%s': it belongs to uid %u, not to %s: run 'chown %s: %s'", what,
		                       path, (unsigned)st->st_uid, owner (who), owner (who), path);
	if ((st->st_mode & bad) != 0)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "refusing %s '%s': others may %s it (mode %04o): run 'chmod %s %s'", what, path,
		                       secret ? "read" : "write to", (unsigned)(st->st_mode & 07777),
		                       S_ISDIR (st->st_mode) ? "0700"
		                       : secret              ? "0600"
		                                             : "0644",
		                       path);
	return 0;
}

/* Every folder above the key folder: root's or dmig's user's, and only
 * they may write to it unless it is sticky (as the store's, store.c). */
static int
fit_above (const char *dir, dmig_error_t *err)
{
	char real[PATH_MAX], *slash;
	struct stat st;

	if (realpath (dir, real) == NULL)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot use the key folder '%s'", dir);
	while ((slash = strrchr (real, '/')) != NULL && real[1] != '\0') {
		if (slash == real)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (lstat (real, &st) < 0)
			return dmig_error_set (err, DMIG_EFAIL, errno, "cannot use the key folder '%s'", dir);
		if ((st.st_uid != 0 && st.st_uid != geteuid ()) || ((st.st_mode & 022) != 0 && !(st.st_mode & S_ISVTX)))
			return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
			                       "refusing the key folder '%s': the folder '%s' above it may be changed "
			                       "by others (uid %u, mode %04o): run 'chown root: %s && chmod go-w %s'",
			                       dir, real, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), real,
			                       real);
	}
	return 0;
}

/* The key folder, opened (never through a symlink) once it is fit. */
static int
open_dir (const char *dir, dmig_error_t *err)
{
	int fd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return dmig_error_set (err, DMIG_EPREFLIGHT, errno, "cannot use the key folder '%s'", dir);
	if (fstat (fd, &st) < 0) {
		int e = errno;
		close (fd);
		return dmig_error_set (err, DMIG_EFAIL, e, "cannot use the key folder '%s'", dir);
	}
	if (fit ("the key folder", dir, &st, false, err) < 0) {
		close (fd);
		return -1;
	}
	return fd;
}

/* The whole of file name in folder dfd (at path dir) into buf, NUL-ended,
 * and its stat: 0; 1 when it is not there; -1 when it cannot be read or is
 * not a regular file (never through a symlink). */
static int
read_file (int dfd, const char *dir, const char *name, char *buf, size_t cap, size_t *len, struct stat *st,
           dmig_error_t *err)
{
	int fd = openat (dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), r = 0;
	size_t got = 0;
	ssize_t n;

	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0 || fstat (fd, st) < 0 || !S_ISREG (st->st_mode) || st->st_size < 0 || (size_t)st->st_size >= cap) {
		r = dmig_error_set (err, DMIG_EPREFLIGHT, 0, "refusing the key file '%s/%s': %s", dir, name,
		                    fd < 0 && errno == ELOOP ? "a symlink"
		                    : fd < 0                 ? strerror (errno)
		                    : !S_ISREG (st->st_mode) ? "not a regular file"
		                                             : "too large for a key");
		if (fd >= 0)
			close (fd);
		return r;
	}
	while (got < cap - 1 && (n = read (fd, buf + got, cap - 1 - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = dmig_error_set (err, DMIG_EFAIL, errno, "cannot read '%s/%s'", dir, name);
			break;
		}
		got += (size_t)n;
	}
	close (fd);
	buf[got] = '\0';
	*len = got;
	return r;
}

/* name in folder dfd holding text, with mode: a temporary file, fsync, then
 * link (never over an existing one: EEXIST) or, with replace, rename. */
static int
write_file (int dfd, const char *dir, const char *name, const char *text, size_t len, mode_t mode, bool replace,
            dmig_error_t *err)
{
	char tmp[64];
	size_t off = 0;
	int fd, r = 0, e;

	snprintf (tmp, sizeof (tmp), ".%s.tmp.%d", name, (int)getpid ());
	unlinkat (dfd, tmp, 0);
	fd = openat (dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot create '%s/%s'", dir, tmp);
	while (r == 0 && off < len) {
		ssize_t n = write (fd, text + off, len - off);
		if (n < 0 && errno != EINTR)
			r = -1;
		else if (n > 0)
			off += (size_t)n;
	}
	/* the mode whatever the umask (host.pub is for others to copy) */
	if (r < 0 || fchmod (fd, mode) < 0 || fsync (fd) < 0) {
		e = errno;
		close (fd);
		unlinkat (dfd, tmp, 0);
		return dmig_error_set (err, DMIG_EFAIL, e, "cannot write '%s/%s'", dir, name);
	}
	close (fd);
	r = replace ? renameat (dfd, tmp, dfd, name) : linkat (dfd, tmp, dfd, name, 0);
	e = errno;
	unlinkat (dfd, tmp, 0);
	if (r < 0)
		return dmig_error_set (err, DMIG_EFAIL, e, "cannot write '%s/%s'", dir, name);
	fsync (dfd);
	return 0;
}

/* This host's key from host.key: 0, 1 when there is none, -1. */
static int
load_host_key (int dfd, const char *dir, struct dmig_sign_key **k, dmig_error_t *err)
{
	char pem[DMIG_SIGN_PEM_MAX + 1], path[PATH_MAX];
	struct stat st;
	size_t len = 0;
	int r;

	snprintf (path, sizeof (path), "%s/host.key", dir);
	r = read_file (dfd, dir, "host.key", pem, sizeof (pem), &len, &st, err);
	if (r == 0 && fit ("the host key", path, &st, true, err) < 0)
		r = -1;
	if (r == 0 && dmig_sign_key_read (pem, len, k, err) < 0) {
		dmig_error_wrap (err, "refusing the host key '%s'", path);
		r = dmig_error_status (err, DMIG_EPREFLIGHT);
	}
	explicit_bzero (pem, sizeof (pem));
	return r;
}

/* A new key as host.key; 1 when another dmig made one first. */
static int
make_host_key (int dfd, const char *dir, dmig_error_t *err)
{
	char pem[DMIG_SIGN_PEM_MAX + 1];
	struct dmig_sign_key *k = NULL;
	dmig_error_t e2 = NULL;
	size_t len = 0;
	int r = -1;

	if (dmig_sign_generate (&k, err) < 0 || dmig_sign_key_pem (k, pem, sizeof (pem), &len, err) < 0)
		goto out;
	r = write_file (dfd, dir, "host.key", pem, len, 0600, false, &e2);
	if (r < 0 && e2->errnum == EEXIST) {
		r = 1;
	} else if (r < 0 && err) {
		dmig_error_release (err);
		*err = e2;
		e2 = NULL;
	} else if (r == 0)
		dmig_log_info ("made this host's signing key %s/host.key (a host with a copy of %s/host.pub in its "
		               "trusted/ key folder trusts its snapshots)",
		               dir, dir);
	dmig_error_release (&e2);
out:
	explicit_bzero (pem, sizeof (pem));
	dmig_sign_key_free (k);
	return r;
}

int
dmig_auth_host_key (struct dmig_sign_key **out, dmig_error_t *err)
{
	const char *dir = dmig_auth_dir ();
	char have[DMIG_SIGN_PEM_MAX + 1], pem[DMIG_SIGN_PEM_MAX + 1];
	unsigned char pub[DMIG_SIGN_PUB_LEN], was[DMIG_SIGN_PUB_LEN];
	struct dmig_sign_key *k = NULL;
	size_t len = 0;
	struct stat st;
	int dfd, r;

	*out = NULL;
	if (lstat (dir, &st) < 0 && errno == ENOENT && dmig_fs_mkdir_p (dir, 0700, err) < 0)
		return dmig_error_wrap (err, "cannot make the key folder (DMIG_KEY_DIR chooses another)");
	if (fit_above (dir, err) < 0 || (dfd = open_dir (dir, err)) < 0)
		return -1;
	r = load_host_key (dfd, dir, &k, err);
	/* none yet: made, or read as another dmig made it a moment ago */
	if (r == 1 && (r = make_host_key (dfd, dir, err)) >= 0)
		r = load_host_key (dfd, dir, &k, err);
	if (r == 1)
		r = dmig_error_set (err, DMIG_EFAIL, 0, "the host key '%s/host.key' went away as it was made", dir);
	if (r < 0) {
		close (dfd);
		return -1;
	}
	/* host.pub: what other hosts copy, and this one trusts itself by */
	dmig_sign_key_public (k, pub);
	if (read_file (dfd, dir, "host.pub", have, sizeof (have), &len, &st, NULL) != 0 || (st.st_mode & 022) != 0
	    || st.st_uid != geteuid () || dmig_sign_pub_read (have, len, was, NULL) < 0
	    || memcmp (was, pub, sizeof (pub)) != 0) {
		if (dmig_sign_pub_pem (pub, pem, sizeof (pem), &len, err) < 0
		    || write_file (dfd, dir, "host.pub", pem, len, 0644, true, err) < 0) {
			dmig_sign_key_free (k);
			close (dfd);
			return -1;
		}
		dmig_log_debug ("wrote %s/host.pub", dir);
	}
	close (dfd);
	*out = k;
	return 0;
}

int
dmig_auth_sign (const struct dmig_sign_key *k, const void *manifest, size_t len, char **out, dmig_error_t *err)
{
	unsigned char pub[DMIG_SIGN_PUB_LEN], sig[DMIG_SIGN_LEN];
	char id[DMIG_KEY_ID_HEX], hex[2 * DMIG_SIGN_LEN + 1];

	*out = NULL;
	dmig_sign_key_public (k, pub);
	dmig_auth_key_id (pub, id);
	if (dmig_sign_sign (k, manifest, len, sig, err) < 0)
		return -1;
	to_hex (sig, sizeof (sig), hex);
	if (asprintf (out, "{\n  \"algorithm\": \"%s\",\n  \"key\": \"%s\",\n  \"signature\": \"%s\"\n}\n", ALGORITHM,
	              id, hex)
	    < 0) {
		*out = NULL;
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	}
	return 0;
}

/* A public key file name in folder dfd: its key, when it is one. */
static bool
load_pub (int dfd, const char *dir, const char *name, unsigned char pub[DMIG_SIGN_PUB_LEN], struct stat *st)
{
	char pem[DMIG_SIGN_PEM_MAX + 1];
	size_t len = 0;

	return read_file (dfd, dir, name, pem, sizeof (pem), &len, st, NULL) == 0
	       && dmig_sign_pub_read (pem, len, pub, NULL) == 0;
}

/* The key found in file name of folder dir (dst: its stat), which is the
 * key folder or, with top set, its trusted/ (top: the key folder's stat):
 * trusted only if the file and the folders are fit; else said. */
static bool
fit_key (const char *dir, const struct stat *dst, const struct stat *top, const char *name, const struct stat *st)
{
	dmig_error_t e = NULL;
	char path[PATH_MAX];

	snprintf (path, sizeof (path), "%s/%s", dir, name);
	if ((top && fit ("the key folder", dmig_auth_dir (), top, false, &e) < 0)
	    || fit ("the key folder", dir, dst, false, &e) < 0 || fit ("the trusted key", path, st, false, &e) < 0) {
		dmig_log_warn ("not trusting the key in '%s': %s", path, e->msg);
		dmig_error_release (&e);
		return false;
	}
	return true;
}

/* The key with ID id among those this host trusts: its own (host.pub),
 * then trusted/ *.pub. True with the key and who holds it. */
static bool
find_trusted (const char *id, unsigned char pub[DMIG_SIGN_PUB_LEN], char *who, size_t cap)
{
	const char *dir = dmig_auth_dir ();
	char tdir[PATH_MAX], kid[DMIG_KEY_ID_HEX];
	struct stat st, ds, ts;
	dmig_error_t e = NULL;
	bool found = false;
	struct dirent *d;
	int dfd, tfd;
	DIR *dh;

	dfd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return false;
	if (fstat (dfd, &ds) < 0 || fit_above (dir, &e) < 0) {
		if (e)
			dmig_log_warn ("trusting no key: %s", e->msg);
		dmig_error_release (&e);
		close (dfd);
		return false;
	}
	if (load_pub (dfd, dir, "host.pub", pub, &st) && (dmig_auth_key_id (pub, kid), strcmp (kid, id) == 0)) {
		found = fit_key (dir, &ds, NULL, "host.pub", &st);
		snprintf (who, cap, "this host");
		close (dfd);
		return found;
	}
	snprintf (tdir, sizeof (tdir), "%s/trusted", dir);
	tfd = openat (dfd, "trusted", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close (dfd);
	dh = tfd >= 0 && fstat (tfd, &ts) == 0 ? fdopendir (tfd) : NULL;
	if (dh == NULL) {
		if (tfd >= 0)
			close (tfd);
		return false;
	}
	while ((d = readdir (dh)) != NULL) {
		size_t n = strlen (d->d_name);
		if (d->d_name[0] == '.' || n <= 4 || strcmp (d->d_name + n - 4, ".pub") != 0)
			continue;
		if (!load_pub (dirfd (dh), tdir, d->d_name, pub, &st))
			continue;
		dmig_auth_key_id (pub, kid);
		if (strcmp (kid, id) != 0)
			continue;
		found = fit_key (tdir, &ts, &ds, d->d_name, &st);
		snprintf (who, cap, "%.*s", (int)(n - 4), d->d_name);
		break;
	}
	closedir (dh);
	return found;
}

int
dmig_auth_verify (const char *bundle, const void *manifest, size_t len, const char *sig, size_t siglen,
                  struct dmig_auth *a, dmig_error_t *err)
{
	unsigned char pub[DMIG_SIGN_PUB_LEN], raw[DMIG_SIGN_LEN];
	char who[DMIG_SIGNER_MAX];
	const char *alg, *key, *hex;
	json_object *j = NULL;
	int r = 0;

	memset (a, 0, sizeof (*a));
	if (sig == NULL)
		return 0;
	/* a signature this dmig cannot read tells as little as none */
	a->state = DMIG_AUTH_UNKNOWN;
	if (siglen > DMIG_AUTH_SIG_MAX || dmig_json_parse (sig, siglen, &j, NULL) < 0
	    || !json_object_is_type (j, json_type_object)) {
		dmig_log_debug ("'%s': a signature this dmig does not read", bundle);
		json_object_put (j);
		return 0;
	}
	alg = dmig_json_str (j, "algorithm");
	key = dmig_json_str (j, "key");
	hex = dmig_json_str (j, "signature");
	if (key && strlen (key) == DMIG_KEY_ID_HEX - 1 && strspn (key, "0123456789abcdef") == DMIG_KEY_ID_HEX - 1)
		snprintf (a->key, sizeof (a->key), "%s", key);
	if (!*a->key || alg == NULL || strcmp (alg, ALGORITHM) != 0 || !find_trusted (a->key, pub, who, sizeof (who))) {
		json_object_put (j);
		return 0;
	}
	/* a key this host trusts: the signature holds, or the bundle is refused */
	if (hex == NULL || !from_hex (hex, raw, sizeof (raw)))
		r = dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                    "'%s' is damaged: its signature (by %s, key %.12s) is no signature: refusing it",
		                    bundle, who, a->key);
	else if (!dmig_sign_verify (pub, manifest, len, raw))
		r = dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                    "'%s' was changed after it was signed (by %s, key %.12s): its signature does "
		                    "not match its manifest: refusing it",
		                    bundle, who, a->key);
	else {
		a->state = DMIG_AUTH_TRUSTED;
		snprintf (a->signer, sizeof (a->signer), "%s", who);
	}
	json_object_put (j);
	return r;
}

const char *
dmig_auth_state_name (enum dmig_auth_state s)
{
	return s == DMIG_AUTH_TRUSTED ? "trusted" : s == DMIG_AUTH_UNKNOWN ? "unknown" : "none";
}

const char *
dmig_auth_describe (const struct dmig_auth *a, char *buf, size_t cap)
{
	if (a->state == DMIG_AUTH_TRUSTED)
		snprintf (buf, cap, "%s", a->signer);
	else if (a->state == DMIG_AUTH_UNKNOWN && *a->key)
		snprintf (buf, cap, "unknown key %.12s", a->key);
	else
		snprintf (buf, cap, "%s", a->state == DMIG_AUTH_UNKNOWN ? "unreadable" : "no");
	return buf;
}
