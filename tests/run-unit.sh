#!/usr/bin/env bash
# Run cmocka unit test binaries with TAP output; print the tally.
# UNIT_LABEL names the tally; UNIT_WRAP runs each binary under a tool.
set -uo pipefail
label=${UNIT_LABEL:-unit}
pass=0 fail=0
# dmig's host-wide folders (locks, journals, keys) are the tests' own, never the host's
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export DMIG_RUN_DIR=$scratch/run DMIG_JOURNAL_DIR=$scratch/journal DMIG_KEY_DIR=$scratch/keys
for t in "$@"; do
	out=$(CMOCKA_MESSAGE_OUTPUT=TAP ${UNIT_WRAP:-} "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed "s|^|$(basename "$t"): |"
	p=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed before reporting
		echo "$(basename "$t"): exited with status $rc"
	fi
	pass=$((pass + p)) fail=$((fail + f))
done
echo "$label: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
