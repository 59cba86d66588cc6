// WRAP: ssh_new ssh_free ssh_options_set ssh_options_get ssh_options_get_port ssh_options_parse_config
// WRAP: ssh_connect ssh_disconnect ssh_is_connected ssh_get_fd ssh_get_error ssh_get_server_publickey
// WRAP: ssh_get_publickey_hash ssh_get_fingerprint_hash ssh_clean_pubkey_hash ssh_key_free ssh_key_type
// WRAP: ssh_key_type_to_char ssh_session_is_known_server ssh_string_free_char ssh_get_cipher_out
// WRAP: ssh_userauth_publickey_auto ssh_send_ignore ssh_get_openssh_version ssh_get_serverbanner
// WRAP: ssh_channel_new ssh_channel_free ssh_channel_close ssh_channel_is_open ssh_channel_is_closed
// WRAP: ssh_channel_is_eof ssh_channel_open_forward_unix ssh_channel_open_session ssh_channel_request_exec
// WRAP: ssh_channel_window_size ssh_channel_write ssh_channel_send_eof ssh_channel_read_nonblocking
// WRAP: ssh_channel_poll ssh_channel_get_exit_status ssh_channel_get_exit_state
/* The SSH seam over a scripted libssh (the test is the one file besides
 * src/ssh.c that includes libssh.h: it plays the library). A server that
 * libssh takes for OpenSSH or not, that grants or refuses direct-streamlocal
 * forwarding, and commands that bridge to an engine, are missing, or hang.
 * Connecting: an ssh config the user named must be there (libssh passes
 * over a file it cannot open, and the move would go on without it).
 * Reaching the target's engine: forwarding when libssh and the server allow
 * it, else the engine's dial-stdio, one channel per connection, its command
 * quoted, its failure said on one line with its exit status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <libssh/libssh.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "engine.h"
#include "fs.h"
#include "http.h"
#include "log.h"
#include "migrate.h"
#include "ssh.h"
#include "target.h"

#define VERSION_JSON                                                                                                   \
	"{\"Version\":\"20.10.24\",\"ApiVersion\":\"1.41\",\"MinAPIVersion\":\"1.12\",\"Components\":[{\"Name\":"      \
	"\"Engine\"}]}"
#define NOT_OPENSSH "We're not connected to an OpenSSH server!"

/* What a command (or a forwarded socket) on the scripted server does. */
enum remote {
	ENGINE,  /* answers every HTTP request with the engine's /version */
	MISSING, /* exits at once, with fake.missing_err and fake.missing_status */
	HANGS,   /* closes its output and never exits */
};

/* The server and libssh as a test sets them; what dmig asked of them. */
static struct {
	pthread_mutex_t mu;
	int openssh; /* ssh_get_openssh_version: 0 when libssh took it for another */
	bool forward_refused;
	const char *connect_error; /* ssh_connect fails with it */
	enum remote dial;          /* what a command does */
	const char *missing_err;
	int missing_status;
	const char *config; /* what ssh_options_parse_config was given */
	bool config_given;
	unsigned int port;   /* set by SSH_OPTIONS_PORT (22 unless) */
	bool no_user;        /* no user known before the connect */
	int forwards, execs; /* channels opened */
	char forwarded[256];
	char cmds[8][1024];
	char error[256]; /* ssh_get_error */
} fake = {.mu = PTHREAD_MUTEX_INITIALIZER};

struct fake_chan {
	bool open, closed, eof_out, is_exec;
	enum remote does;
	int status;
	char in[4096], out[8192], err[1024];
	size_t in_len, out_len, out_off, err_len, err_off;
};

static int session_dummy, key_dummy;

static int
counted (int *n)
{
	int v;

	pthread_mutex_lock (&fake.mu);
	v = *n;
	pthread_mutex_unlock (&fake.mu);
	return v;
}

/* ---- the session ---- */

ssh_session __wrap_ssh_new (void);
ssh_session
__wrap_ssh_new (void)
{
	return (ssh_session)&session_dummy;
}

void __wrap_ssh_free (ssh_session s);
void
__wrap_ssh_free (ssh_session s)
{
	(void)s;
}

int __wrap_ssh_options_set (ssh_session s, enum ssh_options_e type, const void *value);
int
__wrap_ssh_options_set (ssh_session s, enum ssh_options_e type, const void *value)
{
	(void)s;
	if (type == SSH_OPTIONS_PORT)
		fake.port = (unsigned int)*(const int *)value;
	return SSH_OK;
}

