#!/usr/bin/env bash
# snapshot -> change memory, files and a volume -> rollback -> all are the
# snapshot's; a multi-process container; a removed container; --keep.
. "$(dirname "$0")/lib.sh"

state_roundtrip() {
	local e=$1 c=$P-$1-rt v=$P-$1-vol
	track_vol "$v"
	run_ctr "$e" "$c" -v "$v:/vol" "$IMAGE" sh -c \
		'echo before > /vol/data; echo changed-by-ctr > /etc/image-file; rm /etc/doomed;
		 mkdir -p /newdir; echo x > /newdir/f; exec counter /data/log 16 50'
	wait_until 10 "$e" exec "$c" test -s /data/log
	sleep 1
	ref=$(dm "$e" snapshot "$c")
	[ "$ref" = "$c@$(dm "$e" list --json "$c" | jq -r '.[-1].name')" ] || fail "printed ref $ref is not the listed one"
	snap_count=$(last_count "$e" "$c" /data/log)
	# change memory (the count), files and the volume
	sleep 1
	"$e" exec "$c" sh -c 'echo after > /vol/data; echo later > /etc/image-file; echo y > /etc/doomed; rm -r /newdir; echo new > /added'
	before=$(last_count "$e" "$c" /data/log)
	[ "$before" -gt "$snap_count" ]
	dm "$e" rollback "$ref" >/dev/null
	[ "$("$e" inspect -f '{{.State.Running}}' "$c")" = true ] || fail "not running after rollback"
	[ "$("$e" exec "$c" cat /vol/data)" = before ] || fail "volume not rolled back"
	[ "$("$e" exec "$c" cat /etc/image-file)" = changed-by-ctr ] || fail "changed image file not rolled back"
	"$e" exec "$c" test ! -e /etc/doomed || fail "deleted file came back"
	"$e" exec "$c" test ! -e /added || fail "file made after the snapshot survived"
	[ "$("$e" exec "$c" cat /newdir/f)" = x ] || fail "new dir lost"
	sleep 1
	n=$(log_consecutive "$e" "$c" /data/log) || fail "the count has a gap or repeat"
	# memory went back: the count restarted from the snapshot's, not from $before
	grep -qx "$((snap_count + 1))" <("$e" exec "$c" cat /data/log) || fail "count did not go on from $snap_count"
	[ "$("$e" exec "$c" grep -c -x "$before" /data/log)" -le 1 ] || fail "log holds lines from after the snapshot"
	[ "$n" -gt "$snap_count" ]
	check_pattern "$e" "$c" /data/log
	# safety snapshot removed after success, the snapshot itself kept
	[ "$(dm "$e" list --json "$c" | jq length)" = 1 ] || fail "unexpected snapshots left: $(dm "$e" list "$c")"
	# no aside container left
	! "$e" ps -a --format '{{.Names}}' | grep -q -- "$c-dmig-old" || fail "old container left behind"
}

multi_process() {
	local e=$1 c=$P-$1-mp
	run_ctr "$e" "$c" "$IMAGE" sh -c \
		'for i in 1 2 3; do (n=0; while :; do n=$((n+1)); echo $n >> /data/c$i; sleep 0.1; done) & done; wait'
	wait_until 10 "$e" exec "$c" test -s /data/c3
	sleep 1
	ref=$(dm "$e" snapshot --name two "$c")
	[ "$ref" = "$c@two" ]
	sleep 1
	"$e" exec "$c" sh -c 'touch /data/later'
	dm "$e" rollback "$c@two" >/dev/null
	sleep 1
	"$e" exec "$c" test ! -e /data/later || fail "file from after the snapshot survived"
	for i in 1 2 3; do
		"$e" exec "$c" cat /data/c$i | awk '{ if ($1 != p + 1) exit 1; p = $1 }' || fail "child $i's file has a gap"
	done
	# all three children run on: their files keep growing
	a=$("$e" exec "$c" wc -l /data/c1 /data/c2 /data/c3 | tail -n1)
	sleep 1
	b=$("$e" exec "$c" wc -l /data/c1 /data/c2 /data/c3 | tail -n1)
	[ "${b% *}" -gt "${a% *}" ] || fail "children do not run after rollback"
	[ "$("$e" exec "$c" ps | grep -c 'sh -c')" -ge 4 ] || fail "processes missing: $("$e" exec "$c" ps)"
}

