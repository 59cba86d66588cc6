/* libssh: the only file that includes libssh.h.
 *
 * libssh sessions are not thread-safe, so after the login one thread (the
 * pump) owns the session and every channel. Callers ask it for channels
 * through a one-slot request; each channel is bridged to one end of a
 * socketpair, whose other end the caller holds.
 *
 * A remote UNIX socket (the target's engine) is reached by direct-streamlocal
 * forwarding, an OpenSSH extension that libssh offers only to a server it
 * takes for OpenSSH: libssh 0.10 reads OpenSSH 10's banner as another
 * server's, and no call changes its guess. Then, or when the server refuses
 * the channel, each connection runs a command there that bridges its stdin
 * and stdout to the socket (the engine's `system dial-stdio`). */
#include "ssh.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libssh/libssh.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fs.h"
#include "interrupt.h"
#include "log.h"

#define BUF               (64 * 1024)
#define MAX_CHANS         32
#define MAX_LISTEN        4
#define CONNECT_TIMEOUT_S 10L
/* A dead link is noticed by TCP keepalives on an idle connection and by the
 * user timeout on unacknowledged data: seconds, not minutes. */
#define KEEPIDLE_S      2
#define KEEPINTVL_S     1
#define KEEPCNT         3
#define USER_TIMEOUT_MS 8000
/* A dial command whose output ended: how long its exit status may take to
 * tell why before the local end is told of the end anyway. */
#define DIAL_LINGER_MS 2000
#define PREFERRED_CIPHERS                                                                                              \
	"aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes256-ctr,aes192-ctr,"           \
	"aes128-ctr"

struct chan {
	ssh_channel ch;
	int fd; /* the pump's end of the socketpair */
	int id;
	bool exec; /* running a command: its stderr and exit status are kept */
	bool dial; /* a command that bridges a listener's connection (lis) */
	int lis;
	size_t answered;  /* bytes that came from the remote side */
	long long eof_ms; /* dial: when its output ended */
	bool local_eof, remote_eof, eof_sent, fd_shut, done, failed;
	int status; /* exit status of a command, -1 until known */
	char to_local[BUF], to_remote[BUF];
	size_t tl_len, tl_off, tr_len, tr_off;
	char err[2048];
	size_t err_len;
};

enum req_type { REQ_NONE, REQ_EXEC, REQ_FORGET, REQ_LISTEN };

/* How a listener's connections reach the remote socket: not decided yet,
 * direct-streamlocal forwarding, or a dial command. */
enum way { WAY_AUTO, WAY_FORWARD, WAY_EXEC };

/* A listener's other way: the dial command (quoted; the listener takes
 * it), as a user would type it, and the way asked for. */
struct listen_args {
	char *dial;
	const char *dial_text;
	enum way way;
};

struct dmig_ssh {
	ssh_session s;
	char name[384];
	pthread_t thread;
	bool running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int wake[2];
	/* the request slot */
	enum req_type req;
	const char *arg;
	struct listen_args *listen; /* REQ_LISTEN's */
	int req_fd, req_id, req_ret;
	char req_err[1536];
	/* local UNIX sockets whose connections are forwarded to the target */
	struct {
		int fd;
		char remote[PATH_MAX];
		char dir[64], path[108];
		enum way way;
		char *dial;                    /* quoted; NULL: no other way */
		char dial_text[PATH_MAX + 64]; /* as a user would type it */
		char no_forward[768];          /* why forwarding was not used */
	} lis[MAX_LISTEN];
	/* the pump's */
	struct chan *chans[MAX_CHANS];
	int next_id;
	bool stop, dead;
	char dead_msg[1024];
	char last_err[1536]; /* why the last forwarded connection failed */
};

const char *
dmig_ssh_name (const struct dmig_ssh *s)
{
	return s->name;
}

bool
dmig_ssh_alive (struct dmig_ssh *s)
{
	bool alive;

	if (s == NULL)
		return false;
	pthread_mutex_lock (&s->mu);
	alive = !s->dead;
	pthread_mutex_unlock (&s->mu);
	return alive;
}

void
dmig_ssh_last_error (struct dmig_ssh *s, char *out, size_t cap)
{
	pthread_mutex_lock (&s->mu);
	snprintf (out, cap, "%s", s->dead ? s->dead_msg : s->last_err);
	pthread_mutex_unlock (&s->mu);
}

static void
set_nonblock (int fd)
{
	fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) | O_NONBLOCK);
}

static void
tune_socket (int fd)
{
	int on = 1, idle = KEEPIDLE_S, intvl = KEEPINTVL_S, cnt = KEEPCNT;
	unsigned int uto = USER_TIMEOUT_MS;

	setsockopt (fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof (on));
	setsockopt (fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof (idle));
	setsockopt (fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof (intvl));
	setsockopt (fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof (cnt));
	setsockopt (fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &uto, sizeof (uto));
	setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof (on));
}

/* What known_hosts says of the host's key. libssh looks up "[host]:port"
 * alone for a port other than 22; OpenSSH, when that name has no entry at
 * all, looks up the bare host too (sshconnect.c, check_host_key: "checking
 * without port identifier") and takes the key if it matches there. Any
 * other key under "[host]:port" (of any type: OpenSSH's HOST_CHANGED) is
 * refused as it is; what the bare host's entry says goes to *portless. */
