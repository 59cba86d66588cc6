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
cleanup() {
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

[ -x "$DMIG" ] || die "build dmig first (make)"
printf '%sdmig %s: snapshots and rollback of running containers%s\n' "$b" "$("$DMIG" version | cut -d' ' -f2)" "$n"
for e in docker podman; do
	demo_engine "$e"
done
step "done: the demo's containers and store are removed"
echo "Live migration to a second host (dmig move) joins this demo when it lands."
