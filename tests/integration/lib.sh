# Shared by the integration tests (sourced). Every container, volume and
# file a test makes has this run's unique prefix and is removed at exit;
# nothing else is touched.
set -uo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DMIG=${DMIG:-$TOP/dmig}
COUNTER=$TOP/build/tests/counter
IMAGE=dmig-test-counter:2
P=dmigt$$ # unique prefix for this run
STORE=$(mktemp -d /tmp/dmig-test-store.XXXXXX)
TMP=$(mktemp -d /tmp/dmig-test.XXXXXX)
# the run's own signing key (made by its first snapshot), never the host's
export DMIG_KEY_DIR=$TMP/keys
# What the tests made, one name a line: files, since each test runs in a
# subshell and the cleanup runs in this shell.
MADE_CTRS=$TMP/made-containers MADE_VOLS=$TMP/made-volumes MADE_IMGS=$TMP/made-images
: >"$MADE_CTRS"
: >"$MADE_VOLS"
: >"$MADE_IMGS"
NTEST=0

sock_of() { case $1 in docker) echo /var/run/docker.sock ;; podman) echo /run/podman/podman.sock ;; esac; }

# dm ENGINE ARGS...: dmig on that engine with this run's store.
dm() {
	local e=$1
	shift
	"$DMIG" -H "unix://$(sock_of "$e")" --store "$STORE" "$@"
}

# rm_ctr ENGINE NAME: remove at once (the counter ignores SIGTERM as PID 1).
rm_ctr() {
	if [ "$1" = podman ]; then podman rm -f -t 0 "$2" >/dev/null 2>&1; else docker rm -f "$2" >/dev/null 2>&1; fi
}

cleanup() {
	local e c v
	for e in docker podman; do
		command -v "$e" >/dev/null || continue
		while read -r c; do
			# also the aside copies a failed rollback could leave
			for n in $("$e" ps -a --format '{{.Names}}' 2>/dev/null | grep -x -- "$c\(-dmig-old-.*\)\?"); do
				rm_ctr "$e" "$n"
			done
		done <"$MADE_CTRS"
		while read -r v; do "$e" volume rm -f "$v" >/dev/null 2>&1; done <"$MADE_VOLS"
		while read -r i; do "$e" rmi -f "$i" >/dev/null 2>&1; done <"$MADE_IMGS"
	done
	for m in "$TMP"/small-*; do mountpoint -q "$m" 2>/dev/null && umount "$m"; done
	# the journals a test left on purpose (a move that lost its container
	# keeps one, the way back; its container is gone now)
	rm -f /var/lib/dmig/journal/docker/"$P"-*.json /var/lib/dmig/journal/podman/"$P"-*.json
	rm -rf "$STORE" "$TMP"
}
trap cleanup EXIT
# a test file stopped by a signal (its deadline, ^C) still cleans up: the
# EXIT trap (this one, or the file's own) runs on the way out
trap 'exit 143' TERM
trap 'exit 130' INT

# use_lab: this test file moves containers to the lab's hosts: start them if
# need be and use the lab's ssh config; B and C run a command on host B, C.
use_lab() {
	LABSH=$TOP/scripts/lab.sh
	"$LABSH" start >/dev/null 2>&1 || true
	eval "$("$LABSH" env)"
	export DMIG_SSH_CONFIG
}
B() { "$LABSH" exec "$@"; }
C() { "$LABSH" exec-c "$@"; }