static enum ssh_known_hosts_e
known_state (ssh_session ss, enum ssh_known_hosts_e *portless)
{
	enum ssh_known_hosts_e state = ssh_session_is_known_server (ss);
	unsigned int port = 22, no_port = 22;

	*portless = SSH_KNOWN_HOSTS_UNKNOWN;
	if (ssh_options_get_port (ss, &port) != SSH_OK || port == 22
	    || (state != SSH_KNOWN_HOSTS_UNKNOWN && state != SSH_KNOWN_HOSTS_NOT_FOUND))
		return state;
	/* the port option names only what to look up now: connected already */
	if (ssh_options_set (ss, SSH_OPTIONS_PORT, &no_port) != SSH_OK)
		return state;
	*portless = ssh_session_is_known_server (ss);
	ssh_options_set (ss, SSH_OPTIONS_PORT, &port);
	return *portless == SSH_KNOWN_HOSTS_OK ? SSH_KNOWN_HOSTS_OK : state;
}

/* The host key must be known: never ask, never add. */
static int
verify_host (struct dmig_ssh *s, dmig_error_t *err)
{
	ssh_key key = NULL;
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp = NULL, *file = NULL;
	enum ssh_known_hosts_e state, portless;
	int ret = -1;

	if (ssh_get_server_publickey (s->s, &key) != SSH_OK
	    || ssh_get_publickey_hash (key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) != 0) {
		dmig_error_set (err, DMIG_EPREFLIGHT, 0, "%s: cannot read its host key: %s", s->name,
		                ssh_get_error (s->s));
		goto out;
	}
	fp = ssh_get_fingerprint_hash (SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	if (ssh_options_get (s->s, SSH_OPTIONS_KNOWNHOSTS, &file) != SSH_OK)
		file = NULL;
	state = known_state (s->s, &portless);
	switch (state) {
	case SSH_KNOWN_HOSTS_OK:
		ret = 0;
		break;
	case SSH_KNOWN_HOSTS_CHANGED:
	case SSH_KNOWN_HOSTS_OTHER:
		dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                "%s: its host key (%s %s) differs from the one in %s: refusing to connect; if the "
		                "host was reinstalled, check the new key and replace the entry (ssh-keygen -R)",
		                s->name, ssh_key_type_to_char (ssh_key_type (key)), fp ? fp : "?",
		                file ? file : "known_hosts");
		break;
	case SSH_KNOWN_HOSTS_NOT_FOUND:
	case SSH_KNOWN_HOSTS_UNKNOWN:
		dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                "%s: host not in %s (its key is %s %s%s): check the key and add it there; dmig never "
		                "accepts an unknown host key",
		                s->name, file ? file : "known_hosts", ssh_key_type_to_char (ssh_key_type (key)),
		                fp ? fp : "?",
		                portless == SSH_KNOWN_HOSTS_CHANGED || portless == SSH_KNOWN_HOSTS_OTHER
		                    ? "; the entry without a port holds another key"
		                    : "");
		break;
	default:
		dmig_error_set (err, DMIG_EPREFLIGHT, 0, "%s: cannot check its host key: %s", s->name,
		                ssh_get_error (s->s));
	}
out:
	ssh_string_free_char (fp);
	ssh_string_free_char (file);
	ssh_clean_pubkey_hash (&hash);
	ssh_key_free (key);
	return ret;
}

static void *pump (void *arg);

/* The ssh config a user named (env: by DMIG_SSH_CONFIG) is a file dmig
 * can read: libssh passes over one it cannot open, silently. */
static int
config_readable (const char *path, bool env, dmig_error_t *err)
{
	const char *by = env ? " that DMIG_SSH_CONFIG names" : "";
	struct stat st;
	int fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), e = 0;

	if (fd < 0)
		return dmig_error_set (err, DMIG_EUSAGE, errno, "cannot read the ssh config '%s'%s", path, by);
	if (fstat (fd, &st) < 0)
		e = errno;
	close (fd);
	if (e != 0)
		return dmig_error_set (err, DMIG_EUSAGE, e, "cannot read the ssh config '%s'%s", path, by);
	if (!S_ISREG (st.st_mode))
		return dmig_error_set (err, DMIG_EUSAGE, 0, "cannot read the ssh config '%s'%s: not a regular file",
		                       path, by);
	return 0;
}

