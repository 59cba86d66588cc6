#!/usr/bin/env bash
# Real second and third hosts on this machine, for dmig move's tests and demo.
#
#   scripts/lab.sh start | stop | status | exec CMD... | exec-c CMD... | env
#   scripts/lab.sh start-d | stop-d | exec-d CMD... | d-mode [overlay2|snapshotter]
#   scripts/lab.sh start-e | stop-e | exec-e CMD... | e-mode [overlay2|snapshotter]
#
# Hosts B and C each have their own network namespace and their own mount
# namespace, where private folders cover /var/lib/docker,
# /var/lib/containers, /var/lib/cni, /etc/cni/net.d and /var/lib/dmig and a
# fresh tmpfs covers /run. In each run its own sshd, dockerd and Podman API service at
# their default paths, so an SSH login sees its own engines exactly as on a
# separate machine. Links (veth pairs, addresses on private /30s used nowhere
# else): this host (A) <-> B, and B <-> C. C is reached only from B: a move
# from B to C carries containers on bridge networks with published ports,
# all inside namespaces the lab made. With host D running, B <-> D too. Keys are made here; the client sides
# are private ssh configs with pinned known_hosts ($LAB/home/.ssh on A:
# alias hostB; $LAB/a/home/.ssh on B: aliases hostA and hostC); the user's
# own ~/.ssh is never touched. Every process is recorded by PID and stopped
# by it.
#
# Host D (scripts/lab-d.sh) runs Debian testing's engines and compilers in
# namespaces of its own; start-d and stop-d start and stop it alone, and
# start and stop only with DMIG_LAB_D=1.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
LABSH=$(cd "$(dirname "$0")" && pwd)/lab.sh

LAB=${DMIG_LAB_DIR:-/var/lib/dmig-lab}
VETH_A=dmiglab-a # this host's end of the A-B link
ADDR_A=10.254.213.1
ADDR_B=10.254.213.2
ADDR_BC=10.254.213.5 # B's end of the B-C link
ADDR_C=10.254.213.6
PORT_A=2222 # host A's lab sshd, for moves back from B
A=$LAB/a
PIDS=$LAB/pids

# host HOST: the variables of lab host b or c. B's PID files keep their
# plain names (anchor, sshd, dockerd, podman); C's have a "c-" prefix.
host() {
	H=$1
	HDIR=$LAB/$1
	HNS=dmiglab-$1
	case $1 in
	b) HADDR=$ADDR_B HPFX= ;;
	c) HADDR=$ADDR_C HPFX=c- ;;
	esac
}

