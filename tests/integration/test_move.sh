#!/usr/bin/env bash
# dmig move to the lab's host B, a real second host reached over SSH; with
# DMIG_MOVE_TARGET=d, to host D (Debian testing's engines: Docker 28 in
# D's current storage mode, Podman 5), and back from there with D's own
# build of dmig. The tests that need host C run with B only.
. "$(dirname "$0")/lib.sh"
use_lab
use_target "${1:-${DMIG_MOVE_TARGET:-b}}"

trap 'ip link set "$TLINK" up 2>/dev/null; lab_cleanup B; if [ "$TGT" = b ]; then lab_cleanup C; else lab_cleanup HB; fi;
	[ "$TGT" = b ] || { B rm -rf "/root/$P-build"; "$LABSH" d-mode "${D_MODE_WAS:-overlay2}" >/dev/null; }; stop_target; cleanup' EXIT
[ "$TGT" = b ] || build_on_d
# D's Docker runs its graph driver here (and goes back to the mode it had)
if [ "$TGT" = d ]; then
	D_MODE_WAS=$("$LABSH" d-mode)
	"$LABSH" d-mode overlay2 >/dev/null
fi

move_on() { "$DMIG" -H "unix://$(sock_of "$1")" --store "$STORE" move "${@:2}"; }
# move_on_b ENGINE ARGS...: dmig running on the target host (its own store), as on a real source host
move_on_b() { B env DMIG_SSH_CONFIG="$TSSH" "$TDMIG" -H "unix://$(sock_of "$1")" --store /var/lib/dmig move "${@:2}"; }

# Nothing of the container is left on host B.
nothing_on_b() { # ENGINE NAME
	! B "$1" container inspect "$2" >/dev/null 2>&1 || fail "a container '$2' was left on host B"
	[ -z "$(B "$1" volume ls -q | grep "^$2")" ] || fail "volumes left on host B"
}

# Nothing of dmig's is left in a store for the container (its lock, a
# staging folder): neither in this host's nor in host B's.
store_clean() { # ENGINE NAME
	[ ! -e "$STORE/$1/$2" ] || fail "left in the store here: $(ls -A "$STORE/$1/$2")"
	! B test -e "/var/lib/dmig/$1/$2" || fail "left in host B's store: $(B ls -A "/var/lib/dmig/$1/$2")"
}

# The container runs here again, counting on with no gap, its memory intact.
runs_here_intact() { # ENGINE NAME
	[ "$("$1" inspect -f '{{.State.Running}}' "$2")" = true ] || fail "not running here"
	sleep 0.3
	log_consecutive "$1" "$2" /data/log >/dev/null || fail "gap in the count"
	check_pattern "$1" "$2" /data/log
}

everything_arrives() {
	local e=$1 c=$P-$1-all
	track_vol "$c-data"
	run_ctr "$e" "$c" -v "$c-data:/vol" -e DMIG_TEST_ENV=kept -l dmig.test=label --restart on-failure:3 "$IMAGE" sh -c \
		'echo in-volume > /vol/data; echo changed > /etc/image-file; rm /etc/doomed; mkdir -p /newdir/sub;
		 echo new > /newdir/sub/f; exec counter /data/log 32 50'
	wait_until 10 "$e" exec "$c" test -s /data/log
	sleep 1
	move_on "$e" --json --hook-post-restore 'echo "$DMIG_PHASE $DMIG_CONTAINER $DMIG_TARGET $DMIG_ENGINE" >> "$HOOKLOG"' \
		"$c" $TARGET >"$TMP/json"
	grep -qx "post-restore $c $TARGET $e" "$HOOKLOG" || fail "post-restore hook: $(cat "$HOOKLOG")"
	jq -e --arg t "$TARGET" '.container and .target == $t and .engine and (.downtime_ms > 0) and (.total_ms >= .downtime_ms)
	       and (.bytes_sent > 30000000) and .phases_ms.freeze' "$TMP/json" >/dev/null || fail "json: $(cat "$TMP/json")"
	! "$e" container inspect "$c" >/dev/null 2>&1 || fail "the source container is still on this host: $("$e" container inspect -f "{{.State.Status}}" "$c")"
	store_clean "$e" "$c"
	[ "$(B "$e" inspect -f '{{.State.Running}}' "$c")" = true ] || fail "not running on host B"
	[ "$(B "$e" exec "$c" cat /vol/data)" = in-volume ] || fail "volume content lost"
	[ "$(B "$e" exec "$c" cat /etc/image-file)" = changed ] || fail "changed image file lost"
	B "$e" exec "$c" test ! -e /etc/doomed || fail "deleted file came back"
	[ "$(B "$e" exec "$c" cat /newdir/sub/f)" = new ] || fail "new folder lost"
	[ "$(B "$e" inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$c" | grep -c DMIG_TEST_ENV=kept)" = 1 ] || fail "env lost"
	[ "$(B "$e" inspect -f '{{index .Config.Labels "dmig.test"}}' "$c")" = label ] || fail "label lost"
	[ "$(B "$e" inspect -f '{{.HostConfig.RestartPolicy.Name}}' "$c")" = on-failure ] || fail "restart policy lost"
	sleep 0.5
	B "$e" exec "$c" cat /data/log | awk '/^[0-9]+$/ { if ($1 != p + 1) { print "gap after " p; exit 1 } p = $1 }' ||
		fail "the count has a gap or repeat"
	check_pattern_b "$e" "$c"
}

check_pattern_b() {
	local before
	before=$(B "$1" exec "$2" grep -c pattern /data/log || true)
	B "$1" exec "$2" kill -USR1 1
	local end=$((SECONDS + 10))
	until [ "$(B "$1" exec "$2" grep -c pattern /data/log)" -gt "$before" ]; do
		[ $SECONDS -lt $end ] || break
		sleep 0.2
	done
	[ "$(B "$1" exec "$2" grep pattern /data/log | tail -n 1)" = "pattern ok" ] || fail "memory pattern does not verify on B"
}

tcp_server() {
	local e=$1 c=$P-$1-srv
	run_ctr "$e" "$c" "$IMAGE" sh -c \
		'mkdir -p /www && echo served > /www/index.html && httpd -p 127.0.0.1:8080 -h /www && exec counter /data/log 1 100'
	wait_until 10 "$e" exec "$c" wget -q -O- http://127.0.0.1:8080/
	move_on "$e" "$c" $TARGET >"$TMP/stdout" 2>"$TMP/stderr"
	# without a terminal: the result on stdout, one summary line on stderr
	[ "$(cat "$TMP/stdout")" = "$c -> $TARGET" ] || fail "stdout: $(cat "$TMP/stdout")"
	[ "$(wc -l <"$TMP/stderr")" = 1 ] && grep -q "^dmig: moved $c to $TARGET: down [0-9]* ms" "$TMP/stderr" ||
		fail "stderr: $(cat "$TMP/stderr")"
	[ "$(timeout 10 "$LABSH" $TEXEC "$e" exec "$c" wget -q -O- http://127.0.0.1:8080/)" = served ] ||
		fail "the server does not answer on B"
}

image_shipped() {
	local e=$1 c=$P-$1-img img=localhost/$P-$1-img:1
	root=$TMP/img-$e
	mkdir -p "$root/bin"
	cp "$COUNTER" "$root/bin/counter"
	echo "$P" >"$root/unique"
	track_img "$img"
	tar -C "$root" -c . | "$e" import - "$img" >/dev/null
	id=$("$e" image inspect -f '{{.Id}}' "$img")
	! B "$e" image inspect "$img" >/dev/null 2>&1 || fail "B has the image already"
	track_ctr "$c"
	"$e" run -d --name "$c" --network none "$img" /bin/counter /log 1 100 >/dev/null
	"$DMIG" -q -H "unix://$(sock_of "$e")" --store "$STORE" move "$c" $TARGET >"$TMP/stdout" 2>"$TMP/stderr"
	[ ! -s "$TMP/stderr" ] || fail "-q printed: $(cat "$TMP/stderr")"
	[ "$(cat "$TMP/stdout")" = "$c -> $TARGET" ] || fail "-q lost the result"
	[ "$(B "$e" image inspect -f '{{.Id}}' "$img")" = "$id" ] || fail "the image on B has another ID"
	[ "$(B "$e" inspect -f '{{.State.Running}}' "$c")" = true ]
	B "$e" rm -f "$c" >/dev/null 2>&1 || true
	B "$e" rmi -f "$img" >/dev/null 2>&1 || true
}

