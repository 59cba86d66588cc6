#!/usr/bin/env bash
# What goes wrong: damaged bundles, a restore CRIU refuses, a missing image,
# a second dmig at once, and bad input. Each ends with a clear error, the
# right exit status and the container as it was.
. "$(dirname "$0")/lib.sh"

start_counter() { # ENGINE NAME [run options]
	local e=$1 c=$2
	shift 2
	run_ctr "$e" "$c" "$@" "$IMAGE" counter /data/log 4 50
	wait_until 10 "$e" exec "$c" test -s /data/log
}

store_files() { find "$STORE" -type f ! -name .lock | sort; }

# The container still runs the same process as before, counting on.
assert_untouched() { # ENGINE NAME ID COUNT
	local e=$1 c=$2 id=$3 count=$4
	[ "$("$e" inspect -f '{{.Id}} {{.State.Running}}' "$c")" = "$id true" ] || fail "container changed"
	sleep 0.3
	[ "$(last_count "$e" "$c" /data/log)" -gt "$count" ] || fail "the count went back or stopped"
	log_consecutive "$e" "$c" /data/log >/dev/null || fail "gap in the count"
}

corrupt_bundle() {
	local e=$1 c=$P-$1-corrupt
	start_counter "$e" "$c"
	dm "$e" snapshot --name good "$c" >/dev/null
	b=$STORE/$e/$c/good.dmig
	# flip one byte in the middle of the bundle
	size=$(stat -c %s "$b")
	printf '\xff' | dd of="$b" bs=1 seek=$((size / 2)) conv=notrunc status=none
	id=$("$e" inspect -f '{{.Id}}' "$c")
	count=$(last_count "$e" "$c" /data/log)
	before=$(store_files)
	expect_exit 1 dm "$e" rollback "$c@good"
	grep -q "good.dmig" "$TMP/stderr" || fail "message does not name the bundle: $(cat "$TMP/stderr")"
	assert_untouched "$e" "$c" "$id" "$count"
	[ "$(store_files)" = "$before" ] || fail "the store changed"
	# a truncated bundle too
	truncate -s $((size / 3)) "$b"
	expect_exit 1 dm "$e" rollback "$c@good"
	assert_untouched "$e" "$c" "$id" "$count"
}

# broken_bundle ENGINE CTR FROM TO: CTR's snapshot FROM made into a snapshot
# TO whose checksums are right but whose checkpoint CRIU cannot restore.
broken_bundle() {
	local e=$1 c=$2 w=$TMP/rebuild img sum sz members
	rm -rf "$w" && mkdir -p "$w/ck"
	zstd -q -d -c "$STORE/$e/$c/$3.dmig" | tar -C "$w" -xf -
	tar -C "$w/ck" -xf "$w/checkpoint.tar"
	img=$(cd "$w/ck" && find . -name pstree.img | head -n1)
	[ -n "$img" ] || fail "no pstree.img in the checkpoint"
	head -c 64 /dev/urandom >"$w/ck/$img"
	(cd "$w/ck" && tar -cf "$w/checkpoint.tar" .)
	sum=$(sha256sum "$w/checkpoint.tar" | cut -d' ' -f1)
	sz=$(stat -c %s "$w/checkpoint.tar")
	jq --arg s "$sum" --argjson z "$sz" --arg n "$4" \
		'(.members[] | select(.name == "checkpoint.tar")) |= (.sha256 = $s | .size = $z) | .name = $n' \
		"$w/manifest.json" >"$w/m2" && mv "$w/m2" "$w/manifest.json"
	members=$(jq -r '.members[].name' "$w/manifest.json")
	(cd "$w" && tar -cf - manifest.json $members) | zstd -q -c >"$STORE/$e/$c/$4.dmig"
	chmod 600 "$STORE/$e/$c/$4.dmig"
}

# A bundle whose checksums are right but whose checkpoint CRIU cannot
# restore: the rollback fails, and the container runs on as it was.
restore_refused() {
	local e=$1 c=$P-$1-refused
	start_counter "$e" "$c"
	dm "$e" snapshot --name base "$c" >/dev/null
	broken_bundle "$e" "$c" base broken
	sleep 0.5
	count=$(last_count "$e" "$c" /data/log)
	expect_exit 1 dm "$e" rollback "$c@broken"
	grep -q "runs again as it was" "$TMP/stderr" || fail "message: $(cat "$TMP/stderr")"
	# CRIU's own error lines and its log; Docker (containerd) removes the
	# log of a failed restore with the task, and dmig says so.
	grep -Eq "CRIU: (.*Error \(|its log is gone).*log: /" "$TMP/stderr" || fail "CRIU not quoted: $(cat "$TMP/stderr")"
	cat "$TMP/stderr"
	[ "$("$e" inspect -f '{{.State.Running}}' "$c")" = true ] || fail "not running after the failed rollback"
	sleep 0.5
	log_consecutive "$e" "$c" /data/log >/dev/null || fail "gap in the count"
	# state is the one from just before the rollback, not the snapshot's
	[ "$(last_count "$e" "$c" /data/log)" -gt "$count" ] || fail "state went back"
	check_pattern "$e" "$c" /data/log
	! "$e" ps -a --format '{{.Names}}' | grep -q -- "$c-dmig-old" || fail "old container left behind"
	[ "$(ls "$STORE/$e/$c" | grep -c pre-rollback)" = 0 ] || fail "safety snapshot left behind"
	[ -z "$(ls -A "$STORE/$e/$c" | grep staging)" ] || fail "staging left behind"
}

