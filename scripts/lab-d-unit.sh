#!/usr/bin/env bash
# dmig built on lab host D with gcc and with clang, and its unit tests run
# there: Debian testing's compilers and libraries (newer gcc, clang, libssh,
# curl, OpenSSL, json-c than this host's).
#
#   lab-d-unit.sh [VAR=value...]     e.g. WERROR= to see every warning
#
# Starts D if it is not running (and stops it again at the end), copies
# this checkout's files (tracked and untracked, not ignored) to a fresh
# /root/dmig there, and runs
# `make -k CC=<cc> BUILD=build-<cc> dmig helpers test` for each compiler.
# Prints each compiler's diagnostics (file:line: message) and its unit
# tally; fails when a build or a test fails.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_root
top=$(cd "$(dirname "$0")/.." && pwd)
lab=$top/scripts/lab.sh
d_up "$lab"

if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top" && git ls-files -co --exclude-standard -z | tar --null -T - -c)
else
	tar -C "$top" --exclude=./build --exclude='./build-*' --exclude=./dmig -c .
fi | "$lab" exec-d sh -c 'rm -rf /root/dmig && mkdir /root/dmig && tar -C /root/dmig -x'

logs=$top/build/lab-d
mkdir -p "$logs"
rc=0
for cc in gcc clang; do
	out=$("$lab" exec-d sh -c 'cd /root/dmig && cc=$1 && shift && make -k CC="$cc" BUILD="build-$cc" "$@" dmig helpers test 2>&1' \
		sh "$cc" "$@") || rc=1
	printf '%s\n' "$out" >"$logs/$cc.log"
	echo "unit-d: $cc: $("$lab" exec-d "$cc" --version | head -n1)"
	# each diagnostic once (make -k may report a header's twice)
	printf '%s\n' "$out" | grep -E '^[^ :]+:[0-9]+(:[0-9]+)?: (warning|error): ' | sort -u | sed "s/^/unit-d: $cc: /" || true
	printf '%s\n' "$out" | grep -E '^(make: \*\*\*|unit: [0-9]+ passed)' | sed "s/^/unit-d: $cc: /" || true
done
echo "unit-d: full logs in $logs"
exit $rc