int
dmig_ssh_connect (const struct dmig_target *t, const char *config, struct dmig_ssh **out, dmig_error_t *err)
{
	struct dmig_ssh *s = calloc (1, sizeof (*s));
	long timeout = CONNECT_TIMEOUT_S;
	char *user = NULL;
	unsigned int port = 22;
	int strict = 1, rc;
	bool from_env = false;

	*out = NULL;
	if (s == NULL || (s->s = ssh_new ()) == NULL) {
		free (s);
		return dmig_error_set (err, DMIG_EFAIL, 0, "cannot set up an SSH session");
	}
	s->wake[0] = s->wake[1] = -1;
	for (int i = 0; i < MAX_LISTEN; i++)
		s->lis[i].fd = -1;
	pthread_mutex_init (&s->mu, NULL);
	pthread_cond_init (&s->cv, NULL);
	snprintf (s->name, sizeof (s->name), "%s", t->host);
	if (config == NULL) {
		from_env = true;
		config = getenv ("DMIG_SSH_CONFIG");
		if (config != NULL && *config == '\0')
			config = NULL; /* set but empty: as unset */
	}
	if (config != NULL && config_readable (config, from_env, err) < 0)
		goto fail;
	ssh_options_set (s->s, SSH_OPTIONS_HOST, t->host);
	/* AES-GCM first: with AES instructions it moves checkpoints about a
	 * third faster than chacha20-poly1305 (libssh's first choice). A
	 * Ciphers line in the ssh config still decides. */
	ssh_options_set (s->s, SSH_OPTIONS_CIPHERS_C_S, PREFERRED_CIPHERS);
	ssh_options_set (s->s, SSH_OPTIONS_CIPHERS_S_C, PREFERRED_CIPHERS);
	/* The alias's HostName, User, Port, IdentityFile, UserKnownHostsFile. */
	if (ssh_options_parse_config (s->s, config) != 0 && config != NULL) {
		dmig_error_set (err, DMIG_EUSAGE, 0, "cannot read the ssh config '%s'", config);
		goto fail;
	}
	if (*t->user)
		ssh_options_set (s->s, SSH_OPTIONS_USER, t->user);
	if (t->port)
		ssh_options_set (s->s, SSH_OPTIONS_PORT, &t->port);
	ssh_options_set (s->s, SSH_OPTIONS_TIMEOUT, &timeout);
	ssh_options_set (s->s, SSH_OPTIONS_STRICTHOSTKEYCHECK, &strict);
	/* the port dmig dials, whether or not a user is known yet */
	ssh_options_get_port (s->s, &port);
	if (ssh_options_get (s->s, SSH_OPTIONS_USER, &user) != SSH_OK)
		user = NULL;
	snprintf (s->name, sizeof (s->name), "%s%s%s:%u", user ? user : "", user ? "@" : "", t->host, port);
	ssh_string_free_char (user);
	user = NULL;

	if (ssh_connect (s->s) != SSH_OK) {
		dmig_error_set (err, DMIG_EPREFLIGHT, 0, "cannot connect to %s: %s", s->name, ssh_get_error (s->s));
		goto fail;
	}
	/* the user is known for sure once connected */
	if (ssh_options_get (s->s, SSH_OPTIONS_USER, &user) == SSH_OK) {
		snprintf (s->name, sizeof (s->name), "%s@%s:%u", user, t->host, port);
		ssh_string_free_char (user);
	}
	if (verify_host (s, err) < 0)
		goto fail;
	dmig_log_debug ("%s: cipher %s", s->name, ssh_get_cipher_out (s->s));
	rc = ssh_userauth_publickey_auto (s->s, NULL, NULL);
	if (rc != SSH_AUTH_SUCCESS) {
		dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                "cannot log in to %s: no key was accepted (tried ssh-agent and the identity files; "
		                "dmig uses keys only)",
		                s->name);
		goto fail;
	}
	tune_socket (ssh_get_fd (s->s));
	if (pipe2 (s->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		dmig_error_set (err, DMIG_EFAIL, errno, "pipe");
		goto fail;
	}
	if (pthread_create (&s->thread, NULL, pump, s) != 0) {
		dmig_error_set (err, DMIG_EFAIL, 0, "cannot start the SSH thread");
		goto fail;
	}
	s->running = true;
	*out = s;
	return 0;
fail:
	dmig_ssh_close (s);
	return -1;
}

/* ---- the pump: runs in its own thread, owns the session ---- */

/* A finished command's exit status; -1 when none came (killed by a signal,
 * or the channel closed without one). libssh 0.11 deprecates
 * ssh_channel_get_exit_status for ssh_channel_get_exit_state; both leave
 * the status at -1 when the remote side sent none. */
static int
exit_status (ssh_channel ch)
{
#if LIBSSH_VERSION_INT >= SSH_VERSION_INT(0, 11, 0)
	uint32_t code = (uint32_t)-1;

	if (ssh_channel_get_exit_state (ch, &code, NULL, NULL) != SSH_OK)
		return -1;
	return (int)code;
#else
	return ssh_channel_get_exit_status (ch);
#endif
}

static void
chan_free (struct chan *c)
{
	if (c->ch) {
		if (ssh_channel_is_open (c->ch))
			ssh_channel_close (c->ch);
		ssh_channel_free (c->ch);
	}
	if (c->fd >= 0)
		close (c->fd);
	free (c);
}

static void
mark_dead (struct dmig_ssh *s, const char *why)
{
	char msg[sizeof (s->dead_msg)];

	if (s->dead)
		return;
	s->dead = true;
	/* formatted aside: a member of *s as both a source and the
	 * destination is an overlap to gcc's -Wrestrict (gcc 16) */
	snprintf (msg, sizeof (msg), "the SSH connection to %s failed: %s", s->name, why);
	memcpy (s->dead_msg, msg, sizeof (msg));
	/* Local ends see an error/EOF at once. */
	for (int i = 0; i < MAX_CHANS; i++)
		if (s->chans[i]) {
			s->chans[i]->failed = s->chans[i]->done = true;
			shutdown (s->chans[i]->fd, SHUT_RDWR);
		}
	/* and new connections are refused instead of waiting in a backlog
	 * nobody accepts from any more */
	for (int i = 0; i < MAX_LISTEN; i++)
		if (s->lis[i].fd >= 0) {
			close (s->lis[i].fd);
			s->lis[i].fd = -1;
			unlink (s->lis[i].path);
		}
}

enum chan_kind { CHAN_FORWARD, CHAN_EXEC, CHAN_DIAL };