int __wrap_ssh_options_get (ssh_session s, enum ssh_options_e type, char **value);
int
__wrap_ssh_options_get (ssh_session s, enum ssh_options_e type, char **value)
{
	(void)s;
	if (type != SSH_OPTIONS_USER || fake.no_user)
		return SSH_ERROR;
	*value = strdup ("root");
	return SSH_OK;
}

int __wrap_ssh_options_get_port (ssh_session s, unsigned int *port);
int
__wrap_ssh_options_get_port (ssh_session s, unsigned int *port)
{
	(void)s;
	*port = fake.port ? fake.port : 22;
	return SSH_OK;
}

int __wrap_ssh_options_parse_config (ssh_session s, const char *file);
int
__wrap_ssh_options_parse_config (ssh_session s, const char *file)
{
	(void)s;
	fake.config = file;
	fake.config_given = true;
	return 0;
}

int __wrap_ssh_connect (ssh_session s);
int
__wrap_ssh_connect (ssh_session s)
{
	(void)s;
	if (fake.connect_error == NULL)
		return SSH_OK;
	snprintf (fake.error, sizeof (fake.error), "%s", fake.connect_error);
	return SSH_ERROR;
}

void __wrap_ssh_disconnect (ssh_session s);
void
__wrap_ssh_disconnect (ssh_session s)
{
	(void)s;
}

int __wrap_ssh_is_connected (ssh_session s);
int
__wrap_ssh_is_connected (ssh_session s)
{
	(void)s;
	return 1;
}

socket_t __wrap_ssh_get_fd (ssh_session s);
socket_t
__wrap_ssh_get_fd (ssh_session s)
{
	(void)s;
	return -1;
}

const char *__wrap_ssh_get_error (void *s);
const char *
__wrap_ssh_get_error (void *s)
{
	(void)s;
	return fake.error;
}

int __wrap_ssh_get_server_publickey (ssh_session s, ssh_key *key);
int
__wrap_ssh_get_server_publickey (ssh_session s, ssh_key *key)
{
	(void)s;
	*key = (ssh_key)&key_dummy;
	return SSH_OK;
}

int __wrap_ssh_get_publickey_hash (const ssh_key key, enum ssh_publickey_hash_type type, unsigned char **hash,
                                   size_t *hlen);
int
__wrap_ssh_get_publickey_hash (const ssh_key key, enum ssh_publickey_hash_type type, unsigned char **hash, size_t *hlen)
{
	(void)key;
	(void)type;
	*hash = calloc (1, 32);
	*hlen = 32;
	return 0;
}

char *__wrap_ssh_get_fingerprint_hash (enum ssh_publickey_hash_type type, unsigned char *hash, size_t len);
char *
__wrap_ssh_get_fingerprint_hash (enum ssh_publickey_hash_type type, unsigned char *hash, size_t len)
{
	(void)type;
	(void)hash;
	(void)len;
	return strdup ("SHA256:test");
}

void __wrap_ssh_clean_pubkey_hash (unsigned char **hash);
void
__wrap_ssh_clean_pubkey_hash (unsigned char **hash)
{
	free (*hash);
	*hash = NULL;
}

void __wrap_ssh_key_free (ssh_key key);
void
__wrap_ssh_key_free (ssh_key key)
{
	(void)key;
}

enum ssh_keytypes_e __wrap_ssh_key_type (const ssh_key key);
enum ssh_keytypes_e
__wrap_ssh_key_type (const ssh_key key)
{
	(void)key;
	return SSH_KEYTYPE_ED25519;
}

const char *__wrap_ssh_key_type_to_char (enum ssh_keytypes_e type);
const char *
__wrap_ssh_key_type_to_char (enum ssh_keytypes_e type)
{
	(void)type;
	return "ssh-ed25519";
}

enum ssh_known_hosts_e __wrap_ssh_session_is_known_server (ssh_session s);
enum ssh_known_hosts_e
__wrap_ssh_session_is_known_server (ssh_session s)
{
	(void)s;
	return SSH_KNOWN_HOSTS_OK;
}

void __wrap_ssh_string_free_char (char *s);
void
__wrap_ssh_string_free_char (char *s)
{
	free (s);
}

const char *__wrap_ssh_get_cipher_out (ssh_session s);
const char *
__wrap_ssh_get_cipher_out (ssh_session s)
{
	(void)s;
	return "aes128-gcm@openssh.com";
}

int __wrap_ssh_userauth_publickey_auto (ssh_session s, const char *user, const char *pass);
int
__wrap_ssh_userauth_publickey_auto (ssh_session s, const char *user, const char *pass)
{
	(void)s;
	(void)user;
	(void)pass;
	return SSH_AUTH_SUCCESS;
}

