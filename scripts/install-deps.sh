#!/usr/bin/env bash
# Install what dmig needs to build and test on Debian 12, if missing.
# Idempotent: installs only packages that are not installed yet.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# libclang-rt-dev: clang's sanitizer and libFuzzer runtimes (make sanitize,
# make fuzz), only recommended by clang, and apt here installs no recommends
build_pkgs="build-essential pkg-config clang libclang-rt-dev clang-format libcurl4-openssl-dev libjson-c-dev
	libarchive-dev libzstd-dev libssh-dev libssl-dev libcmocka-dev valgrind"
run_pkgs="docker.io containerd runc podman tar zstd iproute2 util-linux procps
	openssh-server openssh-client busybox-static curl uidmap jq debootstrap catatonit"

# --list-build: the build's packages, one a line (for the fresh-machine test)
if [ "${1:-}" = --list-build ]; then
	printf '%s\n' $build_pkgs
	exit 0
fi
need_root

missing=()
for p in $build_pkgs $run_pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

say "installing ${missing[*]}"
# No init system starts services here: dmig's scripts start the engines
# themselves, so package scripts must not try (policy-rc.d 101 = "not now").
added_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	added_policy=1
fi
trap '[ -n "$added_policy" ] && rm -f /usr/sbin/policy-rc.d' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/dmig-apt.log 2>&1; then
	apt-get update >>/tmp/dmig-apt.log 2>&1 || true
	apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/dmig-apt.log 2>&1 ||
		die "apt-get install failed; see /tmp/dmig-apt.log"
fi
say "installed ${#missing[@]} packages"
