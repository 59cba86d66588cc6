#!/usr/bin/env bash
# `make check`: the unit tests, then the integration tests against the real
# engines, CRIU (and the lab's second host); one tally at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
tests/run-unit.sh "$@" | tee -a "$log"
UNIT_LABEL=valgrind UNIT_WRAP="valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99" \
	tests/run-unit.sh "$@" | tee -a "$log"
make --no-print-directory sanitize 2>&1 | grep -E '^(sanitize: |test_.*(not ok|exited))' | tee -a "$log"
tests/run-integration.sh | tee -a "$log"
pass=0 fail=0
while read -r _ p _ f _; do
	pass=$((pass + p)) fail=$((fail + f))
done < <(grep -E '^(unit|valgrind|sanitize|integration): [0-9]+ passed, [0-9]+ failed' "$log")
echo "check: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