# The image cannot be loaded on B (no room for it there): the move fails
# before the freeze, and nothing changed here or there.
image_ship_fails() {
	local e=$1 c=$P-$1-imgfail img=localhost/$P-$1-imgfail:1 dirs d force
	# an image of its own, bigger than the room B will have
	track_ctr "$c-base"
	track_img "$img"
	"$e" run --name "$c-base" --network none "$IMAGE" sh -c 'head -c 3000000 /dev/urandom > /filler'
	"$e" commit "$c-base" "$img" >/dev/null
	rm_ctr "$e" "$c-base"
	run_ctr "$e" "$c" "$img" counter /log 1 50
	wait_until 10 "$e" exec "$c" test -s /log
	id=$("$e" inspect -f '{{.Id}}' "$c")
	# where each engine writes a load before it takes it in
	if [ "$e" = docker ]; then dirs="/var/lib/docker/tmp"; else dirs="/tmp /var/tmp"; fi
	for d in $dirs; do B mount -t tmpfs -o size=512k dmig-test-full "$d"; done
	rc=0
	# Podman's import takes the checkpoint in /var/tmp too, which the disk
	# check finds too small: --force goes past it (a line of its own) to the load
	if [ "$e" = podman ]; then force=--force; else force=; fi
	move_on "$e" $force "$c" $TARGET >/dev/null 2>"$TMP/stderr" || rc=$?
	for d in $dirs; do B umount "$d"; done
	[ "$rc" = 1 ] && [ "$(grep -vc "^dmig: warning: --force: check 'disk' skipped: " "$TMP/stderr")" = 1 ] ||
		fail "exit $rc: $(cat "$TMP/stderr")"
	grep -q "failed before the freeze; container .$c. runs on here, unchanged: cannot ship image" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	cat "$TMP/stderr"
	[ "$("$e" inspect -f '{{.Id}} {{.State.Running}}' "$c")" = "$id true" ] || fail "the container changed"
	log_consecutive "$e" "$c" /log >/dev/null || fail "gap in the count"
	nothing_on_b "$e" "$c"
	! B "$e" image inspect "$img" >/dev/null 2>&1 || fail "the image is on B"
}

# fmt_image HOW NAME: a Podman image of its own (a file unique to it on top
# of the test image) with the manifest type HOW gives it: docker-save (a
# Docker image through docker save | podman load), commit (podman commit
# --format docker) or oci (podman commit --format oci, as podman import
# makes them). Checks that the image's manifest type is that.
fmt_image() {
	local how=$1 img=$2 base=$P-fmt-base-$1 want=application/vnd.docker.distribution.manifest.v2+json
	track_ctr "$base"
	track_img "$img"
	case $how in
	docker-save)
		ensure_image docker
		track_img "${img#localhost/}"
		docker run --name "$base" --network none "$IMAGE" sh -c "echo $P-$how > /unique"
		docker commit "$base" "${img#localhost/}" >/dev/null
		rm_ctr docker "$base"
		docker save "${img#localhost/}" | podman load >/dev/null
		docker rmi "${img#localhost/}" >/dev/null
		;;
	commit | oci)
		podman run --name "$base" --network none "$IMAGE" sh -c "echo $P-$how > /unique"
		podman commit -q --format "$([ "$how" = oci ] && echo oci || echo docker)" "$base" "$img" >/dev/null
		rm_ctr podman "$base"
		[ "$how" = commit ] || want=application/vnd.oci.image.manifest.v1+json
		;;
	esac
	[ "$(podman image inspect -f '{{.ManifestType}}' "$img")" = "$want" ] ||
		fail "$img has manifest type $(podman image inspect -f '{{.ManifestType}}' "$img"), not $want"
}

# Podman keeps an image's ID only through an archive of its own format: each
# kind of image B lacks arrives there with its ID, and the move succeeds.
image_format_shipped() { # HOW
	local how=$1 c=$P-podman-fmt-$1 img=localhost/$P-podman-fmt-$1:1 id
	fmt_image "$how" "$img"
	id=$(podman image inspect -f '{{.Id}}' "$img")
	! B podman image inspect "$img" >/dev/null 2>&1 || fail "B has the image already"
	! B podman image inspect "$id" >/dev/null 2>&1 || fail "B has the image's ID already"
	run_ctr podman "$c" "$img" counter /data/log 1 50
	wait_until 10 podman exec "$c" test -s /data/log
	move_on podman "$c" $TARGET >/dev/null 2>"$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	[ "$(B podman image inspect -f '{{.Id}}' "$img")" = "$id" ] ||
		fail "the image on B has ID $(B podman image inspect -f '{{.Id}}' "$img"), not $id"
	[ "$(B podman inspect -f '{{.State.Running}} {{.Image}}' "$c")" = "true $id" ] || fail "not running on B"
	[ "$(B podman exec "$c" cat /unique)" = "$P-$how" ] || fail "not the container's image on B"
	sleep 0.3
	B podman exec "$c" cat /data/log | awk '/^[0-9]+$/ { if ($1 != p + 1) { print "gap after " p; exit 1 } p = $1 }' ||
		fail "the count has a gap or repeat"
}

# The image arrives with another ID (its name here went to another image
# after the container started, so that is what the save sends): the move
# fails before the freeze, the container runs on here unchanged, and on B
# the load is undone: the image it made is gone, and the name B gave an
# image of its own is back on that one.
image_wrong_id() {
	local e=$1 c=$P-$1-wrongid img base=$P-$1-wrongid-base id other bhad
	if [ "$e" = podman ]; then img=localhost/$P-$1-wrongid:1; else img=$P-$1-wrongid:1; fi
	track_ctr "$base"
	track_img "$img"
	"$e" run --name "$base" --network none "$IMAGE" sh -c 'echo first > /which'
	"$e" commit "$base" "$img" >/dev/null
	rm_ctr "$e" "$base"
	id=$("$e" image inspect -f '{{.Id}}' "$img")
	track_img "$id" # it loses its name here below
	run_ctr "$e" "$c" "$img" counter /data/log 1 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	"$e" run --name "$base" --network none "$IMAGE" sh -c 'echo second > /which'
	"$e" commit "$base" "$img" >/dev/null
	rm_ctr "$e" "$base"
	other=$("$e" image inspect -f '{{.Id}}' "$img")
	[ "$other" != "$id" ] || fail "the name still names the container's image"
	B bash "$TTOP/scripts/test-image.sh" "$e" "$IMAGE" "$TTOP/build/tests/counter" >/dev/null
	B "$e" tag "$IMAGE" "$img"
	bhad=$(B "$e" image inspect -f '{{.Id}}' "$img")
	before=$("$e" inspect -f '{{.Id}} {{.State.Running}}' "$c")
	expect_exit 1 move_on "$e" "$c" $TARGET
	grep -q "failed before the freeze; container .$c. runs on here, unchanged: image .$img. arrived on root@[^ ]* with another ID than $id (removed there again)" "$TMP/stderr" ||
		fail "$(cat "$TMP/stderr")"
	cat "$TMP/stderr"
	[ "$("$e" inspect -f '{{.Id}} {{.State.Running}}' "$c")" = "$before" ] || fail "the container changed"
	log_consecutive "$e" "$c" /data/log >/dev/null || fail "gap in the count"
	nothing_on_b "$e" "$c"
	! B "$e" image inspect "$other" >/dev/null 2>&1 || fail "the image with the wrong ID stays on B"
	! B "$e" image inspect "$id" >/dev/null 2>&1 || fail "B has the container's image"
	[ "$(B "$e" image inspect -f '{{.Id}}' "$img")" = "$bhad" ] || fail "'$img' is not back on B's own image"
	[ "$(B "$e" image inspect -f '{{.Id}}' "$IMAGE")" = "$bhad" ] || fail "B's own image changed"
}

