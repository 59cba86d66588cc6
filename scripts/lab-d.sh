# Lab host D (sourced by scripts/lab.sh): a host running Debian testing's
# engines (docker.io 28.5, containerd 2.1, runc 1.3, podman 5.8, crun 1.28
# with libcriu2, criu 4.2) and compilers, on this machine.
#
# D has its own network, mount, PID, cgroup, UTS and IPC namespaces. Its
# root filesystem is scripts/lab-d-root.sh's (cached in the lab's folder)
# with D's own changes laid over it (an overlay whose upper layer is
# $LAB/d/upper); /var/lib/docker, /var/lib/containerd, /var/lib/containers
# and /var/lib/dmig are folders of $LAB/d/data; /run, /tmp and /dev/shm are
# its own tmpfs. Its init (scripts/lab-d-init.sh under tini) runs
# containerd, dockerd, the Podman API service and sshd at their default
# paths. Links: this host
# (A, dmiglab-ad, 10.254.213.9) <-> D (dmiglab-da, 10.254.213.10), alias
# hostD in $LAB/home/.ssh/config; and while B runs, B (dmiglab-bd,
# 10.254.213.13) <-> D (dmiglab-db, 10.254.213.14), alias hostD in B's
# client config. D's own client (/etc/dmig-lab/client_config there) reaches
# A's lab sshd (hostA, routed over the A-D link) and B (hostB). Docker runs in one of two storage modes,
# each with its own data (docker-<mode>, containerd-<mode>): overlay2, the
# graph driver (Docker 28's default), or snapshotter, containerd's image
# store (Docker 29's default). Every PID is recorded in $LAB/d/pids with its
# start time, and D is stopped by those PIDs only. Nothing of D's state is
# kept in this host's /run: D's network namespace lives as long as D.

# Host E is a second host like D (the same root filesystem, data of its
# own): DMIG_LAB_DHOST=e, or lab.sh's start-e, stop-e, exec-e, e-mode. The
# functions here work on the one DHOST names.
ADDR_D=10.254.213.10  # D's sshd, on the A-D link
ADDR_E=10.254.213.18  # E's, on the A-E link (A's end 10.254.213.17)
ADDR_BD=10.254.213.13 # B's end of the B-D link (dmiglab-bd), while both run
ADDR_DB=10.254.213.14 # D's (dmiglab-db)
ADDR_DE=10.254.213.21 # D's end of the D-E link (dmiglab-de), while both run
ADDR_ED=10.254.213.22 # E's (dmiglab-ed)
DHOST=${DMIG_LAB_DHOST:-d}
case $DHOST in
d) ADDR_AD=10.254.213.9 DADDR=$ADDR_D ;;
e) ADDR_AD=10.254.213.17 DADDR=$ADDR_E ;;
*) echo "DMIG_LAB_DHOST is d or e" >&2 && exit 2 ;;
esac
DNAME=${DHOST^^} # "D", for messages
DDIR=$LAB/$DHOST
DPIDS=$DDIR/pids
VETH_AD=dmiglab-a$DHOST # this host's end of its link; its own end is dmiglab-${DHOST}a
VETH_DA=dmiglab-${DHOST}a
D_DAEMONS="containerd dockerd podman sshd"

# d_record NAME PID: note a process of D with its start time (a PID used
# again later by another process does not pass for it)
d_record() { echo "$2 $(awk '{print $22}' "/proc/$2/stat")" >"$DPIDS/$1"; }

# d_alive NAME: the recorded process runs (same PID, same start time, not a zombie)
d_alive() {
	local pid start st
	[ -s "$DPIDS/$1" ] || return 1
	read -r pid start <"$DPIDS/$1"
	st=$(awk '{print $3, $22}' "/proc/$pid/stat" 2>/dev/null) || return 1
	[ "$st" != "Z $start" ] && [ "${st#* }" = "$start" ]
}
d_pid() { cut -d' ' -f1 "$DPIDS/$1"; }
# in_d CMD...: run a command on host D, as a login there would
in_d() {
	nsenter -t "$(d_pid init)" -m -n -p -u -i -C -r -w -- \
		env -i -C /root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		TERM="${TERM:-dumb}" LANG=C.UTF-8 PODMAN_IGNORE_CGROUPSV1_WARNING=1 "$@"
}
d_mode() { cat "$DDIR/mode" 2>/dev/null || echo overlay2; }

