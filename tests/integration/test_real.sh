#!/usr/bin/env bash
# Real programs in an image made the way users make images (debootstrap +
# apt-get + import, scripts/real-image.sh): stock PostgreSQL 15 with its
# data on a named volume (0700 postgres) and its socket in /run/postgresql
# on the writable layer, one client session writing rows through it; nginx
# and python3's http.server. Moved to the lab's host B and rolled back.
# Then the shapes users give containers: --init (compose's init: true), a
# bind mount from a symlink, Podman's --uidmap, a non-root one.
. "$(dirname "$0")/lib.sh"
use_lab
trap 'lab_cleanup B; cleanup' EXIT

move_on() { "$DMIG" -H "unix://$(sock_of "$1")" --store "$STORE" move "${@:2}"; }

real_image() { "$TOP/scripts/real-image.sh" "$1"; }

# pg_state CTR RUNNER...: "postmaster session alive rows max min mode comm":
# the postmaster's PID, the client session's backend PID and whether that
# backend still serves (1), the table's row count, largest and smallest
# number, the data folder's mode:owner and the postmaster's program name.
pg_state() {
	local c=$1
	shift
	"$@" exec "$c" bash -c '
		q() { psql -X -U postgres -h /run/postgresql -At -F" " -c "$1"; }
		pm=$(head -n 1 /var/lib/postgresql/data/postmaster.pid)
		s=$(head -n 1 /tmp/session)
		echo "$pm $s $(q "select count(*) from pg_stat_activity where pid = $s") $(q "select count(*), coalesce(max(n), 0), coalesce(min(n), 0) from t") $(stat -c %a:%U /var/lib/postgresql/data) $(cat /proc/$pm/comm)"'
}
pg_rows() { pg_state "$@" | awk '{ print $4 }'; }
pg_ready() { [ "$(pg_rows "$@" 2>/dev/null)" -ge 20 ] 2>/dev/null; }

# pg_start ENGINE NAME VOLUME: the PostgreSQL container, its session writing
pg_start() {
	local img
	img=$(real_image "$1")
	track_vol "$3"
	run_ctr "$1" "$2" -v "$3:/var/lib/postgresql/data" "$img" dmig-pg-entry
	wait_until 90 pg_ready "$2" "$1" || fail "postgres did not start: $("$1" logs "$2" 2>&1 | tail -n 5)"
}

# pg_intact BEFORE AFTER: the same postmaster and session, alive; no row
# lost, no gap; the data folder as PostgreSQL wants it.
pg_intact() {
	local pm s alive rows max min mode comm pm2 s2 alive2 rows2 max2 min2 mode2 comm2
	read -r pm s alive rows max min mode comm <<<"$1"
	read -r pm2 s2 alive2 rows2 max2 min2 mode2 comm2 <<<"$2"
	echo "before: $1" >&2
	echo "after:  $2" >&2
	[ "$pm2" = "$pm" ] && [ "$comm2" = postgres ] || fail "another postmaster: $pm -> $pm2 ($comm2)"
	[ "$s2" = "$s" ] && [ "$alive2" = 1 ] || fail "the client session did not survive: backend $s -> $s2, alive $alive2"
	[ "$rows2" = "$max2" ] && [ "$min2" = 1 ] || fail "rows with a gap: $rows2 rows, 1..$max2 expected (min $min2)"
	[ "$mode2" = 700:postgres ] || fail "data folder is $mode2, expected 700:postgres"
}

# pg_goes_on CTR RUNNER...: the session keeps writing, a new connection
# through the recreated socket works.
pg_goes_on() {
	local c=$1 a b
	shift
	a=$(pg_rows "$c" "$@")
	sleep 1
	b=$(pg_rows "$c" "$@")
	[ "$b" -gt "$a" ] || fail "the session no longer writes ($a -> $b rows)"
	"$@" exec "$c" test -S /run/postgresql/.s.PGSQL.5432 || fail "no socket in /run/postgresql"
}

postgres_move() {
	local e=$1 c=$P-$1-pg before after
	pg_start "$e" "$c" "$c-data"
	before=$(pg_state "$c" "$e")
	move_on "$e" "$c" hostB >/dev/null
	after=$(pg_state "$c" B "$e")
	pg_intact "$before" "$after"
	[ "$(echo "$after" | awk '{ print $5 }')" -ge "$(echo "$before" | awk '{ print $5 }')" ] || fail "rows lost"
	pg_goes_on "$c" B "$e"
	! "$e" container inspect "$c" >/dev/null 2>&1 || fail "the source container is still here"
}