# A snapshot records the image's format; rolled back on a host that lacks
# the image, dmig names the command that brings it there with its ID, and
# once that has run the rollback works. Here: snapshot, move to B (the
# image goes along), remove the image here, roll back here. A bundle from
# before the format was recorded is refused with the engine's plain save.
image_rollback_elsewhere() { # HOW
	local how=$1 c=$P-podman-rbfmt-$1 img=localhost/$P-podman-rbfmt-$1:1 id cmd want fmt bdir
	fmt_image "$how" "$img"
	id=$(podman image inspect -f '{{.Id}}' "$img")
	run_ctr podman "$c" "$img" counter /data/log 4 50
	wait_until 10 podman exec "$c" test -s /data/log
	dm podman snapshot --name s "$c" >/dev/null
	snap_count=$(last_count podman "$c" /data/log)
	if [ "$how" = oci ]; then fmt=oci; else fmt=docker; fi
	[ "$(zstd -dc "$STORE/podman/$c/s.dmig" | tar -xO manifest.json | jq -r .image_format)" = "$fmt" ] ||
		fail "manifest: $(zstd -dc "$STORE/podman/$c/s.dmig" | tar -xO manifest.json | jq -c '{image, image_name, image_format}')"
	# the same bundle as an older dmig wrote it: format 1, no image_format,
	# no signature
	bdir=$TMP/old-$how
	mkdir -p "$bdir"
	zstd -dc "$STORE/podman/$c/s.dmig" | tar -x -C "$bdir"
	jq 'del(.image_format) | .name = "old" | .format = 1' "$bdir/manifest.json" >"$bdir/m" && mv "$bdir/m" "$bdir/manifest.json"
	tar --format=pax -C "$bdir" -c manifest.json $(zstd -dc "$STORE/podman/$c/s.dmig" | tar -t | grep -v '^manifest\.\(json\|sig\)$') |
		zstd -q >"$STORE/podman/$c/old.dmig"
	move_on podman "$c" $TARGET >/dev/null 2>"$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	[ "$(B podman image inspect -f '{{.Id}}' "$img")" = "$id" ] || fail "the image on B has another ID"
	podman rmi "$img" >/dev/null
	! podman image inspect "$id" >/dev/null 2>&1 || fail "the image is still here"
	expect_exit 3 dm podman rollback "$c@old"
	[ "$(sed -n "s/.* run '\(.*\)', then retry$/\1/p" "$TMP/stderr")" = "podman save $img | ssh root@$(hostname) podman load" ] ||
		fail "old bundle: $(cat "$TMP/stderr")"
	expect_exit 3 dm podman rollback "$c@s"
	grep -q "needs image $id ($img), which podman here lacks" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	cmd=$(sed -n "s/.* run '\(.*\)', then retry$/\1/p" "$TMP/stderr")
	if [ "$how" = oci ]; then want="podman save --format oci-archive $img"; else want="podman save --format docker-archive $img"; fi
	[ "$cmd" = "$want | ssh root@$(hostname) podman load" ] || fail "$(cat "$TMP/stderr")"
	cat "$TMP/stderr"
	# run it: its save on B, its load here (the pipe stands for its ssh)
	B sh -c "${cmd%% | *}" | sh -c "${cmd##* | ssh root@$(hostname) }" >/dev/null
	[ "$(podman image inspect -f '{{.Id}}' "$img")" = "$id" ] || fail "the command brought another ID"
	dm podman rollback "$c@s" >/dev/null
	[ "$(podman inspect -f '{{.State.Running}}' "$c")" = true ] || fail "not running after the rollback"
	sleep 0.5
	grep -qx "$((snap_count + 1))" <(podman exec "$c" cat /data/log) || fail "count did not go on from $snap_count"
	log_consecutive podman "$c" /data/log >/dev/null || fail "gap in the count"
	check_pattern podman "$c" /data/log
	# and the older bundle rolls back too
	dm podman rollback "$c@old" >/dev/null
	[ "$(podman inspect -f '{{.State.Running}}' "$c")" = true ] || fail "not running after the older bundle's rollback"
}

# A failure after the freeze (a failing pre-restore hook): the clone on B is
# removed, the container runs on here with its state, the failed-restore
# hook ran with its environment.
failure_resumes_source() {
	local e=$1 c=$P-$1-fail
	track_vol "$c-data"
	run_ctr "$e" "$c" -v "$c-data:/vol" --restart on-failure:2 "$IMAGE" sh -c 'echo kept > /vol/data; exec counter /data/log 8 50'
	wait_until 10 "$e" exec "$c" test -s /data/log
	sleep 0.5
	count=$(last_count "$e" "$c" /data/log)
	rc=0
	move_on "$e" --hook-pre-restore 'echo pre >> "$HOOKLOG"; exit 1' \
		--hook-failed-restore 'echo "$DMIG_PHASE $DMIG_CONTAINER $DMIG_TARGET $DMIG_ENGINE" >> "$HOOKLOG"' \
		"$c" $TARGET 2>"$TMP/stderr" || rc=$?
	[ "$rc" = 1 ] || fail "exit $rc: $(cat "$TMP/stderr")"
	[ "$(wc -l <"$TMP/stderr")" -eq 1 ] || fail "not one line: $(cat "$TMP/stderr")"
	grep -q "pre-restore hook failed" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	grep -q "runs again on the source" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	[ "$("$e" inspect -f '{{.State.Running}}' "$c")" = true ] || fail "not running here"
	sleep 0.5
	log_consecutive "$e" "$c" /data/log >/dev/null || fail "gap in the count"
	[ "$(last_count "$e" "$c" /data/log)" -gt "$count" ] || fail "count went back"
	check_pattern "$e" "$c" /data/log
	[ "$("$e" exec "$c" cat /vol/data)" = kept ]
	[ "$("$e" inspect -f '{{.HostConfig.RestartPolicy.Name}}' "$c")" = on-failure ] || fail "restart policy not given back"
	nothing_on_b "$e" "$c"
	grep -qx pre "$HOOKLOG" && grep -qx "failed-restore $c $TARGET $e" "$HOOKLOG" || fail "hooks: $(cat "$HOOKLOG")"
}

# While a move holds a container (its pre-restore hook runs with the source
# frozen), another dmig with another store may neither snapshot nor move it:
# both refused at once, the move goes on, nothing lands in the other store.
concurrent_refused() {
	local e=$1 c=$P-$1-conc other=$TMP/other-store hook
	run_ctr "$e" "$c" "$IMAGE" counter /data/log 4 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	hook="\"$DMIG\" -H unix://$(sock_of "$e") --store $other snapshot $c >/dev/null 2>$TMP/snap.err; echo \$? >$TMP/snap.rc;
	      \"$DMIG\" -H unix://$(sock_of "$e") --store $other move $c $TARGET >/dev/null 2>$TMP/move.err; echo \$? >$TMP/move.rc"
	move_on "$e" --hook-pre-restore "$hook" "$c" $TARGET 2>"$TMP/stderr" || fail "the move failed: $(cat "$TMP/stderr")"
	[ "$(cat "$TMP/snap.rc")" = 1 ] || fail "snapshot during the move: exit $(cat "$TMP/snap.rc"): $(cat "$TMP/snap.err")"
	[ "$(cat "$TMP/move.rc")" = 1 ] || fail "second move: exit $(cat "$TMP/move.rc"): $(cat "$TMP/move.err")"
	grep -q "another dmig is working on container '$c'" "$TMP/snap.err" || fail "snapshot said: $(cat "$TMP/snap.err")"
	grep -q "another dmig is working on container '$c'" "$TMP/move.err" || fail "move said: $(cat "$TMP/move.err")"
	[ -z "$(find "$other" -name '*.dmig' 2>/dev/null)" ] || fail "a snapshot landed in the other store"
	[ "$(B "$e" inspect -f '{{.State.Running}}' "$c")" = true ] || fail "not running on host B"
	! "$e" container inspect "$c" >/dev/null 2>&1 || fail "the source is still here"
	sleep 0.3
	B "$e" exec "$c" cat /data/log | awk '/^[0-9]+$/ { if ($1 != p + 1) { print "gap after " p; exit 1 } p = $1 }' ||
		fail "the count has a gap or repeat"
}

# SIGTERM to dmig after the freeze: the move fails and puts everything back.
interrupted() {
	local e=$1 sig=$2 c=$P-$1-int-$2
	run_ctr "$e" "$c" "$IMAGE" counter /data/log 4 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	rc=0
	move_on "$e" --hook-pre-restore "kill -$sig \$PPID" --hook-failed-restore 'echo "$DMIG_PHASE $DMIG_CONTAINER" >> "$HOOKLOG"' "$c" $TARGET 2>"$TMP/stderr" || rc=$?
	grep -qx "failed-restore $c" "$HOOKLOG" || fail "the failed-restore hook did not run"
	[ "$rc" = 1 ] || fail "exit $rc: $(cat "$TMP/stderr")"
	grep -q "interrupted by $([ "$sig" = TERM ] && echo Terminated || echo Interrupt)" "$TMP/stderr" ||
		fail "$(cat "$TMP/stderr")"
	runs_here_intact "$e" "$c"
	nothing_on_b "$e" "$c"
}

