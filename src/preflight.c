/* The checks before a move, in one table that `dmig move` runs until its
 * first refusal and `dmig check` runs whole. Each asks what dmig can ask:
 * the engines' APIs, /proc here, and fixed commands on the target over
 * the SSH link (argv arrays, quoted there by ssh.c; nothing typed by the
 * user becomes a command). Nothing is changed anywhere. */
#include "preflight.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "cgroup.h"
#include "check.h"
#include "child.h"
#include "criu.h"
#include "fs.h"
#include "image.h"
#include "journal.h"
#include "log.h"
#include "migrate.h"
#include "recover.h"
#include "ssh.h"

#define REMOTE_CMD_MS (60 * 1000L)
#define DETAIL_MAX    2048
/* What the target must have free beyond the container's memory. */
#define MEMORY_MARGIN (64ULL << 20)

static unsigned long long
mib (uint64_t bytes)
{
	return (unsigned long long)(bytes >> 20);
}

/* One run: the move, and what the checks that passed gave. */
struct pf {
	struct dmig_move *m;
	unsigned have;
	/* per need not met: the check that failed, and so did not give it */
	const char *cause[8];
	char criu_here[64], criu_there[64];
};

typedef enum dmig_verdict pf_fn (struct pf *p, char *d, size_t cap, dmig_error_t *err);

static void say (char *d, size_t cap, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));

static void
say (char *d, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start (ap, fmt);
	vsnprintf (d, cap, fmt, ap);
	va_end (ap);
}