image_gone() {
	local e=$1 c=$P-$1-noimg img=localhost/$P-img:1
	root=$TMP/imgroot
	rm -rf "$root" && mkdir -p "$root/bin"
	cp "$COUNTER" "$root/bin/counter"
	echo "$P" >"$root/unique"
	track_img "$img"
	tar -C "$root" -c . | "$e" import - "$img" >/dev/null
	id=$("$e" image inspect -f '{{.Id}}' "$img")
	track_ctr "$c"
	"$e" run -d --name "$c" --network none "$img" /bin/counter /log 1 100 >/dev/null
	dm "$e" snapshot --name s "$c" >/dev/null
	rm_ctr "$e" "$c"
	"$e" rmi "$img" >/dev/null
	expect_exit 3 dm "$e" rollback "$c@s"
	grep -q "${id#sha256:}" "$TMP/stderr" || fail "message does not name image $id: $(cat "$TMP/stderr")"
	! "$e" inspect "$c" >/dev/null 2>&1 || fail "a container was made"
}

locked_out() {
	local e=$1 c=$P-$1-lock
	start_counter "$e" "$c"
	dm "$e" snapshot --name first "$c" >/dev/null
	flock "$STORE/$e/$c/.lock" sleep 60 &
	holder=$!
	wait_until 5 sh -c "! flock -n '$STORE/$e/$c/.lock' true"
	start=$SECONDS
	expect_exit 1 dm "$e" snapshot "$c"
	grep -q "another dmig is working on container '$c'" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	expect_exit 1 dm "$e" rollback "$c@first"
	[ $((SECONDS - start)) -le 3 ] || fail "waited for the lock instead of failing at once"
	kill "$holder"
	wait "$holder" 2>/dev/null || true
	# two real snapshots at once: one may lose the race, none may break
	dm "$e" snapshot --name a "$c" >/dev/null 2>"$TMP/a" &
	pa=$!
	dm "$e" snapshot --name b "$c" >/dev/null 2>"$TMP/b" || grep -q "another dmig" "$TMP/b" || fail "$(cat "$TMP/b")"
	wait "$pa" || grep -q "another dmig" "$TMP/a" || fail "$(cat "$TMP/a")"
	[ "$("$e" inspect -f '{{.State.Running}}' "$c")" = true ]
	log_consecutive "$e" "$c" /data/log >/dev/null
}

bad_input() {
	local e=$1 c=$P-$1-bad
	start_counter "$e" "$c"
	before=$(store_files)
	expect_exit 1 dm "$e" snapshot "$P-no-such-container"
	grep -q "no container '$P-no-such-container'" "$TMP/stderr"
	expect_exit 2 dm "$e" rollback "$c@"
	expect_exit 2 dm "$e" snapshot --keep -1 "$c"
	expect_exit 2 dm "$e" snapshot "bad;name"
	expect_exit 2 dm "$e" frobnicate
	expect_exit 3 "$DMIG" -H unix:///nonexistent/engine.sock --store "$STORE" snapshot "$c"
	grep -q "no engine socket" "$TMP/stderr"
	# a store that cannot be used
	touch "$TMP/not-a-folder"
	expect_exit 1 "$DMIG" -H "unix://$(sock_of "$e")" --store "$TMP/not-a-folder" snapshot "$c"
	grep -q "store" "$TMP/stderr"
	# CRIU missing, then broken
	mkdir -p "$TMP/nocriu" "$TMP/badcriu"
	printf '#!/bin/sh\n[ "$1" = --version ] && echo "Version: 4.2.1" && exit 0\necho "Error (criu/kerndat.c:1): kernel says no" >&2\nexit 1\n' >"$TMP/badcriu/criu"
	chmod +x "$TMP/badcriu/criu"
	PATH=$TMP/nocriu:/usr/bin:/bin expect_exit 3 dm "$e" snapshot "$c"
	grep -q "CRIU is not installed" "$TMP/stderr"
	PATH=$TMP/badcriu:$PATH expect_exit 3 dm "$e" snapshot "$c"
	grep -q "fails 'criu check'.*kernel says no" "$TMP/stderr"
	# name taken
	dm "$e" snapshot --name taken "$c" >/dev/null
	before=$(store_files)
	expect_exit 3 dm "$e" snapshot --name taken "$c"
	grep -q "exists already" "$TMP/stderr"
	# not running
	"$e" stop -t 0 "$c" >/dev/null 2>&1 || "$e" kill "$c" >/dev/null
	expect_exit 3 dm "$e" snapshot "$c"
	grep -q "is not running" "$TMP/stderr"
	[ "$(store_files)" = "$before" ] || fail "a failure left files in the store"
}