# use_target b|d: the lab host a move test moves to (DMIG_MOVE_TARGET: B,
# Debian 12's engines, or D, Debian testing's). Sets TARGET (its alias
# here), B (a function running a command there), TDMIG and TSSH (dmig and
# the ssh config a move from there uses: D's own build of dmig, made by
# build_on_d), TROOT (its root file system as seen from here), TLINK (this
# host's end of the link to it); engine_pid ENGINE (the target engine's PID
# here) and engines_back (its engines started again if one was stopped).
use_target() {
	TGT=$1
	case $TGT in
	b)
		TARGET=hostB TDMIG=$DMIG TSSH=$DMIG_LAB_B_SSH_CONFIG TROOT= TLINK=dmiglab-a TEXEC=exec
		TADDR=$DMIG_LAB_ADDR TTOP=$TOP
		export TLINK
		engine_pid() { cat "$DMIG_LAB_DIR/pids/$(engine_daemon "$1")"; }
		engines_back() { "$LABSH" start >/dev/null 2>&1; }
		;;
	d)
		# D stops again at the end when this started it (stop_target)
		case $("$LABSH" env) in *DMIG_LAB_D_PID=*) D_WAS_UP=1 ;; *) D_WAS_UP=0 ;; esac
		"$LABSH" start-d >/dev/null 2>&1 || {
			echo "not ok - lab host D does not start (scripts/lab.sh start-d)"
			exit 1
		}
		eval "$("$LABSH" env)"
		export TLINK
		TARGET=hostD TDMIG=/root/$P-build/dmig TSSH=$DMIG_LAB_D_SSH_CONFIG TROOT=/proc/$DMIG_LAB_D_PID/root TLINK=dmiglab-ad
		TEXEC=exec-d TADDR=$DMIG_LAB_D_ADDR TTOP=/root/$P-build
		B() { "$LABSH" exec-d "$@"; }
		engine_pid() { cut -d' ' -f1 "$DMIG_LAB_DIR/d/pids/$(engine_daemon "$1")"; }
		engines_back() { "$LABSH" start-d >/dev/null 2>&1; }
		;;
	esac
}
stop_target() { [ "$TGT" = b ] || [ "${D_WAS_UP:-1}" = 1 ] || "$LABSH" stop-d >/dev/null 2>&1; }
engine_daemon() { if [ "$1" = docker ]; then echo dockerd; else echo podman; fi; }

# build_on_d: this checkout's dmig built on host D (its compilers and
# libraries) at /root/$P-build, and the test image made in D's engines
build_on_d() {
	local out
	(cd "$TOP" && git ls-files -co --exclude-standard -z | tar --null -T - -c) |
		B sh -c 'rm -rf "$1" && mkdir -p -m 0700 "$1" && tar -C "$1" -x' sh "/root/$P-build"
	out=$(B sh -c 'cd "$1" && make -s -j4 dmig build/tests/counter 2>&1 &&
		for e in docker podman; do scripts/test-image.sh "$e" "$2" build/tests/counter 2>&1 || exit 1; done' \
		sh "/root/$P-build" "$IMAGE") || {
		echo "not ok - dmig, the counter or the test image do not build on D: $(echo "$out" | tail -n 5)"
		exit 1
	}
}

# lab_cleanup B|C: on a lab host (a function running its commands there),
# remove what this run made: containers, volumes, images and networks with
# its prefix.
lab_cleanup() {
	local h=$1 e n
	for e in docker podman; do
		while read -r n; do
			[ -n "$n" ] || continue
			if [ "$e" = podman ]; then $h podman rm -f -t 0 "$n" >/dev/null 2>&1; else $h docker rm -f "$n" >/dev/null 2>&1; fi
		done < <($h "$e" ps -a --format '{{.Names}}' 2>/dev/null | grep "^$P")
		while read -r n; do
			[ -n "$n" ] && $h "$e" volume rm -f "$n" >/dev/null 2>&1
		done < <($h "$e" volume ls -q 2>/dev/null | grep "^$P")
		while read -r n; do
			[ -n "$n" ] && $h "$e" rmi -f "$n" >/dev/null 2>&1
		done < <($h "$e" images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep "^\(localhost/\)\?$P")
		while read -r n; do
			[ -n "$n" ] && $h "$e" network rm "$n" >/dev/null 2>&1
		done < <($h "$e" network ls --format '{{.Name}}' 2>/dev/null | grep "^$P")
	done
}

ensure_image() { "$TOP/scripts/test-image.sh" "$1" "$IMAGE" "$COUNTER"; }

# run_ctr ENGINE NAME [engine run options...] -- CMD...: start a test container.
run_ctr() {
	local e=$1 name=$2
	shift 2
	echo "$name" >>"$MADE_CTRS"
	"$e" run -d --name "$name" --network none "$@" >/dev/null
}
track_ctr() { echo "$1" >>"$MADE_CTRS"; }
track_vol() { echo "$1" >>"$MADE_VOLS"; }
track_img() { echo "$1" >>"$MADE_IMGS"; }