postgres_rollback() {
	local e=$1 c=$P-$1-pgrb ref before after
	pg_start "$e" "$c" "$c-data"
	ref=$(dm "$e" snapshot "$c")
	before=$(pg_state "$c" "$e")
	"$e" exec "$c" psql -X -q -U postgres -h /run/postgresql -c 'insert into t values (-1)'
	sleep 1
	dm "$e" rollback "$ref" >/dev/null
	after=$(pg_state "$c" "$e")
	# min 1: the row written after the snapshot is gone
	pg_intact "$before" "$after"
	pg_goes_on "$c" "$e"
}

# web CTR RUNNER...: what nginx and python3's http.server answer on the
# container's loopback, and nginx's master PID
web() {
	local c=$1
	shift
	"$@" exec "$c" python3 -c '
import urllib.request as u
print(open("/run/nginx.pid").read().strip(), *(u.urlopen("http://127.0.0.1:%d/index.html" % p, timeout=5).read().decode().strip() for p in (8080, 8081)))'
}

web_move() {
	local e=$1 c=$P-$1-web img before after
	img=$(real_image "$e")
	run_ctr "$e" "$c" "$img" bash -c \
		'nginx -g "daemon off;" & cd /var/www/html && python3 -m http.server --bind 127.0.0.1 8081 & wait'
	wait_until 30 web "$c" "$e" || fail "the servers did not start"
	before=$(web "$c" "$e")
	move_on "$e" "$c" hostB >/dev/null
	after=$(web "$c" B "$e") || fail "no answer on host B"
	[ "$after" = "$before" ] || fail "on B: '$after', before: '$before'"
	[ "${after#* }" = "served by nginx served by nginx" ] || fail "answers: $after"
}

# --init: the engine binds its init (docker-init, catatonit: links on
# Debian, which make setup points the engines past) into the container.
with_init() {
	local e=$1 c=$P-$1-init ref
	ensure_image "$e"
	run_ctr "$e" "$c" --init "$IMAGE" counter /data/log 16 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	ref=$(dm "$e" snapshot "$c")
	sleep 0.5
	dm "$e" rollback "$ref" >/dev/null
	[ "$("$e" inspect -f '{{.HostConfig.Init}}' "$c")" = true ] || fail "--init lost by the rollback"
	"$e" exec "$c" sh -c 'ps | grep -q -e docker-init -e catatonit' || fail "the init runs no more: $("$e" exec "$c" ps)"
	sleep 0.5
	log_consecutive "$e" "$c" /data/log >/dev/null || fail "gap after the rollback"
	check_pattern "$e" "$c" /data/log
	move_on "$e" "$c" hostB >/dev/null
	[ "$(B "$e" inspect -f '{{.HostConfig.Init}}' "$c")" = true ] || fail "--init lost by the move"
	sleep 0.5
	B "$e" exec "$c" cat /data/log | awk '/^[0-9]+$/ { if ($1 != p + 1) exit 1; p = $1 }' || fail "gap after the move"
}

# A bind mount from a symlink (here, and the same path a symlink on B,
# which has a /run of its own): CRIU 4's mount engine cannot restore one;
# with dmig's setup restores use the older one. Snapshot, rollback, move.
symlinked_bind() {
	local e=$1 c=$P-$1-ln src=/run/$P-$1-bind ref binds
	ensure_image "$e"
	mkdir -p "$src-real"
	ln -s "$src-real" "$src"
	B sh -c "mkdir -p $src-real && ln -s $src-real $src"
	echo here >"$src-real/f"
	echo there | B tee "$src-real/f" >/dev/null
	run_ctr "$e" "$c" -v "$src:/bound" "$IMAGE" counter /data/log 16 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	ref=$(dm "$e" snapshot "$c")
	sleep 0.5
	dm "$e" rollback "$ref" >/dev/null
	[ "$("$e" exec "$c" cat /bound/f)" = here ] || fail "the bind is not the link's target after the rollback"
	sleep 0.3
	log_consecutive "$e" "$c" /data/log >/dev/null || fail "gap after the rollback"
	check_pattern "$e" "$c" /data/log
	binds=$("$e" inspect -f '{{json .HostConfig.Binds}}' "$c")
	echo "$binds" | grep -q "\"$src:/bound" || fail "Binds changed by the rollback: $binds"
	move_on "$e" "$c" hostB >/dev/null
	[ "$(B "$e" exec "$c" cat /bound/f)" = there ] || fail "the bind on B is not B's folder"
	[ "$(B "$e" inspect -f '{{json .HostConfig.Binds}}' "$c")" = "$binds" ] || fail "Binds changed by the move: $(B "$e" inspect -f '{{json .HostConfig.Binds}}' "$c")"
	lab_cleanup B
	rm -rf "$src" "$src-real"
	B rm -rf "$src" "$src-real"
}

