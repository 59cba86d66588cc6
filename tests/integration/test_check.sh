#!/usr/bin/env bash
# dmig check against the lab's host B: each check with a passing case and a
# failing one made real (there: the engine stopped, experimental mode off, a
# CRIU that fails, a tiny tmpfs, the name taken, ...; here: a terminal, a
# connection, a socket to a daemon outside, a device), the text, --json and
# the exit status, and that nothing changed, here or there. Then a move:
# refused by the same checks, --force going on past a skippable one.
# shellcheck disable=SC2016 # the fakes' scripts are for B's shell
. "$(dirname "$0")/lib.sh"
use_lab

# what a test bound over a program on B, undone whatever happens
FAKED=$TMP/faked
: >"$FAKED"
unfake() { while read -r p; do B umount "$p" 2>/dev/null || true; done <"$FAKED"; : >"$FAKED"; }
trap 'unfake; lab_cleanup B; cleanup' EXIT

chk() { "$DMIG" -H "unix://$(sock_of "$1")" --store "$STORE" check "${@:2}"; }
move_on() { "$DMIG" -H "unix://$(sock_of "$1")" --store "$STORE" move "${@:2}"; }

# run_check RC ENGINE ARGS...: dmig check, its exit status RC; stdout in
# $TMP/stdout, stderr (one summary or error line) in $TMP/stderr
run_check() {
	local want=$1 rc=0
	shift
	chk "$@" >"$TMP/stdout" 2>"$TMP/stderr" || rc=$?
	[ "$rc" = "$want" ] || fail "check exited $rc, wanted $want: $(cat "$TMP/stdout" "$TMP/stderr")"
	[ "$(wc -l <"$TMP/stderr")" = 1 ] || fail "stderr is not one line: $(cat "$TMP/stderr")"
}

# want NAME VERDICT [TEXT]: check NAME's line says VERDICT (and TEXT)
want() {
	local l
	l=$(grep -E "^[a-zA-Z]+ +$1 " "$TMP/stdout") || fail "no line for check $1: $(cat "$TMP/stdout")"
	[ "$(echo "$l" | awk '{ print $1 }')" = "$2" ] || fail "check $1: '$l', wanted $2; all: $(cat "$TMP/stdout" "$TMP/stderr" 2>/dev/null)"
	[ -z "${3:-}" ] || grep -qF -- "$3" <<<"$l" || fail "check $1 does not say '$3': '$l'"
}

# unchanged ENGINE NAME ID: the container runs here as it did, nothing of it on B
unchanged() {
	[ "$("$1" inspect -f '{{.Id}} {{.State.Running}}' "$2")" = "$3 true" ] || fail "the container changed here"
	! B "$1" container inspect "$2" >/dev/null 2>&1 || fail "a container '$2' is on host B"
	! B "$1" volume ls -q | grep -q "^$2" || fail "volumes of it on host B"
}

# fake PROGRAM SCRIPT: on B only (its own mount namespace), PROGRAM (as B's
# login shell finds it) runs SCRIPT instead; the real one is $TMP/real-PROGRAM
fake() {
	local path
	path=$(B sh -c "command -v $1") || fail "no $1 on B"
	cp "$path" "$TMP/real-$1"
	printf '%s\n' "#!/bin/sh" "$2" >"$TMP/fake-$1"
	chmod 755 "$TMP/fake-$1"
	B mount --bind "$TMP/fake-$1" "$path"
	echo "$path" >>"$FAKED"
}

HOST_CHECKS="ssh engine engine-kind engine-version criu-here checkpoint-api runtime criu-there criu-version kernel cpu memory disk"
CTR_CHECKS="journal state tty storage criu-limits tcp unix-sockets fds name image binds bind-links networks volumes"