# D's keys and sshd, Docker's configuration for the current mode, the init
make_keys_d() {
	local root=$1
	mkdir -p "$DDIR/etc" "$DDIR/log" "$LAB/home/.ssh"
	chmod 700 "$LAB/home" "$LAB/home/.ssh"
	keypair "$LAB/home/.ssh/id_ed25519" "dmig lab client"
	keypair "$DDIR/etc/ssh_host_ed25519_key" "dmig lab host $DNAME"
	# its own client, for moves from there (to A, B, and D or E)
	keypair "$DDIR/etc/client_ed25519" "dmig lab client on $DNAME"
	# its name and the name of its end of its link, for its init
	echo "$DHOST $VETH_DA" >"$DDIR/etc/name"
	{
		sshd_config "$DADDR:22" /etc/dmig-lab/ssh_host_ed25519_key /run/sshd.pid /etc/dmig-lab/authorized_keys
		# cgroup v1 is deprecated in Podman 5; this kernel's layout is hybrid
		echo "SetEnv PODMAN_IGNORE_CGROUPSV1_WARNING=1"
	} >"$DDIR/etc/sshd_config"
	d_daemon_json "$root"
	install -m 0755 "$(dirname "$0")/lab-d-init.sh" "$DDIR/etc/init.sh"
	# B's files exist once the lab has started; until then D's alone
	write_trust
}

# d_client_entry ALIAS ADDR PORT: an entry of D's client config
d_client_entry() {
	printf 'Host %s\n\tHostName %s\n\tUser root\n\tPort %s\n\tIdentityFile /etc/dmig-lab/client_ed25519\n\tUserKnownHostsFile /etc/dmig-lab/client_known_hosts\n\tStrictHostKeyChecking yes\n' \
		"$1" "$2" "$3"
}

# link_bd: the B-D link, when both run and it is not there yet (it goes
# with either host's network namespace)
link_bd() {
	[ "$DHOST" = d ] && pid_alive anchor && d_alive init || return 0
	ip -n dmiglab-b link show dmiglab-bd >/dev/null 2>&1 && return 0
	# D's end of a link to a B that is gone: the kernel frees an old network
	# namespace in the background, its links a while later
	nsenter -t "$(d_pid init)" -n ip link del dmiglab-db 2>/dev/null || true
	ip link add dmiglab-bd netns dmiglab-b type veth peer name dmiglab-db netns "$(d_pid init)"
	ip -n dmiglab-b addr add "$ADDR_BD/30" dev dmiglab-bd
	ip -n dmiglab-b link set dmiglab-bd up
	nsenter -t "$(d_pid init)" -n ip addr add "$ADDR_DB/30" dev dmiglab-db
	nsenter -t "$(d_pid init)" -n ip link set dmiglab-db up
	# each reaches the other's sshd at its usual address (B's on the A-B
	# link, D's on the A-D link), over this link
	ip -n dmiglab-b route replace "$ADDR_D/32" via "$ADDR_DB"
	nsenter -t "$(d_pid init)" -n ip route replace "$ADDR_B/32" via "$ADDR_BD"
	say "lab: linked $ADDR_BD (B) and $ADDR_DB (D)"
}

# link_de: the D-E link, when both run and it is not there yet; each
# reaches the other's sshd at its usual address over it
link_de() {
	local pd pe
	pd=$(other_init d) && pe=$(other_init e) || return 0
	nsenter -t "$pd" -n ip link show dmiglab-de >/dev/null 2>&1 &&
		nsenter -t "$pe" -n ip link show dmiglab-ed >/dev/null 2>&1 && return 0
	# an end left by a host that is gone
	nsenter -t "$pd" -n ip link del dmiglab-de 2>/dev/null || true
	nsenter -t "$pe" -n ip link del dmiglab-ed 2>/dev/null || true
	ip link add dmiglab-de netns "$pd" type veth peer name dmiglab-ed netns "$pe"
	nsenter -t "$pd" -n ip addr add "$ADDR_DE/30" dev dmiglab-de
	nsenter -t "$pd" -n ip link set dmiglab-de up
	nsenter -t "$pe" -n ip addr add "$ADDR_ED/30" dev dmiglab-ed
	nsenter -t "$pe" -n ip link set dmiglab-ed up
	nsenter -t "$pd" -n ip route replace "$ADDR_E/32" via "$ADDR_ED"
	nsenter -t "$pe" -n ip route replace "$ADDR_D/32" via "$ADDR_DE"
	say "lab: linked $ADDR_DE (D) and $ADDR_ED (E)"
}

