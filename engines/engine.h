/* The engines behind one ops table: Docker (engines/docker.c) and Podman
 * (engines/podman.c), both spoken to over their HTTP API on a UNIX socket. */
#ifndef DMIG_ENGINE_H
#define DMIG_ENGINE_H

#include <limits.h>
#include <stdbool.h>

#include "bundle.h"
#include "container.h"
#include "error.h"
#include "http.h"
#include "json.h"

/* Engine API calls: short ones, and those that copy a container's memory. */
#define DMIG_API_TIMEOUT_MS  (60 * 1000L)
#define DMIG_CRIU_TIMEOUT_MS (30 * 60 * 1000L)

/* A Docker API version as a number (1.44: 1044), and the versions dmig
 * speaks: from Debian 12's Docker 20.10 up to the newest whose changes it
 * is adapted to (docs/architecture.md, "Docker API versions"). Each engine
 * connection speaks the newest both sides know (dmig_engine_open). */
#define DMIG_API(major, minor) ((major)*1000 + (minor))
#define DMIG_API_OLDEST        DMIG_API (1, 41)
#define DMIG_API_NEWEST        DMIG_API (1, 51)

struct dmig_engine;
struct dmig_move_ops;
struct dmig_ssh;

/* An image's format, from its manifest's media type: Podman keeps the ID
 * only through an archive of the same format. */
enum dmig_image_format { DMIG_IMAGE_UNKNOWN, DMIG_IMAGE_DOCKER, DMIG_IMAGE_OCI, DMIG_IMAGE_FORMATS };

struct dmig_capture_opts {
	bool leave_running;  /* the container runs on afterwards */
	bool ignore_volumes; /* --ignore-volumes */
	/* Without leave_running: when not NULL, the engine may leave the
	 * container paused rather than stopped, and says so here (true); the
	 * caller then unholds it once the snapshot is written. (Docker 28
	 * cannot start some containers again from their own checkpoint: it
	 * keeps them paused until nothing needs that.) */
	bool *held;
};

struct dmig_restore_opts {
	/* A container of the same engine, stopped, whose log the new one goes
	 * on with (NULL: none); with log_optional a log that cannot be carried
	 * is only warned about. */
	const char *log_of;
	bool log_optional;
};