host_passes() {
	local e=$1 n
	run_check 0 "$e" hostB
	for n in $HOST_CHECKS; do want "$n" ok; done
	[ "$e" = podman ] || want storage-there ok "overlay2 here and on root@hostB:22"
	! grep -qv '^ok ' "$TMP/stdout" || fail "not all ok: $(cat "$TMP/stdout")"
	grep -q "^dmig: moves to hostB: all [0-9]* checks passed$" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	want ssh ok "root@hostB:22: its host key known, logged in"
	want cpu ok "'criu cpuinfo check' on root@hostB:22 takes this host's CPU"
	want memory ok "MiB available on root@hostB:22"
	# without a container, none of the container's checks
	for n in $CTR_CHECKS; do ! grep -qE "^[a-zA-Z]+ +$n " "$TMP/stdout" || fail "check $n without a container"; done
	# --json: the same, as a list
	chk "$e" --json hostB >"$TMP/json" 2>/dev/null || fail "--json exited $?"
	jq -e 'type == "array" and length > 10 and all(.[]; (.check | type == "string") and .result == "ok"
	       and (.detail | length > 0) and (.skippable | type == "boolean"))' "$TMP/json" >/dev/null ||
		fail "json: $(cat "$TMP/json")"
	[ "$(jq -r '.[] | select(.check == "disk") | .skippable' "$TMP/json")" = true ] || fail "disk is not skippable"
}

container_passes() {
	local e=$1 c=$P-$1-ok dir=/run/$P-$1-both id n
	ensure_image "$e"
	# B holds this host's image, the same ID (an image B built itself from
	# the same files has another: an import's ID covers its time)
	local want_id
	want_id=$("$e" image inspect -f '{{.Id}}' "$IMAGE")
	if [ "$(B "$e" image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null)" != "$want_id" ]; then
		"$e" save "$IMAGE" | B "$e" load >/dev/null
	fi
	[ "$(B "$e" image inspect -f '{{.Id}}' "$IMAGE")" = "$want_id" ] || fail "B lacks image $want_id"
	mkdir -p "$dir"
	B mkdir -p "$dir"
	track_vol "$c-data"
	run_ctr "$e" "$c" -v "$c-data:/vol" -v "$dir:/both" "$IMAGE" counter /data/log 4 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	id=$("$e" inspect -f '{{.Id}}' "$c")
	run_check 0 "$e" hostB "$c"
	for n in $HOST_CHECKS $CTR_CHECKS; do want "$n" ok; done
	want name ok "no container named '$c' on root@hostB:22"
	want image ok "is on root@hostB:22"
	want volumes ok "1 named volume, none on root@hostB:22 yet"
	want binds ok "1 bind mount source, on root@hostB:22 too"
	want memory ok "the container uses"
	want disk ok "MiB to write at"
	grep -q "^dmig: moving '$c' to hostB: all [0-9]* checks passed$" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	unchanged "$e" "$c" "$id"
	rm_ctr "$e" "$c"
	rmdir "$dir"
	B rmdir "$dir"
}

# An image B lacks: shipped by the move, which the disk check counts.
image_shippable() {
	local e=$1 c=$P-$1-img img=localhost/$P-$1-img:1 root=$TMP/img-$1
	mkdir -p "$root/bin"
	cp "$COUNTER" "$root/bin/counter"
	echo "$P" >"$root/unique"
	track_img "$img"
	tar -C "$root" -c . | "$e" import - "$img" >/dev/null
	track_ctr "$c"
	"$e" run -d --name "$c" --network none "$img" /bin/counter /log 1 100 >/dev/null
	run_check 0 "$e" hostB "$c"
	want image ok "is shipped to root@hostB:22 before the freeze"
	! B "$e" image inspect "$img" >/dev/null 2>&1 || fail "the check shipped the image"
}

# The target cannot be reached, its key unknown: only what needs it skipped.
ssh_fails() {
	local e=$1
	sed "s|UserKnownHostsFile .*|UserKnownHostsFile $TMP/empty_kh|" "$DMIG_SSH_CONFIG" >"$TMP/cfg"
	: >"$TMP/empty_kh"
	DMIG_SSH_CONFIG=$TMP/cfg run_check 3 "$e" hostB
	want ssh FAIL "host not in $TMP/empty_kh"
	want engine skip "not checked: check 'ssh' failed"
	want cpu skip "not checked: check 'ssh' failed"
	want criu-here ok
	grep -q "^dmig: moves to hostB would be refused: 1 of [0-9]* checks failed (ssh)$" "$TMP/stderr" ||
		fail "$(cat "$TMP/stderr")"
}