# other_init d|e: the PID of that host's init, when it runs
other_init() {
	local pid start st
	[ -s "$LAB/$1/pids/init" ] || return 1
	read -r pid start <"$LAB/$1/pids/init"
	st=$(awk '{print $3, $22}' "/proc/$pid/stat" 2>/dev/null) || return 1
	[ "${st%% *}" != Z ] && [ "${st#* }" = "$start" ] && echo "$pid"
}


# d_daemon_json ROOT: Docker's configuration for the current mode
d_daemon_json() {
	local root=$1 init="" p
	# --init binds the real file, not a link
	for p in /usr/sbin/docker-init /usr/bin/docker-init /usr/libexec/docker/docker-init; do
		if [ -L "$root$p" ]; then
			init=$(chroot "$root" readlink -f "$p")
			break
		fi
		[ ! -e "$root$p" ] || break
	done
	printf '{ "experimental": true, "features": { "containerd-snapshotter": %s }%s }\n' \
		"$([ "$(d_mode)" = snapshotter ] && echo true || echo false)" \
		"${init:+, \"init-path\": \"$init\"}" >"$DDIR/etc/daemon.json"
}

# cgroup_mounts: "MOUNTPOINT FSTYPE SUPEROPTIONS" of each cgroup hierarchy
# mounted in /sys/fs/cgroup
cgroup_mounts() {
	awk '{ for (i = 7; $i != "-"; i++); if ($(i + 1) ~ /^cgroup2?$/) print $5, $(i + 1), $(i + 3) }' /proc/self/mountinfo |
		awk '$1 ~ "^/sys/fs/cgroup/[^/]+$"'
}

# _d-boot ROOT: the first process of D's namespaces (PID 1 there), still in
# this host's root filesystem: D's mounts, then pivot_root into them and
# exec the init. Everything mounted here is in D's mount namespace only.
d_boot() {
	local root=$1 m=$DDIR/mnt mode dev mnt opts c
	mode=$(d_mode)
	mkdir -p "$m" "$DDIR/upper" "$DDIR/work" "$DDIR/log" "$DDIR/data/docker-$mode" \
		"$DDIR/data/containerd-$mode" "$DDIR/data/containers" "$DDIR/data/dmig"
	mount -t overlay dmiglab-d-root -o "lowerdir=$root,upperdir=$DDIR/upper,workdir=$DDIR/work" "$m"
	mount -t proc proc "$m/proc"
	# sysfs mounted in D's network namespace shows D's devices
	mount -t sysfs sysfs "$m/sys"
	# each cgroup v1 hierarchy mounted again, its root D's cgroup namespace
	mount -t tmpfs -o mode=755 cgroup "$m/sys/fs/cgroup"
	while read -r mnt dev opts; do
		mkdir -p "$m$mnt"
		case $dev in
		cgroup2) mount -t cgroup2 cgroup2 "$m$mnt" ;;
		cgroup)
			opts=$(echo ",$opts," | sed 's/,r[ow],/,/; s/^,//; s/,$//')
			# a named hierarchy without controllers must say so
			case ,$opts, in *,name=*) [ "$(echo "$opts" | tr ',' '\n' | grep -vc '^name=')" -gt 0 ] || opts=none,$opts ;; esac
			mount -t cgroup -o "$opts" cgroup "$m$mnt"
			;;
		esac
	done < <(cgroup_mounts)
	mount -o remount,ro,bind "$m/sys/fs/cgroup" 2>/dev/null || true
	mount --rbind /dev "$m/dev"
	mount -t tmpfs -o mode=1777,nosuid,nodev shm "$m/dev/shm"
	mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$m/dev/pts"
	mount --bind "$m/dev/pts/ptmx" "$m/dev/ptmx"
	mount -t tmpfs -o mode=755,nosuid,nodev run "$m/run"
	# /tmp a tmpfs, as Debian 13 and later have it (and not overlayfs, which
	# keeps trusted.overlay.* xattrs to itself)
	mount -t tmpfs -o mode=1777,nosuid,nodev tmp "$m/tmp"
	mkdir -p "$m/run/dmig-lab" "$m/etc/dmig-lab" "$m/var/log/dmig-lab"
	mount --bind "$DDIR/etc" "$m/etc/dmig-lab"
	mount -o remount,ro,bind "$m/etc/dmig-lab"
	mount --bind "$DDIR/log" "$m/var/log/dmig-lab"
	for c in docker containerd; do
		mkdir -p "$m/var/lib/$c"
		mount --bind "$DDIR/data/$c-$mode" "$m/var/lib/$c"
	done
	for c in containers dmig; do
		mkdir -p "$m/var/lib/$c"
		mount --bind "$DDIR/data/$c" "$m/var/lib/$c"
	done
	chmod 700 "$m/var/lib/dmig"
	echo "dmiglab-$DHOST" >"$m/etc/hostname"
	cd "$m" || exit 1
	mkdir -p .dmiglab-oldroot
	pivot_root . .dmiglab-oldroot
	cd /
	umount -l /.dmiglab-oldroot
	rmdir /.dmiglab-oldroot
	exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
		/usr/bin/tini -- /bin/bash /etc/dmig-lab/init.sh
}

