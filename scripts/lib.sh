# Shared helpers for dmig's setup scripts (sourced, not run).
# Every change a script makes is said on stderr with "setup: ".

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

need_root() {
	[ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages and starts engines)"
}

# backup FILE: keep one copy of a file before its first edit by dmig.
backup() {
	if [ -e "$1" ] && [ ! -e "$1.dmig-orig" ]; then
		cp -a "$1" "$1.dmig-orig"
		say "backed up $1 to $1.dmig-orig"
	fi
}

# wait_for CMD...: run CMD every 0.2 s until it succeeds, at most 60 s.
wait_for() {
	local i
	for i in $(seq 1 300); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# real_binary NAME PATH...: where the engine's init binary NAME really lives
# when it is a symlink (Debian's docker-init and catatonit are), else
# nothing. CRIU 4's mount engine cannot restore a bind mount from a symlink,
# and the engines bind their init into every --init container.
real_binary() {
	local name=$1 p
	shift
	for p in "$@" $(command -v "$name" 2>/dev/null); do
		if [ -L "$p" ] && [ -f "$p" ]; then
			readlink -f "$p"
			return 0
		fi
		[ -e "$p" ] && return 0
	done
	return 0
}

# d_up LABSH: lab host D running, and stopped again when this script ends
# if this script is what started it
d_up() {
	case $("$1" env) in
	*DMIG_LAB_D_PID=*) ;;
	*) trap "\"$1\" stop-d" EXIT ;;
	esac
	"$1" start-d
}