# SIGTERM in the middle of the freeze and ship, with no hook: on Podman the
# checkpoint then streams straight into B's import. Sent as soon as dmig
# asks for the checkpoint (-v says so); the container must end up running
# here with its state, and nothing on B.
interrupted_mid_stream() {
	local e=$1 c=$P-$1-midstream pid rc=0
	run_ctr "$e" "$c" "$IMAGE" counter /data/log 128 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	"$DMIG" -v -H "unix://$(sock_of "$e")" --store "$STORE" move "$c" $TARGET >/dev/null 2>"$TMP/stderr" &
	pid=$!
	wait_until 30 grep -q "POST .*/checkpoint" "$TMP/stderr" || fail "no checkpoint asked for: $(cat "$TMP/stderr")"
	sleep 0.3
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	[ "$rc" = 1 ] || fail "exit $rc: $(grep -v '^dmig: \(docker\|podman\|root@\)' "$TMP/stderr")"
	grep -q "interrupted by Terminated" "$TMP/stderr" || fail "$(tail -n 3 "$TMP/stderr")"
	runs_here_intact "$e" "$c"
	nothing_on_b "$e" "$c"
}

# The link to B dies after the freeze: noticed in seconds, the source
# resumes at once, and once B can be reached again its half-made clone goes.
# A link cut for longer than dmig tries to reconnect (60 s): the source runs
# again at once; the half-made clone stays on B, the journal says so, list
# shows it, and once B answers again 'dmig recover' removes it.
ssh_cut_long() {
	local e=$1 c=$P-$1-cut60 rc=0
	run_ctr "$e" "$c" "$IMAGE" counter /data/log 4 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	move_on "$e" --hook-pre-restore 'ip link set $TLINK down; (sleep 60; ip link set $TLINK up) >/dev/null 2>&1 &' \
		"$c" $TARGET 2>"$TMP/stderr" || rc=$?
	[ "$rc" = 1 ] || { ip link set $TLINK up; fail "exit $rc: $(cat "$TMP/stderr")"; }
	grep -q "runs again on the source" "$TMP/stderr" || { ip link set $TLINK up; fail "$(cat "$TMP/stderr")"; }
	grep -q "'dmig recover $c' does once it answers" "$TMP/stderr" || { ip link set $TLINK up; fail "$(cat "$TMP/stderr")"; }
	runs_here_intact "$e" "$c"
	dm "$e" list 2>&1 | grep -q "container '$c': a move to $TARGET, cut short at its cleanup step" ||
		{ ip link set $TLINK up; fail "list: $(dm "$e" list 2>&1)"; }
	ip link set $TLINK up
	wait_until 30 B true || fail "B does not answer again"
	dm "$e" recover "$c" >/dev/null 2>"$TMP/err" || fail "recover: $(cat "$TMP/err")"
	runs_here_intact "$e" "$c"
	nothing_on_b "$e" "$c"
	[ ! -e "/var/lib/dmig/journal/$e/$c.json" ] || fail "the journal is still there"
}

ssh_cut() {
	local e=$1 c=$P-$1-cut
	track_vol "$c-data"
	run_ctr "$e" "$c" -v "$c-data:/vol" "$IMAGE" sh -c 'echo kept > /vol/data; exec counter /data/log 4 50'
	wait_until 10 "$e" exec "$c" test -s /data/log
	start=$SECONDS
	rc=0
	move_on "$e" --hook-pre-restore 'ip link set $TLINK down; (sleep 12; ip link set $TLINK up) >/dev/null 2>&1 &' \
		--hook-failed-restore 'echo "$DMIG_PHASE $DMIG_CONTAINER" >> "$HOOKLOG"' "$c" $TARGET 2>"$TMP/stderr" || rc=$?
	grep -qx "failed-restore $c" "$HOOKLOG" || fail "the failed-restore hook did not run"
	took=$((SECONDS - start))
	ip link set $TLINK up
	[ "$rc" = 1 ] || fail "exit $rc: $(cat "$TMP/stderr")"
	grep -q "runs again on the source" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	[ "$took" -le 60 ] || fail "took $took s"
	cat "$TMP/stderr"
	runs_here_intact "$e" "$c"
	[ "$("$e" exec "$c" cat /vol/data)" = kept ]
	nothing_on_b "$e" "$c"
}

# A hook that hangs is killed at --hook-timeout: the move fails, puts back.
hook_timeout() {
	local e=$1 c=$P-$1-hook
	run_ctr "$e" "$c" "$IMAGE" counter /data/log 2 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	start=$SECONDS
	rc=0
	move_on "$e" --hook-pre-restore 'sleep 60' --hook-timeout 2 --hook-failed-restore 'echo "$DMIG_PHASE $DMIG_CONTAINER" >> "$HOOKLOG"' "$c" $TARGET 2>"$TMP/stderr" || rc=$?
	grep -qx "failed-restore $c" "$HOOKLOG" || fail "the failed-restore hook did not run"
	[ "$rc" = 1 ] || fail "exit $rc: $(cat "$TMP/stderr")"
	[ $((SECONDS - start)) -lt 30 ] || fail "the hook was not killed in time"
	grep -q "did not finish in 2 s" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	[ "$("$e" inspect -f '{{.State.Running}}' "$c")" = true ] || fail "not running here"
	nothing_on_b "$e" "$c"
}

# The target refuses the restore: Docker's CRIU finds a damaged checkpoint
# (the hook damages it on B); Podman's service is gone (the hook stops it).
target_refuses() {
	local e=$1 c=$P-$1-tref hook
	run_ctr "$e" "$c" "$IMAGE" counter /data/log 4 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	if [ "$e" = docker ]; then
		hook="$LABSH $TEXEC sh -c 'for f in /var/lib/docker/containers/*/checkpoints/dmig-move/pstree.img; do echo junk > \$f; done'"
	else
		hook="kill $(engine_pid podman)"
	fi
	rc=0
	move_on "$e" --hook-pre-restore "$hook" --hook-failed-restore 'echo "$DMIG_PHASE $DMIG_CONTAINER" >> "$HOOKLOG"' "$c" $TARGET 2>"$TMP/stderr" || rc=$?
	grep -qx "failed-restore $c" "$HOOKLOG" || fail "the failed-restore hook did not run"
	engines_back # the lab's podman back, if it was stopped
	[ "$rc" = 1 ] || fail "exit $rc: $(cat "$TMP/stderr")"
	grep -q "restore failed" "$TMP/stderr" || fail "not the restore: $(cat "$TMP/stderr")"
	cat "$TMP/stderr"
	grep -q "runs again on the source" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	runs_here_intact "$e" "$c"
	nothing_on_b "$e" "$c"
}

# The target's engine dies in the middle of the restore (SIGKILL, as the
# OOM killer would): Docker while its runtime restores, Podman while it
# takes in the upload (its temp file /var/tmp/restore*). The source
# resumes; once the engine is back, nothing of the move is left on B (the
# clone, Podman's upload, containerd's copy of the checkpoint), after a
# 'dmig recover' where the move said B needs one.
target_engine_dies() {
	local e=$1 c=$P-$1-tdie rc=0 before_tmp left
	run_ctr "$e" "$c" "$IMAGE" counter /data/log 64 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	temps() { find "$TROOT/tmp" "$TROOT/var/tmp" -maxdepth 1 \( -name 'ctrd-checkpoint*' -o -name 'restore*' \) 2>/dev/null | sort; }
	before_tmp=$(temps)
	# the hook starts a watcher that kills B's engine once the restore is under way
	if [ "$e" = docker ]; then
		cat >"$TMP/watch" <<-EOF
			until pgrep -f 'runc.* restore ' >/dev/null; do sleep 0.02; done
			kill -9 $(engine_pid docker)
		EOF
	else
		cat >"$TMP/watch" <<-EOF
			touch $TMP/mark
			until [ -n "\$(find $TROOT/var/tmp -maxdepth 1 -name 'restore*' -newer $TMP/mark)" ]; do sleep 0.02; done
			sleep 0.3
			kill -9 $(engine_pid podman)
		EOF
	fi
	move_on "$e" --hook-pre-restore "setsid timeout 90 sh $TMP/watch >/dev/null 2>&1 </dev/null &" \
		"$c" $TARGET 2>"$TMP/stderr" || rc=$?
	cat "$TMP/stderr"
	engines_back || fail "the lab's engines do not start again"
	[ "$rc" = 1 ] || fail "exit $rc: $(cat "$TMP/stderr")"
	grep -q "runs again on the source" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	runs_here_intact "$e" "$c"
	if grep -q "'dmig recover $c'" "$TMP/stderr"; then
		dm "$e" recover "$c" >/dev/null 2>"$TMP/err" || fail "recover: $(cat "$TMP/err")"
		runs_here_intact "$e" "$c"
	fi
	[ ! -e "/var/lib/dmig/journal/$e/$c.json" ] || fail "the journal is still there: $(cat "/var/lib/dmig/journal/$e/$c.json")"
	nothing_on_b "$e" "$c"
	left=$(comm -13 <(echo "$before_tmp") <(temps) | tr '\n' ' ')
	[ -z "$left" ] || fail "temp files left: $left"
}

