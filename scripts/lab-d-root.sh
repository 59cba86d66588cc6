#!/usr/bin/env bash
# The root filesystem of lab host D: Debian testing (forky) with its own
# engines (docker.io, containerd, runc, podman, crun with libcriu2, criu,
# conmon), sshd, and what building dmig needs (scripts/install-deps.sh's
# build packages), so that D runs today's engines and compilers.
#
#   lab-d-root.sh          prints the folder of a complete root filesystem
#   lab-d-root.sh --key    prints the recipe's key only
#
# It takes minutes and about 3 GB: it is made once and kept in the lab's
# folder as images/d-root-<key>, keyed by this recipe (this script, its
# package list, the suite), and made again only when the recipe changes.
# It is made in a temporary folder and renamed when complete, so a build
# that stopped halfway is never taken for one; the next run starts over.
# D never writes into it: scripts/lab.sh lays D's own changes over it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/.." && pwd)
LAB=${DMIG_LAB_DIR:-/var/lib/dmig-lab}
SUITE=forky
MIRROR=${DMIG_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Debian 12's debootstrap has no script for forky; sid's makes it
SCRIPT=/usr/share/debootstrap/scripts/sid
ENGINES="docker.io docker-cli containerd runc podman crun libcriu2 criu conmon catatonit tini"
HOST="openssh-server openssh-client iproute2 iptables procps util-linux curl jq busybox-static tar zstd ca-certificates"
BUILD=$("$top/scripts/install-deps.sh" --list-build | tr '\n' ' ')
PACKAGES="$ENGINES $HOST $BUILD"

key=$({
	cat "$0"
	echo "$SUITE $PACKAGES"
} | sha256sum | cut -c1-12)
if [ "${1:-}" = --key ]; then
	echo "$key"
	exit 0
fi
need_root
cache=$LAB/images
root=$cache/d-root-$key
if [ -e "$root/etc/dmig-lab-root" ]; then
	echo "$root"
	exit 0
fi

command -v debootstrap >/dev/null || die "debootstrap is missing (scripts/install-deps.sh installs it)"
[ -e "$SCRIPT" ] || die "debootstrap has no $SCRIPT"
mkdir -p -m 0700 "$LAB" "$cache"
# one build at a time; what an earlier, interrupted build left is removed
exec 9>"$cache/d-root.lock"
flock 9
if [ -e "$root/etc/dmig-lab-root" ]; then
	echo "$root"
	exit 0
fi
rm -rf "$cache"/d-root-*.part.*
tmp=$(mktemp -d "$cache/d-root-$key.part.XXXXXX")
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
log=$cache/d-root.log
say "making lab host D's root filesystem (debootstrap $SUITE + engines and build tools; once, several minutes)"
start=$SECONDS
debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$tmp" "$MIRROR" "$SCRIPT" >"$log" 2>&1 ||
	die "debootstrap failed; see $log"
# testing's Release file may be past its Valid-Until date
echo 'Acquire::Check-Valid-Until "false";' >"$tmp/etc/apt/apt.conf.d/99dmig-lab"
# no package starts its service here: D's init starts them
printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
chmod 755 "$tmp/usr/sbin/policy-rc.d"
# apt runs in a mount namespace of its own: its proc goes when it ends,
# whatever happens
unshare --mount --propagation private -- sh -c '
	set -e
	root=$1
	shift
	mount -t proc proc "$root/proc"
	chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get update
	chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
	chroot "$root" apt-get clean' sh "$tmp" $PACKAGES >>"$log" 2>&1 ||
	die "apt-get install in D's root filesystem failed; see $log"
rm -rf "$tmp"/var/lib/apt/lists/*

# Podman as on this host (setup-engines.sh): runc by default (crun works
# too), limits the sandbox allows, no systemd
mkdir -p "$tmp/etc/containers/containers.conf.d"
cat >"$tmp/etc/containers/containers.conf.d/50-dmig-lab.conf" <<'CONF'
# lab host D (dmig's scripts/lab-d-root.sh)
[containers]
# the sandbox forbids podman's default nofile/nproc limits
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
# the engines' --init binds the real file, not a link (CRIU cannot restore a
# bind mount from a symlink)
for p in /usr/libexec/podman/catatonit /usr/bin/catatonit; do
	if [ -L "$tmp$p" ]; then
		printf '[containers]\ninit_path = "%s"\n' "$(chroot "$tmp" readlink -f "$p")" \
			>"$tmp/etc/containers/containers.conf.d/51-dmig-lab-init.conf"
		break
	fi
	[ ! -e "$tmp$p" ] || break
done
# sshd's privilege separation folder; its host key is the lab's
rm -f "$tmp"/etc/ssh/ssh_host_*
# what was made, for `lab.sh status` and the next run
{
	echo "key $key"
	echo "suite $SUITE"
	chroot "$tmp" dpkg-query -W -f '${Package} ${Version}\n' docker.io containerd runc podman crun criu conmon \
		libcriu2 gcc clang libssh-dev libcurl4-openssl-dev libssl-dev libjson-c-dev
} >"$tmp/etc/dmig-lab-root.part"
mv "$tmp/etc/dmig-lab-root.part" "$tmp/etc/dmig-lab-root"
rm -rf "$root"
mv "$tmp" "$root"
trap - EXIT
say "made $root in $((SECONDS - start)) s (log: $log)"
# older recipes' root filesystems, unless a running D still uses one
in_use=
if [ -s "$LAB/d/pids/init" ] && kill -0 "$(cut -d' ' -f1 "$LAB/d/pids/init")" 2>/dev/null; then
	in_use=$(cat "$LAB/d/root-in-use" 2>/dev/null || true)
fi
for old in "$cache"/d-root-*; do
	[ "$old" = "$root" ] || [ ! -d "$old" ] || [ "$old" = "$in_use" ] || rm -rf "$old"
done
echo "$root"
