#!/usr/bin/env bash
# A bundle is data, never authority: a snapshot whose manifest was rewritten
# (another container, a volume it does not mount, a config with more power
# than the container has) is refused with exit 3 and one line naming what,
# before anything changes: the container runs on with the same ID, no
# safety snapshot, no bind source made on the host. --trust-config takes it.
. "$(dirname "$0")/lib.sh"

REWRITE=$TOP/tests/helpers/rewrite-bundle.sh

# base ENGINE CTR: a running counter container and its snapshot "base".
base() {
	local e=$1 c=$2
	run_ctr "$e" "$c" "$IMAGE" counter /data/log 4 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	dm "$e" snapshot --name base "$c" >/dev/null
}

# hostile ENGINE CTR NAME FILTER [JQ-ARGS...]: snapshot NAME of CTR, a copy
# of "base" whose manifest is jq's FILTER of base's (and calls itself NAME).
hostile() {
	local e=$1 c=$2 n=$3 f=$4
	shift 4
	"$REWRITE" "$STORE/$e/$c/base.dmig" "$STORE/$e/$c/$n.dmig" ".name = \$name | $f" --arg name "$n" "$@"
}

# refused ENGINE CTR NAME SAYS: rollback to NAME exits 3 with one line that
# says SAYS and names --trust-config (unless NOTRUST=1), and CTR is as it was.
refused() {
	local e=$1 c=$2 n=$3 says=$4 was
	was=$("$e" inspect -f '{{.Id}} {{.State.Running}} {{.HostConfig.RestartPolicy.Name}}' "$c")
	expect_exit 3 dm "$e" rollback "$c@$n"
	grep -qF -- "$says" "$TMP/stderr" || fail "stderr does not say '$says': $(cat "$TMP/stderr")"
	[ "${NOTRUST:-0}" = 1 ] || grep -qF -- "--trust-config accepts it" "$TMP/stderr" ||
		fail "stderr does not name --trust-config: $(cat "$TMP/stderr")"
	[ "$("$e" inspect -f '{{.Id}} {{.State.Running}} {{.HostConfig.RestartPolicy.Name}}' "$c")" = "$was" ] ||
		fail "container changed: $was, now $("$e" inspect -f '{{.Id}} {{.State.Running}} {{.HostConfig.RestartPolicy.Name}}' "$c")"
	! "$e" ps -a --format '{{.Names}}' | grep -q -- "$c-dmig-old" || fail "the container was set aside"
	! ls "$STORE/$e/$c" | grep -q pre-rollback || fail "a safety snapshot was taken: $(ls "$STORE/$e/$c")"
	"$e" exec "$c" test ! -e /data/owned || fail "the hostile command ran"
}

other_container() {
	local e=$1 c=$P-$1-oc o=$P-$1-oc-other
	track_ctr "$o"
	base "$e" "$c"
	hostile "$e" "$c" evil '.container = $o | .config.Name = ("/" + $o)' --arg o "$o"
	NOTRUST=1 refused "$e" "$c" evil "is one of container '$o', not '$c'"
	! "$e" inspect "$o" >/dev/null 2>&1 || fail "container '$o' was made"
}

other_name() {
	local e=$1 c=$P-$1-on
	base "$e" "$c"
	hostile "$e" "$c" evil '.'
	"$REWRITE" "$STORE/$e/$c/evil.dmig" "$STORE/$e/$c/evil2.dmig" '.name = "base"'
	NOTRUST=1 refused "$e" "$c" evil2 "snapshot '$c@evil2' calls itself 'base'"
}

foreign_volume() {
	local e=$1 c=$P-$1-fv v=$P-$1-victim
	track_vol "$v"
	"$e" run --rm -v "$v:/v" "$IMAGE" sh -c 'echo precious > /v/keep'
	base "$e" "$c"
	hostile "$e" "$c" evil '.volumes = [$v]' --arg v "$v"
	refused "$e" "$c" evil "names volume '$v', which the container does not mount"
	[ "$("$e" run --rm -v "$v:/v" "$IMAGE" cat /v/keep)" = precious ] || fail "volume '$v' was emptied"
}

# Docker makes a missing bind source; a rollback wrote into the host's /tmp.
bind_tmp() {
	local e=$1 c=$P-$1-bt m=/tmp/$P-$1-bind-source
	base "$e" "$c"
	hostile "$e" "$c" evil '.config.HostConfig.Binds = [$m + ":/x", "/tmp:/y"]' --arg m "$m"
	refused "$e" "$c" evil "HostConfig.Binds adds '$m:/x'"
	[ ! -e "$m" ] || {
		rm -rf "$m"
		fail "bind source $m was made"
	}
	hostile "$e" "$c" evil2 '.config.HostConfig.Binds = ["/tmp:/x"]'
	refused "$e" "$c" evil2 "HostConfig.Binds adds '/tmp:/x'"
}