struct dmig_engine_ops {
	const char *kind;   /* "docker" or "podman": also the store's folder */
	const char *title;  /* "Docker", "Podman": its name in messages */
	const char *socket; /* where it listens unless told otherwise */
	/* Its CLI on a host, and the CLI's option that names the engine's URL:
	 * `<cli> [<cli_url> unix://PATH] system dial-stdio` bridges stdin and
	 * stdout to the engine's socket (dmig_engine_dial). */
	const char *cli;
	const char *cli_url;
	/* Is the engine whose /version answered this one of this kind? (The
	 * registry asks each in turn.) */
	bool (*identify) (json_object *version);
	/* Path prefix of the engine's own API (NULL: it speaks Docker's only).
	 * Volumes and networks go through the Docker API every engine serves,
	 * at the version negotiated (dmig_engine_path's compat). */
	const char *api;
	/* Its inspect answer as dmig's model (container.h) into *c. */
	int (*parse) (json_object *raw, struct dmig_container *c, dmig_error_t *err);
	/* What an inspect of a container on e does not say and e's host can
	 * tell (may be NULL): Docker's containerd image store, the writable
	 * layer of a running container. Best effort: what it cannot find stays
	 * unknown. */
	void (*locate) (struct dmig_engine *e, struct dmig_container *c);
	/* Ready for checkpoint/restore? Fails with DMIG_EPREFLIGHT and why;
	 * ready names what it asks ("experimental mode on"). */
	int (*check) (struct dmig_engine *e, dmig_error_t *err);
	const char *ready;
	/* The OCI runtime that checkpoints ctr on e (restore false), or that
	 * restores one made like it on e (restore true; Docker's create copies
	 * its runtime, Podman's import runs its default); e's default when ctr
	 * is NULL. name gets its name, path the program to ask for its version
	 * on e's host ("" when the engine does not say). Fails with
	 * DMIG_EPREFLIGHT when e has no such runtime. */
	int (*runtime) (struct dmig_engine *e, const struct dmig_container *ctr, bool restore, char *name, size_t ncap,
	                char *path, size_t pcap, dmig_error_t *err);
	/* Where a move writes on e's host: the engine's data (image, layer,
	 * volumes; Docker's checkpoint too) and where its restore takes the
	 * checkpoint in ("": nowhere else). */
	int (*dirs) (struct dmig_engine *e, char *data, size_t dcap, char *upload, size_t ucap, dmig_error_t *err);
	/* The storage drivers (or containerd snapshotters) whose layers dmig
	 * carries, NULL-terminated. */
	const char *drivers[3];
	/* Can its API checkpoint connected TCP sockets (--tcp-established)? */
	bool tcp_established;
	/* Freeze the container for an instant and write its members (memory,
	 * writable layer, volumes) into staging. */
	int (*capture) (struct dmig_engine *e, const struct dmig_container *ctr, const char *staging,
	                const struct dmig_capture_opts *o, struct dmig_members *ms, dmig_error_t *err);
	/* Make a running container named as in the manifest from the members in
	 * staging (o may be NULL), which src/snapshot.c's stage_bundle has
	 * verified (checksums, identity, config, content). On failure nothing
	 * it made is left behind. */
	/* After a capture whose dmig was killed: the container back as it was
	 * (was: before the capture): unpaused, its restart policy, running
	 * from the checkpoint the capture kept. */
	int (*settle) (struct dmig_engine *e, const struct dmig_container *was, dmig_error_t *err);
	int (*restore) (struct dmig_engine *e, json_object *manifest, const char *staging,
	                const struct dmig_restore_opts *o, dmig_error_t *err);
	/* Can its restore start a checkpoint of ctr (a container as it runs,
	 * or as a snapshot's config describes it) again? Asked before anything
	 * changes (Podman: the runtime its import runs; Docker 28: a network
	 * namespace of its own); what ("container 'web' runs", "snapshot
	 * 'web@s' was taken") may begin the refusal, DMIG_EPREFLIGHT with the
	 * way out. NULL: always. */
	int (*restorable) (struct dmig_engine *e, const struct dmig_container *ctr, const char *what,
	                   dmig_error_t *err);
	/* A capture that stops the container (!leave_running) which left it
	 * paused instead (capture_opts.held): stop it now that its snapshot is
	 * safe, or (stop false) let it run on as it was. */
	int (*unhold) (struct dmig_engine *e, const struct dmig_container *ctr, bool stop, dmig_error_t *err);
	/* After dmig removed a container through e (may be NULL): what dmig
	 * made beside containers that none uses any more goes (Docker: the
	 * folders of network files, docker.c). */
	void (*removed) (struct dmig_engine *e);
	/* What the API wants on a remove, and its stop timeout's name. */
	const char *remove_query;
	const char *stop_param;
	/* Image save: the path around the image's escaped name; image load. */
	const char *save_path[2];
	const char *load_path;
	/* An engine that saves in more than one format: the inspect member that
	 * names an image's manifest type, and per format the save query and the
	 * CLI's save option that keep the ID (NULL: the engine's default). */
	const char *manifest_type;
	const char *save_query[DMIG_IMAGE_FORMATS];
	const char *save_option[DMIG_IMAGE_FORMATS];
	/* The path around an image's escaped ID that takes one name off it
	 * (NULL: the engine has none). */
	const char *untag_path[2];
	/* The steps of a move (engines/move.h). */
	const struct dmig_move_ops *move;
};

struct dmig_engine {
	const struct dmig_engine_ops *ops;
	struct dmig_http *http;
	char *socket;
	char *version;       /* the engine's own version string */
	int api;             /* the Docker API version spoken (DMIG_API) */
	char docker_api[16]; /* and its path prefix, "/v1.44" */
	char *root;          /* Docker: DockerRootDir */
	char *driver;        /* and its storage driver, "overlayfs": containerd's image store */
	char *containerd;    /* and its containerd's socket and namespace */
	char *containerd_ns;
	char *runtime;         /* Podman: the runtime its restore by import runs, once asked */
	bool remote;           /* on another host (its paths are not this host's) */
	struct dmig_ssh *host; /* remote: the link to that host */
};

extern const struct dmig_engine_ops dmig_docker_ops;
extern const struct dmig_engine_ops dmig_podman_ops;

/* Every engine dmig knows, NULL-terminated, in the order they are tried
 * (identify and the default sockets); and their kinds. */
extern const struct dmig_engine_ops *const dmig_engines[];
const char *const *dmig_engine_kinds (void);
/* Does a /version answer name a component with word in its name? */
bool dmig_engine_version_names (json_object *version, const char *word);

