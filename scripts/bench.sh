#!/usr/bin/env bash
# `make bench`: dmig move's downtime against the by-hand Docker recipe, in
# the same run, to the lab's host B, for containers of a few memory sizes.
#
# By hand (what a user would otherwise do; it carries memory only, so the
# bench container writes nothing to its writable layer):
#   clone on B (before the freeze, as dmig does) ->
#   docker checkpoint create --checkpoint-dir (the container stops) ->
#   tar | ssh B tar -x into the clone's checkpoints ->
#   ssh B docker start --checkpoint
# Downtime: from the checkpoint's start to the container running on B.
# Prints one line per size and the ratio dmig / by hand (lower is better).
#   BENCH_SIZES="64 256" scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
need_root

DMIG=$PWD/dmig
IMAGE=dmig-test-counter:2
SIZES=${BENCH_SIZES:-64 256}
P=dmigbench$$
[ -x "$DMIG" ] || die "build dmig first (make)"
started=0
scripts/lab.sh status >/dev/null 2>&1 || { scripts/lab.sh start; started=1; }
eval "$(scripts/lab.sh env)"
export DMIG_SSH_CONFIG
SSHB=(ssh -F "$DMIG_SSH_CONFIG" -o BatchMode=yes hostB)
declare -a MADE=()
cleanup() {
	for c in "${MADE[@]}"; do
		docker rm -f "$c" >/dev/null 2>&1 || true
		"${SSHB[@]}" docker rm -f "$c" >/dev/null 2>&1 || true
	done
	rm -rf "/tmp/$P"
	[ "$started" = 1 ] && scripts/lab.sh stop >/dev/null 2>&1
	return 0
}
trap cleanup EXIT
scripts/test-image.sh docker "$IMAGE" build/tests/counter
scripts/lab.sh exec bash "$PWD/scripts/test-image.sh" docker "$IMAGE" "$PWD/build/tests/counter"
ms() { date +%s%3N; }

by_hand() { # NAME MiB -> downtime ms
	local c=$1 mib=$2 id t0 t1 dir=/tmp/$P/$1
	docker run -d --name "$c" --network none "$IMAGE" counter /dev/null "$mib" 100 >/dev/null
	sleep 1
	id=$("${SSHB[@]}" docker create --name "$c" --network none "$IMAGE" counter /dev/null "$mib" 100)
	mkdir -p "$dir"
	t0=$(ms)
	docker checkpoint create --checkpoint-dir "$dir" "$c" ck >/dev/null
	tar -C "$dir/ck" -cf - . | "${SSHB[@]}" "mkdir -p /var/lib/docker/containers/$id/checkpoints/ck && tar -xf - -C /var/lib/docker/containers/$id/checkpoints/ck"
	"${SSHB[@]}" docker start --checkpoint ck "$c" >/dev/null
	t1=$(ms)
	echo $((t1 - t0))
}

with_dmig() { # NAME MiB -> downtime ms
	local c=$1 mib=$2
	docker run -d --name "$c" --network none "$IMAGE" counter /data/log "$mib" 100 >/dev/null
	sleep 1
	"$DMIG" -q --json move "$c" hostB | jq -r .downtime_ms
}

printf '%-8s %14s %14s %8s\n' "MiB" "by hand (ms)" "dmig (ms)" "ratio"
for mib in $SIZES; do
	# recorded here: the functions run in subshells
	MADE+=("$P-hand-$mib" "$P-dmig-$mib")
	h=$(by_hand "$P-hand-$mib" "$mib")
	d=$(with_dmig "$P-dmig-$mib" "$mib")
	printf '%-8s %14s %14s %8s\n' "$mib" "$h" "$d" "$(awk -v a="$d" -v b="$h" 'BEGIN { printf "%.2f", a / b }')"
done
echo "(dmig also carries the writable layer and volumes, which the by-hand recipe leaves behind)"
