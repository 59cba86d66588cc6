#!/usr/bin/env bash
# Engine operations that the move builds on, through dmig's engine layer
# against the real engines: image save -> load keeps the ID; stop.
. "$(dirname "$0")/lib.sh"
ENGINECTL=$TOP/build/tests/enginectl

image_roundtrip() {
	local e=$1 img=localhost/$P-$1-img:1 sock
	sock=unix://$(sock_of "$e")
	root=$TMP/img-$e
	mkdir -p "$root"
	echo "$P $e" >"$root/unique"
	track_img "$img"
	tar -C "$root" -c . | "$e" import - "$img" >/dev/null
	id=$("$e" image inspect -f '{{.Id}}' "$img")
	"$ENGINECTL" "$sock" save "$img" "$TMP/img.tar"
	[ -s "$TMP/img.tar" ]
	"$e" rmi "$img" >/dev/null
	! "$e" image inspect "$img" >/dev/null 2>&1 || fail "image still there"
	"$ENGINECTL" "$sock" load "$TMP/img.tar"
	[ "$("$e" image inspect -f '{{.Id}}' "$img")" = "$id" ] || fail "loaded image has another ID"
	"$e" rmi "$img" >/dev/null
	# failures are one clear line
	echo garbage >"$TMP/garbage.tar"
	expect_exit 1 "$ENGINECTL" "$sock" load "$TMP/garbage.tar"
	expect_exit 1 "$ENGINECTL" "$sock" save "$img" "$TMP/none.tar"
}

stop_ctr() {
	local e=$1 c=$P-$1-stop sock
	sock=unix://$(sock_of "$e")
	run_ctr "$e" "$c" "$IMAGE" counter /data/log 1 100
	"$ENGINECTL" "$sock" stop "$c" 1
	[ "$("$e" inspect -f '{{.State.Running}}' "$c")" = false ] || fail "still running"
	"$ENGINECTL" "$sock" stop "$c" 1 # stopped already: fine
	expect_exit 1 "$ENGINECTL" "$sock" stop "$P-no-such" 1
}

for e in ${DMIG_ENGINES:-docker podman}; do
	ensure_image "$e"
	t "$e: image save and load keep the ID" image_roundtrip "$e"
	t "$e: stop" stop_ctr "$e"
done
