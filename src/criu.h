/* Is CRIU usable here? dmig asks before it freezes anything. */
#ifndef DMIG_CRIU_H
#define DMIG_CRIU_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define DMIG_CRIU_MIN_MAJOR 4
#define DMIG_CRIU_MIN_MINOR 2

/* Read the output of `criu --version`: its version ("4.2.1") into version
 * (cap bytes; may be NULL), its first two numbers into *major and *minor (0
 * and 0 when they are not numbers). 0, or -1 when out has no "Version: ". */
int dmig_criu_version_parse (const char *out, char *version, size_t cap, int *major, int *minor);
/* Is major.minor at least DMIG_CRIU_MIN_MAJOR.DMIG_CRIU_MIN_MINOR? */
bool dmig_criu_version_ok (int major, int minor);

/* `criu` from PATH must run, be >= 4.2 and pass `criu check`; else a
 * DMIG_EPREFLIGHT error saying what to do. version gets e.g. "4.2.1". */
int dmig_criu_check (char *version, size_t cap, dmig_error_t *err);

struct dmig_ssh;

/* Does an engine's error message name CRIU's log ("log file: PATH", or
 * runc's --work-path)? 0 with its path and the engine's summary before it
 * (the engine layer notes both on the error, dmig_error_criu), or -1. */
int dmig_criu_log_named (const char *msg, char *path, size_t pcap, char *summary, size_t scap);

/* An error whose engine named CRIU's log (err->criu_log): the engine's
 * summary, then the decisive CRIU error lines from that log and its path.
 * With host set, the log is on that host and is read there (over SSH,
 * before a failed container's removal takes it along); NULL: here. Once. */
void dmig_criu_explain (dmig_error_t *err, struct dmig_ssh *host);

/* Can CRIU here (host NULL) or on host restore a bind mount whose source is
 * a symlink? CRIU 4's mount engine cannot; dmig's setup makes restores that
 * runc runs use the older one (scripts/setup-criu.sh), which `criu
 * --dmig-restore-compat` tells. */
bool dmig_criu_restores_symlinks (struct dmig_ssh *host);

/* Can what is checkpointed here be restored on host's CPU? `criu cpuinfo
 * dump` here, the image it writes handed to `criu cpuinfo check` there (a
 * fixed script). 0: yes; 1: no, and why is CRIU's last line there; -1 when
 * it could not be told (err). */
int dmig_criu_cpuinfo (struct dmig_ssh *host, char *why, size_t cap, dmig_error_t *err);

#endif