static enum dmig_verdict refuse (dmig_error_t *err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static enum dmig_verdict
refuse (dmig_error_t *err, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	va_start (ap, fmt);
	if (vasprintf (&msg, fmt, ap) < 0)
		msg = NULL;
	va_end (ap);
	dmig_error_set (err, DMIG_EPREFLIGHT, 0, "%s", msg ? msg : "out of memory");
	free (msg);
	return DMIG_CHECK_FAIL;
}

static const char *
there (const struct pf *p)
{
	return dmig_ssh_name (p->m->ssh);
}

/* The first line of s, without its end. */
static void
first_line (char *s)
{
	s[strcspn (s, "\n")] = '\0';
}

/* ---- the target: reached, its engine, versions ---- */

static enum dmig_verdict
c_ssh (struct pf *p, char *d, size_t cap, dmig_error_t *err)
{
	if (p->m->ssh == NULL && dmig_ssh_connect (p->m->target, NULL, &p->m->ssh, err) < 0)
		return DMIG_CHECK_FAIL;
	say (d, cap, "%s: its host key known, logged in", there (p));
	return DMIG_CHECK_OK;
}

static enum dmig_verdict
c_engine (struct pf *p, char *d, size_t cap, dmig_error_t *err)
{
	struct dmig_engine *e;

	if (p->m->dst == NULL && dmig_migrate_connect_engine (p->m, err) < 0)
		return DMIG_CHECK_FAIL;
	e = p->m->dst;
	say (d, cap, "%s %s at %s on %s, Docker API %d.%d", e->ops->title, e->version,
	     dmig_migrate_remote_socket (p->m), there (p), e->api / 1000, e->api % 1000);
	return DMIG_CHECK_OK;
}

static enum dmig_verdict
c_kind (struct pf *p, char *d, size_t cap, dmig_error_t *err)
{
	const struct dmig_engine_ops *src = p->m->src->ops, *dst = p->m->dst->ops;

	if (strcmp (src->kind, dst->kind) != 0)
		return refuse (err,
		               "the target runs %s, the container runs on %s: dmig moves between engines of one kind",
		               dst->kind, src->kind);
	if (src->move == NULL)
		return refuse (err, "%s: moving is not supported for this engine yet", src->kind);
	say (d, cap, "%s here and there", src->title);
	return DMIG_CHECK_OK;
}

/* Engine versions whose checkpoints make check restores on each other, both
 * ways (tests/integration/test_move_d.sh: Debian 12's and Debian testing's). */
static const struct {
	const char *kind, *a, *b;
} tested_pairs[] = {
    {"docker", "20.10.", "28.5."},
    {"podman", "4.3.", "5.8."},
};

static bool
tested_pair (const char *kind, const char *here, const char *there)
{
	for (size_t i = 0; i < sizeof (tested_pairs) / sizeof (tested_pairs[0]); i++) {
		const char *a = tested_pairs[i].a, *b = tested_pairs[i].b;
		if (strcmp (kind, tested_pairs[i].kind) != 0)
			continue;
		if ((strncmp (here, a, strlen (a)) == 0 && strncmp (there, b, strlen (b)) == 0)
		    || (strncmp (here, b, strlen (b)) == 0 && strncmp (there, a, strlen (a)) == 0))
			return true;
	}
	return false;
}

static enum dmig_verdict
c_versions (struct pf *p, char *d, size_t cap, dmig_error_t *err)
{
	const struct dmig_engine *s = p->m->src, *t = p->m->dst;
	bool same = strcmp (s->version, t->version) == 0 && s->api == t->api;
	bool tested = !same && tested_pair (s->ops->kind, s->version, t->version);

	(void)err;
	if (same)
		say (d, cap, "%s %s here and on %s, Docker API %d.%d", s->ops->title, s->version, there (p),
		     s->api / 1000, s->api % 1000);
	else
		say (d, cap, "%s %s here, %s on %s (Docker API %d.%d here, %d.%d there): %s", s->ops->title, s->version,
		     t->version, there (p), s->api / 1000, s->api % 1000, t->api / 1000, t->api % 1000,
		     tested ? "a checkpoint of either restores on the other (tested)"
		            : "the checkpoint is restored by a version dmig is not tested with");
	return same || tested ? DMIG_CHECK_OK : DMIG_CHECK_WARN;
}

static enum dmig_verdict
c_ready (struct pf *p, char *d, size_t cap, dmig_error_t *err)
{
	struct dmig_engine *s = p->m->src, *t = p->m->dst;

	if (s->ops->check (s, err) < 0)
		return DMIG_CHECK_FAIL;
	if (t->ops->check (t, err) < 0) {
		dmig_error_wrap (err, "on %s", there (p));
		return DMIG_CHECK_FAIL;
	}
	say (d, cap, "%s: %s here and on %s", s->ops->title, s->ops->ready ? s->ops->ready : "ready", there (p));
	return DMIG_CHECK_OK;
}

/* ---- the OCI runtime: one that checkpoints with CRIU, on both sides ---- */

/* One side's runtime: what it says, and whether it checkpoints with CRIU
 * (runc runs criu; crun only when built with it, which its --version
 * says as +CRIU). */
static enum dmig_verdict
runtime_side (struct pf *p, struct dmig_engine *e, bool restore, char *d, size_t cap, dmig_error_t *err)
{
	char name[128], path[512], ver[1024] = "";
	const char *where = e->remote ? there (p) : "here";
	bool criu;

	if (e->ops->runtime (e, p->m->ctr, restore, name, sizeof (name), path, sizeof (path), err) < 0)
		return DMIG_CHECK_FAIL;
	if (*path) {
		char *argv[] = {path, "--version", NULL};
		if (e->remote ? dmig_ssh_run (e->host, argv, ver, sizeof (ver), REMOTE_CMD_MS, NULL) < 0
		              : dmig_child_capture (argv, ver, sizeof (ver), 10) != 0)
			*ver = '\0';
	}
	criu = strstr (ver, "+CRIU") != NULL;
	first_line (ver);
	say (d, cap, "%s%s: %s (%s)", e->remote ? "on " : "", where, name, *ver ? ver : "its version not told");
	if (strstr (name, "crun") || strstr (path, "crun")) {
		if (*ver && !criu)
			return refuse (
			    err,
			    "runtime '%s' %s%s (%s) is built without CRIU (its --version lacks +CRIU), so it "
			    "cannot checkpoint or restore: install a crun built with CRIU, or run the "
			    "container with runc",
			    name, e->remote ? "on " : "", where, ver);
		return *ver ? DMIG_CHECK_OK : DMIG_CHECK_WARN;
	}
	if (strstr (name, "runc") || strstr (path, "runc"))
		return DMIG_CHECK_OK;
	say (d, cap, "%s%s: %s (%s), which dmig does not know to checkpoint with CRIU", e->remote ? "on " : "", where,
	     name, *ver ? ver : "its version not told");
	return DMIG_CHECK_WARN;
}

static enum dmig_verdict
c_runtime (struct pf *p, char *d, size_t cap, dmig_error_t *err)
{
	char here[DETAIL_MAX / 2], far[DETAIL_MAX / 2];
	enum dmig_verdict a, b;

	if (p->m->src->ops->runtime == NULL) {
		say (d, cap, "not asked: %s does not say", p->m->src->ops->title);
		return DMIG_CHECK_OK;
	}
	if ((a = runtime_side (p, p->m->src, false, here, sizeof (here), err)) == DMIG_CHECK_FAIL
	    || (b = runtime_side (p, p->m->dst, true, far, sizeof (far), err)) == DMIG_CHECK_FAIL)
		return DMIG_CHECK_FAIL;
	say (d, cap, "%s; %s", here, far);
	return a == DMIG_CHECK_WARN || b == DMIG_CHECK_WARN ? DMIG_CHECK_WARN : DMIG_CHECK_OK;
}

/* ---- CRIU, the kernel, the CPU ---- */

static enum dmig_verdict
c_criu_here (struct pf *p, char *d, size_t cap, dmig_error_t *err)
{
	if (dmig_criu_check (p->criu_here, sizeof (p->criu_here), err) < 0)
		return DMIG_CHECK_FAIL;
	say (d, cap, "CRIU %s here passes 'criu check'", p->criu_here);
	return DMIG_CHECK_OK;
}

static enum dmig_verdict
c_criu_there (struct pf *p, char *d, size_t cap, dmig_error_t *err)
{
	char *ver[] = {"criu", "--version", NULL}, *check[] = {"criu", "check", NULL};
	char out[1024];
	int major, minor;

	if (dmig_ssh_run (p->m->ssh, ver, out, sizeof (out), REMOTE_CMD_MS, err) < 0) {
		dmig_error_status (err, DMIG_EPREFLIGHT);
		dmig_error_wrap (err, "CRIU does not run on %s", there (p));
		return DMIG_CHECK_FAIL;
	}
	if (dmig_criu_version_parse (out, p->criu_there, sizeof (p->criu_there), &major, &minor) < 0)
		*p->criu_there = '\0';
	if (dmig_ssh_run (p->m->ssh, check, out, sizeof (out), REMOTE_CMD_MS, err) < 0) {
		dmig_error_status (err, DMIG_EPREFLIGHT);
		dmig_error_wrap (err, "CRIU fails 'criu check' on %s", there (p));
		return DMIG_CHECK_FAIL;
	}
	say (d, cap, "CRIU %s on %s passes 'criu check'", *p->criu_there ? p->criu_there : "(version not told)",
	     there (p));
	return DMIG_CHECK_OK;
}

/* Dotted versions, number by number: < 0, 0 or > 0. */
static int
version_cmp (const char *a, const char *b)
{
	for (int i = 0; i < 3; i++) {
		char *ea, *eb;
		long x = strtol (a, &ea, 10), y = strtol (b, &eb, 10);
		if (x != y)
			return x < y ? -1 : 1;
		a = *ea == '.' ? ea + 1 : ea;
		b = *eb == '.' ? eb + 1 : eb;
	}
	return 0;
}

static enum dmig_verdict
c_criu_version (struct pf *p, char *d, size_t cap, dmig_error_t *err)
{
	int major = 0, minor = 0;

	if (sscanf (p->criu_there, "%d.%d", &major, &minor) != 2 || !dmig_criu_version_ok (major, minor)) {
		say (d, cap, "CRIU on %s is older than %d.%d (--force)", there (p), DMIG_CRIU_MIN_MAJOR,
		     DMIG_CRIU_MIN_MINOR);
		return refuse (err, "CRIU on %s is older than %d.%d (--force to try anyway)", there (p),
		               DMIG_CRIU_MIN_MAJOR, DMIG_CRIU_MIN_MINOR);
	}
	if (version_cmp (p->criu_there, p->criu_here) < 0)
		return refuse (err,
		               "CRIU %s on %s is older than this host's %s: the checkpoint may hold what it cannot "
		               "restore (--force to try anyway)",
		               p->criu_there, there (p), p->criu_here);
	say (d, cap, "CRIU %s here, %s on %s", p->criu_here, p->criu_there, there (p));
	return DMIG_CHECK_OK;
}

static enum dmig_verdict
c_kernel (struct pf *p, char *d, size_t cap, dmig_error_t *err)
{
	char *argv[] = {"uname", "-r", NULL}, far[256];
	struct utsname u;
	dmig_error_t e2 = NULL;

	(void)err;
	if (uname (&u) < 0)
		snprintf (u.release, sizeof (u.release), "?");
	if (dmig_ssh_run (p->m->ssh, argv, far, sizeof (far), REMOTE_CMD_MS, &e2) < 0) {
		say (d, cap, "%s here; %s", u.release, e2->msg);
		dmig_error_release (&e2);
		return DMIG_CHECK_WARN;
	}
	first_line (far);
	if (strcmp (u.release, far) == 0) {
		say (d, cap, "%s here and on %s", u.release, there (p));
		return DMIG_CHECK_OK;
	}
	say (d, cap,
	     "%s here, %s on %s: CRIU restores across kernels only what the one there has of what the "
	     "container uses",
	     u.release, far, there (p));
	return DMIG_CHECK_WARN;
}

static enum dmig_verdict
c_cpu (struct pf *p, char *d, size_t cap, dmig_error_t *err)
{
	char why[512];
	dmig_error_t e2 = NULL;
	int r = dmig_criu_cpuinfo (p->m->ssh, why, sizeof (why), &e2);

	if (r < 0) {
		say (d, cap, "not compared: %s", e2->msg);
		dmig_error_release (&e2);
		return DMIG_CHECK_WARN;
	}
	if (r > 0) {
		say (d, cap, "the CPU of %s lacks what this host's has (%s): its restore may fail (--force)", there (p),
		     why);
		return refuse (err,
		               "the CPU of %s lacks what this host's has ('criu cpuinfo check' there: %s): a process "
		               "that uses it cannot be restored there (--force to try anyway)",
		               there (p), why);
	}
	say (d, cap, "'criu cpuinfo check' on %s takes this host's CPU", there (p));
	return DMIG_CHECK_OK;
}

/* ---- room on the target ---- */

/* The container's memory (0 when it cannot be told). */
static uint64_t
memory_of (const struct dmig_move *m)
{
	return m->ctr && !m->src->remote ? dmig_cgroup_memory (m->ctr->pid) : 0;
}

static enum dmig_verdict
c_memory (struct pf *p, char *d, size_t cap, dmig_error_t *err)
{
	char *argv[] = {"cat", "/proc/meminfo", NULL}, out[8192], *at;
	unsigned long long kb = 0;
	uint64_t avail, used = memory_of (p->m), need;
	dmig_error_t e2 = NULL;

	if (dmig_ssh_run (p->m->ssh, argv, out, sizeof (out), REMOTE_CMD_MS, &e2) < 0
	    || (at = strstr (out, "MemAvailable:")) == NULL || sscanf (at + 13, "%llu", &kb) != 1) {
		say (d, cap, "not read on %s: %s", there (p), e2 ? e2->msg : "its /proc/meminfo has no MemAvailable");
		dmig_error_release (&e2);
		return DMIG_CHECK_WARN;
	}
	avail = (uint64_t)kb << 10;
	if (p->m->ctr == NULL) {
		say (d, cap, "%llu MiB available on %s", mib (avail), there (p));
		return DMIG_CHECK_OK;
	}
	need = used + used / 10 + MEMORY_MARGIN;
	if (avail < need) {
		say (d, cap, "%s has %llu MiB available, the container uses %llu MiB (--force)", there (p), mib (avail),
		     mib (used));
		return refuse (err,
		               "container '%s' uses %llu MiB of memory, and %s has %llu MiB available (%llu MiB with a "
		               "margin wanted): free memory there, or --force to try anyway",
		               p->m->name, mib (used), there (p), mib (avail), mib (need));
	}
	say (d, cap, "the container uses %llu MiB, %s has %llu MiB available", mib (used), there (p), mib (avail));
	return DMIG_CHECK_OK;
}

/* What df -Pk says of path's file system: free bytes, its mount point. */
static int
df_line (const char *out, int nth, uint64_t *free_b, char *mnt, size_t cap)
{
	const char *l = out;
	unsigned long long avail;
	char m[512];

	for (int i = 0; i <= nth && l; i++)
		if ((l = strchr (l, '\n')) != NULL)
			l++;
	if (l == NULL || sscanf (l, "%*s %*s %*s %llu %*s %511s", &avail, m) != 2)
		return -1;
	*free_b = (uint64_t)avail << 10;
	snprintf (mnt, cap, "%s", m);
	return 0;
}

static enum dmig_verdict
c_disk (struct pf *p, char *d, size_t cap, dmig_error_t *err)
{
	struct dmig_move *m = p->m;
	const struct dmig_container *c = m->ctr;
	char data[512], upload[512], out[2048], mdata[512], mup[512] = "";
	uint64_t fdata = 0, fup = 0, mem, layer = 0, vols = 0, image = 0, ndata, nup;
	const struct dmig_mount *mt;
	dmig_error_t e2 = NULL;
	bool have = true;

	if (m->dst->ops->dirs == NULL) {
		say (d, cap, "not asked: %s does not say where it writes", m->dst->ops->title);
		return DMIG_CHECK_OK;
	}
	if (m->dst->ops->dirs (m->dst, data, sizeof (data), upload, sizeof (upload), err) < 0)
		return DMIG_CHECK_ERROR;
	char *argv[] = {"df", "-Pk", "--", data, *upload ? upload : NULL, NULL};
	if (dmig_ssh_run (m->ssh, argv, out, sizeof (out), REMOTE_CMD_MS, &e2) < 0
	    || df_line (out, 0, &fdata, mdata, sizeof (mdata)) < 0
	    || (*upload && df_line (out, 1, &fup, mup, sizeof (mup)) < 0)) {
		say (d, cap, "not read on %s: %s", there (p), e2 ? e2->msg : "df said what dmig cannot read");
		dmig_error_release (&e2);
		return DMIG_CHECK_WARN;
	}
	if (c == NULL) {
		say (d, cap, "%llu MiB free at %s on %s", mib (fdata), data, there (p));
		if (*upload && strcmp (mup, mdata) != 0)
			say (d + strlen (d), cap - strlen (d), ", %llu MiB at %s", mib (fup), upload);
		return DMIG_CHECK_OK;
	}
	/* what the move writes there: the checkpoint (about its memory), the
	 * layer, the volumes, the image when the target lacks it */
	mem = memory_of (m);
	if (c->upper && !m->src->remote)
		layer = dmig_fs_tree_size (c->upper);
	for (size_t i = 0; !m->o->ignore_volumes && (mt = dmig_container_next_volume (c, &i)) != NULL;)
		if (mt->source)
			vols += dmig_fs_tree_size (mt->source);
	if (c->image_id && dmig_image_exists (m->dst, c->image_id, &have, NULL) == 0 && !have
	    && dmig_image_size (m->src, c->image_id, &image, NULL) < 0)
		image = 0;
	/* Docker's checkpoint lands beside the layer; Podman's upload apart,
	 * with the layer in its export */
	ndata = layer + vols + image + (*upload ? 0 : mem);
	nup = *upload ? mem + layer : 0;
	if (*upload && strcmp (mup, mdata) == 0) {
		ndata += nup;
		nup = 0;
	}
	if (ndata > fdata || nup > fup) {
		bool up = ndata <= fdata;
		say (d, cap, "%llu MiB to write at %s on %s, which has %llu MiB free (--force)", mib (up ? nup : ndata),
		     up ? upload : data, there (p), mib (up ? fup : fdata));
		return refuse (
		    err,
		    "the move writes %llu MiB at %s on %s (memory %llu, layer %llu, volumes %llu, image %llu "
		    "MiB), where %llu MiB are free: make room there, or --force to try anyway",
		    mib (up ? nup : ndata), up ? upload : data, there (p), mib (mem), mib (layer), mib (vols),
		    mib (image), mib (up ? fup : fdata));
	}
	say (d, cap, "%llu MiB to write at %s on %s, %llu MiB free", mib (ndata), data, there (p), mib (fdata));
	if (nup)
		say (d + strlen (d), cap - strlen (d), "; %llu MiB at %s, %llu MiB free", mib (nup), upload, mib (fup));
	return DMIG_CHECK_OK;
}

/* ---- what the container needs there ---- */

static enum dmig_verdict
c_journal (struct pf *p, char *d, size_t cap, dmig_error_t *err)
{
	json_object *j = NULL;
	dmig_error_t e2 = NULL;
	char what[512];

	(void)err;
	if (dmig_journal_read (p->m->src->ops->kind, p->m->name, &j, &e2) < 0) {
		say (d, cap, "%s", e2->msg);
		dmig_error_release (&e2);
		return DMIG_CHECK_WARN;
	}
	if (j == NULL) {
		say (d, cap, "no operation of dmig's on it was cut short");
		return DMIG_CHECK_OK;
	}
	dmig_recover_describe (j, what, sizeof (what));
	say (d, cap, "%s: 'dmig recover %s' (or a move, first) finishes or undoes it", what, p->m->name);
	json_object_put (j);
	return DMIG_CHECK_WARN;
}

static enum dmig_verdict
c_name (struct pf *p, char *d, size_t cap, dmig_error_t *err)
{
	struct dmig_container *c = NULL;

	if (dmig_engine_inspect (p->m->dst, p->m->name, &c, err) < 0)
		return DMIG_CHECK_ERROR;
	if (c != NULL) {
		dmig_container_free (c);
		return refuse (err, "a container named '%s' exists on %s already", p->m->name, there (p));
	}
	say (d, cap, "no container named '%s' on %s", p->m->name, there (p));
	return DMIG_CHECK_OK;
}

static enum dmig_verdict
c_image (struct pf *p, char *d, size_t cap, dmig_error_t *err)
{
	const char *id = p->m->ctr->image_id, *name = p->m->ctr->image_name;
	uint64_t size = 0;
	bool have = false;

	if (id == NULL)
		return refuse (err, "the image of container '%s' is unknown", p->m->name);
	if (dmig_image_exists (p->m->dst, id, &have, err) < 0)
		return DMIG_CHECK_ERROR;
	if (have) {
		say (d, cap, "image %.19s (%s) is on %s", id, name ? name : "no name", there (p));
		return DMIG_CHECK_OK;
	}
	if (dmig_image_exists (p->m->src, id, &have, err) < 0)
		return DMIG_CHECK_ERROR;
	if (!have)
		return refuse (err, "image %s of container '%s' is neither here nor on %s: the move cannot ship it", id,
		               p->m->name, there (p));
	if (dmig_image_size (p->m->src, id, &size, NULL) < 0)
		size = 0;
	say (d, cap, "image %.19s (%s, %llu MiB) is shipped to %s before the freeze", id, name ? name : "no name",
	     mib (size), there (p));
	return DMIG_CHECK_OK;
}

/* Ask the target's engine for one of its objects (kind: "networks",
 * "volumes"): the HTTP status, or -1 when it cannot be asked. */
static int
target_has (struct dmig_move *m, const char *kind, const char *name, dmig_error_t *err)
{
	json_object *v = NULL;
	char path[1024];
	int st;

	if (dmig_engine_path (m->dst, true, path, sizeof (path), err, "/%r/%s", kind, name) < 0)
		return -1;
	st = dmig_engine_call (m->dst, "GET", path, NULL, DMIG_API_TIMEOUT_MS, &v, err);
	json_object_put (v);
	return st;
}

/* The container's networks are the target's own: dmig makes none there. */
static enum dmig_verdict
c_networks (struct pf *p, char *d, size_t cap, dmig_error_t *err)
{
	const struct dmig_container *c = p->m->ctr;
	size_t used = 0;

	if (c->nnetworks == 0) {
		say (d, cap, "on no network of its own (network mode '%s')",
		     c->network_mode && *c->network_mode ? c->network_mode : "default");
		return DMIG_CHECK_OK;
	}
	for (size_t i = 0; i < c->nnetworks; i++) {
		int st;
		/* modes every engine has, not networks: Podman 5 lists a
		 * --network none container's as a network 'none', which its
		 * API (and 4.3's) does not know */
		if (strcmp (c->networks[i], "none") == 0 || strcmp (c->networks[i], "host") == 0)
			continue;
		st = target_has (p->m, "networks", c->networks[i], err);
		if (st < 0)
			return DMIG_CHECK_ERROR;
		if (st == 404)
			return refuse (err, "container '%s' is on network '%s', which %s lacks: create it there first",
			               p->m->name, c->networks[i], there (p));
	}
	used = (size_t)snprintf (d, cap, "on network%s ", c->nnetworks == 1 ? "" : "s");
	for (size_t i = 0; i < c->nnetworks && used < cap; i++)
		used += (size_t)snprintf (d + used, cap - used, "%s%s", i ? ", " : "", c->networks[i]);
	if (used < cap)
		snprintf (d + used, cap - used, ", %s on %s", c->nnetworks == 1 ? "there" : "all there", there (p));
	return DMIG_CHECK_OK;
}

static enum dmig_verdict
c_volumes (struct pf *p, char *d, size_t cap, dmig_error_t *err)
{
	const struct dmig_mount *mt;
	int n = 0;

	if (p->m->o->ignore_volumes) {
		say (d, cap, "not carried (--ignore-volumes)");
		return DMIG_CHECK_OK;
	}
	for (size_t i = 0; (mt = dmig_container_next_volume (p->m->ctr, &i)) != NULL; n++) {
		int st = target_has (p->m, "volumes", mt->name, err);
		if (st < 0)
			return DMIG_CHECK_ERROR;
		if (st == 200)
			return refuse (err, "volume '%s' exists on %s already: dmig will not overwrite it", mt->name,
			               there (p));
	}
	if (n == 0)
		say (d, cap, "no named volumes");
	else
		say (d, cap, "%d named volume%s, none on %s yet: the move makes %s there", n, n == 1 ? "" : "s",
		     there (p), n == 1 ? "it" : "them");
	return DMIG_CHECK_OK;
}

/* Bind mounts belong to the host: never copied, they must be there. */
static enum dmig_verdict
c_binds (struct pf *p, char *d, size_t cap, dmig_error_t *err)
{
	const struct dmig_container *c = p->m->ctr;
	const char *first = NULL;
	int n = 0, missing = 0;

	for (size_t i = 0; i < c->nmounts; i++) {
		char *argv[] = {"test", "-e", c->mounts[i].source, NULL};
		dmig_error_t e2 = NULL;

		if (c->mounts[i].type != DMIG_MOUNT_BIND || c->mounts[i].source == NULL)
			continue;
		n++;
		if (dmig_ssh_run (p->m->ssh, argv, NULL, 0, REMOTE_CMD_MS, &e2) < 0 && missing++ == 0)
			first = c->mounts[i].source;
		dmig_error_release (&e2);
	}
	if (missing) {
		char more[64] = "";
		if (missing > 1)
			snprintf (more, sizeof (more), " (nor do %d more)", missing - 1);
		say (d, cap, "bind mount source %s is missing on the target (--force)%s", first, more);
		return refuse (
		    err, "bind mount source %s does not exist on %s%s (it is never copied; make it there, or --force)",
		    first, there (p), more);
	}
	if (n == 0)
		say (d, cap, "no bind mounts");
	else
		say (d, cap, "%d bind mount source%s, on %s too", n, n == 1 ? "" : "s", there (p));
	return DMIG_CHECK_OK;
}

/* CRIU 4 restores a bind from a symlink only as dmig's setup makes it
 * (engine.c). */
static enum dmig_verdict
c_bind_links (struct pf *p, char *d, size_t cap, dmig_error_t *err)
{
	const struct dmig_container *c = p->m->ctr;
	int links = 0;

	for (size_t i = 0; i < c->nmounts; i++) {
		char *argv[] = {"test", "-L", c->mounts[i].source, NULL};
		dmig_error_t e2 = NULL;

		if (c->mounts[i].type != DMIG_MOUNT_BIND || c->mounts[i].source == NULL)
			continue;
		if (dmig_ssh_run (p->m->ssh, argv, NULL, 0, REMOTE_CMD_MS, &e2) < 0) {
			dmig_error_release (&e2);
			continue;
		}
		links++;
		if (!dmig_criu_restores_symlinks (p->m->ssh))
			return refuse (
			    err,
			    "bind mount source %s is a symlink on %s, which CRIU cannot restore: run dmig's "
			    "setup there (scripts/setup-criu.sh), or make it a real folder or file there, not a "
			    "link",
			    c->mounts[i].source, there (p));
	}
	say (d, cap, links ? "CRIU on %s restores the binds from symlinks there" : "no bind mount from a symlink on %s",
	     there (p));
	return DMIG_CHECK_OK;
}

/* ---- the table ---- */

struct entry {
	const char *name;
	unsigned needs, gives;
	bool skippable;
	pf_fn *core;
	dmig_check_fn *ctr; /* engines/check.c's, of the container here */
	const struct dmig_move_check *engine;
};

#define LINK   DMIG_NEED_LINK
#define ENGINE DMIG_NEED_ENGINE
#define KIND   DMIG_NEED_KIND
#define CRIU   (DMIG_NEED_CRIU_HERE | DMIG_NEED_CRIU_THERE)
#define CTR    DMIG_NEED_CONTAINER

/* In order; a move stops at the first refusal. The engine's own checks go
 * between the two parts. */
static const struct entry before[] = {
    {"ssh", 0, LINK, false, c_ssh, NULL, NULL},
    {"engine", LINK, ENGINE, false, c_engine, NULL, NULL},
    {"engine-kind", ENGINE, KIND, false, c_kind, NULL, NULL},
    {"engine-version", KIND, 0, false, c_versions, NULL, NULL},
    {"criu-here", 0, DMIG_NEED_CRIU_HERE, false, c_criu_here, NULL, NULL},
    {"checkpoint-api", KIND, 0, false, c_ready, NULL, NULL},
    {"journal", CTR, 0, false, c_journal, NULL, NULL},
    {"state", CTR, 0, false, NULL, dmig_check_state, NULL},
    {"tty", CTR, 0, false, NULL, dmig_check_tty, NULL},
    {"storage", CTR, 0, false, NULL, dmig_check_storage, NULL},
    {"criu-limits", CTR, 0, false, NULL, dmig_check_restores, NULL},
    {"tcp", CTR, 0, false, NULL, dmig_check_tcp, NULL},
    {"unix-sockets", CTR, 0, true, NULL, dmig_check_unix, NULL},
    {"fds", CTR, 0, true, NULL, dmig_check_fds, NULL},
};

static const struct entry after[] = {
    {"runtime", KIND, 0, false, c_runtime, NULL, NULL},
    {"criu-there", LINK, DMIG_NEED_CRIU_THERE, false, c_criu_there, NULL, NULL},
    {"criu-version", CRIU, 0, true, c_criu_version, NULL, NULL},
    {"kernel", LINK, 0, false, c_kernel, NULL, NULL},
    {"cpu", CRIU, 0, true, c_cpu, NULL, NULL},
    {"name", KIND | CTR, 0, false, c_name, NULL, NULL},
    {"image", KIND | CTR, 0, false, c_image, NULL, NULL},
    {"binds", LINK | CTR, 0, true, c_binds, NULL, NULL},
    {"bind-links", LINK | CTR, 0, false, c_bind_links, NULL, NULL},
    {"networks", KIND | CTR, 0, false, c_networks, NULL, NULL},
    {"volumes", KIND | CTR, 0, false, c_volumes, NULL, NULL},
    {"memory", LINK, 0, true, c_memory, NULL, NULL},
    {"disk", KIND, 0, true, c_disk, NULL, NULL},
};

#define COUNT(a) (sizeof (a) / sizeof ((a)[0]))

/* The check whose failure left the first of the needs unmet. */
static const char *
cause_of (const struct pf *p, unsigned unmet)
{
	for (unsigned b = 0; b < 8; b++)
		if (unmet & (1u << b))
			return p->cause[b] ? p->cause[b] : "?";
	return "?";
}

static enum dmig_verdict
run_one (struct pf *p, const struct entry *e, char *d, size_t cap, dmig_error_t *err)
{
	if (e->core)
		return e->core (p, d, cap, err);
	if (e->engine)
		return e->engine->run (p->m, d, cap, err);
	switch (e->ctr (p->m->src, p->m->ctr, d, cap, err)) {
	case 0:
		return DMIG_CHECK_OK;
	case 1:
		return DMIG_CHECK_WARN;
	default:
		return DMIG_CHECK_FAIL;
	}
}

/* What one check found, for a move (out NULL: 1 to go on, or -1 with err)
 * or for `dmig check` (a line in out). */
static int
note (struct pf *p, const struct entry *e, enum dmig_verdict v, const char *d, struct dmig_checks *out,
      dmig_error_t *err)
{
	const struct dmig_move *m = p->m;
	struct dmig_check_line *more;

	if (out == NULL) {
		switch (v) {
		case DMIG_CHECK_OK:
			dmig_log_debug ("check %s: %s", e->name, d);
			return 1;
		case DMIG_CHECK_WARN:
			dmig_log_warn ("%s: %s", e->name, d);
			return 1;
		case DMIG_CHECK_FAIL:
			if (e->skippable && m->o->force) {
				dmig_log_warn ("--force: check '%s' skipped: %s", e->name, *d ? d : (*err)->msg);
				dmig_error_release (err);
				return 1;
			}
			/* fall through */
		case DMIG_CHECK_ERROR:
			if (err && *err == NULL)
				dmig_error_set (err, DMIG_EPREFLIGHT, 0, "check '%s' failed", e->name);
			return dmig_error_status (err, DMIG_EPREFLIGHT);
		case DMIG_CHECK_SKIP:
			return 1;
		}
		return 1;
	}
	more = realloc (out->lines, (out->n + 1) * sizeof (*more));
	if (more == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	out->lines = more;
	more[out->n] = (struct dmig_check_line){.name = e->name, .result = v, .skippable = e->skippable};
	if (v == DMIG_CHECK_FAIL || v == DMIG_CHECK_ERROR) {
		more[out->n].detail = strdup (err && *err ? (*err)->msg : d);
		out->fails++;
		dmig_error_release (err);
	} else {
		more[out->n].detail = strdup (d);
		out->warns += v == DMIG_CHECK_WARN;
		out->skips += v == DMIG_CHECK_SKIP;
	}
	if (more[out->n].detail == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	out->n++;
	return 1;
}

static int
one (struct pf *p, const struct entry *e, struct dmig_checks *out, dmig_error_t *err)
{
	unsigned unmet = e->needs & ~(unsigned)DMIG_NEED_CONTAINER & ~p->have;
	char d[DETAIL_MAX] = "";
	enum dmig_verdict v;
	dmig_error_t e2 = NULL;

	if ((e->needs & DMIG_NEED_CONTAINER) && p->m->ctr == NULL)
		return 1; /* the host's checks only */
	if (unmet) {
		snprintf (d, sizeof (d), "not checked: check '%s' failed", cause_of (p, unmet));
		v = DMIG_CHECK_SKIP;
	} else
		v = run_one (p, e, d, sizeof (d), &e2);
	if (v == DMIG_CHECK_OK || v == DMIG_CHECK_WARN)
		p->have |= e->gives;
	else
		for (unsigned b = 0; b < 8; b++)
			if (e->gives & (1u << b))
				p->cause[b] = unmet ? cause_of (p, unmet) : e->name;
	if (note (p, e, v, d, out, &e2) < 0) {
		if (err)
			*err = e2;
		else
			dmig_error_release (&e2);
		return -1;
	}
	dmig_error_release (&e2);
	return 1;
}

static int
run (struct dmig_move *m, struct dmig_checks *out, dmig_error_t *err)
{
	const struct dmig_move_check *ec = m->src->ops->move ? m->src->ops->move->checks : NULL;
	struct pf p = {.m = m};

	for (size_t i = 0; i < COUNT (before); i++)
		if (one (&p, &before[i], out, err) < 0)
			return -1;
	for (; ec && ec->name; ec++) {
		/* each needs the target's engine of this kind */
		struct entry e = {.name = ec->name,
		                  .needs = ec->needs | DMIG_NEED_KIND,
		                  .gives = ec->gives,
		                  .skippable = ec->skippable,
		                  .engine = ec};
		if (one (&p, &e, out, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < COUNT (after); i++)
		if (one (&p, &after[i], out, err) < 0)
			return -1;
	return 0;
}

int
dmig_preflight_all (struct dmig_move *m, struct dmig_checks *out, dmig_error_t *err)
{
	memset (out, 0, sizeof (*out));
	if (run (m, out, err) < 0) {
		dmig_preflight_free (out);
		return -1;
	}
	return 0;
}

void
dmig_preflight_free (struct dmig_checks *c)
{
	for (size_t i = 0; i < c->n; i++)
		free (c->lines[i].detail);
	free (c->lines);
	memset (c, 0, sizeof (*c));
}

int
dmig_preflight_move (struct dmig_move *m, dmig_error_t *err)
{
	return run (m, NULL, err);
}

const char *
dmig_preflight_verdict (enum dmig_verdict v)
{
	switch (v) {
	case DMIG_CHECK_OK:
		return "ok";
	case DMIG_CHECK_WARN:
		return "warn";
	case DMIG_CHECK_FAIL:
	case DMIG_CHECK_ERROR:
		return "FAIL";
	case DMIG_CHECK_SKIP:
		return "skip";
	}
	return "?";
}