bind_mount() {
	local e=$1 c=$P-$1-bm
	base "$e" "$c"
	hostile "$e" "$c" evil '.config.HostConfig.Mounts = [{"Type": "bind", "Source": "/", "Target": "/host"}]'
	refused "$e" "$c" evil "HostConfig.Mounts adds"
}

restart_always() {
	local e=$1 c=$P-$1-ra
	base "$e" "$c"
	hostile "$e" "$c" evil '.config.HostConfig.RestartPolicy = {"Name": "always", "MaximumRetryCount": 0}'
	refused "$e" "$c" evil "HostConfig.RestartPolicy.Name is 'always'"
}

new_cmd() {
	local e=$1 c=$P-$1-nc
	base "$e" "$c"
	hostile "$e" "$c" evil '.config.Config.Cmd = ["sh", "-c", "touch /data/owned"]'
	refused "$e" "$c" evil "Config.Cmd is changed"
}

privileged() {
	local e=$1 c=$P-$1-pr
	base "$e" "$c"
	hostile "$e" "$c" evil '.config.HostConfig.Privileged = true'
	refused "$e" "$c" evil "HostConfig.Privileged is true"
}

pid_host() {
	local e=$1 c=$P-$1-ph
	base "$e" "$c"
	hostile "$e" "$c" evil '.config.HostConfig.PidMode = "host"'
	refused "$e" "$c" evil "HostConfig.PidMode is 'host'"
}

cap_add_all() {
	local e=$1 c=$P-$1-ca
	base "$e" "$c"
	hostile "$e" "$c" evil '.config.HostConfig.CapAdd = ["ALL"]'
	refused "$e" "$c" evil "HostConfig.CapAdd adds 'ALL'"
}

seccomp_unconfined() {
	local e=$1 c=$P-$1-su
	base "$e" "$c"
	hostile "$e" "$c" evil '.config.HostConfig.SecurityOpt = ((.config.HostConfig.SecurityOpt // []) + ["seccomp=unconfined"])'
	refused "$e" "$c" evil "HostConfig.SecurityOpt adds 'seccomp=unconfined'"
}

# Gone: the engine's defaults are the reference; nothing is made.
gone_strict() {
	local e=$1 c=$P-$1-gs m=/tmp/$P-$1-gone-source
	base "$e" "$c"
	hostile "$e" "$c" evil '.config.HostConfig.Binds = [$m + ":/x"]' --arg m "$m"
	rm_ctr "$e" "$c"
	expect_exit 3 dm "$e" rollback "$c@evil"
	grep -qF "HostConfig.Binds adds '$m:/x'" "$TMP/stderr" || fail "stderr: $(cat "$TMP/stderr")"
	grep -qF "the container is gone" "$TMP/stderr" || fail "stderr: $(cat "$TMP/stderr")"
	! "$e" inspect "$c" >/dev/null 2>&1 || fail "container '$c' was made"
	[ ! -e "$m" ] || {
		rm -rf "$m"
		fail "bind source $m was made"
	}
}

# A signed bundle whose manifest was changed on disk (its signature kept):
# refused as changed after it was signed, before anything changes, and
# --trust-config does not take it.
signed_changed() {
	local e=$1 c=$P-$1-sc
	base "$e" "$c"
	KEEP_SIG=1 hostile "$e" "$c" evil '.config.Config.Env += ["DMIG_TEST_OLD=1"]'
	NOTRUST=1 refused "$e" "$c" evil "changed after it was signed"
	expect_exit 3 dm "$e" rollback --trust-config "$c@evil"
	grep -qF "changed after it was signed" "$TMP/stderr" || fail "--trust-config took it: $(cat "$TMP/stderr")"
	dm "$e" list "$c" 2>/dev/null | grep -q "evil" && fail "list shows the changed bundle as a snapshot"
	true
}

# A snapshot signed by another host (its own key folder here): with the
# container gone, unknown key = the strict policy (a cap it added is
# refused); once that host's key is trusted it is the reference and rolls
# back, and list names the signer.
other_host() {
	local e=$1 c=$P-$1-oh other=$TMP/keys-$1-other
	run_ctr "$e" "$c" --cap-add SYS_PTRACE "$IMAGE" counter /data/log 4 50
	wait_until 10 "$e" exec "$c" test -s /data/log
	DMIG_KEY_DIR=$other dm "$e" snapshot --name there "$c" >/dev/null
	rm_ctr "$e" "$c"
	dm "$e" list "$c" >"$TMP/list" 2>&1
	grep -q "there" "$TMP/list" || fail "list: $(cat "$TMP/list")"
	expect_exit 3 dm "$e" rollback "$c@there"
	grep -qF "SYS_PTRACE" "$TMP/stderr" || fail "stderr: $(cat "$TMP/stderr")"
	! "$e" inspect "$c" >/dev/null 2>&1 || fail "container '$c' was made"
	mkdir -p -m 0700 "$DMIG_KEY_DIR/trusted"
	install -m 0600 "$other/host.pub" "$DMIG_KEY_DIR/trusted/hostother.pub"
	dm "$e" rollback "$c@there" >/dev/null 2>"$TMP/err" || fail "trusted: $(cat "$TMP/err")"
	[ "$("$e" inspect -f '{{.State.Running}}' "$c")" = true ] || fail "not running after the rollback"
	"$e" inspect -f '{{.HostConfig.CapAdd}}' "$c" | grep -q SYS_PTRACE || fail "CapAdd not restored"
	dm "$e" list "$c" 2>&1 | grep "there" | grep -q hostother || fail "list does not name the signer: $(dm "$e" list "$c" 2>&1)"
	rm -f "$DMIG_KEY_DIR/trusted/hostother.pub"
}

