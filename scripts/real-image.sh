#!/usr/bin/env bash
# The real-workload test image, made the way users make images: a minimal
# Debian 12 (debootstrap), real packages installed with apt-get (nginx,
# PostgreSQL 15, python3), then `docker import` / `podman import`.
#
#   real-image.sh <docker|podman> [<shim.so>]   prints the image's tag
#
# The root filesystem takes minutes to make: it is made once and kept under
# the lab's folder, keyed by this recipe (this script and the shim), and made
# again only when the recipe changes. An engine imports it when it lacks the
# tag of that key. The shim (tests/helpers/asuser.c, built by make) lets
# PostgreSQL believe it runs as its own user; see docs/testing.md.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_root
engine=$1
top=$(cd "$(dirname "$0")/.." && pwd)
shim=${2:-$top/build/tests/asuser.so}
[ -s "$shim" ] || die "the shim $shim is missing: run make first"
PACKAGES="nginx-light postgresql-15 python3 procps"
SUITE=bookworm
MIRROR=${DMIG_DEBIAN_MIRROR:-http://deb.debian.org/debian}

key=$({
	cat "$0" "$top/tests/helpers/asuser.c" "$top/tests/helpers/pg-entry.sh"
	echo "$PACKAGES $SUITE"
} | sha256sum | cut -c1-12)
tag=dmig-test-debian:$key
cache=${DMIG_LAB_DIR:-/var/lib/dmig-lab}/images
tarball=$cache/debian-$key.tar

if "$engine" image inspect "$tag" >/dev/null 2>&1; then
	echo "$tag"
	exit 0
fi

if [ ! -s "$tarball" ]; then
	command -v debootstrap >/dev/null || die "debootstrap is missing (scripts/install-deps.sh installs it)"
	mkdir -p -m 0700 "$cache"
	rm -f "$cache"/debian-*.tar # an older recipe's
	root=$(mktemp -d "$cache/root.XXXXXX")
	cleanup() {
		for m in proc sys dev; do mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"; done
		rm -rf "$root" "$tarball.part"
	}
	trap cleanup EXIT
	say "making the real-workload image's root filesystem (debootstrap $SUITE + $PACKAGES; once)"
	debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR" >"$cache/debootstrap.log" 2>&1 ||
		die "debootstrap failed; see $cache/debootstrap.log"
	# no service starts inside the image's build
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
	chmod 755 "$root/usr/sbin/policy-rc.d"
	mount -t proc proc "$root/proc"
	chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $PACKAGES \
		>>"$cache/debootstrap.log" 2>&1 || die "apt-get install in the image failed; see $cache/debootstrap.log"
	umount "$root/proc"
	chroot "$root" apt-get clean
	rm -f "$root/usr/sbin/policy-rc.d"
	rm -rf "$root"/var/lib/apt/lists/* "$root"/var/lib/postgresql/15/main "$root"/etc/postgresql
	install -m 0755 "$shim" "$root/usr/local/lib/dmig-asuser.so"
	install -m 0755 "$top/tests/helpers/pg-entry.sh" "$root/usr/local/bin/dmig-pg-entry"
	# nginx as on a real host, but its workers as root (CRIU here dumps
	# root's processes only), listening on the container's loopback
	sed -i 's/^user .*/user root;/' "$root/etc/nginx/nginx.conf"
	rm -f "$root/etc/nginx/sites-enabled/default"
	cat >"$root/etc/nginx/conf.d/dmig.conf" <<'EOF'
server {
	listen 127.0.0.1:8080;
	root /var/www/html;
	location / { try_files $uri =404; }
}
EOF
	echo 'served by nginx' >"$root/var/www/html/index.html"
	tar --numeric-owner -C "$root" -cf "$tarball.part" .
	mv "$tarball.part" "$tarball"
	chmod 0600 "$tarball"
	say "kept as $tarball"
fi
out=$("$engine" import --change 'CMD ["/bin/bash"]' "$tarball" "$tag" 2>&1) || die "$engine import failed: $out"
echo "$tag"