# The target's disk is full: its writer fails (a short write), the move
# fails and puts everything back. Host B gets a 1 MiB file system where the
# volume will be.
short_write() {
	local e=$1 c=$P-$1-full vdir
	track_vol "$c-data"
	run_ctr "$e" "$c" -v "$c-data:/vol" "$IMAGE" sh -c 'dd if=/dev/urandom of=/vol/big bs=1M count=4 2>/dev/null; exec counter /data/log 2 50'
	wait_until 10 "$e" exec "$c" test -s /data/log
	if [ "$e" = docker ]; then vdir=/var/lib/docker/volumes/$c-data/_data; else vdir=/var/lib/containers/storage/volumes/$c-data/_data; fi
	B mkdir -p "$vdir"
	B mount -t tmpfs -o size=1m dmig-test-full "$vdir"
	rc=0
	move_on "$e" --hook-failed-restore 'echo "$DMIG_PHASE $DMIG_CONTAINER" >> "$HOOKLOG"' "$c" $TARGET 2>"$TMP/stderr" || rc=$?
	B umount "$vdir" 2>/dev/null || true
	# the volume there could not be removed while the test's file system
	# was mounted in it: the move says that recover removes it
	if grep -q "'dmig recover $c' removes it" "$TMP/stderr"; then
		dm "$e" recover "$c" >/dev/null 2>"$TMP/err" || fail "recover: $(cat "$TMP/err")"
	fi
	[ ! -e "/var/lib/dmig/journal/$e/$c.json" ] || fail "the journal is still there: $(jq -c . "/var/lib/dmig/journal/$e/$c.json")"
	[ -z "$(B "$e" volume ls -q | grep -x "$c-data")" ] || fail "the volume is left on $TARGET"
	B rm -rf "$(dirname "$vdir")"
	[ "$rc" = 1 ] || fail "exit $rc: $(cat "$TMP/stderr")"
	grep -q "runs again on the source" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	grep -qx "failed-restore $c" "$HOOKLOG" || fail "the failed-restore hook did not run"
	cat "$TMP/stderr"
	runs_here_intact "$e" "$c"
	! B "$e" container inspect "$c" >/dev/null 2>&1 || fail "a container was left on host B"
}

# Both the target's restore and the source's resume fail (the hook damages
# both checkpoints): exit 4, and the message says the state and the command
# that recovers.
both_fail() {
	local e=$1 c=$P-$1-lost hook want
	run_ctr "$e" "$c" "$IMAGE" counter /data/log 1 100
	wait_until 10 "$e" exec "$c" test -s /data/log
	id=$("$e" inspect -f '{{.Id}}' "$c")
	if [ "$e" = docker ]; then
		hook="echo junk > /var/lib/docker/containers/$id/checkpoints/dmig-move/pstree.img; $LABSH $TEXEC sh -c 'for f in /var/lib/docker/containers/*/checkpoints/dmig-move/pstree.img; do echo junk > \$f; done'"
		want="docker start --checkpoint dmig-move $c"
	else
		hook="echo junk > /var/lib/containers/storage/overlay-containers/$id/userdata/checkpoint/pstree.img; kill $(engine_pid podman)"
		want="podman container restore --keep $c"
	fi
	rc=0
	move_on "$e" --hook-pre-restore "$hook" "$c" $TARGET 2>"$TMP/stderr" || rc=$?
	engines_back
	[ "$rc" = 4 ] || fail "exit $rc: $(cat "$TMP/stderr")"
	grep -q "$want" "$TMP/stderr" || fail "no recovery command: $(cat "$TMP/stderr")"
	cat "$TMP/stderr"
	! B "$e" container inspect "$c" >/dev/null 2>&1 || fail "a container was left on host B"
}

# Bind mounts belong to the host: never copied, the target's own is used.
bind_mount() {
	local e=$1 c=$P-$1-bind dir=/run/$P-$1-bind
	mkdir -p "$dir" && echo here >"$dir/whose"
	B mkdir -p "$dir"
	B sh -c "echo there > $dir/whose"
	run_ctr "$e" "$c" -v "$dir:/mnt" "$IMAGE" counter /data/log 1 100
	[ "$("$e" exec "$c" cat /mnt/whose)" = here ]
	move_on "$e" "$c" $TARGET >/dev/null 2>"$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	got=$(B "$e" exec "$c" cat /mnt/whose)
	B rm -rf "$dir"
	rm -rf "$dir"
	[ "$got" = there ] || fail "B's container sees '$got'"
}

# There and back: dmig on host B moves it home (host A answers SSH in the lab).
round_trip() {
	local e=$1 c=$P-$1-trip
	run_ctr "$e" "$c" "$IMAGE" counter /data/log 8 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	# on a terminal: a progress line, then the summary
	script -qec "$DMIG -H unix://$(sock_of "$e") --store $STORE move $c $TARGET" /dev/null >"$TMP/tty" </dev/null
	grep -q $'\r' "$TMP/tty" && grep -q "ship" "$TMP/tty" && grep -q "%" "$TMP/tty" || fail "no progress: $(cat -v "$TMP/tty")"
	grep -q "moved $c to $TARGET" "$TMP/tty" || fail "no summary: $(cat -v "$TMP/tty")"
	store_clean "$e" "$c"
	move_on_b "$e" "$c" hostA >/dev/null 2>"$TMP/stderr" || fail "back: $(cat "$TMP/stderr")"
	store_clean "$e" "$c"
	[ "$("$e" inspect -f '{{.State.Running}}' "$c")" = true ] || fail "not running here again"
	nothing_on_b "$e" "$c"
	sleep 0.3
	log_consecutive "$e" "$c" /data/log >/dev/null || fail "gap in the count"
	check_pattern "$e" "$c" /data/log
}