# pid_alive NAME: the recorded process runs (a zombie does not count)
pid_alive() {
	local st
	[ -s "$PIDS/$1" ] || return 1
	st=$(awk '{print $3}' "/proc/$(cat "$PIDS/$1")/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}
# in_host CMD...: run a command inside the current lab host (its mount and
# network namespaces)
in_host() { nsenter -t "$(cat "$PIDS/${HPFX}anchor")" -m -n --wd="$PWD" -- "$@"; }

# keypair FILE COMMENT: an ed25519 key, made once
keypair() { [ -s "$1" ] || ssh-keygen -q -t ed25519 -N '' -C "$2" -f "$1"; }

# client_entry ALIAS ADDR PORT HOME: an ssh config entry for a lab host
client_entry() {
	printf 'Host %s\n\tHostName %s\n\tUser root\n\tPort %s\n\tIdentityFile %s/.ssh/id_ed25519\n\tUserKnownHostsFile %s/.ssh/known_hosts\n\tStrictHostKeyChecking yes\n' \
		"$1" "$2" "$3" "$4" "$4"
}

# sshd_config LISTEN HOSTKEY PIDFILE AUTHKEYS
sshd_config() {
	cat <<EOF
# a dmig lab host's sshd (only on the lab's links)
ListenAddress $1
HostKey $2
PidFile $3
AuthorizedKeysFile $4
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
Subsystem sftp internal-sftp
EOF
}

# put FILE: FILE's new content (from stdin), 0600, replaced at once, never
# seen half written
put() {
	cat >"$1.tmp"
	chmod 600 "$1.tmp"
	mv "$1.tmp" "$1"
}
hostkey() { cut -d' ' -f1-2 "$LAB/$1/etc/ssh_host_ed25519_key.pub"; }
has_key() { [ -s "$LAB/$1/etc/ssh_host_ed25519_key.pub" ]; }
# known ADDR[:PORT] HOST: a known_hosts line for lab host HOST, if it has a key
known() { ! has_key "$2" || printf '%s %s\n' "$1" "$(hostkey "$2")"; }
# cat_keys FILE...: the public keys of those that exist
cat_keys() { local f; for f in "$@"; do [ ! -s "$f" ] || cat "$f"; done; }

# write_client_a: this host's ssh config and pinned host keys, for each lab
# host whose key exists (B, D, E)
write_client_a() {
	{
		known "$ADDR_B" b
		known "$ADDR_D" d
		known "$ADDR_E" e
	} | put "$LAB/home/.ssh/known_hosts"
	{
		! has_key b || { echo "# dmig lab: host B in network namespace dmiglab-b" && client_entry hostB "$ADDR_B" 22 "$LAB/home"; }
		! has_key d || { echo "# dmig lab: host D (Debian testing's engines)" && client_entry hostD "$ADDR_D" 22 "$LAB/home"; }
		! has_key e || { echo "# dmig lab: host E (a second one like D)" && client_entry hostE "$ADDR_E" 22 "$LAB/home"; }
	} | put "$LAB/home/.ssh/config"
}

# write_trust: every lab client's config and pinned host keys, and every
# lab host's authorized keys, from the keys made so far. This host's client
# logs in to B, D and E; B's client (hostA, hostC, hostD) to A, C and D;
# D's and E's own clients (hostA, hostB, and hostE or hostD) to A, B and
# each other.
write_trust() {
	local ca=$LAB/home/.ssh/id_ed25519.pub cb=$A/home/.ssh/id_ed25519.pub
	local cd=$LAB/d/etc/client_ed25519.pub ce=$LAB/e/etc/client_ed25519.pub h o
	mkdir -p "$LAB/home/.ssh"
	write_client_a
	if [ -d "$A/home/.ssh" ]; then
		{
			known "[$ADDR_A]:$PORT_A" a
			known "$ADDR_C" c
			known "$ADDR_D" d
		} | put "$A/home/.ssh/known_hosts"
		{
			echo "# dmig lab: hosts A, C and D, as host B reaches them"
			client_entry hostA "$ADDR_A" "$PORT_A" "$A/home"
			client_entry hostC "$ADDR_C" 22 "$A/home"
			! has_key d || client_entry hostD "$ADDR_D" 22 "$A/home"
		} | put "$A/home/.ssh/config"
	fi
	[ ! -d "$LAB/b/etc" ] || cat_keys "$ca" "$cd" "$ce" | put "$LAB/b/etc/authorized_keys"
	[ ! -d "$A/etc" ] || cat_keys "$cb" "$cd" "$ce" | put "$A/etc/authorized_keys"
	[ ! -d "$LAB/c/etc" ] || cat_keys "$cb" | put "$LAB/c/etc/authorized_keys"
	for h in d e; do
		has_key "$h" || continue
		if [ "$h" = d ]; then o=e; else o=d; fi
		cat_keys "$ca" "$cb" "$LAB/$o/etc/client_ed25519.pub" | put "$LAB/$h/etc/authorized_keys"
		{
			known "[$ADDR_A]:$PORT_A" a
			known "$ADDR_B" b
			if [ "$o" = d ]; then known "$ADDR_D" d; else known "$ADDR_E" e; fi
		} | put "$LAB/$h/etc/client_known_hosts"
		{
			echo "# dmig lab: the hosts host ${h^^} reaches (paths inside it)"
			d_client_entry hostA "$ADDR_A" "$PORT_A"
			d_client_entry hostB "$ADDR_B" 22
			if [ "$o" = d ]; then d_client_entry hostD "$ADDR_D" 22; else d_client_entry hostE "$ADDR_E" 22; fi
		} | put "$LAB/$h/etc/client_config"
	done
}

make_keys() {
	local h
	mkdir -p "$LAB/home/.ssh" "$A/etc" "$A/home/.ssh" "$LAB/b/etc" "$LAB/c/etc"
	chmod 700 "$LAB" "$LAB/home" "$LAB/home/.ssh" "$A" "$A/home" "$A/home/.ssh"
	# the clients: one on this host (to B), one on B (to A and C)
	keypair "$LAB/home/.ssh/id_ed25519" "dmig lab client"
	keypair "$A/home/.ssh/id_ed25519" "dmig lab client on B"
	for h in a b c; do keypair "$LAB/$h/etc/ssh_host_ed25519_key" "dmig lab host ${h^^}"; done
	# the pinned host keys, and who may log in where
	write_trust
	sshd_config "$ADDR_A:$PORT_A" "$A/etc/ssh_host_ed25519_key" "$LAB/sshd-a.pid" "$A/etc/authorized_keys" >"$A/etc/sshd_config"
	for h in b c; do
		host "$h"
		sshd_config "$HADDR:22" "$HDIR/etc/ssh_host_ed25519_key" /run/sshd.pid "$HDIR/etc/authorized_keys" >"$HDIR/etc/sshd_config"
		# as setup-engines.sh sets this host's: --init binds the real file
		printf '{ "experimental": true, "cgroup-parent": "dmiglab-%s-docker"%s }\n' "$h" \
			"$(init=$(real_binary docker-init) && [ -n "$init" ] && printf ', "init-path": "%s"' "$init")" >"$HDIR/etc/daemon.json"
	done
}

# veth END1 NS1 ADDR1 END2 NS2 ADDR2: a link between two namespaces ("" is this host's)
veth() {
	local ip1=(ip) ip2=(ip -n "$5")
	[ -z "$2" ] || ip1=(ip -n "$2")
	"${ip1[@]}" link show "$1" >/dev/null 2>&1 && return 0
	ip link add "$1" type veth peer name "$4"
	[ -z "$2" ] || ip link set "$1" netns "$2"
	ip link set "$4" netns "$5"
	"${ip1[@]}" addr add "$3/30" dev "$1"
	"${ip1[@]}" link set "$1" up
	"${ip2[@]}" addr add "$6/30" dev "$4"
	"${ip2[@]}" link set "$4" up
	say "lab: linked $3 and $6"
}

start_net() {
	local h
	for h in b c; do
		if ! ip netns list | grep -qw "dmiglab-$h"; then
			ip netns add "dmiglab-$h"
			ip -n "dmiglab-$h" link set lo up
			say "lab: made network namespace dmiglab-$h"
		fi
	done
	veth "$VETH_A" "" "$ADDR_A" dmiglab-b dmiglab-b "$ADDR_B"
	veth dmiglab-bc dmiglab-b "$ADDR_BC" dmiglab-cb dmiglab-c "$ADDR_C"
}

# The anchor process holds a host's mount namespace; its daemons join it.
start_anchor() {
	pid_alive "${HPFX}anchor" && return 0
	mkdir -p "$HDIR/docker" "$HDIR/containers" "$HDIR/cni" "$HDIR/dmig" "$HDIR/cni-conf" "$PIDS" \
		/var/lib/docker /var/lib/containers /var/lib/cni /var/lib/dmig
	chmod 700 "$HDIR/dmig" /var/lib/dmig
	# Podman's network definitions too: a network made on a lab host stays there
	if [ -d /etc/cni/net.d ] && [ -z "$(ls -A "$HDIR/cni-conf")" ]; then
		cp -a /etc/cni/net.d/. "$HDIR/cni-conf/"
	fi
	nsenter --net="/run/netns/$HNS" unshare --mount --propagation private -- bash -c '
		set -e
		for d in docker containers cni dmig; do mount --bind "$1/$d" "/var/lib/$d"; done
		[ ! -d /etc/cni/net.d ] || mount --bind "$1/cni-conf" /etc/cni/net.d
		mount -t tmpfs -o mode=755 "dmiglab-$2-run" /run
		mkdir -p /run/sshd /run/podman /run/lock
		touch "/run/dmiglab-$2-ready"
		exec sleep infinity' lab "$HDIR" "$H" </dev/null >/dev/null 2>"$LAB/${HPFX}anchor.log" &
	echo $! >"$PIDS/${HPFX}anchor"
	# Wait until every mount is in place: until then, joining the anchor's
	# mount namespace would reach this host's own /run and /var/lib. The
	# marker is on the new /run only.
	wait_for in_host test -e "/run/dmiglab-$H-ready" ||
		die "host ${H^^}'s namespace did not come up: $(cat "$LAB/${HPFX}anchor.log")"
}

ping_host() { in_host curl -sf --max-time 2 --unix-socket "$1" "http://d$2" >/dev/null; }

# run_host NAME CMD...: start a daemon inside the current lab host and record
# its PID. The command is exec'd all the way down (nsenter, then setsid,
# which does not fork outside job control), so $! is the daemon itself;
# checked anyway.
run_host() {
	local name=$HPFX$1
	shift
	nsenter -t "$(cat "$PIDS/${HPFX}anchor")" -m -n --wd=/ -- setsid "$@" >>"$LAB/$name.log" 2>&1 </dev/null &
	echo $! >"$PIDS/$name"
	sleep 0.1
	[ "$(basename "$(readlink "/proc/$!/exe" 2>/dev/null)")" = "$(basename "$1")" ] ||
		die "host ${H^^}'s $1 did not start as recorded (see $LAB/$name.log)"
}

start_daemons() {
	if ! pid_alive "${HPFX}sshd"; then
		# -D: stay in the foreground, so the recorded PID is sshd's
		run_host sshd /usr/sbin/sshd -D -f "$HDIR/etc/sshd_config" -E "$LAB/${HPFX}sshd.log"
		wait_for in_host test -s /run/sshd.pid || die "host ${H^^}'s sshd did not start: $(tail -n3 "$LAB/${HPFX}sshd.log")"
	fi
	if ! pid_alive "${HPFX}dockerd"; then
		run_host dockerd dockerd --config-file "$HDIR/etc/daemon.json"
		wait_for ping_host /var/run/docker.sock /_ping || die "host ${H^^}'s dockerd did not start: $(tail -n3 "$LAB/${HPFX}dockerd.log")"
	fi
	if ! pid_alive "${HPFX}podman"; then
		run_host podman podman system service --time=0 unix:///run/podman/podman.sock
		wait_for ping_host /run/podman/podman.sock /v4.0.0/libpod/_ping || die "host ${H^^}'s podman service did not start: $(tail -n3 "$LAB/${HPFX}podman.log")"
	fi
}

start_sshd_a() {
	pid_alive sshd-a && return 0
	mkdir -p /run/sshd
	setsid /usr/sbin/sshd -D -f "$A/etc/sshd_config" -E "$LAB/sshd-a.log" </dev/null >/dev/null 2>&1 &
	echo $! >"$PIDS/sshd-a"
	wait_for test -s "$LAB/sshd-a.pid" || die "host A's lab sshd did not start: $(tail -n3 "$LAB/sshd-a.log")"
}

stop_pid() { # NAME: end a recorded process, then forget it
	local pid
	[ -s "$PIDS/$1" ] || return 0
	pid=$(cat "$PIDS/$1")
	if pid_alive "$1"; then
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 1 50); do pid_alive "$1" || break; sleep 0.2; done
		pid_alive "$1" && kill -9 "$pid" 2>/dev/null
	fi
	rm -f "$PIDS/$1"
}

ALL_PIDS="anchor sshd dockerd podman c-anchor c-sshd c-dockerd c-podman sshd-a"
# host E's commands are host D's, on E
case ${1:-} in
start-e | stop-e | exec-e | e-mode)
	export DMIG_LAB_DHOST=e
	case $1 in
	e-mode) set -- d-mode "${@:2}" ;;
	*) set -- "${1%-e}-d" "${@:2}" ;;
	esac
	;;
