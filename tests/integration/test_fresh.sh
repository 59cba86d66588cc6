#!/usr/bin/env bash
# The README's two commands on a machine without the build dependencies:
# an overlay of this root filesystem, in a private mount namespace, with
# every library package the build needs purged. There `make demo` and
# `make check` must install them (setup) and build dmig in the same run,
# the first time. Only the build path runs: the steps after it (starting
# the engines, the demo, the tests) are this host's, and the Makefile's
# SETUP_RUNTIME, DEMO_RUN and CHECK_RUN turn them into `true`. Nothing of
# this host changes: the overlay's upper layer is a tmpfs that goes with
# the namespace.
. "$(dirname "$0")/lib.sh"

# The packages that hold the .pc files of the build's pkg-config modules,
# and every -dev package the setup installs: a module whose package setup
# does not install can then never build here.
dev_packages() {
	local m dir
	for m in $(make -s -C "$TOP" print-pkgs); do
		dir=$(pkg-config --variable=pcfiledir "$m") || fail "pkg-config does not know $m on this host"
		dpkg-query -S "$dir/$m.pc" 2>/dev/null | cut -d: -f1
	done
	"$TOP/scripts/install-deps.sh" --list-build | grep -- '-dev$'
}

# in_fresh SCRIPT: run SCRIPT (bash) as root in a fresh overlay of /, with
# the checkout copied to /tmp/src there.
in_fresh() {
	local script=$1
	unshare --mount --propagation private bash -euo pipefail -c '
		w=$1 top=$2 script=$3
		mount -t tmpfs -o size=4g,mode=0700 dmig-fresh "$w"
		mkdir "$w/upper" "$w/work" "$w/root"
		mount -t overlay overlay -o "lowerdir=/,upperdir=$w/upper,workdir=$w/work" "$w/root"
		mount -t proc proc "$w/root/proc"
		mount --rbind /dev "$w/root/dev"
		mount --rbind /sys "$w/root/sys"
		mount -t tmpfs tmpfs "$w/root/tmp"
		mount -t tmpfs tmpfs "$w/root/run"
		mkdir "$w/root/tmp/src"
		tar -C "$top" --exclude=./build --exclude="./build-*" --exclude=./dmig -c . | tar -C "$w/root/tmp/src" -x
		chroot "$w/root" /bin/bash -euo pipefail -c "cd /tmp/src; $script"
	' in_fresh "$TMP/fresh" "$TOP" "$script"
}

readme_build() {
	local pkgs out
	pkgs=$(dev_packages | sort -u | tr '\n' ' ')
	[ -n "$pkgs" ] || fail "found no build packages to purge"
	mkdir -p "$TMP/fresh"
	out=$TMP/fresh.log
	# In one overlay: purge, `make demo` (build path), purge again, `make check` (build path).
	if ! in_fresh "
		purge() { DEBIAN_FRONTEND=noninteractive apt-get purge -y $pkgs >/dev/null 2>&1; }
		purge
		! pkg-config --exists libcurl json-c libarchive libssh 2>/dev/null || { echo 'FAIL: the purge left the libraries'; exit 1; }
		make --no-print-directory demo SETUP_RUNTIME=true DEMO_RUN=true
		./dmig version
		echo '== demo built'
		rm -rf build dmig
		purge
		make --no-print-directory check SETUP_RUNTIME=true CHECK_RUN=true
		./dmig version
		for t in \$(find build/tests -maxdepth 1 -name 'test_*' -type f -executable); do \"\$t\" >/dev/null 2>&1 || { echo \"FAIL: \$t\"; exit 1; }; done
		echo '== check built'
	" >"$out" 2>&1; then
		tail -n 30 "$out"
		fail "the README's build path failed on a machine without the build dependencies"
	fi
	grep -q '^== demo built' "$out" || fail "make demo did not build: $(tail -n 5 "$out")"
	grep -q '^== check built' "$out" || fail "make check did not build: $(tail -n 5 "$out")"
	[ "$(grep -c '^setup: installing' "$out")" -eq 2 ] || fail "setup did not install the purged packages twice: $(grep setup: "$out")"
	! grep -q 'undefined reference' "$out" || fail "linked without the libraries"
}

t "make demo and make check build on a machine without the build dependencies" readme_build
