#!/usr/bin/env bash
# A dmig killed with SIGKILL (as the OOM killer or a power cut would) at each
# step of a move, a snapshot and a rollback: the next dmig command recovers
# from the journal, and exactly one copy runs, with its state (the count
# goes on with no gap, its memory pattern verifies); nothing is left here
# or on host B. DMIG_TEST_KILL_AT names the step (src/fault.h).
. "$(dirname "$0")/lib.sh"
use_lab

trap 'lab_cleanup B; cleanup' EXIT

JOURNAL=/var/lib/dmig/journal

# killed_at POINT ENGINE ARGS...: dmig killed at POINT (exit 137).
killed_at() {
	local point=$1 e=$2 rc=0
	shift 2
	DMIG_TEST_KILL_AT=$point "$DMIG" -H "unix://$(sock_of "$e")" --store "$STORE" "$@" >/dev/null 2>"$TMP/killed" || rc=$?
	[ "$rc" = 137 ] || fail "dmig was to be killed at $point, exit $rc: $(cat "$TMP/killed")"
}

# runs_intact WHERE ENGINE NAME: it runs (here or on B), counting on with no
# gap, its memory intact; and not on the other side.
runs_intact() {
	local where=$1 e=$2 c=$3 run=("$2")
	[ "$where" = B ] && run=(B "$e")
	[ "$("${run[@]}" inspect -f '{{.State.Running}} {{.State.Paused}}' "$c")" = "true false" ] ||
		fail "not running (unpaused) $where: $("${run[@]}" inspect -f '{{.State.Status}}' "$c" 2>&1)"
	if [ "$where" = B ]; then
		! "$e" container inspect "$c" >/dev/null 2>&1 || fail "a second copy is here"
	else
		! B "$e" container inspect "$c" >/dev/null 2>&1 || fail "a copy was left on host B"
		[ -z "$(B "$e" volume ls -q | grep "^$c")" ] || fail "volumes left on host B"
	fi
	sleep 0.4
	"${run[@]}" exec "$c" cat /data/log | awk '/^[0-9]+$/ { if ($1 != p + 1) { print "gap after " p; exit 1 } p = $1 }' ||
		fail "the count has a gap or repeat ($where)"
	local before n end=$((SECONDS + 10))
	before=$("${run[@]}" exec "$c" grep -c pattern /data/log || true)
	"${run[@]}" exec "$c" kill -USR1 1
	# (B is a function of this shell: no sh -c around it)
	until n=$("${run[@]}" exec "$c" grep -c pattern /data/log) && [ "$n" -gt "$before" ]; do
		[ $SECONDS -lt $end ] || fail "no pattern answer ($where)"
		sleep 0.2
	done
	[ "$("${run[@]}" exec "$c" grep pattern /data/log | tail -n 1)" = "pattern ok" ] || fail "memory pattern lost"
}

# Nothing of dmig's left: no journal, no staging, no aside copy.
nothing_left() { # ENGINE NAME
	[ ! -e "$JOURNAL/$1/$2.json" ] || fail "the journal is still there: $(cat "$JOURNAL/$1/$2.json")"
	[ -z "$(find "$STORE" -name '.staging-*' 2>/dev/null)" ] || fail "staging left: $(find "$STORE" -name '.staging-*')"
	[ -z "$("$1" ps -a --format '{{.Names}}' | grep -x -- "$2-dmig-old-.*")" ] || fail "an aside copy was left"
	[ -z "$(find "$STORE" -name 'pre-rollback-*' 2>/dev/null)" ] || fail "the safety snapshot was left"
}

# A move killed at POINT; WHERE the copy must run afterwards; HOW: which
# command comes next (recover, or another move, which recovers first).
move_killed() {
	local e=$1 point=$2 where=$3 how=$4 c=$P-$1-mk-${2#move:}-$4
	track_vol "$c-data"
	run_ctr "$e" "$c" -v "$c-data:/vol" --restart on-failure:2 "$IMAGE" counter /data/log 8 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	killed_at "$point" "$e" move "$c" hostB
	# the journal says so, and list shows it
	[ -e "$JOURNAL/$e/$c.json" ] || [ "$point" = move:check ] || fail "no journal after a kill at $point"
	if [ "$point" != move:check ]; then
		dm "$e" list 2>&1 | grep -q "container '$c': a move to hostB, cut short" || fail "list does not show it: $(dm "$e" list 2>&1)"
	fi
	case $how in
	recover) dm "$e" recover "$c" >"$TMP/out" 2>"$TMP/err" || fail "recover: $(cat "$TMP/err")" ;;
	# a snapshot on it recovers first (here it runs, or it is gone: B has it)
	snapshot) dm "$e" snapshot "$c" >/dev/null 2>"$TMP/err" || [ "$where" = B ] || fail "snapshot: $(cat "$TMP/err")" ;;
	esac
	runs_intact "$where" "$e" "$c"
	nothing_left "$e" "$c"
	if [ "$where" = here ]; then
		[ "$("$e" inspect -f '{{.HostConfig.RestartPolicy.Name}}' "$c")" = on-failure ] || fail "restart policy not given back"
		# and it moves afterwards, as any other
		dm "$e" move "$c" hostB 2>"$TMP/err" || fail "the next move: $(cat "$TMP/err")"
		runs_intact B "$e" "$c"
	fi
}

