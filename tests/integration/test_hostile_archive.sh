#!/usr/bin/env bash
# A bundle is data, never authority: a snapshot rewritten with hostile
# archive content (checksums valid: tests/helpers/hostile.c) is refused by
# rollback with exit 3 and the member named, before the container is
# touched: it runs on with the same ID, nothing lands on the host.
. "$(dirname "$0")/lib.sh"
HOSTILE=$TOP/build/tests/hostile

# hostile_refused ENGINE ATTACK MESSAGE [ARGS...]: snapshot, rewrite it,
# rollback refused with MESSAGE, the container untouched.
hostile_refused() {
	local e=$1 attack=$2 says=$3 c=$P-$1-$2
	shift 3
	run_ctr "$e" "$c" "$IMAGE" counter /data/log 16 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	ref=$(dm "$e" snapshot --name good "$c") || fail "snapshot failed"
	id=$("$e" inspect -f '{{.Id}}' "$c")
	"$HOSTILE" "$STORE/$e/$c/good.dmig" "$STORE/$e/$c/bad.dmig" "$attack" "$@" || fail "cannot make the hostile bundle"
	expect_exit 3 dm "$e" rollback "$c@bad"
	grep -qF -- "$says" "$TMP/stderr" || fail "the refusal does not say '$says': $(cat "$TMP/stderr")"
	[ "$("$e" inspect -f '{{.Id}}' "$c")" = "$id" ] || fail "the container was replaced"
	[ "$("$e" inspect -f '{{.State.Running}}' "$c")" = true ] || fail "the container is not running"
	[ "$(dm "$e" list --json "$c" | jq length)" = 2 ] ||
		fail "a safety snapshot was taken: $(dm "$e" list "$c")"
	! "$e" ps -a --format '{{.Names}}' | grep -q -- "$c-dmig-old" || fail "the container was moved aside"
	# the good one still rolls back
	dm "$e" rollback "$ref" >/dev/null || fail "the good snapshot no longer rolls back"
}

symlink_escape() {
	local e=$1 dir
	dir=$(mktemp -d "/tmp/$P-escape.XXXXXX")
	hostile_refused "$e" symlink-escape "member 'dmig-escape/dmig-planted': it lies under the symlink 'dmig-escape'" "$dir"
	[ ! -e "$dir/dmig-planted" ] || fail "a file was written into the host's $dir"
	rmdir "$dir"
}

deleted_dotdot() {
	local dir
	dir=$(mktemp -d "/tmp/$P-victim.XXXXXX")
	hostile_refused podman deleted "member 'deleted.files' holds entry '../../../../../../..$dir'" "../../../../../../..$dir"
	[ -d "$dir" ] || fail "the host folder $dir was deleted"
	rmdir "$dir"
}

extra_bind() {
	hostile_refused podman bind "member 'spec.dump' binds '/' at '/dmig-host', which the container did not have" / /dmig-host
}

for e in ${DMIG_ENGINES:-docker podman}; do
	ensure_image "$e"
	tm "hostile bundle" "layer: symlink escape" "$e" "refused (exit 3), nothing changed" \
		"$e: a symlink then a file through it in the layer is refused" symlink_escape "$e"
	tm "hostile bundle" "layer: block device" "$e" "refused (exit 3), nothing changed" "$e: a block device in the layer is refused" hostile_refused "$e" device-block \
		"member 'dmig-disk': a block device 8:0 the container was not given"
	tm "hostile bundle" "layer: char device" "$e" "refused (exit 3), nothing changed" "$e: a character device in the layer is refused" hostile_refused "$e" device-char \
		"member 'dmig-mem': a character device 1:1 the container was not given"
	tm "hostile bundle" "layer: setuid root" "$e" "refused (exit 3), nothing changed" "$e: a setuid-root file in the layer is refused" hostile_refused "$e" setuid \
		"member 'dmig-rootsh': a setuid file"
	tm "hostile bundle" "layer: file capability" "$e" "refused (exit 3), nothing changed" "$e: a file capability in the layer is refused" hostile_refused "$e" fcaps \
		"member 'dmig-capsh': a file with capabilities (security.capability)"
	if [ "$e" = podman ]; then
		tm "hostile bundle" "deleted.files: .." podman "refused (exit 3), nothing changed" \
			"podman: a deleted.files entry with '..' is refused" deleted_dotdot
		tm "hostile bundle" "spec.dump: extra bind" podman "refused (exit 3), nothing changed" \
			"podman: a bind mount spec.dump adds is refused" extra_bind
	fi
done
