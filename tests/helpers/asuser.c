/* LD_PRELOAD shim for the real-workload tests: the program believes it runs
 * as DMIG_AS_UID/DMIG_AS_GID while it really runs as root. CRIU on the test
 * machines cannot dump processes of another uid (no CAP_SYS_RESOURCE), and
 * PostgreSQL refuses to run as root: with this, postgres runs as on a real
 * host (its data folder 0700 postgres) and can be checkpointed. */
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

static unsigned
as (const char *var)
{
	const char *v = getenv (var);
	return v ? (unsigned)strtoul (v, NULL, 10) : 0;
}

uid_t
getuid (void)
{
	return as ("DMIG_AS_UID");
}

uid_t
geteuid (void)
{
	return as ("DMIG_AS_UID");
}

gid_t
getgid (void)
{
	return as ("DMIG_AS_GID");
}

gid_t
getegid (void)
{
	return as ("DMIG_AS_GID");
}
