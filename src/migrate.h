/* dmig move: a running container to another host over SSH, agentless. */
#ifndef DMIG_MIGRATE_H
#define DMIG_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "ssh.h"
#include "target.h"

struct dmig_move_opts {
	bool keep_source;    /* keep the source stopped, restart policy "no" */
	bool force;          /* skip the checks that may be skipped */
	bool ignore_volumes; /* leave named volumes behind */
	const char *hook_pre, *hook_post, *hook_failed;
	int hook_timeout_s;
};

enum dmig_phase {
	DMIG_PHASE_CHECK,   /* connect and check both sides */
	DMIG_PHASE_PREPARE, /* ship the image, make the clone: the container still runs */
	DMIG_PHASE_FREEZE,  /* checkpoint the source */
	DMIG_PHASE_SHIP,    /* checkpoint, layer and volumes to the target */
	DMIG_PHASE_RESTORE, /* hooks and restore on the target */
	DMIG_PHASE_FINISH,  /* remove (or keep) the source */
	DMIG_PHASES
};

/* One move as it goes: what the orchestrator and the engine's move steps
 * share, including what has been made (to undo it). */
struct dmig_move {
	struct dmig_engine *src, *dst;
	struct dmig_ssh *ssh;
	json_object *ctr; /* the source container's inspect data */
	const char *name;
	const struct dmig_target *target;
	const struct dmig_move_opts *o;
	char *staging; /* local private folder */
	/* made on the target, undone on failure */
	char *clone_id, *clone_upper, *clone_ckpt; /* Docker: the clone and its folders */
	char *volumes[DMIG_MEMBERS_MAX];           /* made on the target */
	char *volume_dirs[DMIG_MEMBERS_MAX];       /* their folders there */
	char *volume_srcs[DMIG_MEMBERS_MAX];       /* and here */
	size_t nvolumes;
	/* Docker: the log's files as sent before the freeze, and the command
	 * there that appends what the container writes until it stops */
	char *clone_log;
	bool log_tail_open;
	int log_tail_fd, log_tail_id;
	bool frozen;
	long long frozen_ms; /* when a freeze done inside the restore (a stream) ended */
	uint64_t bytes_sent;
	long long phase_ms[DMIG_PHASES];
	long long downtime_ms, total_ms;
};

/* Each engine's steps of a move (engines/<engine>.c). */
struct dmig_move_ops {
	/* Engine-specific checks, before anything changes (may be NULL); a
	 * refusal is DMIG_EPREFLIGHT. */
	int (*check) (struct dmig_move *m, dmig_error_t *err);
	/* Before the freeze, while the container runs (Docker: the clone);
	 * may be NULL. */
	int (*prepare) (struct dmig_move *m, dmig_error_t *err);
	/* Checkpoint the source, keeping what resuming it needs. */
	int (*freeze) (struct dmig_move *m, dmig_error_t *err);
	/* Carry the checkpoint, writable layer and volumes to the target; may
	 * be NULL (Podman: its restore carries them). */
	int (*ship) (struct dmig_move *m, dmig_error_t *err);
	/* Start the container on the target from what was shipped. */
	int (*restore) (struct dmig_move *m, dmig_error_t *err);
	/* Remove what the move made on the target (best effort, says what it
	 * could not). */
	void (*discard) (struct dmig_move *m);
	/* Start the source again from its own checkpoint. */
	int (*resume) (struct dmig_move *m, dmig_error_t *err);
	/* The move succeeded: remove the source, or keep it stopped. */
	int (*finish) (struct dmig_move *m, dmig_error_t *err);
};

extern const struct dmig_move_ops dmig_docker_move;
extern const struct dmig_move_ops dmig_podman_move;

struct dmig_sink;

/* One stream to the target: local folder dir (packed as
 * dmig_archive_pack_dir's mode) into folder dest there, which exists, by GNU
 * tar; or, with feed, what feed writes into the remote command argv (NULL:
 * that tar into dest). what names it in messages, dest too. */
struct dmig_send {
	const char *dir, *dest, *what;
	int mode;
	char *const *argv;
	int (*feed) (void *arg, struct dmig_sink *sink, dmig_error_t *err);
	void *arg;
};

/* Stream each folder as tar into GNU tar on the target (a few started at
 * once, fed one after the other); counts m->bytes_sent and checks every
 * remote tar's exit status. The first failure is told. */
int dmig_move_send_dirs (struct dmig_move *m, const struct dmig_send *sends, size_t n, dmig_error_t *err);

/* The sends of the named volumes (made on the target before the freeze),
 * root folder included, into sends; whats holds their names for messages.
 * How many. */
#define DMIG_SEND_WHAT_MAX 300
size_t dmig_move_volume_sends (struct dmig_move *m, struct dmig_send *sends, char (*whats)[DMIG_SEND_WHAT_MAX]);

/* Ship the named volumes (made on the target before the freeze) into their
 * folders there, root folder included. */
int dmig_move_send_volumes (struct dmig_move *m, dmig_error_t *err);

/* Connect to m->target: SSH, then its engine (m->ssh, m->dst). */
int dmig_move_connect (struct dmig_move *m, dmig_error_t *err);
/* The whole move, see docs/move.md. Fills m's times and counts. */
int dmig_move_run (struct dmig_move *m, dmig_error_t *err);

#endif
