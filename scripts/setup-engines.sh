#!/usr/bin/env bash
# Configure and start the container engines dmig works with:
#  - Docker with experimental mode (the checkpoint API needs it),
#  - Podman with the runc runtime (Debian's crun has no CRIU) and limits the
#    sandbox allows, and its API service at /run/podman/podman.sock.
# Idempotent: adds only the settings that are missing, backs up any file it
# edits, says what it changed, and starts only engines that are not running.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_root

DOCKER_SOCK=/var/run/docker.sock
PODMAN_SOCK=/run/podman/podman.sock
LOGDIR=/var/log/dmig
mkdir -p "$LOGDIR" /run/dmig

ping_sock() { curl -sf --max-time 2 --unix-socket "$1" "http://d$2" >/dev/null; }

# --- Docker: experimental mode ---
conf=/etc/docker/daemon.json
mkdir -p /etc/docker
if [ ! -s "$conf" ]; then
	echo '{ "experimental": true }' >"$conf"
	say "wrote $conf with experimental mode on"
elif [ "$(jq -r '.experimental // false' "$conf")" != "true" ]; then
	backup "$conf"
	jq '.experimental = true' "$conf" >"$conf.tmp" && mv "$conf.tmp" "$conf"
	say "turned on experimental mode in $conf"
fi

# --init binds docker-init into the container: the real file, not a link
init=$(real_binary docker-init)
if [ -n "$init" ] && [ "$(jq -r '."init-path" // ""' "$conf")" = "" ]; then
	backup "$conf"
	jq --arg p "$init" '."init-path" = $p' "$conf" >"$conf.tmp" && mv "$conf.tmp" "$conf"
	say "set init-path to $init in $conf (CRIU cannot restore a bind mount from a symlink)"
	if ping_sock "$DOCKER_SOCK" /_ping; then
		say "warning: the running dockerd reads init-path when it restarts: --init containers started before cannot be checkpointed"
	fi
fi

if ! ping_sock "$DOCKER_SOCK" /_ping; then
	say "starting dockerd (log: $LOGDIR/dockerd.log)"
	# setsid: the daemon outlives this script and ignores its terminal; from /,
	# so that it never depends on the folder make ran in (a checkout that may go)
	(cd / && exec setsid dockerd >>"$LOGDIR/dockerd.log" 2>&1 </dev/null) &
	wait_for ping_sock "$DOCKER_SOCK" /_ping || die "dockerd did not start; see $LOGDIR/dockerd.log"
fi
if [ "$(curl -sf --unix-socket "$DOCKER_SOCK" http://d/info | jq -r .ExperimentalBuild)" != "true" ]; then
	die "the running dockerd has experimental mode off: restart it so it reads $conf"
fi

# --- Podman: runc, limits, no systemd ---
dropin=/etc/containers/containers.conf.d/50-dmig.conf
if [ ! -e "$dropin" ]; then
	mkdir -p "$(dirname "$dropin")"
	cat >"$dropin" <<'CONF'
# Added by dmig's scripts/setup-engines.sh.
[containers]
# The sandbox forbids podman's default nofile/nproc limits.
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
# Debian's crun is built without CRIU; runc uses it.
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
	say "wrote $dropin (runtime runc, limits, cgroupfs)"
fi

# the same for Podman's init (catatonit), for containers made from now on
initdrop=/etc/containers/containers.conf.d/51-dmig-init.conf
init=$(real_binary catatonit /usr/libexec/podman/catatonit)
if [ -n "$init" ] && [ ! -e "$initdrop" ]; then
	printf '# Added by dmig'"'"'s scripts/setup-engines.sh: --init binds the real file,\n# not a link (CRIU cannot restore a bind mount from a symlink).\n[containers]\ninit_path = "%s"\n' "$init" >"$initdrop"
	say "wrote $initdrop (init_path $init)"
fi

if ! ping_sock "$PODMAN_SOCK" /v4.0.0/libpod/_ping; then
	mkdir -p "$(dirname "$PODMAN_SOCK")"
	say "starting the podman API service at $PODMAN_SOCK (log: $LOGDIR/podman.log)"
	# from / too: a restore's conmon fails ("write child: broken pipe") once the
	# service's working folder is gone
	(cd / && exec setsid podman system service --time=0 "unix://$PODMAN_SOCK" >>"$LOGDIR/podman.log" 2>&1 </dev/null) &
	echo $! >/run/dmig/podman-service.pid
	wait_for ping_sock "$PODMAN_SOCK" /v4.0.0/libpod/_ping || die "podman service did not start; see $LOGDIR/podman.log"
fi