# A snapshot killed at POINT: it runs on, unpaused, as it was.
snapshot_killed() {
	local e=$1 point=$2 c=$P-$1-sk-${2#snapshot:}
	run_ctr "$e" "$c" --restart always "$IMAGE" counter /data/log 8 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	killed_at "$point" "$e" snapshot "$c"
	dm "$e" recover "$c" >/dev/null 2>"$TMP/err" || fail "recover: $(cat "$TMP/err")"
	runs_intact here "$e" "$c"
	[ "$("$e" inspect -f '{{.HostConfig.RestartPolicy.Name}}' "$c")" = always ] || fail "restart policy changed"
	nothing_left "$e" "$c"
	# and a snapshot works afterwards
	dm "$e" snapshot "$c" >/dev/null 2>"$TMP/err" || fail "the next snapshot: $(cat "$TMP/err")"
}

# A rollback killed at POINT: one container of that name runs, either as
# it was before the rollback (points before the restore) or as the snapshot
# (after it), with no aside copy and no safety snapshot left.
rollback_killed() {
	local e=$1 point=$2 c=$P-$1-rk-${2#*:} snap
	run_ctr "$e" "$c" "$IMAGE" counter /data/log 8 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	dm "$e" snapshot --name base "$c" >/dev/null
	sleep 1
	"$e" exec "$c" sh -c 'echo after-snapshot > /data/marker'
	killed_at "$point" "$e" rollback "$c@base"
	dm "$e" rollback "$c@base" >/dev/null 2>"$TMP/err" || fail "the next rollback: $(cat "$TMP/err")"
	runs_intact here "$e" "$c"
	# the next rollback recovered first, then rolled back: the marker is gone
	"$e" exec "$c" test ! -e /data/marker || fail "the marker made after the snapshot is still there"
	nothing_left "$e" "$c"
	[ "$("$e" ps -a --format '{{.Names}}' | grep -cx -- "$c")" = 1 ] || fail "not exactly one container '$c'"
}

# containerd keeps a copy of every checkpoint's images in /tmp
# (ctrd-checkpoint*): after dmig's snapshot, rollback and move none is left.
no_containerd_copies() {
	local c=$P-docker-ctrd before
	run_ctr docker "$c" "$IMAGE" counter /data/log 8 50
	wait_until 10 docker exec "$c" test -s /data/log
	copies() { find /tmp -maxdepth 1 -name 'ctrd-checkpoint*' | sort; }
	before=$(copies)
	dm docker snapshot --name one "$c" >/dev/null
	dm docker rollback "$c@one" >/dev/null 2>"$TMP/err" || fail "rollback: $(cat "$TMP/err")"
	dm docker move "$c" hostB 2>"$TMP/err" || fail "move: $(cat "$TMP/err")"
	[ "$(copies)" = "$before" ] || fail "containerd's copies left: $(comm -13 <(echo "$before") <(copies) | tr '\n' ' ')"
	runs_intact B docker "$c"
}

ensure_image docker
t "docker: no copy of a checkpoint is left in containerd's temp folder" no_containerd_copies
for e in docker podman; do
	ensure_image "$e"
	for point in move:check move:image move:prepare move:freeze move:ship move:pre-restore; do
		tm SIGKILL "$point" "$e" "recovered: runs here, state kept, B clean" \
			"$e move killed at ${point#move:}: recover resumes it here, B clean" move_killed "$e" "$point" here recover
	done
	tm "SIGKILL, then another command" move:freeze "$e" "recovered first: runs here, state kept" \
		"$e move killed at freeze: the next dmig command recovers first" move_killed "$e" move:freeze here snapshot
	for point in move:restore move:post-restore move:finish; do
		tm SIGKILL "$point" "$e" "recovered: runs on B, state kept, source gone" \
			"$e move killed at ${point#move:}: recover finishes the move on B" move_killed "$e" "$point" B recover
	done
	points="snapshot:checkpoint snapshot:captured"
	[ "$e" = docker ] && points="snapshot:pause snapshot:layer $points"
	for point in $points; do
		tm SIGKILL "$point" "$e" "recovered: runs on, unpaused, state kept" \
			"$e snapshot killed at ${point#snapshot:}: it runs on as it was" snapshot_killed "$e" "$point"
	done
	for point in rollback:unpack snapshot:checkpoint rollback:safety rollback:rename rollback:restore; do
		tm SIGKILL "rollback:${point#*:}" "$e" "recovered: one copy runs, state kept; next rollback ok" \
			"$e rollback killed at ${point#*:}: one copy runs, the next rollback goes through" rollback_killed "$e" "$point"
	done
done

# killed_in_runtime ENGINE ID ARGS...: dmig (ARGS) killed while the
# runtime's own checkpoint of container ID runs (the engine was asked and
# has not answered yet: it may finish the dump or give it up).
killed_in_runtime() {
	local e=$1 id=$2 rc=0 pid end=$((SECONDS + 60))
	shift 2
	"$DMIG" -H "unix://$(sock_of "$e")" --store "$STORE" "$@" >/dev/null 2>"$TMP/killed" &
	pid=$!
	until pgrep -f "checkpoint .*$id" >/dev/null; do
		kill -0 "$pid" 2>/dev/null || fail "dmig ended before the runtime's checkpoint was seen: $(cat "$TMP/killed")"
		[ $SECONDS -lt $end ] || {
			kill -9 "$pid"
			fail "no checkpoint by the runtime seen in 60 s"
		}
		sleep 0.02
	done
	kill -9 "$pid"
	wait "$pid" || rc=$?
	[ "$rc" = 137 ] || fail "dmig was to be killed inside the checkpoint call, exit $rc: $(cat "$TMP/killed")"
}

# A move or snapshot killed inside the engine's checkpoint call: the next
# dmig command (recover, or the same command again) leaves one copy
# running with its state, wherever the engine's dump got to.
killed_in_call() {
	local e=$1 op=$2 how=$3 c=$P-$1-kc-$2-$3 id
	run_ctr "$e" "$c" --restart on-failure:2 "$IMAGE" counter /data/log 96 50
	wait_until 20 "$e" exec "$c" test -s /data/log
	id=$("$e" inspect -f '{{.Id}}' "$c")
	case $op in
	move) killed_in_runtime "$e" "$id" move "$c" hostB ;;
	snapshot) killed_in_runtime "$e" "$id" snapshot "$c" ;;
	esac
	case $how in
	recover) dm "$e" recover "$c" >/dev/null 2>"$TMP/err" || fail "recover: $(cat "$TMP/err")" ;;
	again) dm "$e" "$op" "$c" $([ "$op" = move ] && echo hostB) >/dev/null 2>"$TMP/err" || fail "the next $op: $(cat "$TMP/err")" ;;
	esac
	if [ "$op" = move ] && [ "$how" = again ]; then
		runs_intact B "$e" "$c"
	else
		runs_intact here "$e" "$c"
		[ "$("$e" inspect -f '{{.HostConfig.RestartPolicy.Name}}' "$c")" = on-failure ] || fail "restart policy not given back"
	fi
	nothing_left "$e" "$c"
}
for e in docker podman; do
	for op in snapshot move; do
		for how in recover again; do
			tm "SIGKILL in the engine's call" "$op:checkpoint-call" "$e" "recovered: one copy runs, state kept" \
				"$e $op killed inside the engine's checkpoint call, then $how: one copy runs with its state" killed_in_call "$e" "$op" "$how"
		done
	done
done

# The private folders of forwarded sockets (/tmp/dmig-ssh-<pid>-*) the
# killed dmig left: the next dmig that connects removes those of dead PIDs.
no_socket_folders_left() {
	local c=$P-docker-sockdirs d pid
	run_ctr docker "$c" "$IMAGE" counter /data/log 8 50
	wait_until 10 docker exec "$c" test -s /data/log
	dm docker move "$c" hostB 2>"$TMP/err" || fail "move: $(cat "$TMP/err")"
	for d in /tmp/dmig-ssh-*; do
		[ -d "$d" ] || continue
		pid=${d#/tmp/dmig-ssh-}
		pid=${pid%%-*}
		[[ $pid =~ ^[0-9]+$ ]] || continue
		! kill -0 "$pid" 2>/dev/null || continue
		fail "left by a killed dmig: $d"
	done
}
t "docker: no socket folder of a killed dmig is left in /tmp" no_socket_folders_left
