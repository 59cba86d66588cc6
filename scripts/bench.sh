#!/usr/bin/env bash
# `make bench`: dmig move's downtime against what a user would otherwise do
# by hand, in the same run, to the lab's host B, for containers of a few
# memory sizes, on Docker and Podman.
#
# By hand (it carries memory only, so the bench container writes nothing to
# its writable layer; the image is on B beforehand, as dmig ships it before
# the freeze):
#   Docker: clone on B (before the freeze, as dmig does) ->
#     docker checkpoint create --checkpoint-dir (the container stops) ->
#     tar | ssh B tar -x into the clone's checkpoints ->
#     ssh B docker start --checkpoint
#   Podman: podman container checkpoint --export (uncompressed) ->
#     ssh B 'cat > file' -> ssh B podman container restore --import
# Downtime: from the checkpoint's start to the container running on B.
# Prints one line per engine and size and the ratio dmig / by hand (lower is
# better).
#   BENCH_SIZES="64 256" BENCH_ENGINES="docker podman" scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
need_root

DMIG=$PWD/dmig
IMAGE=dmig-test-counter:2
SIZES=${BENCH_SIZES:-64 256}
ENGINES=${BENCH_ENGINES:-docker podman}
P=dmigbench$$
[ -x "$DMIG" ] || die "build dmig first (make)"
started=0
scripts/lab.sh status >/dev/null 2>&1 || { scripts/lab.sh start; started=1; }
eval "$(scripts/lab.sh env)"
export DMIG_SSH_CONFIG
# SSHB never reads stdin (the cleanup loop reads a file there); SSHB_IN
# feeds a command
SSHB=(ssh -n -F "$DMIG_SSH_CONFIG" -o BatchMode=yes hostB)
SSHB_IN=(ssh -F "$DMIG_SSH_CONFIG" -o BatchMode=yes hostB)
MADE=$(mktemp /tmp/dmig-bench.XXXXXX) # engine:name, one a line
rm_ctr() { if [ "$1" = podman ]; then echo "podman rm -f -t 0 $2"; else echo "docker rm -f $2"; fi; }
cleanup() {
	local e c
	while IFS=: read -r e c; do
		$(rm_ctr "$e" "$c") >/dev/null 2>&1 || true
		"${SSHB[@]}" "$(rm_ctr "$e" "$c")" >/dev/null 2>&1 || true
	done <"$MADE"
	rm -rf "/tmp/$P" "$MADE"
	"${SSHB[@]}" rm -f "/var/lib/dmig/$P.tar" >/dev/null 2>&1 || true
	[ "$started" = 1 ] && scripts/lab.sh stop >/dev/null 2>&1
	return 0
}
trap cleanup EXIT
ms() { date +%s%3N; }

hand_docker() { # NAME MiB -> downtime ms
	local c=$1 mib=$2 id t0 t1 dir=/tmp/$P/$1
	docker run -d --name "$c" --network none "$IMAGE" counter /dev/null "$mib" 100 >/dev/null
	sleep 1
	id=$("${SSHB[@]}" docker create --name "$c" --network none "$IMAGE" counter /dev/null "$mib" 100)
	mkdir -p "$dir"
	t0=$(ms)
	docker checkpoint create --checkpoint-dir "$dir" "$c" ck >/dev/null
	tar -C "$dir/ck" -cf - . | "${SSHB_IN[@]}" "mkdir -p /var/lib/docker/containers/$id/checkpoints/ck && tar -xf - -C /var/lib/docker/containers/$id/checkpoints/ck"
	"${SSHB[@]}" docker start --checkpoint ck "$c" >/dev/null
	t1=$(ms)
	echo $((t1 - t0))
}

hand_podman() { # NAME MiB -> downtime ms
	local c=$1 mib=$2 t0 t1 file=/tmp/$P/$1.tar
	podman run -d --name "$c" --network none "$IMAGE" counter /dev/null "$mib" 100 >/dev/null
	sleep 1
	mkdir -p "/tmp/$P"
	t0=$(ms)
	podman container checkpoint --export "$file" --compress none "$c" >/dev/null
	"${SSHB_IN[@]}" "cat > /var/lib/dmig/$P.tar" <"$file"
	"${SSHB[@]}" podman container restore --import "/var/lib/dmig/$P.tar" >/dev/null
	t1=$(ms)
	"${SSHB[@]}" rm -f "/var/lib/dmig/$P.tar"
	echo $((t1 - t0))
}

with_dmig() { # ENGINE NAME MiB -> downtime ms
	local e=$1 c=$2 mib=$3 sock=/var/run/docker.sock
	[ "$e" = docker ] || sock=/run/podman/podman.sock
	"$e" run -d --name "$c" --network none "$IMAGE" counter /data/log "$mib" 100 >/dev/null
	sleep 1
	"$DMIG" -q --json -H "unix://$sock" move "$c" hostB | jq -r .downtime_ms
}

printf '%-8s %-8s %14s %14s %8s\n' "engine" "MiB" "by hand (ms)" "dmig (ms)" "ratio"
for e in $ENGINES; do
	scripts/test-image.sh "$e" "$IMAGE" build/tests/counter
	# the same image on B (its ID matters to Podman's restore)
	"${SSHB[@]}" "$e" image inspect "$(
		"$e" image inspect -f '{{.Id}}' "$IMAGE"
	)" >/dev/null 2>&1 || "$e" save "$IMAGE" | "${SSHB_IN[@]}" "$e" load >/dev/null
	for mib in $SIZES; do
		echo "$e:$P-hand-$mib" >>"$MADE"
		echo "$e:$P-dmig-$mib" >>"$MADE"
		h=$("hand_$e" "$P-hand-$mib" "$mib")
		d=$(with_dmig "$e" "$P-dmig-$mib" "$mib")
		printf '%-8s %-8s %14s %14s %8s\n' "$e" "$mib" "$h" "$d" "$(awk -v a="$d" -v b="$h" 'BEGIN { printf "%.2f", a / b }')"
	done
done
echo "(dmig also carries the writable layer and volumes, which the by-hand recipes leave behind)"