/* A channel to a remote UNIX socket (exec: running a command; dial: a
 * command that bridges listener lis's connection) bridged to local fd,
 * which it then owns. Returns the channel's id, or -1 with why (what
 * libssh said), fd left to the caller. */
/* src into dst (cap bytes), cut short if need be */
static void
copy_text (char *dst, size_t cap, const char *src)
{
	size_t n = strlen (src);

	if (n > cap - 1)
		n = cap - 1;
	memcpy (dst, src, n);
	dst[n] = '\0';
}

static int
new_chan (struct dmig_ssh *s, enum chan_kind kind, const char *arg, int fd, int lis, char *why, size_t cap)
{
	struct chan *c = NULL;
	int slot = -1, rc;

	if (s->dead) {
		copy_text (why, cap, s->dead_msg);
		return -1;
	}
	for (int i = 0; i < MAX_CHANS && slot < 0; i++)
		if (s->chans[i] == NULL)
			slot = i;
	if (slot < 0 || (c = calloc (1, sizeof (*c))) == NULL) {
		snprintf (why, cap, "too many channels to %s", s->name);
		return -1;
	}
	c->fd = -1;
	c->status = -1;
	c->exec = kind != CHAN_FORWARD;
	c->dial = kind == CHAN_DIAL;
	c->lis = lis;
	c->ch = ssh_channel_new (s->s);
	if (kind == CHAN_FORWARD)
		rc = c->ch ? ssh_channel_open_forward_unix (c->ch, arg, "127.0.0.1", 0) : SSH_ERROR;
	else {
		rc = c->ch ? ssh_channel_open_session (c->ch) : SSH_ERROR;
		if (rc == SSH_OK)
			rc = ssh_channel_request_exec (c->ch, arg);
	}
	if (rc != SSH_OK) {
		snprintf (why, cap, "%s", ssh_get_error (s->s));
		if (!ssh_is_connected (s->s))
			mark_dead (s, ssh_get_error (s->s));
		chan_free (c);
		return -1;
	}
	c->fd = fd;
	set_nonblock (c->fd);
	c->id = ++s->next_id;
	s->chans[slot] = c;
	return c->id;
}

/* A private folder with a socket that the pump accepts connections on. */
/* The private folders of forwarded sockets a killed dmig left in /tmp
 * (each is named by its dmig's PID): those whose dmig is gone go. */
static void
sweep_listeners (void)
{
	struct dirent *d;
	DIR *dh = opendir ("/tmp");

	while (dh && (d = readdir (dh)) != NULL) {
		char dir[300], sock[320], *end;
		struct stat st;
		long pid;

		if (strncmp (d->d_name, "dmig-ssh-", 9) != 0)
			continue;
		pid = strtol (d->d_name + 9, &end, 10);
		if (end == d->d_name + 9 || *end != '-' || pid <= 0 || pid == (long)getpid ()
		    || kill ((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf (dir, sizeof (dir), "/tmp/%s", d->d_name);
		if (lstat (dir, &st) < 0 || !S_ISDIR (st.st_mode) || st.st_uid != geteuid ())
			continue;
		snprintf (sock, sizeof (sock), "%s/engine.sock", dir);
		unlink (sock);
		if (rmdir (dir) == 0)
			dmig_log_debug ("removed %s, left by a dmig that was killed", dir);
	}
	if (dh)
		closedir (dh);
}

/* How listener i's connections go, as far as it can be told before the
 * first: forced by DMIG_SSH_ENGINE_CHANNEL, or a dial command when libssh
 * takes the server for another than OpenSSH (it refuses direct-streamlocal
 * forwarding then: "We're not connected to an OpenSSH server!"). */
static void
choose_way (struct dmig_ssh *s, int i)
{
	struct listen_args *a = s->listen;
	const char *banner;

	s->lis[i].way = a->way;
	s->lis[i].dial = a->dial;
	a->dial = NULL;
	snprintf (s->lis[i].dial_text, sizeof (s->lis[i].dial_text), "%s", a->dial_text ? a->dial_text : "");
	s->lis[i].no_forward[0] = '\0';
	if (s->lis[i].way == WAY_EXEC)
		dmig_log_debug ("%s: the engine's socket %s through '%s' (DMIG_SSH_ENGINE_CHANNEL=exec)", s->name,
		                s->lis[i].remote, s->lis[i].dial_text);
	else if (s->lis[i].way == WAY_FORWARD)
		dmig_log_debug ("%s: the engine's socket %s through direct-streamlocal forwarding "
		                "(DMIG_SSH_ENGINE_CHANNEL=forward)",
		                s->name, s->lis[i].remote);
	if (s->lis[i].way != WAY_AUTO || s->lis[i].dial == NULL || ssh_get_openssh_version (s->s) != 0)
		return;
	banner = ssh_get_serverbanner (s->s);
	snprintf (s->lis[i].no_forward, sizeof (s->lis[i].no_forward),
	          "libssh %s refuses it: it reads the server's banner '%.200s' as not OpenSSH's",
	          SSH_STRINGIFY (LIBSSH_VERSION), banner ? banner : "?");
	s->lis[i].way = WAY_EXEC;
	dmig_log_debug ("%s: %s: the engine's socket %s through '%s'", s->name, s->lis[i].no_forward, s->lis[i].remote,
	                s->lis[i].dial_text);
}

static int
new_listener (struct dmig_ssh *s, const char *remote, char *why, size_t cap)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int slot = -1;

	for (int i = 0; i < MAX_LISTEN && slot < 0; i++)
		if (s->lis[i].dir[0] == '\0')
			slot = i;
	if (slot < 0) {
		snprintf (why, cap, "too many forwarded sockets");
		return -1;
	}
	sweep_listeners ();
	snprintf (s->lis[slot].dir, sizeof (s->lis[slot].dir), "/tmp/dmig-ssh-%ld-XXXXXX", (long)getpid ());
	if (mkdtemp (s->lis[slot].dir) == NULL) { /* 0700: only root gets in */
		snprintf (why, cap, "cannot make a private folder: %s", strerror (errno));
		return -1;
	}
	snprintf (sa.sun_path, sizeof (sa.sun_path), "%s/engine.sock", s->lis[slot].dir);
	memcpy (s->lis[slot].path, sa.sun_path, sizeof (s->lis[slot].path));
	s->lis[slot].fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->lis[slot].fd < 0 || bind (s->lis[slot].fd, (struct sockaddr *)&sa, sizeof (sa)) < 0
	    || listen (s->lis[slot].fd, 16) < 0) {
		snprintf (why, cap, "cannot listen on %s: %s", s->lis[slot].path, strerror (errno));
		if (s->lis[slot].fd >= 0)
			close (s->lis[slot].fd);
		s->lis[slot].fd = -1;
		rmdir (s->lis[slot].dir);
		return -1;
	}
	snprintf (s->lis[slot].remote, sizeof (s->lis[slot].remote), "%s", remote);
	choose_way (s, slot);
	return slot;
}

/* Serve the current request; fills req_fd/req_id/req_ret. */
static void
serve_request (struct dmig_ssh *s)
{
	/* why it failed, written aside (see mark_dead) */
	char why[sizeof (s->req_err)] = "";
	int sp[2] = {-1, -1}, id;

	s->req_ret = -1;
	if (s->req == REQ_FORGET) {
		for (int i = 0; i < MAX_CHANS; i++)
			if (s->chans[i] && s->chans[i]->id == s->req_id) {
				chan_free (s->chans[i]);
				s->chans[i] = NULL;
			}
		s->req_ret = 0;
		return;
	}
	if (s->req == REQ_LISTEN) {
		s->req_id = new_listener (s, s->arg, why, sizeof (why));
		s->req_ret = s->req_id < 0 ? -1 : 0;
		memcpy (s->req_err, why, sizeof (why));
		return;
	}
	if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
		snprintf (s->req_err, sizeof (s->req_err), "socketpair: %s", strerror (errno));
		return;
	}
	id = new_chan (s, CHAN_EXEC, s->arg, sp[0], -1, why, sizeof (why));
	if (id < 0) {
		snprintf (s->req_err, sizeof (s->req_err), "command: %s", why);
		close (sp[0]);
		close (sp[1]);
		return;
	}
	s->req_fd = sp[1];
	s->req_id = id;
	s->req_ret = 0;
}