# D's processes start in their own child cgroup of this one's, in every
# hierarchy: its containers' cgroups nest under it
d_cgroups() {
	local dev mnt opts rel
	: >"$DDIR/cgroups"
	while read -r mnt dev opts; do
		# this process's cgroup in that hierarchy (v1: by a controller or
		# name it holds; v2: the 0:: line)
		rel=$(awk -F: -v dev="$dev" -v opts=",$opts," '
			dev == "cgroup2" && $1 == 0 { print $3; exit }
			dev == "cgroup" && $1 != 0 { n = split($2, c, ","); for (i = 1; i <= n; i++) if (index(opts, "," c[i] ",")) { print $3; exit } }' /proc/self/cgroup)
		[ -n "$rel" ] || continue
		mkdir -p "$mnt${rel%/}/dmiglab-$DHOST"
		# a new cpuset has no CPUs or memory nodes until given its parent's
		if [ -e "$mnt${rel%/}/dmiglab-$DHOST/cpuset.cpus" ]; then
			[ -n "$(cat "$mnt${rel%/}/dmiglab-$DHOST/cpuset.cpus")" ] || cat "$mnt$rel/cpuset.cpus" >"$mnt${rel%/}/dmiglab-$DHOST/cpuset.cpus"
			[ -n "$(cat "$mnt${rel%/}/dmiglab-$DHOST/cpuset.mems")" ] || cat "$mnt$rel/cpuset.mems" >"$mnt${rel%/}/dmiglab-$DHOST/cpuset.mems"
		fi
		echo "$mnt${rel%/}/dmiglab-$DHOST" >>"$DDIR/cgroups"
	done < <(cgroup_mounts)
}

# the A-side PIDs of the daemons D's init noted (its own PIDs for them)
d_record_daemons() {
	local sh c dpid name
	for sh in $(cat /proc/"$(d_pid init)"/task/*/children); do
		for c in $(cat /proc/"$sh"/task/*/children 2>/dev/null); do
			dpid=$(awk '/^NSpid:/ { print $NF }' "/proc/$c/status" 2>/dev/null) || continue
			for name in $D_DAEMONS; do
				[ "$(cat "/proc/$(d_pid init)/root/run/dmig-lab/pids/$name" 2>/dev/null)" = "$dpid" ] && d_record "$name" "$c"
			done
		done
	done
	for name in $D_DAEMONS; do d_alive "$name" || die "host $DNAME's $name did not start: $(tail -n3 "$DDIR/log/$name.log" 2>/dev/null)"; done
}

d_ready() { [ -e "/proc/$(d_pid init)/root/run/dmig-lab/ready" ]; }

start_d() {
	local root pid init i p
	need_root
	mkdir -p -m 0700 "$LAB"
	mkdir -p "$DPIDS"
	exec 8>"$DDIR/lock"
	flock 8
	if d_alive init; then
		make_keys_d "$(cat "$DDIR/root-in-use")"
		link_bd
		link_de
		# a daemon that died (a test kills engines) starts again, as D's
		# init started it
		for p in $D_DAEMONS; do
			d_alive "$p" || d_restart "$p"
		done
		say "lab: host $DNAME runs (pid $(d_pid init))"
		return 0
	fi
	root=$("$(dirname "$0")/lab-d-root.sh")
	# D's own changes belong to one root filesystem: a new recipe starts afresh
	if [ "$(cat "$DDIR/upper.root" 2>/dev/null)" != "$root" ]; then
		rm -rf "$DDIR/upper" "$DDIR/work"
		echo "$root" >"$DDIR/upper.root"
	fi
	echo "$root" >"$DDIR/root-in-use"
	make_keys_d "$root"
	rm -f "$DPIDS"/*
	d_cgroups
	ip link del "$VETH_AD" 2>/dev/null || true
	(
		while read -r c; do echo "$BASHPID" >"$c/cgroup.procs"; done <"$DDIR/cgroups"
		# D does not hold the lab's lock
		exec 8>&-
		exec unshare --net --mount --propagation private --pid --fork --cgroup --uts --ipc -- "$LABSH" _d-boot "$root"
	) </dev/null >"$DDIR/log/boot.log" 2>&1 &
	pid=$!
	init=
	for i in $(seq 1 50); do
		init=$(awk '{ print $1 }' "/proc/$pid/task/$pid/children" 2>/dev/null) || true
		[ -n "$init" ] && break
		sleep 0.1
	done
	[ -n "$init" ] || die "host $DNAME did not start: $(tail -n3 "$DDIR/log/boot.log")"
	d_record unshare "$pid"
	d_record init "$init"
	# a D that does not come up all the way is stopped again
	trap 'say "lab: host $DNAME did not come up; stopping it"; stop_d' EXIT
	# the link, into D's network namespace
	ip link add "$VETH_AD" type veth peer name "$VETH_DA" netns "$init"
	ip addr add "$ADDR_AD/30" dev "$VETH_AD"
	ip link set "$VETH_AD" up
	nsenter -t "$init" -n ip addr add "$DADDR/30" dev "$VETH_DA"
	nsenter -t "$init" -n ip link set "$VETH_DA" up
	# A's lab sshd (moves back from D) listens on A's end of the A-B link
	nsenter -t "$init" -n ip route replace "$ADDR_A/32" via "$ADDR_AD"
	for i in $(seq 1 900); do
		d_ready && break
		d_alive init || die "host $DNAME stopped while starting: $(tail -n3 "$DDIR/log/boot.log")"
		sleep 0.2
	done
	d_ready || die "host $DNAME's engines did not come up in 180 s; see $DDIR/log"
	d_record_daemons
	ssh -F "$LAB/home/.ssh/config" -o BatchMode=yes -o ConnectTimeout=5 "host$DNAME" true ||
		die "cannot log in to host $DNAME over SSH; see $DDIR/log/sshd.log"
	link_bd
	link_de
	trap - EXIT
	say "lab: host $DNAME runs (pid $(d_pid init), docker storage $(d_mode), $root)"
}

stop_d() {
	local name pid i c
	need_root
	mkdir -p "$DPIDS"
	exec 8>"$DDIR/lock"
	flock 8
	if d_alive init; then
		# its init stops the engines (their containers first) and sshd
		kill "$(d_pid init)"
		for i in $(seq 1 300); do d_alive init || break; sleep 0.2; done
		# what is still there ends with D's PID namespace
		d_alive init && kill -9 "$(d_pid init)"
	fi
	for name in unshare init $D_DAEMONS; do
		if d_alive "$name"; then
			pid=$(d_pid "$name")
			kill "$pid" 2>/dev/null || true
			for _ in $(seq 1 50); do d_alive "$name" || break; sleep 0.2; done
			d_alive "$name" && kill -9 "$pid"
		fi
		rm -f "$DPIDS/$name"
	done
	ip link del "$VETH_AD" 2>/dev/null || true
	if [ -s "$DDIR/cgroups" ]; then
		while read -r c; do
			[ ! -d "$c" ] || find "$c" -depth -type d -exec rmdir {} + 2>/dev/null || true
		done <"$DDIR/cgroups"
		rm -f "$DDIR/cgroups"
	fi
	say "lab: stopped host $DNAME"
}

status_d() {
	local p ok=0
	for p in unshare init $D_DAEMONS; do
		if d_alive "$p"; then echo "d-$p: running (pid $(d_pid "$p"))"; else echo "d-$p: stopped" && ok=1; fi
	done
	# what D runs, as its root filesystem was made
	if d_alive init && [ -s "$(cat "$DDIR/root-in-use")/etc/dmig-lab-root" ]; then
		echo "d-root: $(cat "$DDIR/root-in-use"), docker storage $(d_mode)"
		echo "d-versions: $(grep -v '^key \|^suite ' "$(cat "$DDIR/root-in-use")/etc/dmig-lab-root" | paste -sd, | sed 's/,/, /g')"
	fi
	return $ok
}

# d_attach FOLDER TARGET: this host's FOLDER bound at TARGET in D's mount
# namespace (lab-d-attach.c, built on first use)
d_attach() {
	local tool=$DDIR/bin/lab-d-attach src
	src=$(dirname "$0")/lab-d-attach.c
	if [ ! -x "$tool" ] || [ "$src" -nt "$tool" ]; then
		mkdir -p "$DDIR/bin"
		cc -O2 -Wall -Werror -o "$tool" "$src" || die "cannot build $tool"
	fi
	"$tool" "$1" "/proc/$(d_pid init)/ns/mnt" "$2"
}

# d_daemon NAME CMD...: one of D's daemons started again inside D, as its
# init starts them (in D's cgroups, its log, its PID noted there and here)
d_daemon() {
	local name=$1 dpid pid p
	shift
	(
		while read -r c; do echo "$BASHPID" >"$c/cgroup.procs"; done <"$DDIR/cgroups"
		exec 8>&-
		# the daemon is D's init's once this shell is gone
		in_d sh -c 'name=$1; shift; setsid "$@" >>/var/log/dmig-lab/$name.log 2>&1 </dev/null & echo $! >/run/dmig-lab/pids/$name' \
			sh "$name" "$@"
	) </dev/null >/dev/null 2>&1
	dpid=$(cat "/proc/$(d_pid init)/root/run/dmig-lab/pids/$name")
	# its PID here: the process of D's PID namespace that is dpid there
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$(readlink "/proc/$(d_pid init)/ns/pid")" ] || continue
		[ "$(awk '/^NSpid:/ { print $NF }' "$p/status" 2>/dev/null)" = "$dpid" ] || continue
		pid=${p#/proc/}
		break
	done
	[ -n "${pid:-}" ] || die "host $DNAME's $name did not start: $(tail -n3 "$DDIR/log/$name.log" 2>/dev/null)"
	d_record "$name" "$pid"
}

# d_restart NAME: one of D's daemons that died started again and waited
# for (its socket answers)
d_restart() {
	local i
	case $1 in
	containerd)
		rm -f "/proc/$(d_pid init)/root/run/containerd/containerd.sock"
		d_daemon containerd containerd
		for i in $(seq 1 600); do [ -S "/proc/$(d_pid init)/root/run/containerd/containerd.sock" ] && break; sleep 0.2; done
		;;
	dockerd)
		d_daemon dockerd dockerd --config-file /etc/dmig-lab/daemon.json --containerd=/run/containerd/containerd.sock
		d_wait dockerd /run/docker.sock /_ping
		;;
	podman)
		d_daemon podman podman system service --time=0 unix:///run/podman/podman.sock
		d_wait podman /run/podman/podman.sock /v5.0.0/libpod/_ping
		;;
	sshd)
		d_daemon sshd /usr/sbin/sshd -D -f /etc/dmig-lab/sshd_config -E /var/log/dmig-lab/sshd.log
		for i in $(seq 1 150); do [ -s "/proc/$(d_pid init)/root/run/sshd.pid" ] && break; sleep 0.2; done
		;;
	esac
	d_alive "$1" || die "host $DNAME's $1 did not start again: $(tail -n3 "$DDIR/log/$1.log" 2>/dev/null)"
	say "lab: host $DNAME's $1 started again"
}

# d_wait NAME SOCKET PATH: until D's daemon NAME answers PATH on SOCKET (120 s)
d_wait() {
	local i
	for i in $(seq 1 600); do
		in_d curl -sf --max-time 2 --unix-socket "$2" "http://d$3" >/dev/null 2>&1 && return 0
		d_alive "$1" || die "host $DNAME's $1 stopped: $(tail -n3 "$DDIR/log/$1.log")"
		sleep 0.2
	done
	die "host $DNAME's $1 does not answer on $2"
}

# d_switch_docker MODE: a running D's Docker (dockerd and containerd, which
# only Docker uses there) stopped, given MODE's data and configuration, and
# started again; Podman, sshd and D itself run on.
d_switch_docker() {
	local mode=$1 name pid c i
	for name in dockerd containerd; do
		d_alive "$name" || continue
		pid=$(d_pid "$name")
		# dockerd stops its containers first
		kill "$pid"
		for i in $(seq 1 300); do d_alive "$name" || break; sleep 0.2; done
		d_alive "$name" && kill -9 "$pid"
		rm -f "$DPIDS/$name"
	done
	echo "$mode" >"$DDIR/mode"
	d_daemon_json "$(cat "$DDIR/root-in-use")"
	for c in docker containerd; do
		mkdir -p "$DDIR/data/$c-$mode"
		# (lazily: a process of Docker's that outlived it keeps the old data)
		in_d umount -l /var/lib/$c || die "cannot unmount $DNAME's /var/lib/$c"
		d_attach "$DDIR/data/$c-$mode" /var/lib/$c || die "cannot give $DNAME's Docker the data of $mode"
	done
	rm -f "/proc/$(d_pid init)/root/run/containerd/containerd.sock"
	d_daemon containerd containerd
	for i in $(seq 1 600); do [ -S "/proc/$(d_pid init)/root/run/containerd/containerd.sock" ] && break; sleep 0.2; done
	d_daemon dockerd dockerd --config-file /etc/dmig-lab/daemon.json --containerd=/run/containerd/containerd.sock
	d_wait dockerd /run/docker.sock /_ping
	[ "$(in_d docker info -f '{{.Driver}}')" = "$([ "$mode" = snapshotter ] && echo overlayfs || echo overlay2)" ] ||
		die "host $DNAME's Docker does not run in $mode mode: $(in_d docker info -f '{{.Driver}}')"
}

# d-mode [overlay2|snapshotter]: Docker's storage on D; in a running D only
# Docker's daemons restart
cmd_d_mode() {
	case ${1:-} in
	"") d_mode ;;
	overlay2 | snapshotter)
		mkdir -p "$DDIR"
		[ "$(d_mode)" != "$1" ] || return 0
		exec 8>"$DDIR/lock"
		flock 8
		if d_alive init; then
			d_switch_docker "$1"
		else
			echo "$1" >"$DDIR/mode"
		fi
		say "lab: host $DNAME's docker storage is $1"
		;;
	*) die "d-mode takes overlay2 or snapshotter" ;;
	esac
}

env_d() {
	echo "DMIG_LAB_D_ALIAS=host$DNAME"
	echo "DMIG_LAB_D_ADDR=$DADDR"
	echo "DMIG_LAB_D_MODE=$(d_mode)"
	# D's client config, a path inside D (aliases hostA and hostB)
	echo "DMIG_LAB_D_SSH_CONFIG=/etc/dmig-lab/client_config"
	if d_alive init; then
		echo "DMIG_LAB_D_PID=$(d_pid init)"
		echo "DMIG_LAB_D_DOCKER_SOCK=/proc/$(d_pid init)/root/run/docker.sock"
		echo "DMIG_LAB_D_PODMAN_SOCK=/proc/$(d_pid init)/root/run/podman/podman.sock"
	fi
}
