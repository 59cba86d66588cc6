#!/usr/bin/env bash
# The store and what users type: a store dmig does not own is refused, a
# fifo named like a snapshot hangs nothing, a rollback the store has no room
# to unpack is refused before anything changes, control characters are
# quoted, and no wrong input falls back to a default silently.
. "$(dirname "$0")/lib.sh"

start_counter() { # ENGINE NAME [MiB]
	run_ctr "$1" "$2" "$IMAGE" counter /data/log "${3:-4}" 50
	wait_until 10 "$1" exec "$2" test -s /data/log
}

dmig_at() { # ENGINE STORE ARGS...: dmig on that engine with another store
	local e=$1 s=$2
	shift 2
	"$DMIG" -H "unix://$(sock_of "$e")" --store "$s" "$@"
}

# The report: a 0777 store owned by nobody was used.
store_not_ours() {
	local e=$1 c=$P-$1-notours bad=$TMP/bad-store-$1
	start_counter "$e" "$c"
	mkdir -p "$bad"
	chown 65534 "$bad"
	chmod 0777 "$bad"
	expect_exit 3 dmig_at "$e" "$bad" snapshot "$c"
	grep -qF "'$bad' belongs to uid 65534" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	grep -qF "chown root: $bad && chmod 0700 $bad" "$TMP/stderr" || fail "no fix named: $(cat "$TMP/stderr")"
	[ -z "$(ls -A "$bad")" ] || fail "dmig wrote into the store it refused: $(ls -A "$bad")"
	chown 0 "$bad"
	expect_exit 3 dmig_at "$e" "$bad" list
	grep -qF "may be written by others (mode 0777)" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	[ "$("$e" inspect -f '{{.State.Running}}' "$c")" = true ] || fail "the container stopped"
}

# The report: a fifo named *.dmig made list and snapshot --keep 1 hang.
fifo_in_store() {
	local e=$1 c=$P-$1-fifo
	start_counter "$e" "$c"
	dm "$e" snapshot --name first "$c" >/dev/null
	mkfifo "$STORE/$e/$c/fifo.dmig"
	timeout 60 "$DMIG" --store "$STORE" list "$c" >"$TMP/list" 2>"$TMP/stderr" || fail "list: $(cat "$TMP/stderr")"
	grep -qF "fifo.dmig' is not a regular file (a fifo)" "$TMP/stderr" || fail "no warning: $(cat "$TMP/stderr")"
	grep -q "^$c@first " "$TMP/list" || fail "first not listed: $(cat "$TMP/list")"
	timeout 120 "$DMIG" -H "unix://$(sock_of "$e")" --store "$STORE" snapshot --keep 1 "$c" >/dev/null 2>"$TMP/stderr" || fail "snapshot --keep 1: $(cat "$TMP/stderr")"
	[ -p "$STORE/$e/$c/fifo.dmig" ] || fail "the fifo is gone"
	[ ! -e "$STORE/$e/$c/first.dmig" ] || fail "first was not pruned"
	[ ! -e "$STORE/$e/$c/.lock" ] || fail "the lock was left"
	rm -f "$STORE/$e/$c/fifo.dmig"
}

# The report: a bundle whose members outgrow the store failed late.
no_room_to_unpack() {
	local e=$1 c=$P-$1-noroom small=$TMP/small-unpack-$1 b need size rc=0 left id count
	start_counter "$e" "$c" 16
	dm "$e" snapshot --name s "$c" >/dev/null
	b=$STORE/$e/$c/s.dmig
	need=$(zstd -q -d -c "$b" | tar -xOf - manifest.json | jq '[.members[].size] | add')
	size=$(stat -c %s "$b")
	[ "$need" -gt $((4 << 20)) ] || fail "the members need only $need bytes"
	# room for the bundle and 1 MiB more, not for its members
	mkdir -p "$small"
	mount -t tmpfs -o size=$((size + (1 << 20))) dmig-test "$small"
	mkdir -p "$small/store/$e/$c"
	chmod -R 0700 "$small/store"
	cp "$b" "$small/store/$e/$c/"
	id=$("$e" inspect -f '{{.Id}}' "$c")
	count=$(last_count "$e" "$c" /data/log)
	dmig_at "$e" "$small/store" rollback "$c@s" 2>"$TMP/stderr" || rc=$?
	left=$(ls -A "$small/store/$e/$c")
	umount "$small"
	[ "$rc" = 3 ] || fail "exit $rc: $(cat "$TMP/stderr")"
	grep -q "not enough free space in .*: [0-9]* MiB free, at least [0-9]* MiB needed" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	[ "$left" = s.dmig ] || fail "left in the store: $left"
	[ "$("$e" inspect -f '{{.Id}} {{.State.Running}}' "$c")" = "$id true" ] || fail "container changed"
	sleep 0.3
	[ "$(last_count "$e" "$c" /data/log)" -gt "$count" ] || fail "the count stopped"
}

# Control characters quoted; no silent default.
inputs() {
	local e=$1 c=$P-$1-inputs
	start_counter "$e" "$c"
	expect_exit 2 dm "$e" snapshot "$(printf 'a\033[2Jb')"
	grep -qF "'a\\x1b[2Jb'" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	! grep -q $'\033' "$TMP/stderr" || fail "an escape reached the terminal"
	expect_exit 2 "$DMIG" --store '' list
	grep -qF "'--store' needs a folder" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	DMIG_SSH_CONFIG=$TMP/no-such-config expect_exit 2 dm "$e" move "$c" 127.0.0.1:1
	grep -qF "'$TMP/no-such-config'" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	expect_exit 2 dm "$e" move --hook-timeout=0 "$c" 127.0.0.1:1
	grep -qF "from 1 to" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	[ "$("$e" inspect -f '{{.State.Running}}' "$c")" = true ] || fail "the container stopped"
}

for e in ${DMIG_ENGINES:-docker podman}; do
	ensure_image "$e"
	t "$e: a store dmig does not own is refused, nothing written" store_not_ours "$e"
	t "$e: a fifo named like a snapshot hangs neither list nor --keep" fifo_in_store "$e"
	t "$e: no room to unpack a bundle: rollback refused, nothing changed" no_room_to_unpack "$e"
	t "$e: control characters quoted, no silent defaults" inputs "$e"
done