# B's engine stopped; an engine of the other kind there.
engine_fails() {
	local e=$1 other
	kill "$(cat "$DMIG_LAB_DIR/pids/$([ "$e" = docker ] && echo dockerd || echo podman)")"
	wait_until 30 sh -c "! $LABSH exec curl -sf --max-time 1 --unix-socket $(sock_of "$e") http://d/_ping" ||
		fail "B's $e does not stop"
	run_check 3 "$e" hostB
	"$LABSH" start >/dev/null 2>&1 || fail "the lab's engines do not start again"
	want ssh ok
	want engine FAIL "cannot reach the engine at $(sock_of "$e") on root@hostB:22"
	want engine-kind skip "not checked: check 'engine' failed"
	want kernel ok # over SSH, asked all the same
	if [ "$e" = docker ]; then other=podman; else other=docker; fi
	run_check 3 "$e" "ssh://hostB$(sock_of "$other")"
	want engine ok
	want engine-kind FAIL "the target runs $other, the container runs on $e: dmig moves between engines of one kind"
}

# Docker on B without experimental mode: its checkpoints cannot be started.
# B's dockerd stopped, waited for until its process is gone (lab.sh start
# starts one only then; a new one beside a stopping one finds its pid file)
stop_b_dockerd() {
	local pid
	pid=$(cat "$DMIG_LAB_DIR/pids/dockerd")
	kill "$pid"
	wait_until 60 sh -c "! kill -0 $pid" || fail "B's dockerd does not stop"
}
# B's Docker without experimental mode: the lab's dockerd stopped, one of
# this test's started on B with experimental off (the lab's start writes its
# own configuration again), stopped by its PID, the lab's started again.
experimental_off() {
	local pid
	sed 's/"experimental": true/"experimental": false/' "$DMIG_LAB_DIR/b/etc/daemon.json" >"$TMP/daemon.json"
	grep -q '"experimental": false' "$TMP/daemon.json" || fail "no experimental setting to turn off"
	stop_b_dockerd
	B sh -c 'echo $$ > "$1"; exec dockerd --config-file "$2"' sh "$TMP/dockerd.pid" "$TMP/daemon.json" \
		</dev/null >"$TMP/dockerd.log" 2>&1 &
	wait_until 60 B curl -sf --max-time 1 --unix-socket /var/run/docker.sock http://d/_ping ||
		{ "$LABSH" start >/dev/null 2>&1; fail "B's dockerd without experimental mode does not start: $(tail -n 3 "$TMP/dockerd.log")"; }
	rc=0
	chk docker hostB >"$TMP/stdout" 2>"$TMP/stderr" || rc=$?
	pid=$(cat "$TMP/dockerd.pid")
	kill "$pid"
	wait_until 60 sh -c "! kill -0 $pid" || fail "the test's dockerd on B does not stop"
	"$LABSH" start >/dev/null 2>&1 || fail "B's dockerd does not start again"
	[ "$rc" = 3 ] || fail "exit $rc: $(cat "$TMP/stdout" "$TMP/stderr")"
	want checkpoint-api FAIL "on root@hostB:22: Docker at"
	want checkpoint-api FAIL "runs without experimental mode"
	B docker info -f '{{.ExperimentalBuild}}' | grep -qx true || fail "experimental mode is not back on B"
}