/* Why listener i's dial command did not reach the socket (what), and why
 * forwarding did not either, on one line into out. */
static void
dial_says (struct dmig_ssh *s, int i, const char *what, char *out, size_t cap)
{
	int n;

	if (*s->lis[i].no_forward)
		n = snprintf (out, cap, "neither direct-streamlocal forwarding (%s) nor '%s' (%s) works",
		              s->lis[i].no_forward, s->lis[i].dial_text, what);
	else
		n = snprintf (out, cap, "'%s' (DMIG_SSH_ENGINE_CHANNEL=exec) does not work (%s)", s->lis[i].dial_text,
		              what);
	if (n >= 0 && (size_t)n >= cap && cap > 4)
		memcpy (out + cap - 4, "...", 4); /* cut short: say so */
}

/* A command's stderr: the first part is kept for messages. */
static void
read_stderr (struct chan *c)
{
	char buf[4096];
	int r;

	while ((r = ssh_channel_read_nonblocking (c->ch, buf, sizeof (buf), 1)) > 0) {
		size_t room = sizeof (c->err) - 1 - c->err_len, k = (size_t)r < room ? (size_t)r : room;
		memcpy (c->err + c->err_len, buf, k);
		c->err_len += k;
		c->err[c->err_len] = '\0';
	}
}

/* A dial command whose output ended: over once its exit status came (or
 * DIAL_LINGER_MS passed without one). One that answered nothing and failed
 * says why in last_err, before the local end is told of the end: the
 * caller that sees it finds the reason there. */
static bool
dial_over (struct dmig_ssh *s, struct chan *c)
{
	char what[sizeof (c->err) + 64], *line, *nl;

	ssh_channel_poll (c->ch, 0);
	if (ssh_channel_is_closed (c->ch))
		c->status = exit_status (c->ch);
	else if (c->eof_ms == 0 || dmig_clock_now_ms () - c->eof_ms < DIAL_LINGER_MS) {
		if (c->eof_ms == 0)
			c->eof_ms = dmig_clock_now_ms ();
		return false;
	}
	if (c->answered > 0 || c->status == 0)
		return true;
	read_stderr (c);
	/* the last line of its stderr: Go's CLIs say what failed there */
	while (c->err_len > 0 && strchr ("\r\n \t", c->err[c->err_len - 1]))
		c->err[--c->err_len] = '\0';
	line = c->err;
	while ((nl = strpbrk (line, "\r\n")) != NULL)
		line = nl + 1;
	if (c->status < 0)
		snprintf (what, sizeof (what), "no exit status%s%s", *line ? ": " : "", line);
	else
		snprintf (what, sizeof (what), "exit %d%s%s", c->status, *line ? ": " : "", line);
	dial_says (s, c->lis, what, s->last_err, sizeof (s->last_err));
	dmig_log_debug ("%s", s->last_err);
	return true;
}

