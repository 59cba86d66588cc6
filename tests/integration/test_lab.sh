#!/usr/bin/env bash
# The lab's second host is a real one: reached over SSH with a pinned host
# key, with its own engines, CRIU and store, apart from this host's.
. "$(dirname "$0")/lib.sh"
LABSH=$TOP/scripts/lab.sh
eval "$("$LABSH" env)"
SSHB=(ssh -F "$DMIG_SSH_CONFIG" -o BatchMode=yes -o ConnectTimeout=5)

lab_up() {
	"$LABSH" start
	"$LABSH" status >/dev/null
	pids=$(cat "$DMIG_LAB_DIR"/pids/*)
	# every daemon runs in its host's own mount namespace, never this one's
	for d in sshd dockerd podman c-sshd c-dockerd c-podman; do
		a=anchor
		[ "${d#c-}" = "$d" ] || a=c-anchor
		mnt=$(readlink "/proc/$(cat "$DMIG_LAB_DIR/pids/$d")/ns/mnt")
		[ "$mnt" = "$(readlink "/proc/$(cat "$DMIG_LAB_DIR/pids/$a")/ns/mnt")" ] &&
			[ "$mnt" != "$(readlink /proc/self/ns/mnt)" ] || fail "$d runs in mount namespace $mnt"
	done
	"$LABSH" start # idempotent: nothing restarted
	[ "$(cat "$DMIG_LAB_DIR"/pids/*)" = "$pids" ] || fail "a second start restarted something"
}

ssh_strict() {
	[ "$("${SSHB[@]}" "$DMIG_LAB_ALIAS" echo hello)" = hello ]
	# an unknown host key is refused, never prompted for
	: >"$TMP/empty_known_hosts"
	! "${SSHB[@]}" -o UserKnownHostsFile="$TMP/empty_known_hosts" -o StrictHostKeyChecking=yes "$DMIG_LAB_ALIAS" true 2>/dev/null ||
		fail "logged in with an unknown host key"
}

separate_host() {
	local c=$P-labsep
	# host B's engines are its own: a container made there is not here
	"$LABSH" exec bash "$TOP/scripts/test-image.sh" docker "$IMAGE" "$COUNTER"
	"$LABSH" exec docker run -d --name "$c" --network none "$IMAGE" counter /data/log 1 100 >/dev/null
	"${SSHB[@]}" "$DMIG_LAB_ALIAS" docker inspect -f '{{.State.Running}}' "$c" | grep -qx true
	! docker inspect "$c" >/dev/null 2>&1 || fail "host B's container shows on this host"
	"$LABSH" exec docker rm -f "$c" >/dev/null
	[ "$("${SSHB[@]}" "$DMIG_LAB_ALIAS" docker info -f '{{.ExperimentalBuild}}')" = true ]
	"${SSHB[@]}" "$DMIG_LAB_ALIAS" podman info -f '{{.Host.OCIRuntime.Name}}' | grep -qx runc
	"${SSHB[@]}" "$DMIG_LAB_ALIAS" criu check | grep -q "Looks good"
	[ "$("${SSHB[@]}" "$DMIG_LAB_ALIAS" readlink /proc/self/ns/net)" != "$(readlink /proc/self/ns/net)" ] ||
		fail "host B shares this host's network namespace"
	# its store is its own
	"${SSHB[@]}" "$DMIG_LAB_ALIAS" touch /var/lib/dmig/.lab-probe
	[ ! -e /var/lib/dmig/.lab-probe ] || fail "host B shares this host's /var/lib/dmig"
	"${SSHB[@]}" "$DMIG_LAB_ALIAS" rm /var/lib/dmig/.lab-probe
}

host_c() {
	local sshc=(ssh -F "$DMIG_LAB_B_SSH_CONFIG" -o BatchMode=yes -o ConnectTimeout=5)
	netc=$("$LABSH" exec "${sshc[@]}" hostC readlink /proc/self/ns/net)
	[ -n "$netc" ] && [ "$netc" != "$("$LABSH" exec readlink /proc/self/ns/net)" ] &&
		[ "$netc" != "$(readlink /proc/self/ns/net)" ] || fail "host C shares a network namespace: $netc"
	"$LABSH" exec "${sshc[@]}" hostC docker info -f '{{.ExperimentalBuild}}' | grep -qx true
	"$LABSH" exec "${sshc[@]}" hostC touch /var/lib/cni/.lab-probe
	[ ! -e /var/lib/cni/.lab-probe ] && "$LABSH" exec test ! -e /var/lib/cni/.lab-probe || fail "host C shares /var/lib/cni"
	"$LABSH" exec "${sshc[@]}" hostC rm /var/lib/cni/.lab-probe
}

t "lab: hosts B and C start, and a second start changes nothing" lab_up
t "lab: SSH to host B with its pinned key; an unknown key is refused" ssh_strict
t "lab: host B has its own engines, CRIU and store" separate_host
t "lab: host C, reached from B, has its own network, engines and CNI state" host_c
