#!/usr/bin/env bash
# Build the test image for an engine from busybox-static and the static
# counter program: no registry needed.  test-image.sh <docker|podman> <tag> <counter>
set -euo pipefail
engine=$1 tag=$2 counter=$3
if "$engine" image inspect "$tag" >/dev/null 2>&1; then
	exit 0
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,etc,tmp,data,proc,sys,dev,root}
cp /bin/busybox "$root/bin/busybox"
for a in sh ash test [ cat echo ls sleep mkdir rm cp mv seq tail head grep wc kill ps true false touch \
	date nc httpd wget sed awk sync stat find dd tr id env; do
	ln -s busybox "$root/bin/$a"
done
cp "$counter" "$root/bin/counter"
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
echo 'image file' >"$root/etc/image-file"
echo 'to be deleted' >"$root/etc/doomed"
mkdir -p "$root/opt/dir"
echo 'in an image dir' >"$root/opt/dir/old"
tar -C "$root" -c . | "$engine" import --change 'CMD ["/bin/sh"]' - "$tag" >/dev/null
