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
echo "integration: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