# Test bookkeeping: t NAME FUNC runs FUNC in a subshell with set -e.
t() {
	local name=$1
	shift
	# DMIG_T=pattern runs only the matching tests (for development)
	[ -n "${DMIG_T:-}" ] && [[ $name != *${DMIG_T}* ]] && return 0
	NTEST=$((NTEST + 1))
	# Not in an if: errexit must stay on inside the subshell.
	(
		set -e
		"$@"
	) >"$TMP/out" 2>&1
	if [ $? -eq 0 ]; then
		echo "ok $NTEST - $name"
		[ -z "${DMIG_TEST_VERBOSE:-}" ] || sed 's/^/#   /' "$TMP/out"
	else
		echo "not ok $NTEST - $name"
		sed 's/^/#   /' "$TMP/out" | tail -n 40
		return 1
	fi
}

# tm FAULT PHASE ENGINE OUTCOME NAME FUNC...: a test of a fault, which also
# fills a cell of make check's fault matrix (DMIG_MATRIX, a file): what the
# test asserts (OUTCOME) when it passed, FAILED when not.
tm() {
	local fault=$1 phase=$2 engine=$3 outcome=$4 r=0
	shift 4
	[ -n "${DMIG_T:-}" ] && [[ $1 != *${DMIG_T}* ]] && return 0
	t "$@" || r=1
	[ -z "${DMIG_MATRIX:-}" ] || printf '%s|%s|%s|%s\n' "$fault" "$phase" "$engine" \
		"$([ $r = 0 ] && echo "$outcome" || echo "FAILED: $1")" >>"$DMIG_MATRIX"
	return $r
}
# fail MESSAGE: end the test (each runs in its own subshell) as failed.
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# wait_until SECONDS CMD...: poll CMD until it succeeds.
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}

# log_consecutive ENGINE CTR FILE: the count lines are 1..N with no gap or
# repeat; prints N.
log_consecutive() {
	"$1" exec "$2" cat "$3" | awk '/^[0-9]+$/ { if ($1 != p + 1) { print "gap or repeat after " p ": " $1 > "/dev/stderr"; bad = 1 } p = $1 } END { print p; exit bad }'
}

last_count() { "$1" exec "$2" sh -c "grep -E '^[0-9]+\$' $3 | tail -n 1"; }

# check_pattern ENGINE CTR FILE: ask the counter (PID 1) to verify its memory.
check_pattern() {
	local before
	before=$("$1" exec "$2" grep -c pattern "$3" || true)
	"$1" exec "$2" kill -USR1 1
	wait_until 10 sh -c "[ \$($1 exec $2 grep -c pattern $3) -gt $before ]" || fail "no pattern answer"
	[ "$("$1" exec "$2" grep pattern "$3" | tail -n 1)" = "pattern ok" ] || fail "memory pattern does not verify: $("$1" exec "$2" grep pattern "$3")"
}

# same_config BEFORE AFTER: two `inspect` outputs (files) of one container,
# before and after dmig made it anew (rollback, move), have the same Config
# and HostConfig. IDs and times are outside those two; the one field that
# must differ inside them: HostConfig.LogConfig.Path (Podman), the log file
# in the new container's own folder, which is named by its new ID.
config_of() { jq -S '.[0] | {Config, HostConfig} | del(.HostConfig.LogConfig.Path)' "$1"; }
same_config() {
	local d
	d=$(diff <(config_of "$1") <(config_of "$2")) || fail "Config/HostConfig differ (< before, > after): $(echo "$d" | grep '^[<>]' | tr -s ' ' | tr '\n' ' ')"
	[ "$(config_of "$1" | jq '.Config.Image | length')" -gt 0 ] || fail "no Config.Image in $1"
}

# expect_exit CODE CMD...: run CMD, require exit CODE and a one-line stderr.
expect_exit() {
	local want=$1 rc=0
	shift
	"$@" >"$TMP/stdout" 2>"$TMP/stderr" || rc=$?
	[ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want: $(cat "$TMP/stderr")"
	[ "$(wc -l <"$TMP/stderr")" -eq 1 ] || fail "expected one line on stderr, got: $(cat "$TMP/stderr")"
	grep -q '^dmig: ' "$TMP/stderr" || fail "stderr does not start with 'dmig: ': $(cat "$TMP/stderr")"
}