removed_container() {
	local e=$1 c=$P-$1-gone
	run_ctr "$e" "$c" "$IMAGE" counter /data/log 4 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	dm "$e" snapshot --name keepme "$c" >/dev/null
	snap_count=$(last_count "$e" "$c" /data/log)
	rm_ctr "$e" "$c"
	dm "$e" rollback "$c" >/dev/null
	[ "$("$e" inspect -f '{{.State.Running}}' "$c")" = true ]
	sleep 0.5
	log_consecutive "$e" "$c" /data/log >/dev/null
	grep -qx "$((snap_count + 1))" <("$e" exec "$c" cat /data/log) || fail "count did not go on from $snap_count"
	check_pattern "$e" "$c" /data/log
}

# A container that stopped (crashed, say) is rolled back too; the stopped
# one is kept aside until the new one runs, then removed.
stopped_container() {
	local e=$1 c=$P-$1-stopped
	run_ctr "$e" "$c" "$IMAGE" counter /data/log 4 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	dm "$e" snapshot --name s "$c" >/dev/null
	snap_count=$(last_count "$e" "$c" /data/log)
	"$e" kill "$c" >/dev/null
	wait_until 10 sh -c "[ \"\$($e inspect -f '{{.State.Running}}' $c)\" = false ]"
	dm "$e" rollback "$c" >/dev/null
	[ "$("$e" inspect -f '{{.State.Running}}' "$c")" = true ] || fail "not running"
	sleep 0.5
	grep -qx "$((snap_count + 1))" <("$e" exec "$c" cat /data/log) || fail "count did not go on from $snap_count"
	log_consecutive "$e" "$c" /data/log >/dev/null
	! "$e" ps -a --format '{{.Names}}' | grep -q -- "$c-dmig-old" || fail "old container left behind"
}

keep_and_prune() {
	local e=$1 c=$P-$1-keep
	run_ctr "$e" "$c" "$IMAGE" counter /data/log 1 100
	wait_until 10 "$e" exec "$c" test -s /data/log
	for i in 1 2 3; do dm "$e" -q snapshot --keep 2 "$c" >/dev/null 2>"$TMP/err"; done
	[ ! -s "$TMP/err" ] || fail "-q printed: $(cat "$TMP/err")"
	[ "$(dm "$e" list --json "$c" | jq length)" = 2 ] || fail "--keep 2 kept $(dm "$e" list --json "$c" | jq length)"
	newest=$(dm "$e" list --json "$c" | jq -r '.[-1].name')
	dm "$e" prune --keep 1 "$c" >/dev/null
	[ "$(dm "$e" list --json "$c" | jq -r '.[].name')" = "$newest" ] || fail "prune did not keep the newest"
	# store permissions: 0700 folders, 0600 files
	[ "$(stat -c %a "$STORE/$e")" = 700 ] && [ "$(stat -c %a "$STORE/$e/$c")" = 700 ]
	[ "$(stat -c %a "$STORE/$e/$c/$newest.dmig")" = 600 ]
}

for e in ${DMIG_ENGINES:-docker podman}; do
	ensure_image "$e"
	t "$e: snapshot, change memory files and volume, rollback" state_roundtrip "$e"
	t "$e: multi-process container rolls back" multi_process "$e"
	t "$e: rollback of a removed container" removed_container "$e"
	t "$e: rollback of a stopped container" stopped_container "$e"
	t "$e: --keep and prune keep the newest" keep_and_prune "$e"
done
