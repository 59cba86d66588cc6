#!/usr/bin/env bash
# Podman 5 on lab host D (Debian testing: Podman 5.8, runc 1.3, crun 1.28
# with libcriu2, CRIU 4.2): snapshot and rollback with runc and with crun,
# and a checkpoint that the restoring runtime cannot restore refused before
# anything changes. dmig is built on D and runs there. Podman restores an
# import with its service's default runtime (runc on D): a second Podman
# service on D, with crun as its default, stands for a host where crun is
# the default (Fedora, RHEL); it is started here and stopped by its PID.
# Run alone:
#   DMIG_TESTS=test_modern_podman tests/run-integration.sh
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || {
	echo "ok - skipped: needs root"
	exit 0
}
LABSH=$TOP/scripts/lab.sh
d_was_up=0
case $("$LABSH" env) in *DMIG_LAB_D_PID=*) d_was_up=1 ;; esac
"$LABSH" start-d >/dev/null 2>&1 || {
	echo "not ok - lab host D does not start (scripts/lab.sh start-d)"
	exit 1
}
D() { "$LABSH" exec-d "$@"; }
# on D: this run's folder (the checkout, dmig, the store, keys, journals)
DW=/root/$P
RUNC_SOCK=/run/podman/podman.sock
CRUN_SOCK=/run/$P/crun.sock
IMG=localhost/$P-counter

finish() {
	local n
	for n in $(D podman ps -a --format '{{.Names}}' 2>/dev/null | grep "^$P"); do
		D podman rm -f -t 0 "$n" >/dev/null 2>&1
	done
	for n in $(D podman volume ls -q 2>/dev/null | grep "^$P"); do
		D podman volume rm -f "$n" >/dev/null 2>&1
	done
	D podman rmi -f "$IMG" >/dev/null 2>&1
	# the crun service, by the PID it noted
	D sh -c 'p=$(cat "$1/crun.pid" 2>/dev/null) && kill "$p" 2>/dev/null; rm -rf "$1" "$2"' sh "$DW" "/run/$P"
	cleanup
	[ "$d_was_up" = 1 ] || "$LABSH" stop-d >/dev/null 2>&1
}
trap finish EXIT

# on D: dmig from this checkout, the counter, the test image
(cd "$TOP" && git ls-files -co --exclude-standard -z | tar --null -T - -c) |
	D sh -c 'rm -rf "$1" && mkdir -p -m 0700 "$1" "$1/src" && tar -C "$1/src" -x' sh "$DW"
if ! out=$(D sh -c 'cd "$1/src" && make -j2 BUILD=build dmig helpers 2>&1 &&
	bash scripts/test-image.sh podman "$2" build/tests/counter 2>&1' sh "$DW" "$IMG"); then
	echo "not ok - dmig, the counter or the image do not build on D"
	printf '%s\n' "$out" | tail -n 20 | sed 's/^/#   /'
	exit 1
fi
# the crun service: Podman with crun as its default runtime, on D's storage
D sh -c 'mkdir -p -m 0700 "$2" && { setsid podman --runtime crun system service --time=0 "unix://$3" \
	</dev/null >"$1/crun.log" 2>&1 & echo $! >"$1/crun.pid"; }' sh "$DW" "/run/$P" "$CRUN_SOCK"
wait_until 30 D curl -sf --unix-socket "$CRUN_SOCK" http://d/v5.0.0/libpod/_ping || {
	echo "not ok - the crun Podman service on D does not answer"
	exit 1
}

# dm SOCK ARGS...: dmig on D against that Podman service, this run's store
dm() {
	local sock=$1
	shift
	D env DMIG_KEY_DIR="$DW/keys" DMIG_JOURNAL_DIR="$DW/journal" "$DW/src/dmig" -H "unix://$sock" \
		--store "$DW/store" "$@"
}
# the engine commands lib.sh's helpers run, on D (a file: they run it from sh)
PODMAN_D=$TMP/podman-d
printf '#!/bin/sh\nexec %q exec-d podman "$@"\n' "$LABSH" >"$PODMAN_D"
chmod 700 "$PODMAN_D"
pd() { "$PODMAN_D" "$@"; }