esac
. "$(dirname "$0")/lab-d.sh"

cmd_start() {
	local h
	need_root
	mkdir -p "$LAB" "$PIDS"
	chmod 700 "$LAB"
	make_keys
	start_net
	for h in b c; do
		host "$h"
		start_anchor
		start_daemons
	done
	start_sshd_a
	# the clients' view: ssh to each alias works with strict host key checking
	ssh -F "$LAB/home/.ssh/config" -o BatchMode=yes -o ConnectTimeout=5 hostB true ||
		die "cannot log in to host B over SSH; see $LAB/sshd.log"
	host b
	for h in A C; do
		in_host ssh -F "$A/home/.ssh/config" -o BatchMode=yes -o ConnectTimeout=5 "host$h" true ||
			die "host B cannot log in to host $h over SSH; see $LAB/*sshd*.log"
	done
	[ "${DMIG_LAB_D:-}" != 1 ] || start_d
	link_bd
}

cmd_stop() {
	local h p
	need_root
	[ "${DMIG_LAB_D:-}" != 1 ] || stop_d
	for h in b c; do
		host "$h"
		pid_alive "${HPFX}anchor" || continue
		# containers first, so their processes do not outlive the lab
		in_host sh -c 'docker ps -aq | xargs -r docker rm -f' >/dev/null 2>&1 || true
		in_host sh -c 'podman ps -aq | xargs -r podman rm -f -t 0' >/dev/null 2>&1 || true
	done
	for p in podman dockerd sshd c-podman c-dockerd c-sshd sshd-a anchor c-anchor; do stop_pid "$p"; done
	rm -f "$LAB/sshd-a.pid"
	ip link del "$VETH_A" 2>/dev/null || true
	ip netns del dmiglab-b 2>/dev/null || true
	ip netns del dmiglab-c 2>/dev/null || true
	say "lab: stopped hosts B and C"
}