# CRIU on B: failing its check, older than 4.2,
# a CPU it says it cannot take; and a kernel of another version (a warning).
criu_there() {
	local e=$1 real
	unfake
	fake criu '[ -f '"$TMP"'/criu-mode ] && m=$(cat '"$TMP"'/criu-mode)
case "$m $1 $2" in
"check check "*) echo "Error (criu/vdso.c:1): vdso: Unexpected rt vDSO area bounds" >&2; exit 1 ;;
"old --version "*) echo "Version: 4.1.1"; exit 0 ;;
"cpu cpuinfo check") echo "Error (criu/cpu.c:1): cpu: CPU Feature avx512f mismatch" >&2; exit 1 ;;
esac
exec '"$TMP"'/real-criu "$@"'
	echo check >"$TMP/criu-mode"
	run_check 3 "$e" hostB
	want criu-there FAIL "CRIU fails 'criu check' on root@hostB:22"
	want criu-version skip "not checked: check 'criu-there' failed"
	want cpu skip "not checked: check 'criu-there' failed"
	echo old >"$TMP/criu-mode"
	run_check 3 "$e" hostB
	want criu-there ok "CRIU 4.1.1 on root@hostB:22 passes 'criu check'"
	want criu-version FAIL "CRIU on root@hostB:22 is older than 4.2 (--force to try anyway)"
	[ "$(chk "$e" --json hostB 2>/dev/null | jq -r '.[] | select(.check == "criu-version") | .skippable')" = true ] ||
		fail "criu-version is not skippable"
	echo cpu >"$TMP/criu-mode"
	run_check 3 "$e" hostB
	want cpu FAIL "the CPU of root@hostB:22 lacks what this host's has ('criu cpuinfo check' there: Error (criu/cpu.c:1): cpu: CPU Feature avx512f mismatch)"
	: >"$TMP/criu-mode"
	run_check 0 "$e" hostB
	want cpu ok
	real=$(uname -r)
	fake uname 'echo 9.9.9-other'
	run_check 0 "$e" hostB
	want kernel warn "$real here, 9.9.9-other on root@hostB:22"
	grep -q "checks passed, 1 with a warning$" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	unfake
}

# Podman's import takes the checkpoint in B's /var/tmp: a tiny tmpfs there.
disk_small() {
	local c=$P-podman-disk id
	run_ctr podman "$c" "$IMAGE" counter /data/log 16 50
	wait_until 10 podman exec "$c" test -s /data/log
	id=$(podman inspect -f '{{.Id}}' "$c")
	B mount -t tmpfs -o size=1m dmig-test-small /var/tmp
	rc=0
	chk podman hostB "$c" >"$TMP/stdout" 2>"$TMP/stderr" || rc=$?
	B umount /var/tmp
	[ "$rc" = 3 ] || fail "exit $rc: $(cat "$TMP/stdout" "$TMP/stderr")"
	want disk FAIL "at /var/tmp on root@hostB:22"
	want disk FAIL "make room there, or --force to try anyway"
	unchanged podman "$c" "$id"
}

# What the container needs there: its name free, its networks, volumes and
# bind sources; a bind from a symlink that CRIU there cannot restore.
target_lacks() {
	local e=$1 c=$P-$1-lack net=$P-$1-net dir=/run/$P-$1-only id
	ensure_image "$e"
	B bash "$TOP/scripts/test-image.sh" "$e" "$IMAGE" "$COUNTER" >/dev/null
	"$e" network create "$net" >/dev/null
	mkdir -p "$dir"
	track_vol "$c-data"
	track_ctr "$c"
	"$e" run -d --name "$c" --network "$net" -v "$c-data:/vol" -v "$dir:/only" "$IMAGE" counter /data/log 1 50 >/dev/null
	wait_until 10 "$e" exec "$c" test -s /data/log
	id=$("$e" inspect -f '{{.Id}}' "$c")
	B "$e" run -d --name "$c" --network none "$IMAGE" sleep 1000 >/dev/null
	B "$e" volume create "$c-data" >/dev/null
	run_check 3 "$e" hostB "$c"
	want name FAIL "a container named '$c' exists on root@hostB:22 already"
	want networks FAIL "container '$c' is on network '$net', which root@hostB:22 lacks: create it there first"
	want volumes FAIL "volume '$c-data' exists on root@hostB:22 already: dmig will not overwrite it"
	want binds FAIL "bind mount source $dir does not exist on root@hostB:22"
	grep -q "4 of [0-9]* checks failed (name, binds, networks, volumes)" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	B "$e" rm -f "$c" >/dev/null
	B "$e" volume rm "$c-data" >/dev/null
	B "$e" network create "$net" >/dev/null
	# the same folder there as a symlink, which a CRIU without dmig's setup cannot restore
	B sh -c "mkdir -p $dir-real && ln -sfn $dir-real $dir"
	unfake
	fake criu '[ "$1" = --dmig-restore-compat ] && exit 1
exec '"$TMP"'/real-criu "$@"'
	run_check 3 "$e" hostB "$c"
	unfake
	want name ok
	want networks ok "on network $net, there on root@hostB:22"
	want volumes ok
	want binds ok
	want bind-links FAIL "bind mount source $dir is a symlink on root@hostB:22, which CRIU cannot restore"
	run_check 0 "$e" hostB "$c"
	want bind-links ok "CRIU on root@hostB:22 restores the binds from symlinks there"
	[ "$("$e" inspect -f '{{.Id}} {{.State.Running}}' "$c")" = "$id true" ] || fail "the container changed"
	! B "$e" container inspect "$c" >/dev/null 2>&1 || fail "a container '$c' is on host B"
	rm_ctr "$e" "$c"
	"$e" network rm "$net" >/dev/null
	B "$e" network rm "$net" >/dev/null
	B rm -rf "$dir" "$dir-real"
	rmdir "$dir"
}

