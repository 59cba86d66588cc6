#!/usr/bin/env bash
# rewrite-bundle.sh IN OUT FILTER [JQ-ARGS...]: a copy of bundle IN at OUT
# whose manifest.json is jq's FILTER of IN's (first member, as dmig writes
# it); the other members are copied as they are, so the sizes and sha256
# the manifest lists for them still hold (docs/bundle.md). For the tests'
# hostile bundles: without the key, so unsigned, unless KEEP_SIG=1 keeps
# IN's signature (of the manifest as it was) as its second member.
set -euo pipefail
in=$1 out=$2 filter=$3
shift 3
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
zstd -dcq -- "$in" | tar -x -C "$d" -f -
jq "$@" "$filter" "$d/manifest.json" >"$d/manifest.new"
mv "$d/manifest.new" "$d/manifest.json"
mapfile -t members < <(jq -r '.members[].name' "$d/manifest.json")
umask 077
sig=()
[ "${KEEP_SIG:-0}" = 1 ] && sig=(manifest.sig)
tar --format=pax -C "$d" -c -f - manifest.json "${sig[@]}" "${members[@]}" | zstd -q -o "$out"