/* Connect to the engine at a unix:// URL or socket path, tell its kind and
 * agree on the Docker API version to speak, from its unversioned /version:
 * the newest both know, never below its MinAPIVersion nor above
 * DMIG_API_NEWEST. No version in common, or no answer that says which
 * (code EPROTO), fails with DMIG_EPREFLIGHT; the first with code ENOTSUP. */
int dmig_engine_open (const char *url, struct dmig_engine **out, dmig_error_t *err);
void dmig_engine_close (struct dmig_engine *e);

/* The engine for a container: -H, DOCKER_HOST, CONTAINER_HOST, or whichever
 * default engine has it. *ctr gets the container, or NULL when no engine
 * has it (then *out is the one engine given or running, if exactly one; with
 * several, store_kind (may be NULL) picks the one whose snapshots exist).
 * name NULL: no container, the engine given or the one running (several:
 * a usage error asking for -H). */
int dmig_engine_find (const char *host, const char *name, const char *const *store_kinds, struct dmig_engine **out,
                      struct dmig_container **ctr, dmig_error_t *err);

/* The command on a host that bridges its stdin and stdout to the engine's
 * API socket: the engine's CLI's `system dial-stdio` (what DOCKER_HOST=ssh://
 * and podman remote run), naming the socket only when one is given (NULL or
 * "": the CLI's default). argv is for dmig_ssh_forward_unix (quoted there);
 * it is empty (argv[0] NULL) for an engine without a CLI. */
struct dmig_engine_dial {
	char url[PATH_MAX + 8];
	char *argv[6];
};
void dmig_engine_dial (const struct dmig_engine_ops *ops, const char *socket, struct dmig_engine_dial *d);

/* Whether a container runs (when that cannot be told: no). */
bool dmig_engine_running (struct dmig_engine *e, const char *name);

/* Inspect a container: 0 and *out (NULL when there is no such container;
 * free it with dmig_container_free). */
int dmig_engine_inspect (struct dmig_engine *e, const char *name, struct dmig_container **out, dmig_error_t *err);
/* An inspect answer (kept, e.g. in a snapshot's manifest) of an engine of
 * this kind as a container; takes a reference to raw. */
int dmig_engine_parse (const struct dmig_engine_ops *ops, json_object *raw, struct dmig_container **out,
                       dmig_error_t *err);
/* Stop and remove a container (and nothing else); gone already is fine. */
int dmig_engine_remove (struct dmig_engine *e, const char *name, dmig_error_t *err);
/* Stop a container, killing it after timeout_s seconds. */
int dmig_engine_stop (struct dmig_engine *e, const char *name, int timeout_s, dmig_error_t *err);
int dmig_engine_rename (struct dmig_engine *e, const char *from, const char *to, dmig_error_t *err);
/* A request path: the engine's API prefix (compat, or an engine without an
 * API of its own: the Docker API's at the version negotiated), then
 * fmt, where each %s is escaped for a URL, %r is pasted as it is (the
 * engine's own fragments only) and %d is an int. Fails when it would not
 * fit cap. */
int dmig_engine_path (struct dmig_engine *e, bool compat, char *buf, size_t cap, dmig_error_t *err, const char *fmt,
                      ...);

/* One API call. Returns the HTTP status (any), or < 0 when no answer came.
 * *out (may be NULL) gets the parsed JSON answer when there is one. */
int dmig_engine_call (struct dmig_engine *e, const char *method, const char *path, json_object *body, long timeout_ms,
                      json_object **out, dmig_error_t *err);
/* Fail with what the engine said about a non-2xx answer. */
int dmig_engine_fail (struct dmig_engine *e, int status, json_object *answer, dmig_error_t *err, const char *fmt, ...)
    __attribute__ ((format (printf, 5, 6)));
/* A call whose request or answer body streams (req->read / req->write);
 * a non-2xx answer becomes an error that starts with `what`. The timeout is
 * DMIG_CRIU_TIMEOUT_MS unless req sets one. */
int dmig_engine_stream (struct dmig_engine *e, struct dmig_http_req *req, const char *what, dmig_error_t *err);
/* The same, and *answer (may be NULL) gets a 2xx answer's JSON body, when
 * one came (a request body streamed, the answer read whole). */
int dmig_engine_stream_answer (struct dmig_engine *e, struct dmig_http_req *req, const char *what, json_object **answer,
                               dmig_error_t *err);
/* Call and require a 2xx answer. */
int dmig_engine_must (struct dmig_engine *e, const char *method, const char *path, json_object *body, long timeout_ms,
                      json_object **out, dmig_error_t *err);

#endif
