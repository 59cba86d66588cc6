#!/bin/bash
# Lab host D's init (run by tini, PID 1 of D's PID namespace, inside D's
# root filesystem; scripts/lab.sh start-d copies it to /etc/dmig-lab). It
# starts containerd, dockerd, the Podman API service and sshd, notes their
# PIDs in /run/dmig-lab/pids and marks /run/dmig-lab/ready once each
# answers. On SIGTERM it stops them, containers first, as a host's shutdown
# would; what is left ends with D's PID namespace.
set -u
export PODMAN_IGNORE_CGROUPSV1_WARNING=1
LOG=/var/log/dmig-lab
PIDS=/run/dmig-lab/pids
mkdir -p "$PIDS" /run/sshd /run/podman /run/lock "$LOG"

# wait_for CMD...: every 0.2 s, at most 120 s
wait_for() {
	local _
	for _ in $(seq 1 600); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "init: gave up waiting for: $*" >&2
	return 1
}
ping_sock() { curl -sf --max-time 2 --unix-socket "$1" "http://d$2"; }
# run NAME CMD...: a daemon in the background, its PID noted
run() {
	local name=$1
	shift
	"$@" >>"$LOG/$name.log" 2>&1 </dev/null &
	echo $! >"$PIDS/$name"
}

stop() {
	local p
	trap '' TERM INT
	echo "init: stopping" >&2
	podman stop -a -t 5 >/dev/null 2>&1
	for p in podman sshd dockerd containerd; do
		[ -s "$PIDS/$p" ] || continue
		kill "$(cat "$PIDS/$p")" 2>/dev/null
		# dockerd stops its containers first (up to its shutdown timeout)
		wait "$(cat "$PIDS/$p")" 2>/dev/null
		rm -f "$PIDS/$p"
	done
	exit 0
}
trap stop TERM INT

# which lab host this is (d, or e: a second one like it) and its link's end
read -r name link </etc/dmig-lab/name
hostname "dmiglab-$name" 2>/dev/null || echo "dmiglab-$name" >/proc/sys/kernel/hostname
ip link set lo up
# scripts/lab.sh gives it its link once this namespace exists
wait_for sh -c 'ip -o -4 addr show dev "$1" | grep -q inet' sh "$link"

run containerd containerd
wait_for test -S /run/containerd/containerd.sock
run dockerd dockerd --config-file /etc/dmig-lab/daemon.json --containerd=/run/containerd/containerd.sock
run podman podman system service --time=0 unix:///run/podman/podman.sock
# -D: in the foreground, so the noted PID is sshd's
run sshd /usr/sbin/sshd -D -f /etc/dmig-lab/sshd_config -E "$LOG/sshd.log"
wait_for ping_sock /run/docker.sock /_ping &&
	wait_for ping_sock /run/podman/podman.sock /v5.0.0/libpod/_ping &&
	wait_for test -s /run/sshd.pid &&
	touch /run/dmig-lab/ready

while :; do
	sleep 3600 &
	wait $!
done