# Published ports: a container on B's own bridge network (inside the lab's
# namespaces) moves to host C, and a client on B reaches it at C's address
# on the same port. dmig runs on B, as it would on a real source host.
published_port() {
	local e=$1 c=$P-$1-port port=$((18000 + RANDOM % 2000))
	B bash "$TTOP/scripts/test-image.sh" "$e" "$IMAGE" "$TTOP/build/tests/counter" >/dev/null
	B "$e" run -d --name "$c" -p "$port:8080" "$IMAGE" sh -c \
		'mkdir -p /www && echo served > /www/index.html && httpd -p 8080 -h /www && exec counter /data/log 1 50' >/dev/null
	wait_until 10 B curl -sf --max-time 2 "http://127.0.0.1:$port/" || fail "the port does not answer on B before the move"
	move_on_b "$e" "$c" hostC >/dev/null 2>"$TMP/stderr" || fail "B -> C: $(cat "$TMP/stderr")"
	[ "$(B curl -sf --max-time 5 "http://$DMIG_LAB_C_ADDR:$port/")" = served ] || fail "C does not answer on port $port"
	[ "$(C "$e" inspect -f '{{json .HostConfig.PortBindings}}' "$c")" = "{\"8080/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"$port\"}]}" ] ||
		fail "port bindings on C: $(C "$e" inspect -f '{{json .HostConfig.PortBindings}}' "$c")"
	! B "$e" container inspect "$c" >/dev/null 2>&1 || fail "the source is still on B"
	sleep 0.3
	C "$e" exec "$c" cat /data/log | awk '/^[0-9]+$/ { if ($1 != p + 1) { print "gap after " p; exit 1 } p = $1 }' ||
		fail "the count has a gap or repeat"
}

# A network the target lacks is refused before anything changes (dmig makes
# no networks); once it is there, the container moves onto it. On B and C
# (networks inside the lab's namespaces), dmig running on B.
network_needed() {
	local e=$1 c=$P-$1-net net=$P-$1-net id
	B bash "$TTOP/scripts/test-image.sh" "$e" "$IMAGE" "$TTOP/build/tests/counter" >/dev/null
	B "$e" network create "$net" >/dev/null
	B "$e" run -d --name "$c" --network "$net" "$IMAGE" counter /data/log 1 50 >/dev/null
	id=$(B "$e" inspect -f '{{.Id}}' "$c")
	expect_exit 3 move_on_b "$e" "$c" hostC
	grep -q "is on network '$net', which root@hostC:22 lacks: create it there first" "$TMP/stderr" ||
		fail "$(cat "$TMP/stderr")"
	[ "$(B "$e" inspect -f '{{.Id}} {{.State.Running}}' "$c")" = "$id true" ] || fail "the container changed"
	! C "$e" container inspect "$c" >/dev/null 2>&1 || fail "a container was made on C"
	C "$e" network create "$net" >/dev/null
	move_on_b "$e" "$c" hostC >/dev/null 2>"$TMP/stderr" || fail "B -> C: $(cat "$TMP/stderr")"
	[ "$(C "$e" inspect -f '{{.State.Running}}' "$c")" = true ] || fail "not running on C"
	C "$e" inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' "$c" | grep -qw -- "$net" ||
		fail "not on $net on C: $(C "$e" inspect -f '{{json .NetworkSettings.Networks}}' "$c")"
}

# An open TCP connection inside the container (a client and a server on
# its loopback): Docker cannot checkpoint it, Podman cannot restore it (its
# loopback comes up too late), so move and snapshot refuse before anything
# changes, and the connection lives on.
tcp_connection() {
	local e=$1 c=$P-$1-tcp id
	run_ctr "$e" "$c" "$IMAGE" sh -c \
		'nc -l -p 9000 </dev/zero >/dev/null & sleep 0.5; nc 127.0.0.1 9000 </dev/zero >/dev/null & exec counter /data/log 1 50'
	wait_until 10 sh -c "$e exec $c cat /proc/net/tcp | awk '\$4 == \"01\"' | grep -q ."
	id=$("$e" inspect -f '{{.Id}}' "$c")
	expect_exit 3 move_on "$e" "$c" $TARGET
	grep -q "has 2 open TCP connections" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	cat "$TMP/stderr"
	expect_exit 3 dm "$e" snapshot "$c"
	grep -q "has 2 open TCP connections" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	[ "$("$e" inspect -f '{{.Id}} {{.State.Running}}' "$c")" = "$id true" ] || fail "the container changed"
	[ "$("$e" exec "$c" cat /proc/net/tcp /proc/net/tcp6 | awk '$4 == "01"' | wc -l)" = 2 ] || fail "the connection is gone"
	nothing_on_b "$e" "$c"
}

refusals() {
	local e=$1 c=$P-$1-ref
	run_ctr "$e" "$c" "$IMAGE" counter /data/log 1 100
	id=$("$e" inspect -f '{{.Id}}' "$c")
	# unknown host key
	sed "s|UserKnownHostsFile .*|UserKnownHostsFile $TMP/empty_kh|" "$DMIG_SSH_CONFIG" >"$TMP/cfg"
	: >"$TMP/empty_kh"
	DMIG_SSH_CONFIG=$TMP/cfg expect_exit 3 move_on "$e" "$c" $TARGET
	grep -q "host not in $TMP/empty_kh" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	# changed host key
	ssh-keygen -q -t ed25519 -N '' -f "$TMP/otherkey-$e"
	echo "$TADDR $(cut -d' ' -f1-2 "$TMP/otherkey-$e.pub")" >"$TMP/empty_kh"
	DMIG_SSH_CONFIG=$TMP/cfg expect_exit 3 move_on "$e" "$c" $TARGET
	grep -q "differs from the one in $TMP/empty_kh" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	# names and targets with shell meta-characters
	expect_exit 2 move_on "$e" "$c; touch /tmp/dmig-pwned" $TARGET
	expect_exit 2 move_on "$e" "$c" "$TARGET;touch /tmp/dmig-pwned"
	expect_exit 2 move_on "$e" "$c" '$(touch /tmp/dmig-pwned)'
	[ ! -e /tmp/dmig-pwned ] && B test ! -e /tmp/dmig-pwned || fail "something was injected"
	# the name is taken on B
	B "$e" run -d --name "$c" --network none "$IMAGE" sleep 1000 >/dev/null 2>&1 ||
		{ "$TOP/scripts/test-image.sh" "$e" "$IMAGE" "$COUNTER"; B bash "$TTOP/scripts/test-image.sh" "$e" "$IMAGE" "$TTOP/build/tests/counter"; B "$e" run -d --name "$c" --network none "$IMAGE" sleep 1000 >/dev/null; }
	expect_exit 3 move_on "$e" "$c" $TARGET
	grep -q "exists on .* already" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	B "$e" rm -f "$c" >/dev/null 2>&1
	# a bind mount whose source B lacks
	c2=$P-$1-bind
	# (host B has its own /run)
	only=/run/$P-only-here
	mkdir -p "$only"
	run_ctr "$e" "$c2" -v "$only:/mnt" "$IMAGE" counter /data/log 1 100
	expect_exit 3 move_on "$e" "$c2" $TARGET
	rm_ctr "$e" "$c2"
	rmdir "$only"
	grep -q "bind mount source $only does not exist" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	[ "$("$e" inspect -f '{{.Id}} {{.State.Running}}' "$c")" = "$id true" ] || fail "the container changed"
	nothing_on_b "$e" "$c2"
}

# The container on B has the original's Config and HostConfig (same_config
# says what may differ), its image by the name it was run with.
config_arrives() {
	local e=$1 c=$P-$1-cfg caps
	track_vol "$c-data"
	run_ctr "$e" "$c" -v "$c-data:/vol" -e DMIG_TEST_ENV=kept -l dmig.test=label --restart on-failure:3 -w /data \
		--memory 256m --cap-add SYS_PTRACE "$IMAGE" counter /data/log 4 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	"$e" inspect "$c" >"$TMP/before.json"
	caps=$("$e" exec "$c" grep CapEff /proc/self/status)
	move_on "$e" "$c" $TARGET >/dev/null 2>"$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	B "$e" inspect "$c" >"$TMP/after.json"
	[ "$caps" = "$(B "$e" exec "$c" grep CapEff /proc/self/status)" ] ||
		fail "capabilities differ: $caps here, $(B "$e" exec "$c" grep CapEff /proc/self/status) on $TARGET"
	if [ "$TGT" = d ] && [ "$e" = docker ]; then
		# Docker 28 restores it as the NetworkDisabled stand-in with its
		# network files bound (docs/move.md, "Docker 28 and later"); API
		# 1.51 has no kernel memory limits
		jq -e '.[0].Config.NetworkDisabled == true and .[0].HostConfig.NetworkMode == "none" and
			([.[0].HostConfig.Binds[] | select(test("/dmig-net/[0-9a-f]+/(hosts|hostname|resolv.conf):/etc/"))] | length) == 3' \
			"$TMP/after.json" >/dev/null || fail "not Docker 28's stand-in: $(jq -c '.[0].Config.NetworkDisabled, .[0].HostConfig.Binds' "$TMP/after.json")"
		jq '.[0].Config |= del(.NetworkDisabled) | .[0].HostConfig.Binds |= map(select(test("/dmig-net/") | not)) |
			.[0].HostConfig |= del(.KernelMemory, .KernelMemoryTCP)' "$TMP/after.json" >"$TMP/after2.json"
		jq '.[0].HostConfig |= del(.KernelMemory, .KernelMemoryTCP)' "$TMP/before.json" >"$TMP/before2.json"
		same_config "$TMP/before2.json" "$TMP/after2.json"
	elif [ "$TGT" = d ]; then
		# Podman 5's inspect shows more and spells some things otherwise
		# than 4.3's (CapDrop: 5 drops fewer from fewer defaults); what the
		# container may do is the same (the capabilities, checked above)
		for f in before after; do
			jq '.[0].Config |= (del(.Annotations, .HealthLogDestination, .HealthcheckMaxLogCount, .HealthcheckMaxLogSize)
				| if .Entrypoint == "" then .Entrypoint = null else . end
				| if .StopSignal == 15 then .StopSignal = "SIGTERM" else . end)
				| .[0].HostConfig |= del(.Annotations, .AutoRemoveImage, .HostsFile, .CapDrop, .LogConfig.Size)' "$TMP/$f.json" >"$TMP/${f}2.json"
		done
		same_config "$TMP/before2.json" "$TMP/after2.json"
	else
		same_config "$TMP/before.json" "$TMP/after.json"
	fi
}

# Paused, or --rm: refused before anything changes (exit 3), on both
# engines; the paused one stays paused here.
paused_or_rm_refused() {
	local e=$1 c=$P-$1-paused c2=$P-$1-rm id
	run_ctr "$e" "$c" "$IMAGE" counter /data/log 1 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	"$e" pause "$c" >/dev/null
	id=$("$e" inspect -f '{{.Id}}' "$c")
	expect_exit 3 move_on "$e" "$c" $TARGET
	grep -q "container '$c' is paused, .*: unpause it first ('$e unpause $c')" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	[ "$("$e" inspect -f '{{.Id}} {{.State.Status}}' "$c")" = "$id paused" ] || fail "the container changed"
	nothing_on_b "$e" "$c"
	run_ctr "$e" "$c2" --rm "$IMAGE" counter /data/log 1 50
	id=$("$e" inspect -f '{{.Id}}' "$c2")
	expect_exit 3 move_on "$e" "$c2" $TARGET
	grep -q "container '$c2' was started with --rm" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	[ "$("$e" inspect -f '{{.Id}} {{.State.Running}}' "$c2")" = "$id true" ] || fail "the container changed"
	nothing_on_b "$e" "$c2"
}