# A store without room for the snapshot: refused before the freeze.
no_space() {
	local e=$1 c=$P-$1-full small=$TMP/small-$1
	run_ctr "$e" "$c" "$IMAGE" counter /data/log 96 100
	wait_until 10 "$e" exec "$c" test -s /data/log
	mkdir -p "$small"
	mount -t tmpfs -o size=64m dmig-test "$small"
	id=$("$e" inspect -f '{{.Id}}' "$c")
	count=$(last_count "$e" "$c" /data/log)
	rc=0
	"$DMIG" -H "unix://$(sock_of "$e")" --store "$small/store" snapshot "$c" 2>"$TMP/stderr" || rc=$?
	umount "$small"
	[ "$rc" = 3 ] || fail "exit $rc: $(cat "$TMP/stderr")"
	grep -q "not enough free space" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	assert_untouched "$e" "$c" "$id" "$count"
}

# Docker: after a rollback that failed, the container the safety snapshot
# makes goes on with the log of the one it replaces: `docker logs` shows
# every line, from the first one, none twice (its memory is from just
# before the rollback).
log_after_failed_rollback() {
	local c=$P-docker-refused-log n
	run_ctr docker "$c" "$IMAGE" sh -c 'i=0; while :; do i=$((i+1)); echo line $i; sleep 0.1; done'
	wait_until 10 sh -c "docker logs $c 2>/dev/null | grep -qx 'line 10'"
	dm docker snapshot --name base "$c" >/dev/null
	broken_bundle docker "$c" base broken
	expect_exit 1 dm docker rollback "$c@broken"
	grep -q "runs again as it was" "$TMP/stderr" || fail "message: $(cat "$TMP/stderr")"
	sleep 1
	n=$(docker logs "$c" 2>&1 | awk '$1 != "line" || $2 != NR { print "line " NR " reads: " $0 >"/dev/stderr"; exit 1 } END { print NR }') ||
		fail "the log is not lines 1..N after the failed rollback"
	[ "$n" -gt 20 ] || fail "only $n lines in the log"
	! docker ps -a --format '{{.Names}}' | grep -q -- "$c-dmig-old" || fail "old container left behind"
}

# A server on the container's loopback answers after a rollback (Podman
# restores loopback down; dmig brings it up).
loopback_server() {
	local e=$1 c=$P-$1-lo
	run_ctr "$e" "$c" "$IMAGE" sh -c \
		'mkdir -p /www && echo hello-$$ > /www/index.html && httpd -p 127.0.0.1:8080 -h /www && exec counter /data/log 1 100'
	wait_until 10 "$e" exec "$c" wget -q -O- http://127.0.0.1:8080/
	want=$("$e" exec "$c" wget -q -O- http://127.0.0.1:8080/)
	dm "$e" snapshot --name srv "$c" >/dev/null
	dm "$e" rollback "$c@srv" >/dev/null
	# (busybox wget -T crashes; the host side bounds the wait)
	got=$(timeout 10 "$e" exec "$c" wget -q -O- http://127.0.0.1:8080/) || fail "server does not answer after rollback"
	[ "$got" = "$want" ] || fail "answer '$got', expected '$want'"
}

for e in ${DMIG_ENGINES:-docker podman}; do
	ensure_image "$e"
	tm "damaged bundle" rollback:unpack "$e" "refused, the container untouched" \
		"$e: a damaged bundle is refused, the container untouched" corrupt_bundle "$e"
	t "$e: a restore CRIU refuses falls back to the safety snapshot" restore_refused "$e"
	[ "$e" != docker ] || t "docker: a failed rollback keeps the log (docker logs)" log_after_failed_rollback
	t "$e: a missing image is named, nothing made" image_gone "$e"
	t "$e: a second dmig on the container fails at once" locked_out "$e"
	t "$e: bad input gets one clear line and its exit status" bad_input "$e"
	t "$e: a loopback server answers after rollback" loopback_server "$e"
	t "$e: no room in the store: refused before the freeze" no_space "$e"
done