int __wrap_ssh_send_ignore (ssh_session s, const char *data);
int
__wrap_ssh_send_ignore (ssh_session s, const char *data)
{
	(void)s;
	(void)data;
	return SSH_OK;
}

int __wrap_ssh_get_openssh_version (ssh_session s);
int
__wrap_ssh_get_openssh_version (ssh_session s)
{
	(void)s;
	return fake.openssh;
}

const char *__wrap_ssh_get_serverbanner (ssh_session s);
const char *
__wrap_ssh_get_serverbanner (ssh_session s)
{
	(void)s;
	return fake.openssh ? "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u7" : "SSH-2.0-OpenSSH_10.0p2 Debian-7";
}

/* ---- channels: the remote end runs here, in the pump's thread ---- */

ssh_channel __wrap_ssh_channel_new (ssh_session s);
ssh_channel
__wrap_ssh_channel_new (ssh_session s)
{
	(void)s;
	return (ssh_channel)calloc (1, sizeof (struct fake_chan));
}

void __wrap_ssh_channel_free (ssh_channel ch);
void
__wrap_ssh_channel_free (ssh_channel ch)
{
	free (ch);
}

int __wrap_ssh_channel_close (ssh_channel ch);
int
__wrap_ssh_channel_close (ssh_channel ch)
{
	((struct fake_chan *)ch)->closed = true;
	return SSH_OK;
}

int __wrap_ssh_channel_is_open (ssh_channel ch);
int
__wrap_ssh_channel_is_open (ssh_channel ch)
{
	struct fake_chan *c = (struct fake_chan *)ch;
	return c->open && !c->closed;
}

int __wrap_ssh_channel_is_closed (ssh_channel ch);
int
__wrap_ssh_channel_is_closed (ssh_channel ch)
{
	return ((struct fake_chan *)ch)->closed;
}

int __wrap_ssh_channel_is_eof (ssh_channel ch);
int
__wrap_ssh_channel_is_eof (ssh_channel ch)
{
	struct fake_chan *c = (struct fake_chan *)ch;
	return c->eof_out && c->out_off == c->out_len;
}

int __wrap_ssh_channel_open_forward_unix (ssh_channel ch, const char *path, const char *host, int port);
int
__wrap_ssh_channel_open_forward_unix (ssh_channel ch, const char *path, const char *host, int port)
{
	struct fake_chan *c = (struct fake_chan *)ch;

	(void)host;
	(void)port;
	pthread_mutex_lock (&fake.mu);
	fake.forwards++;
	snprintf (fake.forwarded, sizeof (fake.forwarded), "%s", path);
	pthread_mutex_unlock (&fake.mu);
	/* libssh's own check, then the server's answer */
	if (fake.openssh == 0) {
		snprintf (fake.error, sizeof (fake.error), NOT_OPENSSH);
		return SSH_ERROR;
	}
	if (fake.forward_refused) {
		snprintf (fake.error, sizeof (fake.error),
		          "Channel opening failure: channel 43 error (1) administratively prohibited");
		return SSH_ERROR;
	}
	c->open = true;
	c->does = ENGINE;
	return SSH_OK;
}

int __wrap_ssh_channel_open_session (ssh_channel ch);
int
__wrap_ssh_channel_open_session (ssh_channel ch)
{
	((struct fake_chan *)ch)->open = true;
	return SSH_OK;
}

int __wrap_ssh_channel_request_exec (ssh_channel ch, const char *cmd);
int
__wrap_ssh_channel_request_exec (ssh_channel ch, const char *cmd)
{
	struct fake_chan *c = (struct fake_chan *)ch;

	pthread_mutex_lock (&fake.mu);
	if (fake.execs < 8)
		snprintf (fake.cmds[fake.execs], sizeof (fake.cmds[0]), "%s", cmd);
	fake.execs++;
	pthread_mutex_unlock (&fake.mu);
	c->is_exec = true;
	c->status = -1;
	c->does = fake.dial;
	if (c->does == MISSING) {
		c->err_len = (size_t)snprintf (c->err, sizeof (c->err), "%s", fake.missing_err);
		c->status = fake.missing_status;
		c->eof_out = c->closed = true;
	} else if (c->does == HANGS)
		c->eof_out = true;
	return SSH_OK;
}

uint32_t __wrap_ssh_channel_window_size (ssh_channel ch);
uint32_t
__wrap_ssh_channel_window_size (ssh_channel ch)
{
	(void)ch;
	return 65536;
}

