#!/usr/bin/env bash
# Lab host D (Debian testing: Docker 28.5, containerd 2.1), in both of
# Docker's storage modes there (overlay2, and containerd's image store):
# snapshot and rollback (the count goes on from the snapshot with no gap or
# repeat, the memory pattern verifies, files and a volume are the
# snapshot's); a --network none container restored where Docker 28 cannot
# start one from a checkpoint (containerd issue 12141), its loopback
# working; a container on a network refused before anything changes; a
# rollback that fails, or whose dmig is killed, never losing the container;
# the image store's image IDs (manifest digests) kept by dmig's save and
# load. dmig is built on D from this checkout and runs there.
#
#   DMIG_TESTS=test_modern tests/run-integration.sh
#
# Starts D if it does not run (and stops it again at the end then); puts
# D's Docker back in the storage mode it had. Its containers and volumes
# carry the run's prefix and are removed in each mode.
. "$(dirname "$0")/lib.sh"
LABSH=$TOP/scripts/lab.sh
P=${DMIG_TEST_PREFIX:-$P}
DDIR=/root/$P            # dmig's checkout and build on D
DSTORE=/root/$P-store    # its store there
DKEYS=/root/$P-keys      # and its signing key
DJOURNAL=/var/lib/dmig/journal

D() { "$LABSH" exec-d "$@"; }
# docker and dmig on D
dk() { D docker "$@"; }
dmd() { D env DMIG_KEY_DIR="$DKEYS" "$DDIR/dmig" -H unix:///run/docker.sock --store "$DSTORE" "$@"; }

d_started=0
mode_was=
# the containers, volumes and images of this run on D (in Docker's current mode)
d_cleanup() {
	local n
	for n in $(dk ps -a --format '{{.Names}}' 2>/dev/null | grep "^$P"); do dk rm -f "$n" >/dev/null 2>&1; done
	for n in $(dk volume ls -q 2>/dev/null | grep "^$P"); do dk volume rm -f "$n" >/dev/null 2>&1; done
	for n in $(dk images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep "^$P"); do dk rmi -f "$n" >/dev/null 2>&1; done
	# the journals a failed test left (their containers are gone)
	D sh -c "rm -f $DJOURNAL/docker/$P-*.json"
	# the network files of the stand-ins removed here (dmig removes those of
	# the containers it removes itself), as dmig's own sweep would
	D sh -c 'cd /var/lib/docker/dmig-net 2>/dev/null || exit 0
		used=$(docker ps -aq | xargs -r docker inspect -f "{{range .Mounts}}{{.Source}} {{end}}")
		for d in *; do [ -d "$d" ] && ! echo "$used" | grep -q "/dmig-net/$d/" && rm -rf -- "$d"; done; true'

}
cleanup() {
	e_cleanup
	if [ -n "$mode_was" ]; then
		d_cleanup
		D rm -rf "$DDIR" "$DSTORE" "$DKEYS" >/dev/null 2>&1
		[ "$("$LABSH" d-mode)" = "$mode_was" ] || "$LABSH" d-mode "$mode_was" >/dev/null 2>&1
	fi
	[ "$d_started" = 0 ] || "$LABSH" stop-d >/dev/null 2>&1
	rm -rf "$STORE" "$TMP"
}
trap cleanup EXIT

case $("$LABSH" env) in
*DMIG_LAB_D_PID=*) ;;
*)
	d_started=1
	"$LABSH" start-d >/dev/null || {
		echo "not ok 1 - lab host D does not start"
		exit 1
	}
	;;
esac
mode_was=$("$LABSH" d-mode)

# dmig built on D (its compilers and libraries), with the test program
build_on_d() {
	(cd "$TOP" && git ls-files -co --exclude-standard -z | tar --null -T - -c) |
		D sh -c "rm -rf $DDIR && mkdir -p $DDIR && tar -C $DDIR -x"
	D sh -c "cd $DDIR && make -s -j4 dmig build/tests/counter >/dev/null"
	D mkdir -p -m 0700 "$DSTORE" "$DKEYS"
}

image_on_d() { D sh -c "cd $DDIR && scripts/test-image.sh docker $IMAGE build/tests/counter"; }