# Its own data (env, labels) is restored as the snapshot has it.
own_data_passes() {
	local e=$1 c=$P-$1-od
	base "$e" "$c"
	hostile "$e" "$c" older '.config.Config.Env += ["DMIG_TEST_OLD=1"] | .config.Config.Labels.dmigtest = "old"'
	dm "$e" rollback "$c@older" >/dev/null
	[ "$("$e" inspect -f '{{.State.Running}}' "$c")" = true ] || fail "not running after the rollback"
}

trust_config() {
	local e=$1 c=$P-$1-tc id edit='.config.Config.Cmd = ["counter", "/data/other", "4", "50"]'
	# Podman runs its export's command (spec.dump), which must match the
	# config even when it is trusted: another health check instead
	[ "$e" = podman ] && edit='.config.Config.Healthcheck = {"Test": ["CMD-SHELL", "true"]}'
	base "$e" "$c"
	hostile "$e" "$c" evil "$edit"
	id=$("$e" inspect -f '{{.Id}}' "$c")
	expect_exit 3 dm "$e" rollback "$c@evil"
	dm "$e" rollback --trust-config "$c@evil" >/dev/null
	[ "$("$e" inspect -f '{{.State.Running}}' "$c")" = true ] || fail "not running after the trusted rollback"
	[ "$("$e" inspect -f '{{.Id}}' "$c")" != "$id" ] || fail "not rolled back"
}

for e in ${DMIG_ENGINES:-docker podman}; do
	ensure_image "$e"
	tm "hostile bundle" "other container" "$e" "refused (exit 3), nothing changed" \
		"$e: hostile bundle: another container is refused" other_container "$e"
	tm "hostile bundle" "other name" "$e" "refused (exit 3), nothing changed" \
		"$e: hostile bundle: another snapshot name is refused" other_name "$e"
	tm "hostile bundle" "foreign volume" "$e" "refused (exit 3), nothing changed" \
		"$e: hostile bundle: a volume the container does not mount is refused" foreign_volume "$e"
	tm "hostile bundle" "bind tmp" "$e" "refused (exit 3), nothing changed" \
		"$e: hostile config: Binds /tmp and a missing source are refused, none made" bind_tmp "$e"
	tm "hostile bundle" "bind mount" "$e" "refused (exit 3), nothing changed" \
		"$e: hostile config: a bind in HostConfig.Mounts is refused" bind_mount "$e"
	tm "hostile bundle" "restart always" "$e" "refused (exit 3), nothing changed" \
		"$e: hostile config: restart policy always is refused" restart_always "$e"
	tm "hostile bundle" "new cmd" "$e" "refused (exit 3), nothing changed" \
		"$e: hostile config: a new Cmd is refused" new_cmd "$e"
	tm "hostile bundle" "privileged" "$e" "refused (exit 3), nothing changed" \
		"$e: hostile config: Privileged is refused" privileged "$e"
	tm "hostile bundle" "pid host" "$e" "refused (exit 3), nothing changed" \
		"$e: hostile config: PidMode host is refused" pid_host "$e"
	tm "hostile bundle" "cap add all" "$e" "refused (exit 3), nothing changed" \
		"$e: hostile config: CapAdd ALL is refused" cap_add_all "$e"
	tm "hostile bundle" "seccomp unconfined" "$e" "refused (exit 3), nothing changed" \
		"$e: hostile config: seccomp=unconfined is refused" seccomp_unconfined "$e"
	tm "hostile bundle" "gone strict" "$e" "refused (exit 3), nothing changed" \
		"$e: hostile config: a gone container's Binds are refused, nothing made" gone_strict "$e"
	t "$e: a snapshot's own env and labels are restored" own_data_passes "$e"
	tm "hostile bundle" "signed, then changed" "$e" "refused (exit 3), nothing changed" \
		"$e: a signed manifest changed on disk is refused, --trust-config too" signed_changed "$e"
	t "$e: another host's snapshot: strict until its key is trusted, then the reference" other_host "$e"
	t "$e: --trust-config accepts a changed config" trust_config "$e"
done