/* An engine: each request's header answered with /version. */
int __wrap_ssh_channel_write (ssh_channel ch, const void *data, uint32_t len);
int
__wrap_ssh_channel_write (ssh_channel ch, const void *data, uint32_t len)
{
	struct fake_chan *c = (struct fake_chan *)ch;
	char *end;

	if (c->closed || c->does != ENGINE || len > sizeof (c->in) - 1 - c->in_len)
		return SSH_ERROR;
	memcpy (c->in + c->in_len, data, len);
	c->in_len += len;
	c->in[c->in_len] = '\0';
	while ((end = strstr (c->in, "\r\n\r\n")) != NULL) {
		size_t used = (size_t)(end + 4 - c->in);
		c->out_len += (size_t)snprintf (c->out + c->out_len, sizeof (c->out) - c->out_len,
		                                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		                                "Content-Length: %zu\r\n\r\n%s",
		                                strlen (VERSION_JSON), VERSION_JSON);
		memmove (c->in, c->in + used, c->in_len - used + 1);
		c->in_len -= used;
	}
	return (int)len;
}

/* The client's end of input: an engine closes, its dial-stdio exits 0. */
int __wrap_ssh_channel_send_eof (ssh_channel ch);
int
__wrap_ssh_channel_send_eof (ssh_channel ch)
{
	struct fake_chan *c = (struct fake_chan *)ch;

	if (c->does == ENGINE) {
		c->eof_out = c->closed = true;
		c->status = 0;
	}
	return SSH_OK;
}

int __wrap_ssh_channel_read_nonblocking (ssh_channel ch, void *dest, uint32_t count, int is_stderr);
int
__wrap_ssh_channel_read_nonblocking (ssh_channel ch, void *dest, uint32_t count, int is_stderr)
{
	struct fake_chan *c = (struct fake_chan *)ch;
	char *buf = is_stderr ? c->err : c->out;
	size_t *off = is_stderr ? &c->err_off : &c->out_off, len = is_stderr ? c->err_len : c->out_len;
	size_t n = len - *off < count ? len - *off : count;

	memcpy (dest, buf + *off, n);
	*off += n;
	return (int)n;
}

int __wrap_ssh_channel_poll (ssh_channel ch, int is_stderr);
int
__wrap_ssh_channel_poll (ssh_channel ch, int is_stderr)
{
	struct fake_chan *c = (struct fake_chan *)ch;
	(void)is_stderr;
	return (int)(c->out_len - c->out_off);
}

int __wrap_ssh_channel_get_exit_status (ssh_channel ch);
int
__wrap_ssh_channel_get_exit_status (ssh_channel ch)
{
	return ((struct fake_chan *)ch)->status;
}

#if LIBSSH_VERSION_INT >= SSH_VERSION_INT(0, 11, 0)
int __wrap_ssh_channel_get_exit_state (ssh_channel ch, uint32_t *code, char **signal, int *core);
int
__wrap_ssh_channel_get_exit_state (ssh_channel ch, uint32_t *code, char **signal, int *core)
{
	(void)signal;
	(void)core;
	if (((struct fake_chan *)ch)->status < 0)
		return SSH_ERROR;
	*code = (uint32_t)((struct fake_chan *)ch)->status;
	return SSH_OK;
}
#endif

/* ---- the tests ---- */

static char dir[64];

static int
setup (void **state)
{
	(void)state;
	pthread_mutex_lock (&fake.mu);
	fake.openssh = SSH_VERSION_INT (9, 2, 0);
	fake.forward_refused = false;
	fake.connect_error = NULL;
	fake.dial = ENGINE;
	fake.missing_err = "sh: 1: docker: not found\n";
	fake.missing_status = 127;
	fake.config = NULL;
	fake.config_given = false;
	fake.port = 0;
	fake.no_user = false;
	fake.forwards = fake.execs = 0;
	fake.forwarded[0] = fake.error[0] = '\0';
	memset (fake.cmds, 0, sizeof (fake.cmds));
	pthread_mutex_unlock (&fake.mu);
	unsetenv ("DMIG_SSH_ENGINE_CHANNEL");
	snprintf (dir, sizeof (dir), "/tmp/dmig-ssh-XXXXXX");
	assert_non_null (mkdtemp (dir));
	return 0;
}

static int
teardown (void **state)
{
	(void)state;
	unsetenv ("DMIG_SSH_CONFIG");
	unsetenv ("DMIG_SSH_ENGINE_CHANNEL");
	dmig_fs_rm_rf (dir, NULL);
	return 0;
}

/* dmig_ssh_connect with DMIG_SSH_CONFIG set to config, to a server that
 * is not there: fails, with that status, saying that. */