# What CRIU cannot carry, found on the live container here: a terminal, a
# paused one, an open TCP connection (Docker), a unix socket connected to a
# daemon outside it, a device open; an operation of dmig's cut short.
cannot_carry() {
	local e=$1 c=$P-$1-cc id sock=/run/$P-$1-sock img pid
	ensure_image "$e"
	run_ctr "$e" "$c-tty" -t "$IMAGE" counter /data/log 1 50
	run_check 3 "$e" hostB "$c-tty"
	want tty FAIL "container '$c-tty' has a terminal (-t)"
	run_ctr "$e" "$c-paused" "$IMAGE" counter /data/log 1 50
	"$e" pause "$c-paused" >/dev/null
	run_check 3 "$e" hostB "$c-paused"
	want state FAIL "container '$c-paused' is paused"
	[ "$("$e" inspect -f '{{.State.Status}}' "$c-paused")" = paused ] || fail "no longer paused"
	if [ "$e" = docker ]; then
		run_ctr docker "$c-tcp" "$IMAGE" sh -c \
			'nc -l -p 9000 </dev/zero >/dev/null & sleep 0.5; nc 127.0.0.1 9000 </dev/zero >/dev/null & exec counter /data/log 1 50'
		wait_until 10 sh -c "docker exec $c-tcp cat /proc/net/tcp | awk '\$4 == \"01\"' | grep -q ."
		run_check 3 docker hostB "$c-tcp"
		want tcp FAIL "has 2 open TCP connections"
	fi
	# a daemon's socket bound in, and a client in the container connected to it
	mkdir -p "$sock"
	setsid /usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1); c, _ = s.accept(); time.sleep(600)' "$sock/daemon.sock" \
		</dev/null >/dev/null 2>&1 &
	echo $! >"$TMP/daemon.pid"
	wait_until 10 test -S "$sock/daemon.sock"
	img=$("$TOP/scripts/real-image.sh" "$e")
	run_ctr "$e" "$c-unix" -v "$sock:/sock" "$img" python3 -c 'import socket, time