# Where CRIU cannot restore a bind from a symlink (a host without dmig's
# setup; here a criu in PATH that says so), it is refused before the
# freeze, and the container runs on untouched.
symlinked_bind_refused() {
	local e=$1 c=$P-$1-lnr
	ensure_image "$e"
	mkdir -p "$TMP/bind-real" "$TMP/nocompat"
	ln -sfn "$TMP/bind-real" "$TMP/bind-link"
	printf '#!/bin/sh\n[ "$1" = --dmig-restore-compat ] && exit 1\nexec /usr/local/sbin/criu "$@"\n' >"$TMP/nocompat/criu"
	chmod 755 "$TMP/nocompat/criu"
	run_ctr "$e" "$c" -v "$TMP/bind-link:/bound" "$IMAGE" counter /data/log 16 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	PATH=$TMP/nocompat:$PATH expect_exit 3 dm "$e" snapshot "$c"
	grep -q "symlink to $TMP/bind-real" "$TMP/stderr" || fail "the reason is not told: $(cat "$TMP/stderr")"
	[ "$("$e" inspect -f '{{.State.Running}}' "$c")" = true ] || fail "not running"
	[ -z "$(dm "$e" list --json "$c" | jq -r '.[].name')" ] || fail "a snapshot was written"
	sleep 0.3
	log_consecutive "$e" "$c" /data/log >/dev/null || fail "the count has a gap"
}

# Podman --uidmap: CRIU cannot read its images back in the container's
# user namespace. Refused before the freeze; it runs on.
uidmap() {
	local c=$P-podman-uid
	ensure_image podman
	run_ctr podman "$c" --uidmap 0:100000:65536 --gidmap 0:100000:65536 "$IMAGE" counter /data/log 16 50
	wait_until 10 podman exec "$c" test -s /data/log
	expect_exit 3 dm podman snapshot "$c"
	grep -q 'user namespace' "$TMP/stderr" || fail "the reason is not told: $(cat "$TMP/stderr")"
	expect_exit 3 move_on podman "$c" hostB
	[ "$(podman inspect -f '{{.State.Running}}' "$c")" = true ] || fail "not running"
	sleep 0.3
	log_consecutive podman "$c" /data/log >/dev/null || fail "the count has a gap"
}

# A container whose processes run as another user: real hosts checkpoint
# it; this sandbox's CRIU cannot (no CAP_SYS_RESOURCE). Either way the word
# is right: moved, or refused by CRIU here, said as the source's failure
# with CRIU's own line, and it runs on.
non_root() {
	local e=$1 c=$P-$1-user rc=0
	ensure_image "$e"
	run_ctr "$e" "$c" --user 1000 --tmpfs /scratch:mode=1777 "$IMAGE" counter /scratch/log 16 50
	wait_until 10 "$e" exec "$c" test -s /scratch/log
	move_on "$e" "$c" hostB >/dev/null 2>"$TMP/err" || rc=$?
	if [ "$rc" = 0 ]; then
		B "$e" exec "$c" test -s /scratch/log || fail "moved, but not running on B"
		return 0
	fi
	[ "$rc" = 1 ] || fail "exit $rc: $(cat "$TMP/err")"
	! grep -q 'on root@' "$TMP/err" || fail "a failure here is told as the target's: $(cat "$TMP/err")"
	grep -q 'CRIU: Error (' "$TMP/err" || fail "CRIU's error is not quoted: $(cat "$TMP/err")"
	[ "$("$e" inspect -f '{{.State.Running}}' "$c")" = true ] || fail "not running here"
	! B "$e" container inspect "$c" >/dev/null 2>&1 || fail "something was left on B"
	sleep 0.3
	log_consecutive "$e" "$c" /scratch/log >/dev/null || fail "the count has a gap"
}

for e in ${DMIG_ENGINES:-docker podman}; do
	t "$e: a non-root container moves, or CRIU's refusal is quoted as this host's" non_root "$e"
	t "$e: --init snapshots, rolls back and moves" with_init "$e"
	t "$e: a bind mount from a symlink snapshots, rolls back and moves" symlinked_bind "$e"
	t "$e: where CRIU cannot restore a bind from a symlink, refused before the freeze" symlinked_bind_refused "$e"
	t "$e: postgres moved to B: same postmaster and session, no row lost, data folder 0700" postgres_move "$e"
	t "$e: postgres rolled back: same postmaster and session, later rows gone" postgres_rollback "$e"
	t "$e: nginx and python3 answer on B after a move" web_move "$e"
done
[[ " ${DMIG_ENGINES:-docker podman} " == *" podman "* ]] && t "podman: --uidmap is refused before the freeze, runs on" uidmap