static void
connect_fails (const char *config, int status, const char *says)
{
	struct dmig_target t;
	struct dmig_ssh *s = NULL;
	dmig_error_t err = NULL;

	assert_int_equal (dmig_target_parse ("127.0.0.1:1", &t, &err), 0);
	if (config)
		setenv ("DMIG_SSH_CONFIG", config, 1);
	else
		unsetenv ("DMIG_SSH_CONFIG");
	fake.config_given = false;
	fake.connect_error = "Connection refused";
	assert_int_equal (dmig_ssh_connect (&t, NULL, &s, &err), -1);
	assert_null (s);
	assert_non_null (err);
	assert_null (strchr (err->msg, '\n'));
	if (err->status != status || strstr (err->msg, says) == NULL)
		fail_msg ("exit %d, '%s': expected %d, '%s'", err->status, err->msg, status, says);
	dmig_error_release (&err);
}

static void
named_config_must_be_there (void **state)
{
	char path[128];
	FILE *f;
	(void)state;

	connect_fails ("/nonexistent/ssh_config", DMIG_EUSAGE,
	               "cannot read the ssh config '/nonexistent/ssh_config' that DMIG_SSH_CONFIG names: No such file");
	assert_false (fake.config_given);
	connect_fails (dir, DMIG_EUSAGE, "not a regular file");
	snprintf (path, sizeof (path), "%s/fifo", dir);
	assert_int_equal (mkfifo (path, 0600), 0);
	alarm (10); /* libssh would wait on the fifo */
	connect_fails (path, DMIG_EUSAGE, "not a regular file");
	alarm (0);
	assert_false (fake.config_given);
	/* a config that is there is read, and dmig goes on to connect */
	snprintf (path, sizeof (path), "%s/config", dir);
	f = fopen (path, "w");
	assert_non_null (f);
	fputs ("Host *\n  ConnectTimeout 5\n", f);
	fclose (f);
	connect_fails (path, DMIG_EPREFLIGHT, "cannot connect to root@127.0.0.1:1: Connection refused");
	assert_true (fake.config_given);
	/* no user known yet: the message still names the port dmig dials */
	fake.no_user = true;
	connect_fails (path, DMIG_EPREFLIGHT, "cannot connect to 127.0.0.1:1: Connection refused");
	fake.no_user = false;
	assert_string_equal (fake.config, path);
	/* set but empty is as unset: libssh reads its default */
	connect_fails ("", DMIG_EPREFLIGHT, "cannot connect to");
	assert_true (fake.config_given);
	assert_null (fake.config);
}

static struct dmig_ssh *
connected (void)
{
	struct dmig_target t;
	struct dmig_ssh *s = NULL;
	dmig_error_t err = NULL;

	assert_int_equal (dmig_target_parse ("root@hostd", &t, &err), 0);
	if (dmig_ssh_connect (&t, NULL, &s, &err) < 0)
		fail_msg ("connect: %s", err->msg);
	return s;
}

/* One connection to the local socket as libcurl makes it: a request, the
 * end of input, the answer up to the end (at most 10 s). Returns the bytes
 * of the answer (0: the connection ended without one). */
static size_t
ask (const char *local, char *out, size_t cap)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char req[] = "GET /version HTTP/1.1\r\nHost: engine\r\n\r\n";
	long long until = dmig_clock_now_ms () + 10000;
	size_t len = 0;
	int fd = socket (AF_UNIX, SOCK_STREAM, 0);

	assert_true (fd >= 0);
	snprintf (sa.sun_path, sizeof (sa.sun_path), "%s", local);
	assert_int_equal (connect (fd, (struct sockaddr *)&sa, sizeof (sa)), 0);
	/* a connection the other side already closed refuses the write */
	if (send (fd, req, sizeof (req) - 1, MSG_NOSIGNAL) == (ssize_t)sizeof (req) - 1)
		shutdown (fd, SHUT_WR);
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;
		if (poll (&p, 1, 200) == 0) {
			if (dmig_clock_now_ms () > until)
				fail_msg ("no end to the connection in 10 s");
			continue;
		}
		n = read (fd, out + len, cap - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	out[len] = '\0';
	close (fd);
	return len;
}

static void
answered (const char *local)
{
	char out[4096];

	assert_true (ask (local, out, sizeof (out)) > 0);
	if (strncmp (out, "HTTP/1.1 200 OK", 15) != 0 || strstr (out, VERSION_JSON) == NULL)
		fail_msg ("answer: '%s'", out);
}

static char *docker_dial[] = {"docker", "system", "dial-stdio", NULL};

/* What -v writes (stderr) from now until said_verbose, which fails unless
 * it holds says. */
static int saved_stderr = -1;
static char said_path[96];