/* Nothing more goes to the remote side: what is buffered is dropped, and
 * the caller's writes fail (EPIPE) instead of blocking on a full socket. */
static void
refuse_input (struct chan *c)
{
	c->local_eof = true;
	c->tr_len = c->tr_off = 0;
	shutdown (c->fd, SHUT_RD);
}

/* Move what can move on one channel without blocking. */
static void
pump_chan (struct dmig_ssh *s, struct chan *c)
{
	ssize_t n;
	int r;

	/* local -> remote, within the window the remote side grants */
	if (!c->local_eof && c->tr_len == 0) {
		n = read (c->fd, c->to_remote, sizeof (c->to_remote));
		if (n > 0)
			c->tr_len = (size_t)n, c->tr_off = 0;
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			c->local_eof = true;
	}
	while (c->tr_off < c->tr_len) {
		uint32_t win = ssh_channel_window_size (c->ch);
		size_t len = c->tr_len - c->tr_off;
		if (win == 0)
			break;
		r = ssh_channel_write (c->ch, c->to_remote + c->tr_off, (uint32_t)(len > win ? win : len));
		if (r <= 0) {
			if (!ssh_is_connected (s->s)) {
				mark_dead (s, ssh_get_error (s->s));
				return;
			}
			/* the remote side stopped reading (a command that exited):
			 * its exit status tells what happened */
			refuse_input (c);
			break;
		}
		c->tr_off += (size_t)r;
	}
	if (c->tr_off == c->tr_len)
		c->tr_len = c->tr_off = 0;
	if (c->local_eof && c->tr_len == 0 && !c->eof_sent && ssh_channel_is_open (c->ch)) {
		ssh_channel_send_eof (c->ch);
		c->eof_sent = true;
	}
	if (c->exec)
		read_stderr (c);
	/* remote -> local */
	if (c->tl_len == 0 && !c->remote_eof) {
		r = ssh_channel_read_nonblocking (c->ch, c->to_local, sizeof (c->to_local), 0);
		if (r > 0)
			c->tl_len = (size_t)r, c->tl_off = 0, c->answered += (size_t)r;
		else if (r == SSH_ERROR && !ssh_is_connected (s->s)) {
			mark_dead (s, ssh_get_error (s->s));
			return;
		} else if (r == SSH_ERROR || r == SSH_EOF || ssh_channel_is_eof (c->ch))
			c->remote_eof = true;
	}
	while (c->tl_off < c->tl_len) {
		n = send (c->fd, c->to_local + c->tl_off, c->tl_len - c->tl_off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			/* the caller closed its end: nobody reads any more */
			c->tl_len = c->tl_off = 0;
			c->remote_eof = c->local_eof = true;
			break;
		}
		c->tl_off += (size_t)n;
	}
	if (c->tl_off == c->tl_len)
		c->tl_len = c->tl_off = 0;
	if (c->remote_eof && c->tl_len == 0) {
		/* the caller learns of a dial's end once its cause is known */
		if (c->dial && !dial_over (s, c))
			return;
		if (!c->fd_shut) {
			shutdown (c->fd, SHUT_WR); /* the caller reads EOF */
			c->fd_shut = true;
		}
		if (!c->exec || c->dial)
			c->done = true;
		else {
			/* the exit status arrives before the channel's close */
			ssh_channel_poll (c->ch, 0);
			if (ssh_channel_is_closed (c->ch)) {
				c->status = exit_status (c->ch);
				c->done = true;
				if (!c->local_eof)
					refuse_input (c);
			}
		}
	}
}

/* A connection to listener i, fd, to the remote socket: forwarded, or
 * through the dial command once forwarding is refused (by libssh or the
 * server). Returns the channel's id, or -1 with why. */
static int
engine_chan (struct dmig_ssh *s, int i, int fd, char *why, size_t cap)
{
	char said[512];
	int id;

	if (s->lis[i].way != WAY_EXEC) {
		said[0] = '\0';
		id = new_chan (s, CHAN_FORWARD, s->lis[i].remote, fd, -1, said, sizeof (said));
		if (id >= 0 && s->lis[i].way == WAY_AUTO) {
			s->lis[i].way = WAY_FORWARD;
			dmig_log_debug ("%s: the engine's socket %s through direct-streamlocal forwarding", s->name,
			                s->lis[i].remote);
		}
		if (id >= 0 || s->lis[i].way == WAY_FORWARD || s->lis[i].dial == NULL || s->dead) {
			if (id < 0)
				snprintf (why, cap, "%s: %s", s->lis[i].remote, said);
			return id;
		}
		snprintf (s->lis[i].no_forward, sizeof (s->lis[i].no_forward), "libssh: %s", said);
		s->lis[i].way = WAY_EXEC;
		dmig_log_debug (
		    "%s: direct-streamlocal forwarding to %s refused (%s): the engine's socket through '%s'", s->name,
		    s->lis[i].remote, said, s->lis[i].dial_text);
	}
	said[0] = '\0';
	id = new_chan (s, CHAN_DIAL, s->lis[i].dial, fd, i, said, sizeof (said));
	if (id < 0) {
		char what[sizeof (said) + 16];
		snprintf (what, sizeof (what), "cannot run it: %s", said);
		dial_says (s, i, what, why, cap);
	}
	return id;
}