# counted CTR SNAP: the count in CTR's log is 1..N, goes on from SNAP (the
# count at a snapshot), and the memory pattern verifies.
counted() {
	local c=$1 snap=${2:-0} before n end=$((SECONDS + 10))
	sleep 0.5
	dk exec "$c" cat /data/log | awk '/^[0-9]+$/ { if ($1 != p + 1) { print "gap or repeat after " p ": " $1; exit 1 } p = $1 }' ||
		fail "the count has a gap or repeat"
	[ "$snap" = 0 ] || dk exec "$c" grep -qx "$((snap + 1))" /data/log || fail "the count does not go on from $snap"
	before=$(dk exec "$c" grep -c pattern /data/log || true)
	dk exec "$c" kill -USR1 1
	until n=$(dk exec "$c" grep -c pattern /data/log) && [ "$n" -gt "$before" ]; do
		[ $SECONDS -lt $end ] || fail "no pattern answer"
		sleep 0.2
	done
	[ "$(dk exec "$c" grep pattern /data/log | tail -n 1)" = "pattern ok" ] || fail "memory pattern lost"
}
last() { dk exec "$1" sh -c "grep -E '^[0-9]+\$' /data/log | tail -n 1"; }
running() { [ "$(dk inspect -f '{{.State.Running}} {{.State.Paused}}' "$1")" = "true false" ]; }
# nothing of dmig's left on D: journal, staging, aside copy, safety snapshot
nothing_left() {
	D test ! -e "$DJOURNAL/docker/$1.json" || fail "the journal is still there"
	[ -z "$(D find "$DSTORE" -name '.staging-*' -o -name 'pre-rollback-*')" ] || fail "left in the store: $(D find "$DSTORE" -name '.staging-*' -o -name 'pre-rollback-*')"
	! dk ps -a --format '{{.Names}}' | grep -qx -- "$1-dmig-old-.*" || fail "an aside copy was left"
}

