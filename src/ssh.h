/* The SSH seam (libssh): one connection to a move's target, owned by one
 * thread, carrying channels that are bridged to local sockets. A channel to
 * the target engine's UNIX socket (direct-streamlocal) lets libcurl speak
 * HTTP to it; a channel running a command lets a stream be written to the
 * target's files. Keepalives and deadlines notice a dead link in seconds. */
#ifndef DMIG_SSH_H
#define DMIG_SSH_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "target.h"

struct dmig_ssh;

/* Connect and log in: the host key must be in known_hosts (never prompted
 * for; unknown or changed: DMIG_EPREFLIGHT naming the file and the key's
 * fingerprint), then the agent or key files. config: an ssh config file, or
 * NULL for $DMIG_SSH_CONFIG or ~/.ssh/config. */
int dmig_ssh_connect (const struct dmig_target *t, const char *config, struct dmig_ssh **out, dmig_error_t *err);
void dmig_ssh_close (struct dmig_ssh *s);
/* Why the last forwarded connection could not be made ("" if none failed). */
void dmig_ssh_last_error (struct dmig_ssh *s, char *out, size_t cap);
/* Is the connection still up? */
bool dmig_ssh_alive (struct dmig_ssh *s);
/* "user@host:port", for messages. */
const char *dmig_ssh_name (const struct dmig_ssh *s);
/* A local UNIX socket (in a private folder, removed by dmig_ssh_close) whose
 * every connection reaches the remote socket, on a channel of its own: an
 * engine API for libcurl. By direct-streamlocal forwarding; when that cannot
 * be used (libssh takes the server for another than OpenSSH and refuses it,
 * or the server refuses the channel) by running dial (an argv, NULL: no
 * other way) there, a command that bridges its stdin and stdout to the
 * socket (dmig_engine_dial). DMIG_SSH_ENGINE_CHANNEL=forward or exec takes
 * one way only. A connection that neither way makes is closed at once;
 * dmig_ssh_last_error says why. */
int dmig_ssh_forward_unix (struct dmig_ssh *s, const char *remote, char *const dial[], char *local, size_t cap,
                           dmig_error_t *err);
/* Run argv on the target (quoted by dmig_target_shell_quote); *fd carries its stdin
 * (shutdown(fd, SHUT_WR) ends it) and stdout. *id is for dmig_ssh_wait. */
int dmig_ssh_open_exec (struct dmig_ssh *s, char *const argv[], int *fd, int *id, dmig_error_t *err);
/* Wait (at most timeout_ms) for a command to end: its exit status, and the
 * end of its stderr in errtext. */
int dmig_ssh_wait (struct dmig_ssh *s, int id, long timeout_ms, int *status, char *errtext, size_t cap,
                   dmig_error_t *err);
/* Run argv with no input; its stdout (up to cap-1 bytes) in out. Fails when
 * it exits non-zero, quoting its stderr. */
int dmig_ssh_run (struct dmig_ssh *s, char *const argv[], char *out, size_t cap, long timeout_ms, dmig_error_t *err);

#endif