# run_d RUNTIME NAME [options...]: the counter on D with that runtime
run_d() {
	local rt=$1 c=$2
	shift 2
	pd run -d --runtime "$rt" --name "$c" --network none "$@" "$IMG" sh -c \
		'echo before > /etc/image-file; exec counter /data/log 16 50' >/dev/null
	wait_until 10 pd exec "$c" test -s /data/log
}

# stats_said NAME: dmig -v said Podman's statistics of one restore
stats_said() {
	[ "$(grep -c "podman restored '$1': [0-9]* ms in the runtime, of them [0-9]* ms in CRIU ([0-9]* pages)" \
		"$TMP/stderr")" = 1 ] || fail "no restore statistics with -v: $(grep -v ' podman [A-Z]* /' "$TMP/stderr")"
}

# rollback_with RUNTIME SOCK: snapshot, change memory, files and a volume,
# rollback: all are the snapshot's, the count goes on from it with no gap
# or repeat, the memory pattern verifies; the restored container runs with
# the same runtime; -v shows Podman's restore statistics.
rollback_with() {
	local rt=$1 sock=$2 c=$P-$1-rt v=$P-$1-vol ref snap before
	run_d "$rt" "$c" -v "$v:/vol"
	pd exec "$c" sh -c 'echo snap > /vol/data'
	sleep 1
	ref=$(dm "$sock" -v snapshot "$c" 2>"$TMP/stderr") || fail "snapshot: $(cat "$TMP/stderr")"
	! grep -q "would be refused" "$TMP/stderr" || fail "snapshot said: $(cat "$TMP/stderr")"
	# -v: Podman's statistics of the restore in place
	stats_said "$c"
	snap=$(last_count "$PODMAN_D" "$c" /data/log)
	sleep 1
	pd exec "$c" sh -c 'echo after > /vol/data; echo later > /etc/image-file; echo new > /added'
	before=$(last_count "$PODMAN_D" "$c" /data/log)
	[ "$before" -gt "$snap" ]
	dm "$sock" -v rollback "$ref" >/dev/null 2>"$TMP/stderr" || fail "rollback: $(cat "$TMP/stderr")"
	[ "$(pd inspect -f '{{.State.Running}} {{.OCIRuntime}}' "$c")" = "true $rt" ] ||
		fail "after the rollback: $(pd inspect -f '{{.State.Running}} {{.OCIRuntime}}' "$c")"
	# -v: Podman's statistics of the import
	stats_said "$c"
	[ "$(pd exec "$c" cat /vol/data)" = snap ] || fail "volume not rolled back"
	[ "$(pd exec "$c" cat /etc/image-file)" = before ] || fail "changed file not rolled back"
	pd exec "$c" test ! -e /added || fail "file made after the snapshot survived"
	sleep 1
	log_consecutive "$PODMAN_D" "$c" /data/log >/dev/null || fail "the count has a gap or repeat"
	pd exec "$c" grep -qx "$((snap + 1))" /data/log || fail "count did not go on from $snap"
	[ "$(pd exec "$c" grep -c -x "$before" /data/log)" -le 1 ] || fail "log holds lines from after the snapshot"
	check_pattern "$PODMAN_D" "$c" /data/log
	[ "$(dm "$sock" list --json "$c" | jq length)" = 1 ] || fail "snapshots left: $(dm "$sock" list "$c")"
	! pd ps -a --format '{{.Names}}' | grep -q -- "$c-dmig-old" || fail "old container left behind"
}

