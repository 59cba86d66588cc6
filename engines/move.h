/* The contract of a move between the orchestrator (src/migrate.c) and each
 * engine's steps (engines/<engine>.c): its options, phases, the state they
 * share and the ops table. The steps ship folders with src/ship.h. */
#ifndef DMIG_MOVE_H
#define DMIG_MOVE_H

#include <stdbool.h>
#include <stdint.h>

#include "bundle.h"
#include "container.h"
#include "error.h"
#include "ship.h"
#include "ssh.h"
#include "target.h"

struct dmig_engine;

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

/* One move as it goes: what the orchestrator and the engine's steps share,
 * including what has been made (to undo it). */
struct dmig_move {
	struct dmig_engine *src, *dst;
	struct dmig_ssh *ssh;
	const struct dmig_container *ctr; /* the source container */
	const char *name;
	const struct dmig_target *target;
	const struct dmig_move_opts *o;
	char *staging; /* local private folder */
	/* the named volumes, made on the target by the orchestrator before the
	 * engine's prepare (and removed by it after the engine's discard) */
	struct dmig_ship_volume volumes[DMIG_MEMBERS_MAX];
	size_t nvolumes;
	/* the engine's own state of this move, freed by its release op */
	void *priv;
	bool frozen;
	long long frozen_ms; /* when a freeze done inside the restore (a stream) ended */
	uint64_t bytes_sent;
	long long phase_ms[DMIG_PHASES];
	long long downtime_ms, total_ms;
};

/* ---- the checks before a move (src/preflight.c runs them, for a move and
 * for `dmig check`) ---- */

enum dmig_verdict {
	DMIG_CHECK_OK,
	DMIG_CHECK_WARN,
	DMIG_CHECK_FAIL,  /* refused; --force goes on past a skippable one */
	DMIG_CHECK_ERROR, /* could not be checked: a FAIL --force never skips */
	DMIG_CHECK_SKIP,  /* not checked: a check it needs failed */
};

/* What a check needs before it can run, and what one that passes gives
 * those after it. */
enum {
	DMIG_NEED_LINK = 1 << 0,       /* SSH to the target */
	DMIG_NEED_ENGINE = 1 << 1,     /* the target's engine answers */
	DMIG_NEED_KIND = 1 << 2,       /* and is of the source's kind, which moves */
	DMIG_NEED_CRIU_HERE = 1 << 3,  /* CRIU works here */
	DMIG_NEED_CRIU_THERE = 1 << 4, /* and there */
	DMIG_NEED_CONTAINER = 1 << 5,  /* a container is named (else not listed) */
};

struct dmig_move_check {
	const char *name; /* "criu-there": what `dmig check` calls it */
	unsigned needs, gives;
	bool skippable; /* --force goes on past its FAIL */
	/* OK or WARN with detail (cap bytes: what was seen, the values), or
	 * FAIL or ERROR with *err; with a FAIL, detail may say what going on
	 * past it means (a move with --force prints that). m->ctr is NULL when
	 * no container is named (host checks only). */
	enum dmig_verdict (*run) (struct dmig_move *m, char *detail, size_t cap, dmig_error_t *err);
};

/* Each engine's steps of a move. */
struct dmig_move_ops {
	/* The engine's own checks, before anything changes, after the
	 * orchestrator's of the container (src/preflight.c); NULL-named at
	 * the end, each needing the target's engine of this kind. */
	const struct dmig_move_check *checks;
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
	/* Remove what the engine's steps made on the target, and what its
	 * engine left there for them (an upload it took in). Fails when
	 * something could not be removed (the target's engine does not
	 * answer): the journal then keeps the clean-up for 'dmig recover'. */
	int (*discard) (struct dmig_move *m, dmig_error_t *err);
	/* Start the source again from its own checkpoint. */
	int (*resume) (struct dmig_move *m, dmig_error_t *err);
	/* The move succeeded: remove the source, or keep it stopped. */
	int (*finish) (struct dmig_move *m, dmig_error_t *err);
	/* Free m->priv (may be NULL). */
	void (*release) (struct dmig_move *m);
	/* m->priv as JSON for the move's journal, and back into m->priv (a
	 * recovery's move); NULL when the engine keeps no state of its own. */
	json_object *(*save) (const struct dmig_move *m);
	int (*load) (struct dmig_move *m, json_object *state, dmig_error_t *err);
};

#endif
