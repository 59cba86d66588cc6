#!/usr/bin/env bash
# `make demo`: dmig at work on a counting container, on Docker and Podman:
# snapshot, change its memory, files and volume, roll back, and see the count
# go on from the snapshot. Uses its own store and containers and removes them
# at the end; nothing else is touched.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
need_root

DMIG=$PWD/dmig
IMAGE=dmig-test-counter:2
STORE=$(mktemp -d /tmp/dmig-demo-store.XXXXXX)
NAME=dmig-demo-$$
declare -a MADE=()
LAB_STARTED=0
cleanup() {
	[ "$LAB_STARTED" = 1 ] && scripts/lab.sh stop >/dev/null 2>&1
	for m in "${MADE[@]}"; do
		e=${m%%:*} c=${m#*:}
		if [ "$e" = podman ]; then podman rm -f -t 0 "$c" >/dev/null 2>&1; else docker rm -f "$c" >/dev/null 2>&1; fi
		"$e" volume rm -f "$c-data" >/dev/null 2>&1 || true
	done
	rm -rf "$STORE"
}
trap cleanup EXIT

b=$(tput bold 2>/dev/null || true) n=$(tput sgr0 2>/dev/null || true)
step() { printf '\n%s== %s%s\n' "$b" "$*" "$n"; }
show() { printf '%s$ %s%s\n' "$b" "$*" "$n" >&2; "$@"; }
count() { "$1" exec "$2" sh -c 'grep -E "^[0-9]+$" /data/log | tail -n 1'; }

demo_engine() {
	local e=$1 c=$NAME-$1 sock
	sock=$([ "$e" = docker ] && echo /var/run/docker.sock || echo /run/podman/podman.sock)
	scripts/test-image.sh "$e" "$IMAGE" build/tests/counter
	step "$e: a container that counts in memory and appends each number to a file"
	MADE+=("$e:$c")
	show "$e" run -d --name "$c" --network none -v "$c-data:/vol" "$IMAGE" \
		sh -c 'echo "volume as it was" > /vol/note; exec counter /data/log 16 100' >/dev/null
	sleep 2
	echo "count now: $(count "$e" "$c")"

	step "$e: snapshot it (memory, writable layer and volume, from one instant)"
	ref=$(show "$DMIG" -H "unix://$sock" --store "$STORE" snapshot "$c")
	echo "$ref"
	at=$(count "$e" "$c")
	show "$DMIG" --store "$STORE" list "$c"

	step "$e: time passes, files and the volume change"
	sleep 3
	"$e" exec "$c" sh -c 'echo "volume changed" > /vol/note; echo oops > /data/mistake'
	echo "count now: $(count "$e" "$c"), /vol/note: $("$e" exec "$c" cat /vol/note), /data/mistake exists"

	step "$e: roll back to the snapshot"
	show "$DMIG" -H "unix://$sock" --store "$STORE" rollback "$ref"
	sleep 1
	echo "the count went back to $at and goes on: $("$e" exec "$c" sh -c 'grep -E "^[0-9]+$" /data/log | tail -n 3 | tr "\n" " "')"
	echo "/vol/note: $("$e" exec "$c" cat /vol/note)"
	"$e" exec "$c" test ! -e /data/mistake && echo "/data/mistake is gone"
	"$e" exec "$c" kill -USR1 1
	sleep 0.5
	echo "memory check by the program itself: $("$e" exec "$c" sh -c 'grep pattern /data/log | tail -n 1')"
}

# A live move to host B of the local two-host lab, and back.
demo_move() {
	local c=$NAME-move
	step "move: host B is a second host in this machine's lab (its own network, sshd, dockerd)"
	if ! scripts/lab.sh status >/dev/null 2>&1; then
		scripts/lab.sh start
		LAB_STARTED=1
	fi
	eval "$(scripts/lab.sh env)"
	export DMIG_SSH_CONFIG
	scripts/lab.sh exec bash "$PWD/scripts/test-image.sh" docker "$IMAGE" "$PWD/build/tests/counter"
	MADE+=("docker:$c")
	show docker run -d --name "$c" --network none "$IMAGE" counter /data/log 16 100 >/dev/null
	sleep 2
	echo "counting here: $(count docker "$c")"
	step "move: dmig move $c hostB (over SSH; the target needs sshd, Docker, CRIU and tar, not dmig)"
	show "$DMIG" move "$c" hostB
	sleep 1
	echo "on host B it counts on, no number lost or repeated:"
	scripts/lab.sh exec docker exec "$c" sh -c 'grep -E "^[0-9]+$" /data/log | awk "{ if (\$1 != p + 1) bad = 1; p = \$1 } END { print \"1..\" p, bad ? \"with gaps\" : \"without a gap\" }"'
	docker container inspect "$c" >/dev/null 2>&1 || echo "and nothing of it is left here"
	step "move: and back, by dmig on host B (the lab's host A answers SSH there)"
	show scripts/lab.sh exec env DMIG_SSH_CONFIG="$DMIG_LAB_B_SSH_CONFIG" "$DMIG" --store /var/lib/dmig move "$c" hostA
	sleep 1
	echo "back here, still counting: $(docker exec "$c" sh -c 'grep -E "^[0-9]+$" /data/log | tail -n 3 | tr "\n" " "')"
}

[ -x "$DMIG" ] || die "build dmig first (make)"
printf '%sdmig %s: snapshots and rollback of running containers%s\n' "$b" "$("$DMIG" version | cut -d' ' -f2)" "$n"
for e in docker podman; do
	demo_engine "$e"
done
demo_move
step "done: the demo's containers, store and lab (if it started it) are removed"