# refused_with RUNTIME SOCK: a container of that runtime rolled back where
# the other one restores: the snapshot is taken (restored in place: its own
# runtime) with a warning; the rollback is refused, exit 3, one line naming
# both runtimes, and nothing changed: the same container runs on, its count
# never stopped, no safety snapshot, nothing set aside.
refused_with() {
	local rt=$1 sock=$2 c=$P-$1-no id ref n1 n2 other
	other=$([ "$rt" = runc ] && echo crun || echo runc)
	run_d "$rt" "$c"
	ref=$(dm "$sock" snapshot "$c" 2>"$TMP/stderr") || fail "snapshot: $(cat "$TMP/stderr")"
	grep -q "rolling this snapshot back here would be refused: container '$c' runs with runtime '$rt'" "$TMP/stderr" ||
		fail "the snapshot did not warn: $(cat "$TMP/stderr")"
	id=$(pd inspect -f '{{.Id}}' "$c")
	n1=$(last_count "$PODMAN_D" "$c" /data/log)
	expect_exit 3 dm "$sock" rollback "$ref"
	grep -q "runs with runtime '$rt', but Podman here restores a checkpoint with its default runtime '$other'" \
		"$TMP/stderr" || fail "the refusal does not say why: $(cat "$TMP/stderr")"
	grep -q "podman --runtime $rt system service" "$TMP/stderr" || fail "no way out: $(cat "$TMP/stderr")"
	[ "$(pd inspect -f '{{.Id}} {{.State.Running}}' "$c")" = "$id true" ] || fail "the container changed"
	sleep 0.5
	n2=$(last_count "$PODMAN_D" "$c" /data/log)
	[ "$n2" -gt "$n1" ] || fail "the count stopped"
	log_consecutive "$PODMAN_D" "$c" /data/log >/dev/null || fail "the count has a gap or repeat"
	[ "$(pd exec "$c" grep -c -x 1 /data/log)" = 1 ] || fail "the counter started again"
	[ "$(dm "$sock" list --json "$c" | jq length)" = 1 ] || fail "a safety snapshot is left"
	! pd ps -a --format '{{.Names}}' | grep -q -- "$c-dmig-old" || fail "a container was set aside"
	# where its own runtime restores, the same snapshot rolls back
	dm "$([ "$rt" = runc ] && echo "$RUNC_SOCK" || echo "$CRUN_SOCK")" rollback "$ref" >/dev/null 2>"$TMP/stderr" ||
		fail "rollback with $rt: $(cat "$TMP/stderr")"
	[ "$(pd inspect -f '{{.State.Running}} {{.OCIRuntime}}' "$c")" = "true $rt" ] || fail "not running with $rt"
	check_pattern "$PODMAN_D" "$c" /data/log
}

# A container that is gone rolls back from its snapshot, by the runtime
# that made it.
gone_with() {
	local rt=$1 sock=$2 c=$P-$1-gone snap
	run_d "$rt" "$c"
	dm "$sock" snapshot --name s "$c" >/dev/null
	snap=$(last_count "$PODMAN_D" "$c" /data/log)
	pd rm -f -t 0 "$c" >/dev/null
	dm "$sock" rollback "$c@s" >/dev/null 2>"$TMP/stderr" || fail "rollback: $(cat "$TMP/stderr")"
	[ "$(pd inspect -f '{{.State.Running}} {{.OCIRuntime}}' "$c")" = "true $rt" ] || fail "not running with $rt"
	sleep 0.5
	pd exec "$c" grep -qx "$((snap + 1))" /data/log || fail "count did not go on from $snap"
	log_consecutive "$PODMAN_D" "$c" /data/log >/dev/null
	check_pattern "$PODMAN_D" "$c" /data/log
}

echo "# D: podman $(D podman version -f '{{.Server.Version}}'), $(D runc --version | head -n1), $(D crun --version | head -n1)"
r=0
t "podman 5 rollback, runc" rollback_with runc "$RUNC_SOCK" || r=1
t "podman 5 rollback, crun" rollback_with crun "$CRUN_SOCK" || r=1
t "podman 5 rollback of a removed container, runc" gone_with runc "$RUNC_SOCK" || r=1
t "podman 5 rollback of a removed container, crun" gone_with crun "$CRUN_SOCK" || r=1
t "runc's checkpoint where crun restores: refused, nothing changed" refused_with runc "$CRUN_SOCK" || r=1
t "crun's checkpoint where runc restores: refused, nothing changed" refused_with crun "$RUNC_SOCK" || r=1
exit $r