keep_source() {
	local e=$1 c=$P-$1-keep
	run_ctr "$e" "$c" --restart always "$IMAGE" counter /data/log 1 100
	if [ "$e" = podman ]; then
		# Podman 4's API cannot set the policy to "no": refused, untouched
		id=$(podman inspect -f '{{.Id}}' "$c")
		expect_exit 3 move_on "$e" --keep-source "$c" $TARGET
		grep -q "restart policy 'always', which Podman [0-9.]* cannot change" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
		[ "$(podman inspect -f '{{.Id}} {{.State.Running}}' "$c")" = "$id true" ] || fail "the container changed"
		nothing_on_b podman "$c"
		# --force keeps it with its policy, stopped, and says so
		move_on "$e" --keep-source --force "$c" $TARGET >/dev/null 2>"$TMP/stderr"
		grep -q "keeps restart policy 'always' (--force)" "$TMP/stderr" || fail "no warning: $(cat "$TMP/stderr")"
		sleep 2 # a restart policy would have acted by now
		[ "$("$e" inspect -f '{{.State.Running}}' "$c")" = false ] || fail "the kept source runs"
	else
		move_on "$e" --keep-source "$c" $TARGET >/dev/null 2>"$TMP/stderr"
		sleep 2 # a restart policy would have acted by now
		[ "$("$e" inspect -f '{{.State.Running}} {{.HostConfig.RestartPolicy.Name}}' "$c")" = "false no" ] ||
			fail "source: $("$e" inspect -f '{{.State.Running}} {{.HostConfig.RestartPolicy.Name}}' "$c")"
	fi
	[ "$(B "$e" inspect -f '{{.State.Running}} {{.HostConfig.RestartPolicy.Name}}' "$c")" = "true always" ]
}

# log_counts_b NAME: `docker logs` of NAME on B is "line N" lines, each N
# one more than the one before; prints the first N and the last.
log_counts_b() {
	B docker logs "$1" 2>&1 | awk '$1 != "line" || (NR > 1 && $2 != p + 1) { print "gap or repeat after line " p ": " $0 >"/dev/stderr"; bad = 1 }
		NR == 1 { f = $2 } { p = $2 } END { print f, p; exit bad }'
}

# Docker's log goes along: `docker logs` on B shows every line from before
# the move, from the first one, in order, then the new ones, none twice.
# fast: three lines every 10 ms into small rotated files (the options), so
# that the log rotates while the container is moved.
log_carried() { # DRIVER slow|fast [log options...]
	local d=$1 lines='echo line $i' pace=0.1 wait=20 c=$P-docker-log-$1-$2 m first last first2 last2
	[ "$2" = slow ] || { lines='echo line $i; i=$((i+1)); echo line $i; i=$((i+1)); echo line $i' pace=0.01 wait=200; }
	shift 2
	run_ctr docker "$c" --log-driver "$d" "$@" "$IMAGE" sh -c "i=0; while :; do i=\$((i+1)); $lines; sleep $pace; done"
	wait_until 10 sh -c "docker logs $c 2>/dev/null | grep -qx 'line $wait'"
	[ "$(docker logs "$c" 2>&1 | head -n 1)" = "line 1" ] || fail "the log here lacks line 1: $(docker logs "$c" 2>&1 | head -n 1)"
	m=$(docker logs "$c" 2>&1 | tail -n 1 | cut -d' ' -f2)
	"$DMIG" -v -H "unix://$(sock_of docker)" --store "$STORE" move "$c" $TARGET >/dev/null 2>"$TMP/stderr" ||
		fail "$(tail -n 3 "$TMP/stderr")"
	echo "rotated during the move: $(grep -c 'log rotated during the move' "$TMP/stderr")"
	log_counts_b "$c" >"$TMP/counts" || fail "the log on B has a gap or repeat"
	read -r first last <"$TMP/counts"
	[ "$first" = 1 ] || fail "the log on B starts at line $first, not 1 (line $m was logged before the move)"
	[ "$last" -gt "$m" ] || fail "the log on B ends at line $last, line $m was logged before the move"
	sleep 1
	log_counts_b "$c" >"$TMP/counts" || fail "the log on B has a gap or repeat after a while"
	read -r first2 last2 <"$TMP/counts"
	[ "$first2" = 1 ] && [ "$last2" -gt "$last" ] || fail "the log on B does not grow on: lines $first..$last, then $first2..$last2"
	echo "lines $first..$last2 on B, $m before the move"
}

# A log driver that keeps no file here (none, journald, syslog, ...): nothing
# to carry, and -v says so.
log_not_carried() {
	local c=$P-docker-log-none
	run_ctr docker "$c" --log-driver none "$IMAGE" counter /data/log 1 100
	wait_until 10 docker exec "$c" test -s /data/log
	"$DMIG" -v -H "unix://$(sock_of docker)" --store "$STORE" move "$c" $TARGET >/dev/null 2>"$TMP/stderr" ||
		fail "$(tail -n 3 "$TMP/stderr")"
	grep "log driver" "$TMP/stderr" || true
	grep -q "log driver 'none' keeps no log file dmig can carry" "$TMP/stderr" || fail "-v does not say that no log is carried"
	[ "$(B docker inspect -f '{{.State.Running}}' "$c")" = true ] || fail "not running on B"
}

# Across engine versions without this host: dmig on host B (Debian 12's
# engines) moves a container to D (Debian testing's), and dmig on D moves
# it back to B; memory, count, files, volume and image ID arrive each way.
HB() { "$LABSH" exec "$@"; }
b_and_d() {
	local e=$1 c=$P-$1-bd id
	HB bash "$TOP/scripts/test-image.sh" "$e" "$IMAGE" "$COUNTER" >/dev/null
	id=$(HB "$e" image inspect -f '{{.Id}}' "$IMAGE")
	HB "$e" run -d --name "$c" --network none -v "$c-data:/vol" "$IMAGE" sh -c \
		'echo in-volume > /vol/data; echo changed > /etc/image-file; exec counter /data/log 16 50' >/dev/null
	wait_until 10 HB "$e" exec "$c" test -s /data/log
	sleep 0.5
	HB env DMIG_SSH_CONFIG="$DMIG_LAB_B_SSH_CONFIG" "$DMIG" -H "unix://$(sock_of "$e")" --store /var/lib/dmig \
		move "$c" hostD >/dev/null 2>"$TMP/stderr" || fail "B to D: $(cat "$TMP/stderr")"
	! HB "$e" container inspect "$c" >/dev/null 2>&1 || fail "still on B"
	# a move leaves the source's volume; the way back needs its name free
	HB "$e" volume rm "$c-data" >/dev/null || fail "the volume on B is still in use"
	arrived() { # HOST-FUNCTION
		[ "$($1 "$e" inspect -f '{{.State.Running}}' "$c")" = true ] || fail "not running"
		[ "$($1 "$e" exec "$c" cat /vol/data)" = in-volume ] || fail "volume content lost"
		[ "$($1 "$e" exec "$c" cat /etc/image-file)" = changed ] || fail "changed image file lost"
		[ "$($1 "$e" inspect -f '{{.Image}}' "$c")" = "$id" ] || fail "another image: $($1 "$e" inspect -f '{{.Image}}' "$c"), not $id"
		sleep 0.5
		$1 "$e" exec "$c" cat /data/log | awk '/^[0-9]+$/ { if ($1 != p + 1) { print "gap after " p; exit 1 } p = $1 }' ||
			fail "the count has a gap or repeat"
	}
	arrived B
	check_pattern_b "$e" "$c"
	move_on_b "$e" "$c" hostB >/dev/null 2>"$TMP/stderr" || fail "D to B: $(cat "$TMP/stderr")"
	! B "$e" container inspect "$c" >/dev/null 2>&1 || fail "still on D"
	arrived HB
	HB "$e" rm -f "$c" >/dev/null 2>&1
	HB "$e" volume rm -f "$c-data" >/dev/null 2>&1
}

