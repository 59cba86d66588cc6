#!/usr/bin/env bash
# Integration tests: the real dmig against the real engines and CRIU.
# Each tests/integration/test_*.sh prints "ok - ..." / "not ok - ..." lines.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
	echo "integration: skipped: needs root (CRIU, Docker and Podman checkpoints); run 'make check' as root"
	echo "integration: 0 passed, 0 failed"
	exit 0
fi
# Every test removes what it made: anything of the tests' that is left
# after them is a failure of its own.
leftovers() {
	{
		docker ps -a --format '{{.Names}}' 2>/dev/null
		podman ps -a --format '{{.Names}}' 2>/dev/null
		docker volume ls -q 2>/dev/null
		podman volume ls -q 2>/dev/null
		# and dmig's journals of their containers
		ls /var/lib/dmig/journal/docker /var/lib/dmig/journal/podman 2>/dev/null
	} | grep '^dmigt' | sort
}
before=$(leftovers)
# The lab's second host serves the tests that need one; it is stopped (by
# its recorded PIDs) when they are done, unless it was running before.
lab_was_up=0
scripts/lab.sh status >/dev/null 2>&1 && lab_was_up=1
trap '[ "$lab_was_up" = 1 ] || scripts/lab.sh stop' EXIT
pass=0 fail=0
for t in tests/integration/test_*.sh; do
	[ -n "${DMIG_TESTS:-}" ] && ! [[ $t == *${DMIG_TESTS}* ]] && continue
	out=$(mktemp)
	start=$(date +%s)
	timeout --foreground -k 10 1200 bash "$t" 2>&1 | tee "$out" | sed -u "s|^|$(basename "$t" .sh): |"
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "$(basename "$t" .sh): exited with status $rc"
	fi
	echo "$(basename "$t" .sh): $p passed, $f failed in $(($(date +%s) - start)) s"
	pass=$((pass + p)) fail=$((fail + f))
	rm -f "$out"
done
left=$(comm -13 <(echo "$before") <(leftovers))
if [ -n "$left" ]; then
	echo "not ok - the tests left containers, volumes or journals behind: $(echo $left)"
	fail=$((fail + 1))
else
	echo "ok - the tests left no containers, volumes or journals behind"
	pass=$((pass + 1))
fi
echo "integration: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
