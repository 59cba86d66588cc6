/* Where a move goes: an ssh config alias, [user@]host[:port], or
 * ssh://[user@]host[:port][/path/to/engine.sock] as podman remote writes it. */
#ifndef DMIG_TARGET_H
#define DMIG_TARGET_H

#include <limits.h>

#include "error.h"

struct dmig_target {
	char spec[512];        /* as the user typed it */
	char user[64];         /* "" = from ssh config, else the local user */
	char host[256];        /* an alias, a name or an address */
	int port;              /* 0 = from ssh config, else 22 */
	char socket[PATH_MAX]; /* the engine's socket there; "" = the default */
};

int dmig_target_parse (const char *spec, struct dmig_target *t, dmig_error_t *err);

/* Quote argv for a POSIX shell on the remote side (ssh runs commands through
 * the login shell): every element single-quoted, joined by spaces. The only
 * place a remote command line is made. Returns NULL for an empty argv or when
 * an element holds a NUL-free byte the shell cannot take (none can). */
char *dmig_target_shell_quote (char *const argv[]);

#endif