static void *
pump (void *arg)
{
	struct dmig_ssh *s = arg;
	long long last_keepalive = dmig_clock_now_ms ();

	pthread_mutex_lock (&s->mu);
	while (!s->stop) {
		struct pollfd p[MAX_CHANS + MAX_LISTEN + 2];
		int np = 0;
		char drain[64];

		if (s->req != REQ_NONE && s->req_ret == 1) {
			serve_request (s);
			pthread_cond_broadcast (&s->cv);
		}
		if (!s->dead) {
			for (int i = 0; i < MAX_CHANS; i++) {
				if (s->chans[i] && !s->chans[i]->done) {
					pump_chan (s, s->chans[i]);
					if (s->chans[i] && s->chans[i]->done)
						pthread_cond_broadcast (&s->cv);
				}
				/* a finished socket channel has nobody to wait for it */
				if (s->chans[i] && s->chans[i]->done && (!s->chans[i]->exec || s->chans[i]->dial)) {
					chan_free (s->chans[i]);
					s->chans[i] = NULL;
				}
			}
			if (dmig_clock_now_ms () - last_keepalive > 2000) {
				/* traffic for the keepalive timers to measure */
				ssh_send_ignore (s->s, "");
				last_keepalive = dmig_clock_now_ms ();
				if (!ssh_is_connected (s->s)) {
					mark_dead (s, ssh_get_error (s->s));
					pthread_cond_broadcast (&s->cv);
				}
			}
		}
		/* new local connections to forward */
		for (int i = 0; i < MAX_LISTEN && !s->dead; i++) {
			char why[sizeof (s->last_err)];
			int fd;
			while (s->lis[i].fd >= 0
			       && (fd = accept4 (s->lis[i].fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
				why[0] = '\0';
				if (engine_chan (s, i, fd, why, sizeof (why)) < 0) {
					close (fd);
					memcpy (s->last_err, why, sizeof (why));
					dmig_log_debug ("%s", s->last_err);
				}
			}
		}
		/* sleep until the session, a local end or a request has news */
		p[np++] = (struct pollfd){.fd = s->wake[0], .events = POLLIN};
		for (int i = 0; i < MAX_LISTEN && !s->dead; i++)
			if (s->lis[i].fd >= 0)
				p[np++] = (struct pollfd){.fd = s->lis[i].fd, .events = POLLIN};
		if (!s->dead)
			p[np++] = (struct pollfd){.fd = ssh_get_fd (s->s), .events = POLLIN};
		for (int i = 0; i < MAX_CHANS && !s->dead; i++) {
			struct chan *c = s->chans[i];
			if (c == NULL || c->done)
				continue;
			p[np] = (struct pollfd){.fd = c->fd};
			if (!c->local_eof && c->tr_len == 0)
				p[np].events |= POLLIN;
			if (c->tl_len > 0)
				p[np].events |= POLLOUT;
			np++;
		}
		pthread_mutex_unlock (&s->mu);
		/* short: libssh may hold data it already read from the socket */
		poll (p, (nfds_t)np, 20);
		while (read (s->wake[0], drain, sizeof (drain)) > 0)
			;
		pthread_mutex_lock (&s->mu);
	}
	pthread_mutex_unlock (&s->mu);
	return NULL;
}

/* ---- callers' side ---- */

static int
request (struct dmig_ssh *s, enum req_type type, const char *arg, struct listen_args *listen, int *fd, int *id,
         dmig_error_t *err)
{
	int ret;

	pthread_mutex_lock (&s->mu);
	s->req = type;
	s->arg = arg;
	s->listen = listen;
	s->req_id = id ? *id : 0;
	s->req_ret = 1; /* pending */
	s->req_err[0] = '\0';
	if (write (s->wake[1], "x", 1) < 0 && errno != EAGAIN)
		dmig_log_debug ("wake: %s", strerror (errno));
	while (s->req_ret == 1)
		pthread_cond_wait (&s->cv, &s->mu);
	ret = s->req_ret;
	if (ret == 0 && fd)
		*fd = s->req_fd;
	if (ret == 0 && id)
		*id = s->req_id;
	if (ret < 0)
		dmig_error_set (err, DMIG_EFAIL, 0, "%s", s->req_err);
	s->req = REQ_NONE;
	pthread_mutex_unlock (&s->mu);
	return ret;
}

int
dmig_ssh_forward_unix (struct dmig_ssh *s, const char *remote, char *const dial[], char *local, size_t cap,
                       dmig_error_t *err)
{
	const char *knob = getenv ("DMIG_SSH_ENGINE_CHANNEL");
	char text[sizeof (s->lis[0].dial_text)] = "";
	enum way way = WAY_AUTO;
	struct listen_args args;
	char *line = NULL;
	int slot = -1, r;

	if (knob && strcmp (knob, "exec") == 0)
		way = WAY_EXEC;
	else if (knob && strcmp (knob, "forward") == 0)
		way = WAY_FORWARD;
	else if (knob && *knob)
		return dmig_error_set (err, DMIG_EUSAGE, 0, "DMIG_SSH_ENGINE_CHANNEL is '%s': use forward or exec",
		                       knob);
	if (dial && (line = dmig_target_shell_quote (dial)) == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "empty remote command");
	if (way == WAY_EXEC && line == NULL)
		return dmig_error_set (err, DMIG_EUSAGE, 0, "DMIG_SSH_ENGINE_CHANNEL=exec: no command reaches %s",
		                       remote);
	for (size_t i = 0, len = 0; dial && dial[i] && len < sizeof (text); i++)
		len += (size_t)snprintf (text + len, sizeof (text) - len, "%s%s", i ? " " : "", dial[i]);
	args = (struct listen_args){.dial = line, .dial_text = text, .way = way};
	r = request (s, REQ_LISTEN, remote, &args, NULL, &slot, err);
	free (args.dial); /* not taken: no listener */
	if (r < 0)
		return dmig_error_wrap (err, "cannot forward %s on %s", remote, s->name);
	snprintf (local, cap, "%s", s->lis[slot].path);
	return 0;
}

int
dmig_ssh_open_exec (struct dmig_ssh *s, char *const argv[], int *fd, int *id, dmig_error_t *err)
{
	char *line = dmig_target_shell_quote (argv);
	int r;

	if (line == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "empty remote command");
	dmig_log_debug ("%s: %s", s->name, line);
	*id = 0;
	r = request (s, REQ_EXEC, line, NULL, fd, id, err);
	free (line);
	if (r < 0)
		return dmig_error_wrap (err, "cannot run '%s' on %s", argv[0], s->name);
	return 0;
}

int
dmig_ssh_wait (struct dmig_ssh *s, int id, long timeout_ms, int *status, char *errtext, size_t cap, dmig_error_t *err)
{
	struct timespec until;
	struct chan *c = NULL;
	int ret = -1;

	clock_gettime (CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock (&s->mu);
	for (;;) {
		c = NULL;
		for (int i = 0; i < MAX_CHANS; i++)
			if (s->chans[i] && s->chans[i]->id == id)
				c = s->chans[i];
		if (c == NULL || c->done)
			break;
		if (pthread_cond_timedwait (&s->cv, &s->mu, &until) == ETIMEDOUT) {
			dmig_error_set (err, DMIG_EFAIL, 0, "%s: the remote command did not finish in %ld s", s->name,
			                timeout_ms / 1000);
			goto out;
		}
	}
	if (c == NULL)
		dmig_error_set (err, DMIG_EFAIL, 0, "%s: no such remote command", s->name);
	else if (c->failed)
		dmig_error_set (err, DMIG_EFAIL, 0, "%s",
		                s->dead ? s->dead_msg : "the remote command's channel failed");
	else {
		*status = c->status;
		if (errtext && cap)
			snprintf (errtext, cap, "%s", c->err);
		ret = 0;
	}
out:
	pthread_mutex_unlock (&s->mu);
	if (c != NULL && ret == 0)
		request (s, REQ_FORGET, NULL, NULL, NULL, &id, NULL);
	return ret;
}

int
dmig_ssh_run (struct dmig_ssh *s, char *const argv[], char *out, size_t cap, long timeout_ms, dmig_error_t *err)
{
	char errtext[1024];
	int fd, id, status = -1, r;
	long long deadline = dmig_clock_now_ms () + timeout_ms;

	if (dmig_ssh_open_exec (s, argv, &fd, &id, err) < 0)
		return -1;
	shutdown (fd, SHUT_WR); /* no input */
	r = dmig_fs_read_all (fd, out, cap, deadline);
	close (fd);
	if (r < 0) {
		dmig_error_set (err, DMIG_EFAIL, 0,
		                dmig_interrupted ? "%s: '%s' interrupted" : "%s: '%s' did not answer in time", s->name,
		                argv[0]);
		return dmig_error_code (err, dmig_interrupted ? EINTR : ETIMEDOUT);
	}
	if (dmig_ssh_wait (s, id, deadline - dmig_clock_now_ms () > 1000 ? deadline - dmig_clock_now_ms () : 1000,
	                   &status, errtext, sizeof (errtext), err)
	    < 0)
		return -1;
	if (status != 0) {
		errtext[strcspn (errtext, "\n")] = '\0';
		return dmig_error_set (err, DMIG_EFAIL, 0, "%s: '%s' exited %d%s%s", s->name, argv[0], status,
		                       *errtext ? ": " : "", errtext);
	}
	return 0;
}

void
dmig_ssh_close (struct dmig_ssh *s)
{
	if (s == NULL)
		return;
	if (s->running) {
		pthread_mutex_lock (&s->mu);
		s->stop = true;
		pthread_mutex_unlock (&s->mu);
		if (write (s->wake[1], "x", 1) < 0)
			dmig_log_debug ("wake: %s", strerror (errno));
		pthread_join (s->thread, NULL);
	}
	for (int i = 0; i < MAX_CHANS; i++)
		if (s->chans[i])
			chan_free (s->chans[i]);
	for (int i = 0; i < MAX_LISTEN; i++)
		if (*s->lis[i].dir) {
			if (s->lis[i].fd >= 0)
				close (s->lis[i].fd);
			unlink (s->lis[i].path);
			rmdir (s->lis[i].dir);
			free (s->lis[i].dial);
		}
	if (s->s) {
		if (ssh_is_connected (s->s))
			ssh_disconnect (s->s);
		ssh_free (s->s);
	}
	if (s->wake[0] >= 0)
		close (s->wake[0]);
	if (s->wake[1] >= 0)
		close (s->wake[1]);
	pthread_mutex_destroy (&s->mu);
	pthread_cond_destroy (&s->cv);
	free (s);
}