static void
verbose (void)
{
	int fd;

	snprintf (said_path, sizeof (said_path), "%s/stderr", dir);
	fd = open (said_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true (fd >= 0);
	fflush (stderr);
	saved_stderr = dup (2);
	dup2 (fd, 2);
	close (fd);
	dmig_log_set (DMIG_VERBOSE);
}

static void
said_verbose (const char *says)
{
	char out[8192] = "";
	FILE *f;
	size_t n;

	dmig_log_set (DMIG_NORMAL);
	fflush (stderr);
	dup2 (saved_stderr, 2);
	close (saved_stderr);
	f = fopen (said_path, "r");
	assert_non_null (f);
	n = fread (out, 1, sizeof (out) - 1, f);
	out[n] = '\0';
	fclose (f);
	if (strstr (out, says) == NULL)
		fail_msg ("-v said '%s', not '%s'", out, says);
}

/* A server libssh takes for OpenSSH, that forwards: forwarding, no command. */
static void
forwards_when_it_can (void **state)
{
	struct dmig_ssh *s = connected ();
	dmig_error_t err = NULL;
	char local[128];
	(void)state;

	verbose ();
	assert_int_equal (dmig_ssh_forward_unix (s, "/var/run/docker.sock", docker_dial, local, sizeof (local), &err),
	                  0);
	answered (local);
	answered (local);
	said_verbose (
	    "dmig: root@hostd:22: the engine's socket /var/run/docker.sock through direct-streamlocal forwarding");
	assert_int_equal (counted (&fake.forwards), 2); /* one channel per connection */
	assert_string_equal (fake.forwarded, "/var/run/docker.sock");
	assert_int_equal (counted (&fake.execs), 0);
	dmig_ssh_close (s);
}

/* libssh takes OpenSSH 10 for another server (it would refuse the
 * channel): the engine's dial-stdio, never a forward, one per connection. */
static void
dials_when_libssh_refuses (void **state)
{
	struct dmig_ssh *s;
	dmig_error_t err = NULL;
	char local[128];
	(void)state;

	fake.openssh = 0;
	s = connected ();
	verbose ();
	assert_int_equal (dmig_ssh_forward_unix (s, "/var/run/docker.sock", docker_dial, local, sizeof (local), &err),
	                  0);
	answered (local);
	answered (local);
	said_verbose ("root@hostd:22: libssh " SSH_STRINGIFY (
	    LIBSSH_VERSION) " refuses it: it reads the server's banner "
	                    "'SSH-2.0-OpenSSH_10.0p2 Debian-7' as not OpenSSH's: the engine's socket "
	                    "/var/run/docker.sock "
	                    "through 'docker system dial-stdio'");
	assert_int_equal (counted (&fake.forwards), 0);
	assert_int_equal (counted (&fake.execs), 2);
	assert_string_equal (fake.cmds[0], "'docker' 'system' 'dial-stdio'");
	assert_string_equal (fake.cmds[1], "'docker' 'system' 'dial-stdio'");
	dmig_ssh_close (s);
}

/* The server refuses the channel: the first connection takes the command
 * at once, and the later ones go there without asking again. */
static void
dials_when_the_server_refuses (void **state)
{
	struct dmig_ssh *s = connected ();
	dmig_error_t err = NULL;
	char local[128];
	(void)state;

	fake.forward_refused = true;
	verbose ();
	assert_int_equal (dmig_ssh_forward_unix (s, "/var/run/docker.sock", docker_dial, local, sizeof (local), &err),
	                  0);
	answered (local);
	answered (local);
	said_verbose ("root@hostd:22: direct-streamlocal forwarding to /var/run/docker.sock refused (Channel opening "
	              "failure: channel 43 error (1) administratively prohibited): the engine's socket through 'docker "
	              "system dial-stdio'");
	assert_int_equal (counted (&fake.forwards), 1);
	assert_int_equal (counted (&fake.execs), 2);
	dmig_ssh_close (s);
}

/* DMIG_SSH_ENGINE_CHANNEL takes one way: exec to a server that forwards,
 * forward to one libssh refuses (then libssh's refusal is the reason). */
static void
knob_forces_a_way (void **state)
{
	struct dmig_ssh *s = connected ();
	dmig_error_t err = NULL;
	char local[128], out[256], why[1536];
	(void)state;

	setenv ("DMIG_SSH_ENGINE_CHANNEL", "exec", 1);
	assert_int_equal (dmig_ssh_forward_unix (s, "/var/run/docker.sock", docker_dial, local, sizeof (local), &err),
	                  0);
	answered (local);
	assert_int_equal (counted (&fake.forwards), 0);
	assert_int_equal (counted (&fake.execs), 1);
	/* with no command to run, exec cannot be */
	assert_int_equal (dmig_ssh_forward_unix (s, "/var/run/docker.sock", NULL, local, sizeof (local), &err), -1);
	assert_int_equal (err->status, DMIG_EUSAGE);
	dmig_error_release (&err);
	dmig_ssh_close (s);

	fake.openssh = 0;
	s = connected ();
	setenv ("DMIG_SSH_ENGINE_CHANNEL", "forward", 1);
	assert_int_equal (dmig_ssh_forward_unix (s, "/var/run/docker.sock", docker_dial, local, sizeof (local), &err),
	                  0);
	assert_int_equal (ask (local, out, sizeof (out)), 0);
	assert_int_equal (counted (&fake.forwards), 1);
	assert_int_equal (counted (&fake.execs), 1);
	dmig_ssh_last_error (s, why, sizeof (why));
	assert_string_equal (why, "/var/run/docker.sock: " NOT_OPENSSH);
	setenv ("DMIG_SSH_ENGINE_CHANNEL", "tcp", 1);
	assert_int_equal (dmig_ssh_forward_unix (s, "/var/run/docker.sock", docker_dial, local, sizeof (local), &err),
	                  -1);
	assert_int_equal (err->status, DMIG_EUSAGE);
	assert_non_null (strstr (err->msg, "use forward or exec"));
	dmig_error_release (&err);
	dmig_ssh_close (s);
}

/* The command that bridges: each engine's, with the socket the target URL
 * named (quoted: a hostile path reaches the shell there as one argument
 * and runs nothing). */
static void
dial_commands_are_quoted (void **state)
{
	static const char hostile[] = "/run/a'b;$(touch /tmp/dmig-pwned-dial) `id`.sock";
	struct dmig_engine_dial d;
	struct dmig_ssh *s;
	dmig_error_t err = NULL;
	char local[128], script[2048], out[1024] = "";
	FILE *p;
	(void)state;

	fake.openssh = 0;
	s = connected ();
	dmig_engine_dial (&dmig_podman_ops, "/run/user/0/podman/podman.sock", &d);
	assert_int_equal (
	    dmig_ssh_forward_unix (s, "/run/user/0/podman/podman.sock", d.argv, local, sizeof (local), &err), 0);
	answered (local);
	assert_string_equal (fake.cmds[0],
	                     "'podman' '--url' 'unix:///run/user/0/podman/podman.sock' 'system' 'dial-stdio'");
	dmig_engine_dial (&dmig_docker_ops, hostile, &d);
	assert_int_equal (dmig_ssh_forward_unix (s, hostile, d.argv, local, sizeof (local), &err), 0);
	answered (local);
	assert_string_equal (fake.cmds[1],
	                     "'docker' '-H' 'unix:///run/a'\\''b;$(touch /tmp/dmig-pwned-dial) `id`.sock' "
	                     "'system' 'dial-stdio'");
	dmig_ssh_close (s);
	/* what a shell there makes of it: docker's five arguments, as given */
	snprintf (script, sizeof (script), "docker () { printf '<%%s>' docker \"$@\"; }; %s", fake.cmds[1]);
	{
		char *argv[] = {"sh", "-c", script, NULL};
		int fds[2];
		pid_t pid;
		assert_int_equal (pipe (fds), 0);
		pid = fork ();
		if (pid == 0) {
			dup2 (fds[1], 1);
			execv ("/bin/sh", argv);
			_exit (127);
		}
		close (fds[1]);
		p = fdopen (fds[0], "r");
		assert_non_null (p);
		assert_non_null (fgets (out, sizeof (out), p));
		fclose (p);
		waitpid (pid, NULL, 0);
	}
	assert_string_equal (
	    out, "<docker><-H><unix:///run/a'b;$(touch /tmp/dmig-pwned-dial) `id`.sock><system><dial-stdio>");
	assert_int_equal (access ("/tmp/dmig-pwned-dial", F_OK), -1);
}

/* The target's engine through a move's connect, over a server libssh
 * refuses: dial-stdio bridges it. */
static void
move_connects_through_dial_stdio (void **state)
{
	struct dmig_engine src = {.ops = &dmig_docker_ops};
	struct dmig_target target;
	struct dmig_move m = {.src = &src, .target = &target};
	dmig_error_t err = NULL;
	(void)state;

	fake.openssh = 0;
	assert_int_equal (dmig_target_parse ("ssh://root@hostd/run/docker.sock", &target, &err), 0);
	if (dmig_migrate_connect (&m, &err) < 0)
		fail_msg ("connect: %s", err->msg);
	assert_string_equal (m.dst->ops->kind, "docker");
	assert_string_equal (m.dst->version, "20.10.24");
	assert_true (m.dst->remote);
	assert_int_equal (counted (&fake.forwards), 0);
	assert_true (counted (&fake.execs) >= 1);
	assert_string_equal (fake.cmds[0], "'docker' '-H' 'unix:///run/docker.sock' 'system' 'dial-stdio'");
	dmig_engine_close (m.dst);
	dmig_ssh_close (m.ssh);
}

/* Neither way: one line, exit 3, with libssh's reason and the command's
 * exit status and the last line of what it said; soon (a command that
 * never exits holds nothing up for long either). */
static void
neither_way_is_one_line (void **state)
{
	struct {
		const struct dmig_engine_ops *ops;
		enum remote dial;
		bool refused; /* by the server, not by libssh */
		const char *err;
		int status;
		const char *says;
	} cases[] = {
	    {&dmig_docker_ops, MISSING, false, "sh: 1: docker: not found\n", 127,
	     "cannot reach the engine at /var/run/docker.sock on root@hostd:22: neither direct-streamlocal forwarding "
	     "(libssh " SSH_STRINGIFY (
	         LIBSSH_VERSION) " refuses it: it reads the server's banner 'SSH-2.0-OpenSSH_10.0p2 "
	                         "Debian-7' as not OpenSSH's) nor 'docker -H unix:///var/run/docker.sock system "
	                         "dial-stdio' (exit "
	                         "127: sh: 1: docker: not found) works"},
	    {&dmig_podman_ops, MISSING, true,
	     "Cannot connect to Podman. Please verify your connection.\nError: unable to connect to Podman socket: "
	     "dial "
	     "unix /run/podman/podman.sock: connect: no such file or directory\n",
	     125,
	     "cannot reach the engine at /run/podman/podman.sock on root@hostd:22: neither direct-streamlocal "
	     "forwarding "
	     "(libssh: Channel opening failure: channel 43 error (1) administratively prohibited) nor 'podman --url "
	     "unix:///run/podman/podman.sock system dial-stdio' (exit 125: Error: unable to connect to Podman socket: "
	     "dial unix /run/podman/podman.sock: "
	     "connect: no such file or directory) works"},
	    {&dmig_docker_ops, HANGS, false, "", 0,
	     "nor 'docker -H unix:///var/run/docker.sock system dial-stdio' (no exit status) works"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
		struct dmig_engine src = {.ops = cases[i].ops};
		struct dmig_target target;
		struct dmig_move m = {.src = &src, .target = &target};
		dmig_error_t err = NULL;
		long long start = dmig_clock_now_ms ();

		fake.openssh = cases[i].refused ? SSH_VERSION_INT (9, 2, 0) : 0;
		fake.forward_refused = cases[i].refused;
		fake.dial = cases[i].dial;
		fake.missing_err = cases[i].err;
		fake.missing_status = cases[i].status;
		assert_int_equal (dmig_target_parse ("root@hostd", &target, &err), 0);
		assert_int_equal (dmig_migrate_connect (&m, &err), -1);
		assert_null (m.dst);
		assert_int_equal (err->status, DMIG_EPREFLIGHT);
		assert_null (strchr (err->msg, '\n'));
		if (strstr (err->msg, cases[i].says) == NULL)
			fail_msg ("case %zu: '%s'", i, err->msg);
		if (dmig_clock_now_ms () - start > 6000)
			fail_msg ("case %zu: took %lld ms", i, dmig_clock_now_ms () - start);
		dmig_error_release (&err);
		dmig_ssh_close (m.ssh);
	}
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown (named_config_must_be_there, setup, teardown),
	    cmocka_unit_test_setup_teardown (forwards_when_it_can, setup, teardown),
	    cmocka_unit_test_setup_teardown (dials_when_libssh_refuses, setup, teardown),
	    cmocka_unit_test_setup_teardown (dials_when_the_server_refuses, setup, teardown),
	    cmocka_unit_test_setup_teardown (knob_forces_a_way, setup, teardown),
	    cmocka_unit_test_setup_teardown (dial_commands_are_quoted, setup, teardown),
	    cmocka_unit_test_setup_teardown (move_connects_through_dial_stdio, setup, teardown),
	    cmocka_unit_test_setup_teardown (neither_way_is_one_line, setup, teardown),
	};
	dmig_error_t err = NULL;
	int r;

	if (dmig_http_global_init (&err) < 0) {
		fprintf (stderr, "%s\n", err->msg);
		return 1;
	}
	r = cmocka_run_group_tests (tests, NULL, NULL);
	dmig_http_global_cleanup ();
	return r;
}