cmd_status() {
	local p ok=0
	for p in $ALL_PIDS; do
		if pid_alive "$p"; then echo "$p: running (pid $(cat "$PIDS/$p"))"; else echo "$p: stopped" && ok=1; fi
	done
	# host D counts when it runs or was asked for
	if [ "${DMIG_LAB_D:-}" = 1 ] || d_alive init; then
		status_d || ok=1
	else
		echo "host D: not started (scripts/lab.sh start-d)"
	fi
	return $ok
}

case ${1:-} in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
exec | exec-c)
	if [ "$1" = exec ]; then host b; else host c; fi
	shift
	pid_alive "${HPFX}anchor" || die "the lab is not running (scripts/lab.sh start)"
	in_host "$@"
	;;
env)
	echo "DMIG_LAB_DIR=$LAB"
	echo "DMIG_SSH_CONFIG=$LAB/home/.ssh/config"
	echo "DMIG_LAB_B_SSH_CONFIG=$A/home/.ssh/config"
	echo "DMIG_LAB_ALIAS=hostB"
	echo "DMIG_LAB_ADDR=$ADDR_B"
	echo "DMIG_LAB_C_ADDR=$ADDR_C"
	env_d
	DMIG_LAB_DHOST=e "$LABSH" _env-d | sed 's/^DMIG_LAB_D_/DMIG_LAB_E_/'
	;;
_env-d) env_d ;;
start-d) start_d ;;
stop-d) stop_d ;;
exec-d)
	shift
	d_alive init || die "host D is not running (scripts/lab.sh start-d)"
	[ $# -gt 0 ] || set -- bash -l
	in_d "$@"
	;;
d-mode) cmd_d_mode "${2:-}" ;;
_d-boot) d_boot "$2" ;; # start_d's, as the first process of D's namespaces
*)
	echo "usage: scripts/lab.sh start|stop|status|exec CMD...|exec-c CMD...|env" >&2
	echo "       scripts/lab.sh start-d|stop-d|exec-d CMD...|d-mode [overlay2|snapshotter]" >&2
	echo "       scripts/lab.sh start-e|stop-e|exec-e CMD...|e-mode [overlay2|snapshotter]" >&2
	exit 2
	;;
esac