# A snapshot taken here (Debian 12's engine) rolled back on D (testing's)
# from a copied bundle: the container moved to D, its snapshot from before
# the move copied into D's store, this host's key trusted there. The count
# goes back to the snapshot's and on from there.
old_snapshot_on_d() {
	local e=$1 c=$P-$1-olds before after dstore=/var/lib/dmig/$1/$P-$1-olds dkeys=/root/$P-keys
	run_ctr "$e" "$c" "$IMAGE" counter /data/log 8 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	dm "$e" snapshot --name s "$c" >/dev/null 2>"$TMP/stderr" || fail "snapshot: $(cat "$TMP/stderr")"
	sleep 1
	move_on "$e" "$c" hostD >/dev/null 2>"$TMP/stderr" || fail "move: $(cat "$TMP/stderr")"
	B mkdir -p -m 0700 "$dstore" "$dkeys/trusted"
	B sh -c "cat > $dstore/s.dmig && chmod 600 $dstore/s.dmig" <"$STORE/$e/$c/s.dmig"
	B sh -c "cat > $dkeys/trusted/hostA.pub && chmod 600 $dkeys/trusted/hostA.pub" <"$DMIG_KEY_DIR/host.pub"
	B chmod 700 "$dkeys" "$dkeys/trusted"
	before=$(B "$e" exec "$c" sh -c "grep -E '^[0-9]+\$' /data/log | tail -n 1")
	B env DMIG_KEY_DIR="$dkeys" "$TDMIG" -H "unix://$(sock_of "$e")" --store /var/lib/dmig rollback "$c@s" \
		>/dev/null 2>"$TMP/stderr" || { B rm -rf "$dkeys"; fail "rollback on D: $(cat "$TMP/stderr")"; }
	B rm -rf "$dkeys"
	[ "$(B "$e" inspect -f '{{.State.Running}}' "$c")" = true ] || fail "not running on D after the rollback"
	sleep 0.5
	after=$(B "$e" exec "$c" sh -c "grep -E '^[0-9]+\$' /data/log | tail -n 1")
	B "$e" exec "$c" cat /data/log | awk '/^[0-9]+$/ { if ($1 != p + 1) { print "gap after " p; exit 1 } p = $1 }' ||
		fail "the count has a gap or repeat"
	# the log is the snapshot's: shorter than before the rollback, counting on
	[ "$(B "$e" exec "$c" grep -c -E '^[0-9]+$' /data/log)" -lt "$before" ] || [ "$after" -lt "$before" ] ||
		fail "the count did not go back: $before before the rollback, $after after"
	check_pattern_b "$e" "$c"
	B rm -rf "$dstore"
}

# D's Docker in containerd's image store: a move from this host's graph
# driver Docker is refused before anything changes (an image has another
# ID in each store).
store_kind_refused() {
	local c=$P-docker-kind id rc=0
	run_ctr docker "$c" "$IMAGE" counter /data/log 1 100
	wait_until 10 docker exec "$c" test -s /data/log
	id=$(docker inspect -f '{{.Id}}' "$c")
	"$LABSH" d-mode snapshotter >/dev/null || fail "D's Docker does not switch to the image store"
	# (back to the graph driver before anything can fail)
	( expect_exit 3 move_on docker "$c" hostD ) || rc=$?
	"$LABSH" d-mode overlay2 >/dev/null || fail "D's Docker does not switch back"
	[ "${rc:-0}" = 0 ] || fail "the move was not refused as it should be: $(cat "$TMP/stderr")"
	grep -q "Docker on root@hostD:22 keeps containerd's image store (overlayfs): an image has another ID in each" "$TMP/stderr" ||
		fail "$(cat "$TMP/stderr")"
	cat "$TMP/stderr"
	[ "$(docker inspect -f '{{.Id}} {{.State.Running}}' "$c")" = "$id true" ] || fail "the container changed"
	log_consecutive docker "$c" /data/log >/dev/null || fail "gap in the count"
	nothing_on_b docker "$c"
}

HOOKLOG=$TMP/hooks.log
export HOOKLOG
for e in ${DMIG_ENGINES:-docker podman}; do
	ensure_image "$e"
	t "$e move: memory, files, volume, config all arrive; nothing left here" everything_arrives "$e"
	t "$e move: a loopback TCP server answers on B" tcp_server "$e"
	t "$e move: an image B lacks is shipped with its ID" image_shipped "$e"
	t "$e move: the image cannot be loaded on B: nothing changed" image_ship_fails "$e"
	t "$e move: an image that arrives with another ID is undone on B, nothing changed" image_wrong_id "$e"
	if [ "$e" = podman ]; then
		for how in docker-save commit oci; do
			t "podman move: an image ($how) B lacks arrives with its ID" image_format_shipped "$how"
		done
		for how in docker-save oci; do
			t "podman rollback: the image ($how) is not here: the command that brings it, then rolled back" \
				image_rollback_elsewhere "$how"
		done
	fi
	if [ "$e" = docker ]; then
		t "docker move: docker logs on B has the lines from before the move (json-file)" log_carried json-file slow
		t "docker move: docker logs on B has the lines from before the move (local)" log_carried local slow
		t "docker move: a json-file log that rotates during the move arrives whole" log_carried json-file fast \
			--log-opt max-size=1k --log-opt max-file=300
		t "docker move: a local log that rotates (compressed) during the move arrives whole" log_carried local fast \
			--log-opt max-size=1k --log-opt max-file=300
		t "docker move: a log driver without files: nothing to carry, -v says so" log_not_carried
	fi
	tm "pre-restore hook fails" move:pre-restore "$e" "resumed here, state kept, B clean" \
		"$e move: a failure after the freeze resumes the source, B clean" failure_resumes_source "$e"
	t "$e move: refusals before anything changes" refusals "$e"
	t "$e move: Config and HostConfig arrive as they were" config_arrives "$e"
	t "$e move: a paused or --rm container is refused" paused_or_rm_refused "$e"
	t "$e move and snapshot: an open TCP connection is refused, and lives on" tcp_connection "$e"
	t "$e move: --keep-source keeps it stopped, restart policy no (Podman 4: refused, or --force)" keep_source "$e"
	tm "concurrent dmig (another store)" move:pre-restore "$e" "refused at once; the move goes on" \
		"$e move: a second dmig (another store) can neither snapshot nor move it meanwhile" concurrent_refused "$e"
	tm SIGTERM move:pre-restore "$e" "resumed here, state kept, B clean" \
		"$e move: SIGTERM after the freeze puts everything back" interrupted "$e" TERM
	tm SIGINT move:pre-restore "$e" "resumed here, state kept, B clean" \
		"$e move: SIGINT after the freeze puts everything back" interrupted "$e" INT
	tm SIGTERM "move:freeze (streaming)" "$e" "resumed here, state kept, B clean" \
		"$e move: SIGTERM mid-stream (no hook) puts everything back" interrupted_mid_stream "$e"
	tm "link cut 12 s" move:pre-restore "$e" "resumed here, state kept, B cleaned on reconnect" \
		"$e move: a link cut after the freeze: source resumes, B cleaned later" ssh_cut "$e"
	tm "link cut 60 s" move:pre-restore "$e" "resumed here at once; B cleaned by recover later" \
		"$e move: a link cut for 60 s: source resumes, recover cleans B once it answers" ssh_cut_long "$e"
	t "$e move: there and back again" round_trip "$e"
	if [ "$TGT" = d ]; then
		t "$e move: dmig on B (Debian 12) to D (testing), and dmig on D back to B" b_and_d "$e"
		t "$e rollback on D (testing) of a snapshot taken here (Debian 12), from a copied bundle" old_snapshot_on_d "$e"
		[ "$e" != docker ] ||
			t "docker move: to D's Docker in containerd's image store, refused before anything changes" store_kind_refused
	fi
	if [ "$TGT" = b ]; then
		t "$e move: a published port answers on the target (B to C)" published_port "$e"
		t "$e move: a network the target lacks is refused; once there, used (B to C)" network_needed "$e"
	fi
	tm "hook hangs" move:pre-restore "$e" "hook killed; resumed here, B clean" \
		"$e move: a hook that hangs is killed, the move put back" hook_timeout "$e"
	tm "target CRIU fails" move:restore "$e" "resumed here, state kept, B clean" \
		"$e move: the target refuses the restore, the source resumes" target_refuses "$e"
	tm "target engine killed" move:restore "$e" "resumed here, state kept, B clean" \
		"$e move: the target's engine dies mid-restore: the source resumes, nothing left on B" target_engine_dies "$e"
	tm "target disk full" move:ship "$e" "resumed here, state kept, B clean" \
		"$e move: a full disk on the target (short write) puts it back" short_write "$e"
	t "$e move: a bind mount uses the target's own folder" bind_mount "$e"
	tm "restore and resume fail" move:restore "$e" "exit 4, the one command that recovers" \
		"$e move: restore and resume both fail: exit 4 with the way back" both_fail "$e"
done