# Snapshot, change memory, files and a volume, roll back: all are the
# snapshot's; a server on the loopback answers; on Docker 28 the new
# container is the NetworkDisabled stand-in for --network none, with its
# network files; in the image store the layer is containerd's snapshot.
rollback_roundtrip() {
	local mode=$1 c=$P-$1-rt v=$P-$1-vol ref snap now got
	dk run -d --name "$c" --network none -v "$v:/vol" "$IMAGE" sh -c \
		'echo before > /vol/data; echo changed > /etc/image-file; rm /etc/doomed; mkdir -p /www;
		 echo hello-$$ > /www/index.html; httpd -p 127.0.0.1:8080 -h /www; exec counter /data/log 16 50' >/dev/null
	wait_until 10 dk exec "$c" test -s /data/log || fail "the counter does not count"
	if [ "$mode" = snapshotter ]; then
		[ "$(dk inspect -f '{{.GraphDriver.Name}}' "$c")" = overlayfs ] || fail "not in the image store: $(dk inspect -f '{{json .GraphDriver}}' "$c")"
		dk image inspect -f '{{.Id}}' "$IMAGE" >"$TMP/id"
	fi
	want=$(dk exec "$c" wget -q -O- http://127.0.0.1:8080/)
	sleep 1
	ref=$(dmd snapshot "$c") || fail "snapshot failed"
	snap=$(last "$c")
	sleep 1
	dk exec "$c" sh -c 'echo after > /vol/data; echo later > /etc/image-file; echo y > /etc/doomed; echo new > /added'
	now=$(last "$c")
	[ "$now" -gt "$snap" ] || fail "the count does not go on"
	dmd rollback "$ref" >/dev/null 2>"$TMP/err" || fail "rollback: $(cat "$TMP/err")"
	running "$c" || fail "not running after the rollback"
	[ "$(dk exec "$c" cat /vol/data)" = before ] || fail "the volume is not the snapshot's"
	[ "$(dk exec "$c" cat /etc/image-file)" = changed ] || fail "a changed file is not the snapshot's"
	dk exec "$c" test ! -e /etc/doomed || fail "a deleted file came back"
	dk exec "$c" test ! -e /added || fail "a file made after the snapshot survived"
	counted "$c" "$snap"
	[ "$(dk exec "$c" grep -c -x "$now" /data/log)" -le 1 ] || fail "the log holds lines from after the snapshot"
	got=$(timeout 10 "$LABSH" exec-d docker exec "$c" wget -q -O- http://127.0.0.1:8080/) || fail "the server on the loopback does not answer"
	[ "$got" = "$want" ] || fail "the server answers '$got', not '$want'"
	dk exec "$c" grep -q localhost /etc/hosts || fail "no localhost in /etc/hosts: $(dk exec "$c" cat /etc/hosts)"
	[ "$(dk exec "$c" cat /proc/sys/kernel/hostname)" = "$(dk inspect -f '{{.Config.Hostname}}' "$c")" ] || fail "hostname differs"
	[ "$(dk exec "$c" cat /etc/hostname)" = "$(dk inspect -f '{{.Config.Hostname}}' "$c")" ] || fail "/etc/hostname differs"
	[ "$(dk inspect -f '{{.HostConfig.NetworkMode}}' "$c")" = none ] || fail "network mode changed"
	if [ "$(dk version -f '{{.Server.Version}}' | cut -d. -f1)" -ge 28 ]; then
		[ "$(dk inspect -f '{{.Config.NetworkDisabled}}' "$c")" = true ] || fail "not NetworkDisabled on Docker 28"
		dk inspect -f '{{range .HostConfig.Binds}}{{println .}}{{end}}' "$c" | grep -q '/dmig-net/[0-9a-f]\{16\}/hosts:/etc/hosts:rw$' ||
			fail "no network files: $(dk inspect -f '{{json .HostConfig.Binds}}' "$c")"
	fi
	[ "$mode" != snapshotter ] || [ "$(dk inspect -f '{{.GraphDriver.Name}}' "$c")" = overlayfs ] || fail "not in the image store after the rollback"
	# and once more, from the rolled back container (the stand-in of the stand-in)
	sleep 1
	ref=$(dmd snapshot --name again "$c") || fail "second snapshot failed"
	snap=$(last "$c")
	dmd rollback "$ref" >/dev/null 2>"$TMP/err" || fail "second rollback: $(cat "$TMP/err")"
	running "$c" || fail "not running after the second rollback"
	counted "$c" "$snap"
	got=$(timeout 10 "$LABSH" exec-d docker exec "$c" wget -q -O- http://127.0.0.1:8080/) || fail "no answer after the second rollback"
	# no folder of network files whose container is gone (the stand-ins
	# this replaced), and this one's
	left=$(D sh -c 'cd /var/lib/docker/dmig-net 2>/dev/null || exit 0
		used=$(docker ps -aq | xargs -r docker inspect -f "{{range .Mounts}}{{.Source}} {{end}}")
		for d in *; do [ ! -d "$d" ] || echo "$used" | grep -q "/dmig-net/$d/" || echo "$d"; done')
	[ -z "$left" ] || fail "network files of removed containers left: $left"
	[ "$(dk version -f '{{.Server.Version}}' | cut -d. -f1)" -lt 28 ] ||
		dk inspect -f '{{range .Mounts}}{{println .Source}}{{end}}' "$c" | grep -q '/dmig-net/' || fail "no network files"
	nothing_left "$c"
	[ "$(dmd list --json "$c" | jq length)" = 2 ] || fail "snapshots: $(dmd list "$c")"
}

# A container on a network: Docker 28 cannot restore it, so its rollback
# is refused (exit 3) before anything changes, naming the upstream issue;
# its snapshot works (nothing is restored).
network_refused() {
	local mode=$1 c=$P-$1-br id count
	dk run -d --name "$c" "$IMAGE" counter /data/log 1 100 >/dev/null
	wait_until 10 dk exec "$c" test -s /data/log || fail "the counter does not count"
	dmd snapshot --name s "$c" >/dev/null 2>"$TMP/err" || fail "snapshot: $(cat "$TMP/err")"
	id=$(dk inspect -f '{{.Id}}' "$c")
	count=$(last "$c")
	expect_exit 3 dmd rollback "$c@s"
	grep -q "containerd issue 12141" "$TMP/stderr" || fail "the issue is not named: $(cat "$TMP/stderr")"
	grep -q "network 'bridge'" "$TMP/stderr" || fail "the network is not named: $(cat "$TMP/stderr")"
	cat "$TMP/stderr"
	[ "$(dk inspect -f '{{.Id}} {{.State.Running}} {{.State.Paused}}' "$c")" = "$id true false" ] || fail "the container changed"
	[ "$(last "$c")" -gt "$count" ] || fail "it stopped counting"
	counted "$c"
	nothing_left "$c"
	[ "$(dmd list --json "$c" | jq -r '.[].name')" = s ] || fail "the store changed: $(dmd list "$c")"
}

# broken CTR FROM TO: CTR's snapshot FROM made into TO, whose checksums are
# right but whose checkpoint CRIU cannot restore (on D).
broken() {
	D sh -s "$DSTORE/docker/$1" "$2" "$3" <<'EOF'
set -e
d=$1 w=$(mktemp -d)
zstd -q -d -c "$d/$2.dmig" | tar -C "$w" -xf -
mkdir "$w/ck" && tar -C "$w/ck" -xf "$w/checkpoint.tar"
img=$(cd "$w/ck" && find . -name pstree.img | head -n1)
head -c 64 /dev/urandom >"$w/ck/$img"
(cd "$w/ck" && tar -cf "$w/checkpoint.tar" .)
sum=$(sha256sum "$w/checkpoint.tar" | cut -d' ' -f1) sz=$(stat -c %s "$w/checkpoint.tar")
jq --arg s "$sum" --argjson z "$sz" --arg n "$3" \
	'(.members[] | select(.name == "checkpoint.tar")) |= (.sha256 = $s | .size = $z) | .name = $n' \
	"$w/manifest.json" >"$w/m2" && mv "$w/m2" "$w/manifest.json"
(cd "$w" && tar -cf - manifest.json $(jq -r '.members[].name' manifest.json)) | zstd -q -c >"$d/$3.dmig"
chmod 600 "$d/$3.dmig"
rm -rf "$w"
EOF
}

# A rollback whose restore CRIU refuses: the safety snapshot brings the
# container back as it was just before (on Docker 28 that restore too is
# made as the stand-in, and its source, held paused, is never started again).
failed_rollback_keeps() {
	local mode=$1 c=$P-$1-fail count
	dk run -d --name "$c" --network none --restart unless-stopped "$IMAGE" counter /data/log 16 50 >/dev/null
	wait_until 10 dk exec "$c" test -s /data/log || fail "the counter does not count"
	dmd snapshot --name base "$c" >/dev/null 2>"$TMP/err" || fail "snapshot: $(cat "$TMP/err")"
	broken "$c" base broken || fail "cannot make the broken snapshot"
	sleep 0.5
	count=$(last "$c")
	dmd rollback "$c@broken" >/dev/null 2>"$TMP/stderr" && fail "the broken snapshot rolled back"
	grep -q "runs again as it was" "$TMP/stderr" || fail "message: $(cat "$TMP/stderr")"
	cat "$TMP/stderr"
	running "$c" || fail "not running after the failed rollback"
	[ "$(last "$c")" -gt "$count" ] || fail "its state went back"
	counted "$c"
	[ "$(dk inspect -f '{{.HostConfig.RestartPolicy.Name}}' "$c")" = unless-stopped ] || fail "restart policy lost"
	nothing_left "$c"
	[ "$(dk ps -a --format '{{.Names}}' | grep -cx -- "$c")" = 1 ] || fail "not one container '$c'"
}

# A rollback whose dmig is killed at POINT: dmig recover leaves one copy
# running with its state, nothing of the rollback left, and the next
# rollback goes through.
killed_rollback() {
	local mode=$1 point=$2 c=$P-$1-k-${2#*:} rc=0
	dk run -d --name "$c" --network none "$IMAGE" counter /data/log 8 50 >/dev/null
	wait_until 10 dk exec "$c" test -s /data/log || fail "the counter does not count"
	dmd snapshot --name base "$c" >/dev/null 2>"$TMP/err" || fail "snapshot: $(cat "$TMP/err")"
	D env DMIG_TEST_KILL_AT="$point" DMIG_KEY_DIR="$DKEYS" "$DDIR/dmig" -H unix:///run/docker.sock --store "$DSTORE" \
		rollback "$c@base" >/dev/null 2>"$TMP/err" || rc=$?
	[ "$rc" = 137 ] || fail "dmig was to be killed at $point, exit $rc: $(cat "$TMP/err")"
	dmd recover "$c" >/dev/null 2>"$TMP/err" || fail "recover: $(cat "$TMP/err")"
	running "$c" || fail "not running after the recovery: $(dk inspect -f '{{.State.Status}}' "$c" 2>&1)"
	counted "$c"
	nothing_left "$c"
	dmd rollback "$c@base" >/dev/null 2>"$TMP/err" || fail "the next rollback: $(cat "$TMP/err")"
	running "$c" || fail "not running after the next rollback"
	counted "$c"
	[ "$(dk ps -a --format '{{.Names}}' | grep -cx -- "$c")" = 1 ] || fail "not one container '$c'"
}

# The image store names an image by its manifest's digest: dmig's save and
# load (what a move ships) bring it back with that ID.
image_id_kept() {
	local img=$P-img:1 id got
	D sh -c "mkdir -p /tmp/$P-img && echo $P > /tmp/$P-img/unique && tar -C /tmp/$P-img -c . | docker import - $img >/dev/null && rm -rf /tmp/$P-img"
	id=$(dk image inspect -f '{{.Id}}' "$img")
	# a manifest's digest: the one containerd keeps the image by
	[ "$(dk image inspect -f '{{.Descriptor.digest}} {{.Descriptor.mediaType}}' "$img")" = "$id application/vnd.oci.image.manifest.v1+json" ] ||
		fail "$id is not the image's manifest digest: $(dk image inspect -f '{{json .Descriptor}}' "$img")"
	D ctr -n moby images ls | grep -q "$id" || fail "containerd does not know the image as $id"
	D "$DDIR/build/tests/enginectl" unix:///run/docker.sock save "$img" "/tmp/$P-img.tar" || fail "save failed"
	dk rmi "$img" >/dev/null
	D "$DDIR/build/tests/enginectl" unix:///run/docker.sock load "/tmp/$P-img.tar" || fail "load failed"
	D rm -f "/tmp/$P-img.tar"
	got=$(dk image inspect -f '{{.Id}}' "$img")
	dk rmi "$img" >/dev/null
	[ "$got" = "$id" ] || fail "loaded as $got, saved as $id"
}

# Host E, a second host like D, in containerd's image store too: dmig on
# D moves a container to E (which lacks its image: shipped with its
# manifest digest) and dmig on E moves it back; memory, count, files, the
# layer (containerd's snapshot) and a volume arrive each way.
E() { "$LABSH" exec-e "$@"; }
ek() { E docker "$@"; }
dme() { E env DMIG_KEY_DIR="$DKEYS" DMIG_SSH_CONFIG=/etc/dmig-lab/client_config "$DDIR/dmig" -H unix:///run/docker.sock --store "$DSTORE" "$@"; }
dmd_move() { D env DMIG_SSH_CONFIG=/etc/dmig-lab/client_config "$DDIR/dmig" -H unix:///run/docker.sock --store "$DSTORE" move "$@"; }
# (a test runs in a subshell: E's start is noted in a file)
e_cleanup() {
	local n
	"$LABSH" env | grep -q '^DMIG_LAB_E_PID=' || return 0
	for n in $(ek ps -a --format '{{.Names}}' 2>/dev/null | grep "^$P"); do ek rm -f "$n" >/dev/null 2>&1; done
	for n in $(ek volume ls -q 2>/dev/null | grep "^$P"); do ek volume rm -f "$n" >/dev/null 2>&1; done
	for n in $(ek images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep "^$P"); do ek rmi -f "$n" >/dev/null 2>&1; done
	E sh -c 'rm -rf "$1" "$2" "$3" "$4"/docker/"$5"-*.json' sh "$DDIR" "$DSTORE" "$DKEYS" "$DJOURNAL" "$P" >/dev/null 2>&1
	[ ! -e "$TMP/e-started" ] || "$LABSH" stop-e >/dev/null 2>&1
}
store_to_e_and_back() {
	local c=$P-store-e id img=$P-counter-e:1 ids
	E true 2>/dev/null || {
		"$LABSH" e-mode snapshotter >/dev/null
		touch "$TMP/e-started"
		"$LABSH" start-e >/dev/null || fail "host E does not start"
	}
	[ "$("$LABSH" e-mode)" = snapshotter ] || "$LABSH" e-mode snapshotter >/dev/null || fail "E's Docker does not switch"
	"$LABSH" start-d >/dev/null # the D-E link and keys, now that E runs
	# dmig's build, the same on E (one root file system)
	D tar -C / -c "${DDIR#/}" | E tar -C / -x
	E mkdir -p -m 0700 "$DSTORE" "$DKEYS"
	# an image of its own, which E lacks
	dk tag "$IMAGE" "$img"
	id=$(dk image inspect -f '{{.Id}}' "$img")
	! ek image inspect "$img" >/dev/null 2>&1 || fail "E has the image already"
	dk run -d --name "$c" --network none -v "$c-data:/vol" "$img" sh -c \
		'echo in-volume > /vol/data; echo changed > /etc/image-file; rm /etc/doomed; exec counter /data/log 16 50' >/dev/null
	wait_until 10 dk exec "$c" test -s /data/log || fail "the counter does not count"
	sleep 0.5
	dmd_move "$c" hostE >/dev/null 2>"$TMP/err" || fail "D to E: $(cat "$TMP/err")"
	! dk container inspect "$c" >/dev/null 2>&1 || fail "still on D"
	dk volume rm "$c-data" >/dev/null || fail "D's volume is still in use"
	arrived_e() { # RUN-ON-HOST
		[ "$($1 docker inspect -f '{{.State.Running}} {{.Image}} {{.Driver}}' "$c")" = "true $id overlayfs" ] ||
			fail "not as it was: $($1 docker inspect -f '{{.State.Running}} {{.Image}} {{.Driver}}' "$c"), image $id"
		[ "$($1 docker exec "$c" cat /vol/data)" = in-volume ] || fail "volume content lost"
		[ "$($1 docker exec "$c" cat /etc/image-file)" = changed ] || fail "changed file lost"
		$1 docker exec "$c" test ! -e /etc/doomed || fail "the deleted file came back"
		sleep 0.5
		$1 docker exec "$c" cat /data/log | awk '/^[0-9]+$/ { if ($1 != p + 1) { print "gap or repeat after " p ": " $1; exit 1 } p = $1 }' ||
			fail "the count has a gap or repeat"
	}
	arrived_e E
	ids=$(ek image inspect -f '{{.Id}} {{.Descriptor.digest}}' "$img")
	[ "$ids" = "$id $id" ] || fail "the image on E is '$ids', not the manifest digest $id"
	dme move "$c" hostD >/dev/null 2>"$TMP/err" || fail "E to D: $(cat "$TMP/err")"
	! ek container inspect "$c" >/dev/null 2>&1 || fail "still on E"
	arrived_e D
	counted "$c"
	dk rm -f "$c" >/dev/null
	dk volume rm -f "$c-data" >/dev/null 2>&1
	dk rmi "$img" >/dev/null 2>&1 || true
}

t "D: dmig builds there and the test image is made" build_on_d || exit 1
for mode in overlay2 snapshotter; do
	if ! "$LABSH" d-mode "$mode" >/dev/null; then
		echo "not ok - D's Docker does not come up in $mode mode"
		continue
	fi
	t "D $mode: the test image" image_on_d || continue
	t "D $mode: snapshot and rollback of a --network none container: memory, files, volume, loopback" rollback_roundtrip "$mode"
	t "D $mode: a container on a network is refused before anything changes (containerd issue 12141)" network_refused "$mode"
	t "D $mode: a rollback CRIU refuses brings the container back as it was" failed_rollback_keeps "$mode"
	if [ "$mode" = snapshotter ]; then
		D sh -c "cd $DDIR && make -s build/tests/enginectl >/dev/null"
		t "D $mode: an image's ID (its manifest's digest) is kept by save and load" image_id_kept
		t "D $mode: a move to host E (image store too) and back: memory, count, layer, volume, image ID" store_to_e_and_back
	fi
	for point in snapshot:checkpoint rollback:safety rollback:rename rollback:restore; do
		tm SIGKILL "rollback:${point#*:}" docker-28 "recovered: one copy runs, state kept; next rollback ok" \
			"D $mode: a rollback killed at ${point#*:}: recover leaves one copy running" killed_rollback "$mode" "$point"
	done
	d_cleanup
done
