#!/usr/bin/env bash
# Run libFuzzer targets (build/fuzz/fuzz_<name>) over their committed
# corpora (tests/fuzz/corpus/<name>); print one line a target and the tally.
# FUZZ_RUNS executions each, FUZZ_RUNS_EXTRACT for the targets that unpack
# into folders (bundle, extract); FUZZ_FLAGS more libFuzzer options (e.g.
# -max_total_time=5). New inputs go to build/fuzz/corpus/<name>, a crash's
# input to build/fuzz/artifacts/<name>/ (make fuzz-merge keeps the first).
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${FUZZ_RUNS:-1000000} slow=${FUZZ_RUNS_EXTRACT:-100000}
# the targets' scratch folders: on a tmpfs where there is one (faster)
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	export TMPDIR=/dev/shm
fi
pass=0 fail=0
for bin in "$@"; do
	name=${bin##*/fuzz_} n=$runs
	case $name in bundle | extract) n=$slow ;; esac
	found=$PWD/build/fuzz/corpus/$name art=$PWD/build/fuzz/artifacts/$name
	mkdir -p "$found" "$art"
	start=$SECONDS
	# absolute paths: the targets chdir into their scratch folders
	# shellcheck disable=SC2086 # FUZZ_FLAGS is a list of options
	out=$("$bin" -runs="$n" -timeout=30 -print_final_stats=1 -artifact_prefix="$art/" ${FUZZ_FLAGS:-} \
		"$found" "$PWD/tests/fuzz/corpus/$name" 2>&1)
	rc=$?
	done_runs=$(printf '%s\n' "$out" | sed -n 's/^stat::number_of_executed_units: *//p' | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		echo "fuzz_$name: ${done_runs:-?} runs in $((SECONDS - start)) s"
		pass=$((pass + 1))
	else # the finding in libFuzzer's words, and where its input is
		printf '%s\n' "$out" | grep -vE '^#[0-9]+' | tail -n 40 | sed "s|^|fuzz_$name: |"
		echo "fuzz_$name: failed (status $rc) after ${done_runs:-?} runs; input in $art/"
		fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
