// WRAP: dmig_tar_reader_next
/* Bundle authenticity: this host's key made on first need and kept private,
 * a signed bundle read as trusted, and one changed after it was signed
 * refused before its manifest is parsed; unsigned ones and those of keys
 * this host does not trust read as unauthenticated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "bundle.h"
#include "digest.h"
#include "fs.h"
#include "json.h"
#include "log.h"
#include "sign.h"
#include "tarstream.h"

#define MEMBER_DATA "memory pages"

/* How many tar entries dmig asked for (the end counts as one). */
static int entries_read;
int __real_dmig_tar_reader_next (struct dmig_tar_reader *r, struct dmig_tar_entry *e, dmig_error_t *err);
int __wrap_dmig_tar_reader_next (struct dmig_tar_reader *r, struct dmig_tar_entry *e, dmig_error_t *err);
int
__wrap_dmig_tar_reader_next (struct dmig_tar_reader *r, struct dmig_tar_entry *e, dmig_error_t *err)
{
	entries_read++;
	return __real_dmig_tar_reader_next (r, e, err);
}

struct fx {
	char dir[64];
	char keys[PATH_MAX];
	char bundle[PATH_MAX];
	char staging[PATH_MAX];
	char manifest[1024]; /* the manifest's text, as signed */
	char member_sha[DMIG_SHA256_HEX];
};

static int
setup (void **state)
{
	struct fx *f = calloc (1, sizeof (*f));
	struct dmig_digest *d = dmig_digest_new ();

	snprintf (f->dir, sizeof (f->dir), "/tmp/dmig-auth-XXXXXX");
	assert_non_null (mkdtemp (f->dir));
	snprintf (f->keys, sizeof (f->keys), "%s/keys", f->dir);
	snprintf (f->bundle, sizeof (f->bundle), "%s/snap.dmig", f->dir);
	snprintf (f->staging, sizeof (f->staging), "%s/staging", f->dir);
	assert_int_equal (mkdir (f->staging, 0700), 0);
	setenv ("DMIG_KEY_DIR", f->keys, 1);
	dmig_digest_update (d, MEMBER_DATA, strlen (MEMBER_DATA));
	dmig_digest_finish (d, f->member_sha);
	snprintf (f->manifest, sizeof (f->manifest),
	          "{\n  \"format\": %d,\n  \"container\": \"web\",\n  \"members\": [ { \"name\": \"checkpoint.tar\", "
	          "\"size\": %zu, \"sha256\": \"%s\" } ]\n}",
	          DMIG_BUNDLE_FORMAT, strlen (MEMBER_DATA), f->member_sha);
	dmig_log_set (DMIG_QUIET);
	*state = f;
	return 0;
}

static int
teardown (void **state)
{
	struct fx *f = *state;
	dmig_fs_rm_rf (f->dir, NULL);
	unsetenv ("DMIG_KEY_DIR");
	free (f);
	return 0;
}

static struct dmig_sign_key *
host_key (void)
{
	struct dmig_sign_key *k = NULL;
	dmig_error_t err = NULL;

	if (dmig_auth_host_key (&k, &err) < 0)
		fail_msg ("%s", err->msg);
	return k;
}

static char *
sign (const struct dmig_sign_key *k, const char *text)
{
	dmig_error_t err = NULL;
	char *sig = NULL;

	assert_int_equal (dmig_auth_sign (k, text, strlen (text), &sig, &err), 0);
	return sig;
}

/* A plain (uncompressed) bundle as dmig writes it: manifest, its signature
 * (NULL: none), the member. */
