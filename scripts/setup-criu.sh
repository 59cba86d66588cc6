#!/usr/bin/env bash
# Make a working CRIU >= 4.2 available as `criu` in PATH.
# Keeps the system's criu when it passes `criu check` and is new enough.
# Otherwise unpacks Debian testing's criu and the libraries it needs into a
# private prefix (the system libc is never touched) and puts a wrapper named
# criu in /usr/local/sbin, where dockerd, containerd, runc and podman find it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_root

PREFIX=${DMIG_CRIU_PREFIX:-/opt/dmig-criu}
WRAPPER=/usr/local/sbin/criu
CONF=/etc/dmig/criu-restore.conf
MIN=4.2
SUITE=${DMIG_CRIU_SUITE:-forky}

criu_ok() { # criu_ok PATH: new enough and passes `criu check`
	local v
	v=$("$1" --version 2>/dev/null | sed -n 's/^Version: *//p')
	[ -n "$v" ] || return 1
	[ "$(printf '%s\n%s\n' "$MIN" "$v" | sort -V | head -n1)" = "$MIN" ] || return 1
	"$1" check >/dev/null 2>&1
}

# write_wrapper WHAT CMD...: /usr/local/sbin/criu runs CMD with its
# arguments. A restore that runc runs gets CRIU's older mount engine ($CONF):
# CRIU 4's mnt-v2 cannot restore a bind mount whose source is a symlink
# (open_tree without following it), which users' binds and the engines' own
# --init are. Dumps never see it (CRIU refuses that option on a dump).
# `criu --dmig-restore-compat` tells dmig that this is in place.
write_wrapper() {
	local what=$1
	shift
	mkdir -p "$(dirname "$WRAPPER")" "$(dirname "$CONF")"
	if [ ! -e "$CONF" ]; then
		printf '# Read by CRIU for restores run by runc (see %s).\nmntns-compat-mode\n' "$WRAPPER" >"$CONF"
		say "wrote $CONF (restores use CRIU's older mount engine, which restores binds from symlinks)"
	fi
	grep -qs 'Installed by dmig' "$WRAPPER" || backup "$WRAPPER"
	cat >"$WRAPPER.tmp" <<WRAP
#!/bin/sh
# Installed by dmig's scripts/setup-criu.sh (dmig-criu-wrapper 2): $what.
# A restore run by runc uses CRIU's older mount engine ($CONF): CRIU 4's
# mnt-v2 cannot restore a bind mount whose source is a symlink.
if [ "\$1" = --dmig-restore-compat ]; then exec test -r $CONF; fi
if [ -r $CONF ] && [ -r "/proc/\$PPID/cmdline" ]; then
	case " \$(tr '\\0' ' ' <"/proc/\$PPID/cmdline")" in
	*runc\ *\ restore\ *) export CRIU_CONFIG_FILE=$CONF ;;
	esac
fi
exec $(printf '"%s" ' "$@")"\$@"
WRAP
	chmod 755 "$WRAPPER.tmp"
	mv "$WRAPPER.tmp" "$WRAPPER"
	criu_ok "$WRAPPER" || die "CRIU through $WRAPPER fails 'criu check': $("$WRAPPER" check 2>&1 | tail -n2)"
}

if grep -qs 'dmig-criu-wrapper 2' "$WRAPPER" && [ -e "$CONF" ] && criu_ok "$WRAPPER"; then
	exit 0
fi
# the system's CRIU when it works (anything in PATH but this wrapper)
for c in $(type -ap criu); do
	[ "$c" = "$WRAPPER" ] && continue
	if criu_ok "$c"; then
		write_wrapper "the system's CRIU, $c" "$c"
		say "$WRAPPER runs $c"
		exit 0
	fi
done

# prefix_wrapper: the wrapper runs the CRIU unpacked in $PREFIX, with its
# own libraries (the system's libc is too old for it)
prefix_wrapper() {
	local libs loader
	libs="$PREFIX/usr/lib/x86_64-linux-gnu:$PREFIX/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu"
	loader=$PREFIX/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
	[ -e "$loader" ] || loader=$PREFIX/lib64/ld-linux-x86-64.so.2
	[ -e "$loader" ] || return 1
	write_wrapper "CRIU from Debian $SUITE in $PREFIX" "$loader" --library-path "$libs" "$PREFIX/usr/sbin/criu"
}
# unpacked by an earlier run: only the wrapper is new
if [ -x "$PREFIX/usr/sbin/criu" ] && prefix_wrapper; then
	say "$WRAPPER runs the CRIU in $PREFIX"
	exit 0
fi

say "no working CRIU >= $MIN found; installing CRIU from Debian $SUITE into $PREFIX"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/parts" "$work/debs"
# A private apt configuration naming the newer suite on the same archive:
# the system's sources, lists and packages stay untouched.
mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)\/\?$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb \(http[^ ]*debian\)\/\? .*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n1)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
echo "deb $mirror $SUITE main" >"$work/sources.list"
aptopts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=$work/parts"
	-o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives"
	-o "APT::Get::List-Cleanup=0" -o "Debug::NoLocking=1")
apt-get "${aptopts[@]}" update >"$work/update.log" 2>&1 || die "apt-get update for $SUITE failed: $(tail -n3 "$work/update.log")"
# criu and everything it depends on, as that suite has them.
pkgs=$(apt-cache "${aptopts[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts \
	--no-breaks --no-replaces --no-enhances criu 2>/dev/null | grep -v '^[ <]' | sort -u)
echo "$pkgs" | grep -qx criu || die "criu is not in Debian $SUITE's package lists"
(cd "$work/debs" && apt-get "${aptopts[@]}" download $pkgs >"$work/download.log" 2>&1) ||
	die "downloading CRIU from $SUITE failed: $(tail -n3 "$work/download.log")"

rm -rf "$PREFIX.new"
mkdir -p "$PREFIX.new"
for d in "$work"/debs/*.deb; do
	dpkg -x "$d" "$PREFIX.new"
done
rm -rf "$PREFIX.old"
[ -d "$PREFIX" ] && mv "$PREFIX" "$PREFIX.old"
mv "$PREFIX.new" "$PREFIX"
rm -rf "$PREFIX.old"

prefix_wrapper || die "no dynamic loader in the unpacked packages"
say "installed $("$WRAPPER" --version | sed -n 's/^Version: *//p') as $WRAPPER"
