#!/usr/bin/env bash
# A real second host on this machine, for dmig move's tests and demo.
#
#   scripts/lab.sh start | stop | status | exec CMD... | env
#
# Host B has its own network namespace (a veth pair to this host, addresses
# on a private /30 used nowhere else) and its own mount namespace, where
# private folders cover /var/lib/docker, /var/lib/containers and
# /var/lib/dmig and a fresh tmpfs covers /run. In it run its own sshd,
# dockerd and Podman API service at their default paths, so an SSH login to
# host B sees its own engines exactly as on a separate machine. Keys are made
# here; the client side is a private ssh config (alias "hostB") with a pinned
# known_hosts in $LAB/home/.ssh (ssh -F that config; dmig: DMIG_SSH_CONFIG):
# the user's own ~/.ssh is never touched. Every process is recorded by PID and stopped by it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

LAB=${DMIG_LAB_DIR:-/var/lib/dmig-lab}
NS=dmiglab-b
VETH_A=dmiglab-a
VETH_B=dmiglab-b
ADDR_A=10.254.213.1
ADDR_B=10.254.213.2
ALIAS=hostB
PORT_A=2222 # host A's lab sshd, for moves back from B
B=$LAB/b
A=$LAB/a
PIDS=$LAB/pids

# pid_alive NAME: the recorded process runs (a zombie does not count)
pid_alive() {
	local st
	[ -s "$PIDS/$1" ] || return 1
	st=$(awk '{print $3}' "/proc/$(cat "$PIDS/$1")/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}
anchor() { cat "$PIDS/anchor"; }
# in_b CMD...: run a command inside host B (its mount and network namespaces)
in_b() { nsenter -t "$(anchor)" -m -n --wd="$PWD" -- "$@"; }

make_keys() {
	mkdir -p "$LAB/home/.ssh" "$B/etc" "$A/etc" "$A/home/.ssh"
	chmod 700 "$LAB" "$A" "$A/home" "$A/home/.ssh"
	# host A's side, so that host B can move containers back
	[ -s "$A/etc/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C "dmig lab host A" -f "$A/etc/ssh_host_ed25519_key"
	[ -s "$A/home/.ssh/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C "dmig lab client on B" -f "$A/home/.ssh/id_ed25519"
	cp "$A/home/.ssh/id_ed25519.pub" "$A/etc/authorized_keys"
	chmod 600 "$A/etc/authorized_keys"
	printf '[%s]:%s %s\n' "$ADDR_A" "$PORT_A" "$(cut -d' ' -f1-2 "$A/etc/ssh_host_ed25519_key.pub")" >"$A/home/.ssh/known_hosts"
	cat >"$A/home/.ssh/config" <<CFG
# dmig lab: host A, as host B reaches it
Host hostA
	HostName $ADDR_A
	User root
	Port $PORT_A
	IdentityFile $A/home/.ssh/id_ed25519
	UserKnownHostsFile $A/home/.ssh/known_hosts
	StrictHostKeyChecking yes
CFG
	chmod 600 "$A/home/.ssh/config" "$A/home/.ssh/known_hosts"
	cat >"$A/etc/sshd_config" <<CFG
# dmig lab host A's sshd (only on the lab's link)
ListenAddress $ADDR_A:$PORT_A
HostKey $A/etc/ssh_host_ed25519_key
PidFile $LAB/sshd-a.pid
AuthorizedKeysFile $A/etc/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
CFG
	chmod 700 "$LAB" "$LAB/home" "$LAB/home/.ssh"
	[ -s "$B/etc/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C "dmig lab host B" -f "$B/etc/ssh_host_ed25519_key"
	[ -s "$LAB/home/.ssh/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C "dmig lab client" -f "$LAB/home/.ssh/id_ed25519"
	cp "$LAB/home/.ssh/id_ed25519.pub" "$B/etc/authorized_keys"
	chmod 600 "$B/etc/authorized_keys"
	# the pinned host key, under both the alias's address and the address
	printf '%s %s\n' "$ADDR_B" "$(cut -d' ' -f1-2 "$B/etc/ssh_host_ed25519_key.pub")" >"$LAB/home/.ssh/known_hosts"
	cat >"$LAB/home/.ssh/config" <<EOF
# dmig lab: host B in network namespace $NS
Host $ALIAS
	HostName $ADDR_B
	User root
	Port 22
	IdentityFile $LAB/home/.ssh/id_ed25519
	UserKnownHostsFile $LAB/home/.ssh/known_hosts
	StrictHostKeyChecking yes
EOF
	chmod 600 "$LAB/home/.ssh/config" "$LAB/home/.ssh/known_hosts"
	cat >"$B/etc/sshd_config" <<EOF
# dmig lab host B's sshd
ListenAddress $ADDR_B
Port 22
HostKey $B/etc/ssh_host_ed25519_key
PidFile /run/sshd.pid
AuthorizedKeysFile $B/etc/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
Subsystem sftp internal-sftp
EOF
	cat >"$B/etc/daemon.json" <<EOF
{ "experimental": true, "cgroup-parent": "dmiglab-b-docker" }
EOF
}

start_net() {
	if ! ip netns list | grep -qw "$NS"; then
		ip netns add "$NS"
		say "lab: made network namespace $NS"
	fi
	if ! ip link show "$VETH_A" >/dev/null 2>&1; then
		ip link add "$VETH_A" type veth peer name "$VETH_B"
		ip link set "$VETH_B" netns "$NS"
		ip addr add "$ADDR_A/30" dev "$VETH_A"
		ip link set "$VETH_A" up
		ip -n "$NS" addr add "$ADDR_B/30" dev "$VETH_B"
		ip -n "$NS" link set "$VETH_B" up
		ip -n "$NS" link set lo up
		say "lab: linked this host ($ADDR_A) and host B ($ADDR_B)"
	fi
}

# The anchor process holds host B's mount namespace; daemons join it.
start_anchor() {
	pid_alive anchor && return 0
	mkdir -p "$B/docker" "$B/containers" "$B/dmig" "$PIDS" /var/lib/docker /var/lib/containers /var/lib/dmig
	chmod 700 "$B/dmig" /var/lib/dmig
	nsenter --net="/run/netns/$NS" unshare --mount --propagation private -- bash -c '
		set -e
		mount --bind "$1/docker" /var/lib/docker
		mount --bind "$1/containers" /var/lib/containers
		mount --bind "$1/dmig" /var/lib/dmig
		mount -t tmpfs -o mode=755 dmiglab-run /run
		mkdir -p /run/sshd /run/podman /run/lock
		exec sleep infinity' lab "$B" </dev/null >/dev/null 2>"$LAB/anchor.log" &
	echo $! >"$PIDS/anchor"
	# wait until the mounts are in place (the tmpfs hides /run/netns)
	wait_for in_b test -d /run/sshd || die "host B's namespace did not come up: $(cat "$LAB/anchor.log")"
}

ping_b() { in_b curl -sf --max-time 2 --unix-socket "$1" "http://d$2" >/dev/null; }

# run_b NAME CMD...: start a daemon inside host B and record its PID. The
# command is exec'd all the way down (nsenter, then setsid, which does not
# fork outside job control), so $! is the daemon itself; checked anyway.
run_b() {
	local name=$1
	shift
	nsenter -t "$(anchor)" -m -n --wd=/ -- setsid "$@" >>"$LAB/$name.log" 2>&1 </dev/null &
	echo $! >"$PIDS/$name"
	sleep 0.1
	[ "$(basename "$(readlink "/proc/$!/exe" 2>/dev/null)")" = "$(basename "$1")" ] ||
		die "host B's $name did not start as recorded (see $LAB/$name.log)"
}

start_daemons() {
	if ! pid_alive sshd; then
		# -D: stay in the foreground, so the recorded PID is sshd's
		run_b sshd /usr/sbin/sshd -D -f "$B/etc/sshd_config" -E "$LAB/sshd.log"
		wait_for in_b test -s /run/sshd.pid || die "host B's sshd did not start: $(tail -n3 "$LAB/sshd.log")"
	fi
	if ! pid_alive dockerd; then
		run_b dockerd dockerd --config-file "$B/etc/daemon.json"
		wait_for ping_b /var/run/docker.sock /_ping || die "host B's dockerd did not start: $(tail -n3 "$LAB/dockerd.log")"
	fi
	if ! pid_alive sshd-a; then
		mkdir -p /run/sshd
		setsid /usr/sbin/sshd -D -f "$A/etc/sshd_config" -E "$LAB/sshd-a.log" </dev/null >/dev/null 2>&1 &
		echo $! >"$PIDS/sshd-a"
		wait_for test -s "$LAB/sshd-a.pid" || die "host A's lab sshd did not start: $(tail -n3 "$LAB/sshd-a.log")"
	fi
	if ! pid_alive podman; then
		run_b podman podman system service --time=0 unix:///run/podman/podman.sock
		wait_for ping_b /run/podman/podman.sock /v4.0.0/libpod/_ping || die "host B's podman service did not start: $(tail -n3 "$LAB/podman.log")"
	fi
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

cmd_start() {
	need_root
	mkdir -p "$LAB" "$PIDS"
	chmod 700 "$LAB"
	make_keys
	start_net
	start_anchor
	start_daemons
	# the client's view: ssh to the alias works with strict host key checking
	ssh -F "$LAB/home/.ssh/config" -o BatchMode=yes -o ConnectTimeout=5 "$ALIAS" true ||
		die "cannot log in to host B over SSH; see $LAB/sshd.log"
	in_b ssh -F "$A/home/.ssh/config" -o BatchMode=yes -o ConnectTimeout=5 hostA true ||
		die "host B cannot log in to host A over SSH; see $LAB/sshd-a.log"
}

cmd_stop() {
	need_root
	if pid_alive anchor; then
		# containers on B first, so their processes do not outlive the lab
		in_b sh -c 'docker ps -aq | xargs -r docker rm -f' >/dev/null 2>&1 || true
		in_b sh -c 'podman ps -aq | xargs -r podman rm -f -t 0' >/dev/null 2>&1 || true
	fi
	for p in podman dockerd sshd sshd-a anchor; do stop_pid "$p"; done
	rm -f "$LAB/sshd-a.pid"
	ip link del "$VETH_A" 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	say "lab: stopped host B"
}

cmd_status() {
	local p
	for p in anchor sshd sshd-a dockerd podman; do
		if pid_alive "$p"; then echo "$p: running (pid $(cat "$PIDS/$p"))"; else echo "$p: stopped"; fi
	done
	pid_alive anchor && pid_alive sshd && pid_alive sshd-a && pid_alive dockerd && pid_alive podman
}

case ${1:-} in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
exec)
	shift
	pid_alive anchor || die "the lab is not running (scripts/lab.sh start)"
	in_b "$@"
	;;
env)
	echo "DMIG_LAB_DIR=$LAB"
	echo "DMIG_SSH_CONFIG=$LAB/home/.ssh/config"
	echo "DMIG_LAB_B_SSH_CONFIG=$A/home/.ssh/config"
	echo "DMIG_LAB_ALIAS=$ALIAS"
	echo "DMIG_LAB_ADDR=$ADDR_B"
	;;
*)
	echo "usage: scripts/lab.sh start|stop|status|exec CMD...|env" >&2
	exit 2
	;;
esac