static void
write_bundle (struct fx *f, const char *manifest, const char *sig)
{
	struct dmig_tar_writer *w = NULL;
	dmig_error_t err = NULL;
	int fd;

	unlink (f->bundle);
	fd = open (f->bundle, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true (fd >= 0);
	assert_int_equal (dmig_tar_writer_open (fd, false, &w, &err), 0);
	assert_int_equal (dmig_tar_writer_add_buf (w, "manifest.json", manifest, strlen (manifest), &err), 0);
	if (sig)
		assert_int_equal (dmig_tar_writer_add_buf (w, "manifest.sig", sig, strlen (sig), &err), 0);
	assert_int_equal (dmig_tar_writer_add_buf (w, "checkpoint.tar", MEMBER_DATA, strlen (MEMBER_DATA), &err), 0);
	assert_int_equal (dmig_tar_writer_close (w, &err), 0);
	close (fd);
}

/* Both readers of f->bundle agree: 0 and *a, or -1 with an error that
 * says says (exit status, one line), and nothing unpacked. */
static int
read_both (struct fx *f, struct dmig_auth *a, int status, const char *says)
{
	struct dmig_auth b;
	dmig_error_t err = NULL;
	json_object *m = NULL;
	int r = dmig_bundle_read_manifest (f->bundle, &m, a, &err);

	if (r < 0) {
		assert_null (m);
		if (strstr (err->msg, says) == NULL || strchr (err->msg, '\n') != NULL)
			fail_msg ("'%s' does not say '%s'", err->msg, says);
		assert_int_equal (err->status, status);
		dmig_error_release (&err);
	}
	json_object_put (m);
	m = NULL;
	dmig_fs_rm_rf (f->staging, NULL);
	assert_int_equal (mkdir (f->staging, 0700), 0);
	assert_int_equal (dmig_bundle_unpack (f->bundle, f->staging, &m, &b, &err), r);
	if (r < 0) {
		assert_non_null (strstr (err->msg, says));
		dmig_error_release (&err);
		assert_int_equal (rmdir (f->staging), 0); /* nothing written */
		assert_int_equal (mkdir (f->staging, 0700), 0);
	} else {
		assert_int_equal (b.state, a->state);
		assert_string_equal (b.signer, a->signer);
		assert_string_equal (b.key, a->key);
	}
	json_object_put (m);
	return r;
}

static void
copy (const char *from, const char *to)
{
	char buf[4096];
	int in = open (from, O_RDONLY), out = open (to, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ssize_t n;

	assert_true (in >= 0 && out >= 0);
	while ((n = read (in, buf, sizeof (buf))) > 0)
		assert_int_equal (write (out, buf, (size_t)n), n);
	close (in);
	close (out);
}

static void
mode_of (const char *path, mode_t want)
{
	struct stat st;
	assert_int_equal (lstat (path, &st), 0);
	if ((st.st_mode & 07777) != want)
		fail_msg ("'%s' has mode %04o, not %04o", path, (unsigned)(st.st_mode & 07777), (unsigned)want);
}

/* The key folder, host.key and host.pub made on first use, private; the
 * same key the next time; host.pub made again when it went. */
static void
key_made_on_first_use (void **state)
{
	struct fx *f = *state;
	unsigned char a[DMIG_SIGN_PUB_LEN], b[DMIG_SIGN_PUB_LEN];
	struct dmig_sign_key *k;
	char p[PATH_MAX + 16];

	snprintf (f->keys, sizeof (f->keys), "%s/etc/dmig/keys", f->dir);
	setenv ("DMIG_KEY_DIR", f->keys, 1);
	k = host_key ();
	dmig_sign_key_public (k, a);
	dmig_sign_key_free (k);
	mode_of (f->keys, 0700);
	snprintf (p, sizeof (p), "%s/host.key", f->keys);
	mode_of (p, 0600);
	snprintf (p, sizeof (p), "%s/host.pub", f->keys);
	mode_of (p, 0644);
	assert_int_equal (unlink (p), 0);
	k = host_key ();
	dmig_sign_key_public (k, b);
	dmig_sign_key_free (k);
	assert_memory_equal (a, b, sizeof (a));
	mode_of (p, 0644);
}

/* Signed by this host: trusted, by "this host", through both readers, and
 * as dmig_bundle_write writes it. */
static void
sign_verify_round_trip (void **state)
{
	struct fx *f = *state;
	struct dmig_sign_key *k = host_key ();
	unsigned char pub[DMIG_SIGN_PUB_LEN];
	struct dmig_members ms = {0};
	char *sig = sign (k, f->manifest), id[DMIG_KEY_ID_HEX], text[64];
	struct dmig_sink sink;
	dmig_error_t err = NULL;
	json_object *m = json_object_new_object ();
	struct dmig_auth a;

	write_bundle (f, f->manifest, sig);
	free (sig);
	assert_int_equal (read_both (f, &a, 0, NULL), 0);
	assert_int_equal (a.state, DMIG_AUTH_TRUSTED);
	assert_string_equal (a.signer, "this host");
	dmig_sign_key_public (k, pub);
	dmig_auth_key_id (pub, id);
	assert_string_equal (a.key, id);
	assert_string_equal (dmig_auth_describe (&a, text, sizeof (text)), "this host");
	assert_string_equal (dmig_auth_state_name (a.state), "trusted");

	/* dmig's own writer, compressed */
	dmig_fs_rm_rf (f->staging, NULL);
	assert_int_equal (mkdir (f->staging, 0700), 0);
	json_object_object_add (m, "format", json_object_new_int (DMIG_BUNDLE_FORMAT));
	assert_int_equal (dmig_bundle_member_begin (f->staging, "checkpoint.tar", &sink, &err), 0);
	assert_int_equal (dmig_sink_put (&sink, MEMBER_DATA, strlen (MEMBER_DATA)), 0);
	assert_int_equal (dmig_bundle_member_end (&ms, "checkpoint.tar", &sink, true, &err), 0);
	unlink (f->bundle);
	assert_int_equal (dmig_bundle_write (f->bundle, m, f->staging, &ms, k, &err), 0);
	json_object_put (m);
	assert_int_equal (read_both (f, &a, 0, NULL), 0);
	assert_int_equal (a.state, DMIG_AUTH_TRUSTED);
	dmig_sign_key_free (k);
}

static void
flip (char *s, const char *at, int off, char to)
{
	char *p = strstr (s, at);
	assert_non_null (p);
	assert_true (p[off] != to);
	p[off] = to;
}

/* One byte of the manifest changed after it was signed: refused (exit 3)
 * before the manifest is parsed (a manifest made no JSON says the same),
 * before any member is written. */
static void
flipped_manifest_byte_refused (void **state)
{
	struct fx *f = *state;
	struct dmig_sign_key *k = host_key ();
	char *sig = sign (k, f->manifest), changed[sizeof (f->manifest)];
	struct dmig_auth a;

	dmig_sign_key_free (k);
	snprintf (changed, sizeof (changed), "%s", f->manifest);
	flip (changed, "\"web\"", 2, 'f'); /* "wfb" */
	write_bundle (f, changed, sig);
	read_both (f, &a, DMIG_EPREFLIGHT, "was changed after it was signed (by this host, key ");
	flip (changed, "\"format\"", 0, '!'); /* no JSON any more */
	write_bundle (f, changed, sig);
	read_both (f, &a, DMIG_EPREFLIGHT, "its signature does not match its manifest: refusing it");
	free (sig);
}

/* One byte of the signature changed: refused, as a hex digit and as
 * something that is no signature. */
static void
flipped_signature_byte_refused (void **state)
{
	struct fx *f = *state;
	struct dmig_sign_key *k = host_key ();
	char *signed_ = sign (k, f->manifest), sig[512], *p;
	struct dmig_auth a;

	dmig_sign_key_free (k);
	snprintf (sig, sizeof (sig), "%s", signed_);
	free (signed_);
	p = strstr (sig, "\"signature\": \"");
	assert_non_null (p);
	p += 14;
	p[10] = p[10] == '0' ? '1' : '0';
	write_bundle (f, f->manifest, sig);
	read_both (f, &a, DMIG_EPREFLIGHT, "was changed after it was signed");
	p[10] = 'X';
	write_bundle (f, f->manifest, sig);
	read_both (f, &a, DMIG_EPREFLIGHT, "is damaged: its signature (by this host, key ");
}

/* No manifest.sig (format 1, or taken out): read, as unsigned. */
static void
unsigned_is_unauthenticated (void **state)
{
	struct fx *f = *state;
	char old[sizeof (f->manifest)], text[64];
	struct dmig_auth a;

	write_bundle (f, f->manifest, NULL);
	assert_int_equal (read_both (f, &a, 0, NULL), 0);
	assert_int_equal (a.state, DMIG_AUTH_NONE);
	assert_string_equal (a.key, "");
	assert_string_equal (dmig_auth_describe (&a, text, sizeof (text)), "no");
	assert_string_equal (dmig_auth_state_name (a.state), "none");
	snprintf (old, sizeof (old), "%s", f->manifest);
	flip (old, "\"format\": ", 10, '1');
	write_bundle (f, old, NULL);
	assert_int_equal (read_both (f, &a, 0, NULL), 0);
	assert_int_equal (a.state, DMIG_AUTH_NONE);
}

/* A bundle of a newer format is refused, saying which dmig reads it. */
static void
newer_format_refused (void **state)
{
	struct fx *f = *state;
	char text[sizeof (f->manifest)];
	struct dmig_auth a;

	snprintf (text, sizeof (text), "%s", f->manifest);
	flip (text, "\"format\": ", 10, '9');
	write_bundle (f, text, NULL);
	read_both (f, &a, DMIG_EPREFLIGHT, "is of bundle format 9, which dmig ");
	read_both (f, &a, DMIG_EPREFLIGHT, "(it reads formats 1 to 2): a newer dmig does");
}

/* Signed by a key this host does not trust: read, as unauthenticated, with
 * the key's ID; changed or not, this host cannot tell. */
static void
unknown_key_unauthenticated (void **state)
{
	struct fx *f = *state;
	struct dmig_sign_key *mine = host_key (), *other = NULL;
	unsigned char pub[DMIG_SIGN_PUB_LEN];
	char *sig, id[DMIG_KEY_ID_HEX], text[64], want[64];
	dmig_error_t err = NULL;
	struct dmig_auth a;

	dmig_sign_key_free (mine);
	assert_int_equal (dmig_sign_generate (&other, &err), 0);
	sig = sign (other, f->manifest);
	dmig_sign_key_public (other, pub);
	dmig_auth_key_id (pub, id);
	dmig_sign_key_free (other);
	write_bundle (f, f->manifest, sig);
	assert_int_equal (read_both (f, &a, 0, NULL), 0);
	assert_int_equal (a.state, DMIG_AUTH_UNKNOWN);
	assert_string_equal (a.key, id);
	assert_string_equal (a.signer, "");
	snprintf (want, sizeof (want), "unknown key %.12s", id);
	assert_string_equal (dmig_auth_describe (&a, text, sizeof (text)), want);
	assert_string_equal (dmig_auth_state_name (a.state), "unknown");
	/* a signature this dmig does not read tells as much */
	write_bundle (f, f->manifest, "{\"algorithm\": \"rot13\"}");
	assert_int_equal (read_both (f, &a, 0, NULL), 0);
	assert_int_equal (a.state, DMIG_AUTH_UNKNOWN);
	write_bundle (f, f->manifest, "not json");
	assert_int_equal (read_both (f, &a, 0, NULL), 0);
	assert_int_equal (a.state, DMIG_AUTH_UNKNOWN);
	free (sig);
}

/* Another host's host.pub copied into trusted/: its bundles are trusted,
 * by the file's name, and refused when changed. */
static void
trusted_key_accepted (void **state)
{
	struct fx *f = *state;
	char other[PATH_MAX + 16], from[PATH_MAX + 32], to[PATH_MAX + 32], *sig;
	struct dmig_sign_key *k;
	struct dmig_auth a;

	/* host B's key, made in its own folder */
	snprintf (other, sizeof (other), "%s/hostb-keys", f->dir);
	setenv ("DMIG_KEY_DIR", other, 1);
	k = host_key ();
	sig = sign (k, f->manifest);
	dmig_sign_key_free (k);
	setenv ("DMIG_KEY_DIR", f->keys, 1);
	dmig_sign_key_free (host_key ());
	write_bundle (f, f->manifest, sig);
	assert_int_equal (read_both (f, &a, 0, NULL), 0);
	assert_int_equal (a.state, DMIG_AUTH_UNKNOWN);
	/* trusted: cp hostb:/etc/dmig/keys/host.pub /etc/dmig/keys/trusted/hostb.pub */
	snprintf (to, sizeof (to), "%s/trusted", f->keys);
	assert_int_equal (mkdir (to, 0700), 0);
	snprintf (from, sizeof (from), "%s/host.pub", other);
	snprintf (to, sizeof (to), "%s/trusted/hostb.pub", f->keys);
	copy (from, to);
	assert_int_equal (read_both (f, &a, 0, NULL), 0);
	assert_int_equal (a.state, DMIG_AUTH_TRUSTED);
	assert_string_equal (a.signer, "hostb");
	/* not when others may change the key, trusted/ or the key folder */
	for (int i = 0; i < 3; i++) {
		const char *p = i == 0 ? to : i == 1 ? from : f->keys;
		if (i == 1)
			snprintf (from, sizeof (from), "%s/trusted", f->keys);
		assert_int_equal (chmod (p, 0777), 0);
		assert_int_equal (read_both (f, &a, 0, NULL), 0);
		assert_int_equal (a.state, DMIG_AUTH_UNKNOWN);
		assert_int_equal (chmod (p, i == 0 ? 0644 : 0700), 0);
	}
	assert_int_equal (read_both (f, &a, 0, NULL), 0);
	assert_int_equal (a.state, DMIG_AUTH_TRUSTED);
	flip (f->manifest, "\"web\"", 2, 'f');
	write_bundle (f, f->manifest, sig);
	read_both (f, &a, DMIG_EPREFLIGHT, "was changed after it was signed (by hostb, key ");
	free (sig);
}

/* A key others may change, or that is another's, is not trusted: the
 * bundle reads as unauthenticated (and the key's file is named). */
static void
unfit_trusted_key_not_trusted (void **state)
{
	struct fx *f = *state;
	struct dmig_sign_key *k = host_key ();
	char *sig = sign (k, f->manifest), pub[PATH_MAX + 16];
	struct dmig_auth a;

	dmig_sign_key_free (k);
	write_bundle (f, f->manifest, sig);
	free (sig);
	snprintf (pub, sizeof (pub), "%s/host.pub", f->keys);
	assert_int_equal (chmod (pub, 0666), 0);
	assert_int_equal (read_both (f, &a, 0, NULL), 0);
	assert_int_equal (a.state, DMIG_AUTH_UNKNOWN);
	assert_int_equal (chmod (pub, 0644), 0);
	assert_int_equal (chmod (f->keys, 0777), 0);
	assert_int_equal (read_both (f, &a, 0, NULL), 0);
	assert_int_equal (a.state, DMIG_AUTH_UNKNOWN);
	assert_int_equal (chmod (f->keys, 0700), 0);
	if (geteuid () == 0) {
		assert_int_equal (chown (pub, 1234, 0), 0);
		assert_int_equal (read_both (f, &a, 0, NULL), 0);
		assert_int_equal (a.state, DMIG_AUTH_UNKNOWN);
		assert_int_equal (chown (pub, 0, 0), 0);
	}
	assert_int_equal (read_both (f, &a, 0, NULL), 0);
	assert_int_equal (a.state, DMIG_AUTH_TRUSTED);
}

static void
host_key_refused (const char *says)
{
	struct dmig_sign_key *k = NULL;
	dmig_error_t err = NULL;

	assert_int_equal (dmig_auth_host_key (&k, &err), -1);
	assert_null (k);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	if (strstr (err->msg, says) == NULL)
		fail_msg ("'%s' does not say '%s'", err->msg, says);
	dmig_error_release (&err);
}

/* A host key others may read, another's, or a symlink, and a key folder
 * others may write to (or one above it), are refused, saying the fix. */
static void
unfit_host_key_refused (void **state)
{
	struct fx *f = *state;
	char key[PATH_MAX + 16], want[3 * PATH_MAX], up[PATH_MAX + 16];

	dmig_sign_key_free (host_key ());
	snprintf (key, sizeof (key), "%s/host.key", f->keys);
	assert_int_equal (chmod (key, 0644), 0);
	snprintf (want, sizeof (want),
	          "refusing the host key '%s': others may read it (mode 0644): run 'chmod 0600 %s'", key, key);
	host_key_refused (want);
	assert_int_equal (chmod (key, 0640), 0);
	host_key_refused ("others may read it (mode 0640)");
	assert_int_equal (chmod (key, 0600), 0);
	if (geteuid () == 0) {
		assert_int_equal (chown (key, 1234, 0), 0);
		snprintf (want, sizeof (want),
		          "refusing the host key '%s': it belongs to uid 1234, not to root: run "
		          "'chown root: %s'",
		          key, key);
		host_key_refused (want);
		assert_int_equal (chown (key, 0, 0), 0);
	}
	assert_int_equal (chmod (f->keys, 0770), 0);
	host_key_refused ("refusing the key folder");
	host_key_refused ("'chmod 0700 ");
	assert_int_equal (chmod (f->keys, 0700), 0);
	/* a folder above it others may write to (not sticky) */
	assert_int_equal (chmod (f->dir, 0777), 0);
	host_key_refused ("above it may be changed by others");
	assert_int_equal (chmod (f->dir, 0700), 0);
	/* a symlink in host.key's place */
	snprintf (up, sizeof (up), "%s/elsewhere.key", f->dir);
	assert_int_equal (rename (key, up), 0);
	assert_int_equal (symlink (up, key), 0);
	host_key_refused ("a symlink");
}

/* list reads no more than the first two members of a bundle: the
 * manifest's reader asks for two entries, signed or not. */
static void
manifest_read_stops_at_the_signature (void **state)
{
	struct fx *f = *state;
	struct dmig_sign_key *k = host_key ();
	char *sig = sign (k, f->manifest);
	dmig_error_t err = NULL;
	json_object *m = NULL;
	struct dmig_auth a;

	dmig_sign_key_free (k);
	for (int i = 0; i < 2; i++) {
		write_bundle (f, f->manifest, i == 0 ? sig : NULL);
		entries_read = 0;
		assert_int_equal (dmig_bundle_read_manifest (f->bundle, &m, &a, &err), 0);
		assert_int_equal (entries_read, 2);
		assert_int_equal (a.state, i == 0 ? DMIG_AUTH_TRUSTED : DMIG_AUTH_NONE);
		json_object_put (m);
		/* the unpack reads on to the end */
		entries_read = 0;
		dmig_fs_rm_rf (f->staging, NULL);
		assert_int_equal (mkdir (f->staging, 0700), 0);
		assert_int_equal (dmig_bundle_unpack (f->bundle, f->staging, &m, &a, &err), 0);
		assert_int_equal (entries_read, i == 0 ? 4 : 3);
		json_object_put (m);
	}
	free (sig);
}

/* A manifest.sig that is not a small plain file is damage. */
static void
oversized_signature_refused (void **state)
{
	struct fx *f = *state;
	char *big = malloc (DMIG_AUTH_SIG_MAX + 2);
	struct dmig_auth a;

	assert_non_null (big);
	memset (big, ' ', DMIG_AUTH_SIG_MAX + 1);
	big[DMIG_AUTH_SIG_MAX + 1] = '\0';
	write_bundle (f, f->manifest, big);
	free (big);
	read_both (f, &a, DMIG_EFAIL, "is damaged: its manifest.sig is no signature");
}

int
main (void)
{
#define T(x) cmocka_unit_test_setup_teardown (x, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T (key_made_on_first_use),         T (sign_verify_round_trip),
	    T (flipped_manifest_byte_refused), T (flipped_signature_byte_refused),
	    T (unsigned_is_unauthenticated),   T (newer_format_refused),
	    T (unknown_key_unauthenticated),   T (trusted_key_accepted),
	    T (unfit_trusted_key_not_trusted), T (unfit_host_key_refused),
	    T (oversized_signature_refused),   T (manifest_read_stops_at_the_signature),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