s = socket.socket(socket.AF_UNIX); s.connect("/sock/daemon.sock"); time.sleep(600)'
	pid=$("$e" inspect -f '{{.State.Pid}}' "$c-unix")
	wait_until 20 sh -c "ls -l /proc/$pid/fd 2>/dev/null | grep -q socket:" || fail "the client holds no socket"
	sleep 0.5 # and has connected
	run_check 3 "$e" hostB "$c-unix"
	kill "$(cat "$TMP/daemon.pid")" 2>/dev/null || true
	want unix-sockets FAIL "container '$c-unix' has 1 unix socket connected to a process outside it (the first: $sock/daemon.sock)"
	rm_ctr "$e" "$c-unix"
	rm -rf "$sock"
	# /dev/kmsg open (for writing, which takes no capability)
	run_ctr "$e" "$c-dev" --device /dev/kmsg "$IMAGE" sh -c 'exec 3>/dev/kmsg; exec counter /data/log 1 50'
	wait_until 10 "$e" exec "$c-dev" test -s /data/log
	run_check 3 "$e" hostB "$c-dev"
	want fds FAIL "has 1 open file CRIU cannot checkpoint (the first: /dev/kmsg (character device 1:11)"
	# a journal left by a killed dmig: a warning, the check changes nothing
	run_ctr "$e" "$c" "$IMAGE" counter /data/log 1 50
	id=$("$e" inspect -f '{{.Id}}' "$c")
	mkdir -p "$TMP/journal/$e"
	echo '{"op":"move","phase":"freeze","engine":"'"$e"'","container":"'"$c"'","target":"hostB"}' >"$TMP/journal/$e/$c.json"
	DMIG_JOURNAL_DIR=$TMP/journal run_check 0 "$e" hostB "$c"
	want journal warn "a move to hostB"
	want journal warn "'dmig recover $c'"
	[ -e "$TMP/journal/$e/$c.json" ] || fail "the check removed the journal"
	unchanged "$e" "$c" "$id"
	for x in tty paused tcp dev; do rm_ctr "$e" "$c-$x"; done
}

# A move runs the same checks first: refused on a FAIL with nothing
# changed (the CPU, faked on B); --force goes on past that one, saying so on
# a line of its own, and the move is done.
move_checks() {
	local e=$1 c=$P-$1-mv id
	ensure_image "$e"
	B bash "$TOP/scripts/test-image.sh" "$e" "$IMAGE" "$COUNTER" >/dev/null
	run_ctr "$e" "$c" "$IMAGE" counter /data/log 4 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	id=$("$e" inspect -f '{{.Id}}' "$c")
	unfake
	fake criu '[ "$1 $2" = "cpuinfo check" ] && { echo "Error (criu/cpu.c:1): cpu: CPU Feature avx512f mismatch" >&2; exit 1; }
exec '"$TMP"'/real-criu "$@"'
	expect_exit 3 move_on "$e" "$c" hostB
	grep -q "move refused, nothing was changed: the CPU of root@hostB:22 lacks what this host's has" "$TMP/stderr" ||
		fail "$(cat "$TMP/stderr")"
	unchanged "$e" "$c" "$id"
	move_on "$e" --force "$c" hostB >/dev/null 2>"$TMP/stderr" || { unfake; fail "--force: $(cat "$TMP/stderr")"; }
	unfake
	[ "$(grep -c "^dmig: warning: --force: check 'cpu' skipped: " "$TMP/stderr")" = 1 ] || fail "$(cat "$TMP/stderr")"
	[ "$(grep -vc "^dmig: warning: --force: check" "$TMP/stderr")" = 1 ] || fail "$(cat "$TMP/stderr")"
	grep -q "^dmig: moved $c to hostB" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	[ "$(B "$e" inspect -f '{{.State.Running}}' "$c")" = true ] || fail "not running on B"
}

for e in ${DMIG_ENGINES:-docker podman}; do
	ensure_image "$e"
	t "$e check: the host's checks pass on B, text and --json" host_passes "$e"
	t "$e check: a container's checks pass, nothing changed" container_passes "$e"
	t "$e check: an image B lacks is to be shipped" image_shippable "$e"
	t "$e check: an unknown host key fails ssh, what needs it is skipped" ssh_fails "$e"
	t "$e check: B's engine stopped, an engine of the other kind" engine_fails "$e"
	[ "$e" = podman ] || t "docker check: experimental mode off on B" experimental_off
	t "$e check: CRIU on B fails its check, is too old, refuses the CPU; another kernel warns" criu_there "$e"
	[ "$e" = docker ] || t "podman check: a tiny /var/tmp on B" disk_small
	t "$e check: name taken, network, volume, bind source, bind from a symlink" target_lacks "$e"
	t "$e check: a terminal, paused, TCP, a unix socket outside, a device, a journal" cannot_carry "$e"
	t "$e move: refused by a check, nothing changed; --force goes past a skippable one" move_checks "$e"
done
