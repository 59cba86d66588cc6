#!/usr/bin/env bash
# `make check`: the formatting, the unit tests, then the integration tests
# against the real engines, CRIU (and the lab's second host); one tally at
# the end.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
# the fault matrix the integration tests fill (lib.sh's tm)
DMIG_MATRIX=$(mktemp)
export DMIG_MATRIX
trap 'rm -f "$log" "$times" "$DMIG_MATRIX"' EXIT
# timed NAME CMD...: run a suite, note how long it took
times=$(mktemp)
timed() {
	local name=$1 start=$SECONDS rc
	shift
	"$@"
	rc=$?
	echo "$name: $((SECONDS - start)) s" >>"$times"
	return $rc
}
# fmt: the tree as `make fmt` leaves it; one check, its tally like the others'
fmt_check() {
	local out files
	if out=$(make --no-print-directory fmt-check 2>&1); then
		echo "fmt: 1 passed, 0 failed"
		return 0
	fi
	# clang-format names every place: one line a file is enough here
	files=$(printf '%s\n' "$out" | sed -n 's/^\([^ :]*\):[0-9]*:[0-9]*: .*/\1/p' | sort -u)
	if [ -n "$files" ]; then
		printf 'fmt: %s: not as clang-format writes it (make fmt)\n' $files
	else # no clang-format, or make failed: in its own words
		printf '%s\n' "$out" | tail -n 3 | sed 's/^/fmt: /'
	fi
	echo "fmt: 0 passed, 1 failed"
	return 1
}
timed fmt fmt_check | tee -a "$log"
timed unit tests/run-unit.sh "$@" | tee -a "$log"
timed valgrind env UNIT_LABEL=valgrind UNIT_WRAP="valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99" \
	tests/run-unit.sh "$@" | tee -a "$log"
timed sanitize make --no-print-directory sanitize 2>&1 | grep -E '^(sanitize: |test_.*(not ok|exited))' | tee -a "$log"
# fuzz: each libFuzzer target a few seconds over its corpus (make fuzz runs them long)
fuzz_check() {
	local out
	if ! out=$(make --no-print-directory fuzz-build 2>&1); then
		printf '%s\n' "$out" | tail -n 3 | sed 's/^/fuzz: /'
		echo "fuzz: 0 passed, 1 failed"
		return 1
	fi
	make --no-print-directory fuzz FUZZ_RUNS=20000 FUZZ_RUNS_EXTRACT=2000 FUZZ_FLAGS=-max_total_time=10
}
timed fuzz fuzz_check | tee -a "$log"
tests/run-integration.sh | tee -a "$log"
# fault x step x engine -> what happened, from the runs above
if [ -s "$DMIG_MATRIX" ]; then
	echo "fault matrix (from the integration runs; each cell a test that asserts it):"
	awk -F'|' '
		{ key = $1 "|" $2; if (!(key in seen)) { seen[key] = 1; order[n++] = key }
		  cell[key "|" $3] = $4; if (length($1) > w1) w1 = length($1); if (length($2) > w2) w2 = length($2) }
		END {
			printf "  %-" w1 "s  %-" w2 "s  %-52s  %s\n", "fault", "step", "docker", "podman"
			for (i = 0; i < n; i++) {
				split(order[i], k, "|")
				d = (order[i] "|docker") in cell ? cell[order[i] "|docker"] : "-"
				p = (order[i] "|podman") in cell ? cell[order[i] "|podman"] : "-"
				printf "  %-" w1 "s  %-" w2 "s  %-52s  %s\n", k[1], k[2], d, p
			}
		}' "$DMIG_MATRIX"
fi
pass=0 fail=0
while read -r _ p _ f _; do
	pass=$((pass + p)) fail=$((fail + f))
done < <(grep -E '^(fmt|unit|valgrind|sanitize|fuzz|integration): [0-9]+ passed, [0-9]+ failed' "$log")
# each suite's time, at the end where it is easy to find
echo "suite times:"
{
	cat "$times"
	sed -n 's/^\(test_[a-z_]*\): [0-9]* passed, [0-9]* failed in \([0-9]*\) s$/\1: \2 s/p' "$log"
} | sed 's/^/  /'
echo "check: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
