#!/usr/bin/env bash
# dmig's SSH seam against the lab's real sshd on host B: commands, the
# engines' APIs through SSH, streaming into tar, strict host keys, no shell
# injection, and a dead link noticed in seconds.
. "$(dirname "$0")/lib.sh"
LABSH=$TOP/scripts/lab.sh
SSHCTL=$TOP/build/tests/sshctl
"$LABSH" start >/dev/null 2>&1 || true
eval "$("$LABSH" env)"
export DMIG_SSH_CONFIG

commands() {
	[ "$("$SSHCTL" hostB run uname -n)" = "$("$LABSH" exec uname -n)" ]
	# an argument full of shell meta-characters arrives as it was, unrun
	out=$("$SSHCTL" hostB run sh -c 'printf "%s|" "$@"' sh '$(touch /tmp/dmig-pwned)' "a'b" '`id`' 'x;y')
	[ "$out" = "\$(touch /tmp/dmig-pwned)|a'b|\`id\`|x;y|" ] || fail "got '$out'"
	"$LABSH" exec test ! -e /tmp/dmig-pwned || fail "a remote shell ran what it was given as data"
	expect_exit 1 "$SSHCTL" hostB run sh -c 'echo bad news >&2; exit 7'
	grep -q "exited 7: bad news" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
}

# The private socket folders (/tmp/dmig-ssh-<pid>-*) made since the test
# began whose process has ended: left behind (a live one's are its own).
sockets_left() {
	local d pid
	for d in $(find /tmp -maxdepth 1 -name 'dmig-ssh-*' -newer "$MADE_CTRS" 2>/dev/null); do
		pid=${d#/tmp/dmig-ssh-}
		pid=${pid%%-*}
		kill -0 "$pid" 2>/dev/null || echo "$d"
	done
}

engines_through_ssh() {
	# forwarding only (no other way given), whatever the run's DMIG_SSH_ENGINE_CHANNEL
	local f="env -u DMIG_SSH_ENGINE_CHANNEL"
	[ "$($f "$SSHCTL" hostB engine /var/run/docker.sock)" = "docker $("$LABSH" exec docker version -f '{{.Server.Version}}')" ]
	[ "$($f "$SSHCTL" hostB engine /run/podman/podman.sock)" = "podman $("$LABSH" exec podman version -f '{{.Server.Version}}')" ]
	expect_exit 3 $f "$SSHCTL" hostB engine /run/no-such-engine.sock
	grep -q "/run/no-such-engine.sock" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	# the private local sockets are gone afterwards
	[ -z "$(sockets_left)" ] || fail "forward sockets left behind: $(sockets_left)"
}

# As with a server libssh takes for another than OpenSSH (OpenSSH 10 with
# Debian 12's libssh): each connection runs the engine's dial-stdio there.
engines_through_dial_stdio() {
	local x="env DMIG_SSH_ENGINE_CHANNEL=exec"
	[ "$($x "$SSHCTL" hostB engine /var/run/docker.sock docker)" = "docker $("$LABSH" exec docker version -f '{{.Server.Version}}')" ]
	[ "$($x "$SSHCTL" hostB engine /run/podman/podman.sock podman)" = "podman $("$LABSH" exec podman version -f '{{.Server.Version}}')" ]
	# no engine there: one line with the command's exit status, soon
	start=$SECONDS
	expect_exit 3 timeout 60 $x "$SSHCTL" hostB engine /run/no-such-engine.sock docker
	grep -q "'docker -H unix:///run/no-such-engine.sock system dial-stdio' (DMIG_SSH_ENGINE_CHANNEL=exec) does not work (exit 1: .*no-such-engine.sock" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	[ $((SECONDS - start)) -le 15 ] || fail "took $((SECONDS - start)) s"
	# chosen: the server refuses the forward (no socket), then the command fails too
	expect_exit 3 timeout 60 env -u DMIG_SSH_ENGINE_CHANNEL "$SSHCTL" hostB engine /run/no-such-engine.sock podman
	grep -q "neither direct-streamlocal forwarding (libssh: .*) nor 'podman --url unix:///run/no-such-engine.sock system dial-stdio' (exit [0-9]*: .*) works" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	[ -z "$(sockets_left)" ] || fail "forward sockets left behind: $(sockets_left)"
}

stream_into_tar() {
	mkdir -p "$TMP/payload/sub"
	head -c 3000000 /dev/urandom >"$TMP/payload/big"
	echo small >"$TMP/payload/sub/small"
	tar -C "$TMP/payload" -cf "$TMP/payload.tar" .
	dest=/tmp/$P-put
	"$SSHCTL" hostB run mkdir -p "$dest"
	"$SSHCTL" hostB put "$TMP/payload.tar" "$dest"
	[ "$("$SSHCTL" hostB run sha256sum "$dest/big" | cut -d' ' -f1)" = "$(sha256sum "$TMP/payload/big" | cut -d' ' -f1)" ]
	[ "$("$SSHCTL" hostB run cat "$dest/sub/small")" = small ]
	# a failing remote writer is reported with its exit status
	echo "not a tar" >"$TMP/junk.tar"
	expect_exit 1 "$SSHCTL" hostB put "$TMP/junk.tar" "$dest"
	# a remote writer that exits at once, with much more still to send:
	# the sender is told (no write blocks for ever), at once
	head -c 24000000 /dev/urandom >"$TMP/payload/big"
	tar -C "$TMP/payload" -cf "$TMP/payload.tar" .
	start=$SECONDS
	expect_exit 1 timeout 60 "$SSHCTL" hostB put "$TMP/payload.tar" "/nonexistent/$P"
	grep -q "tar exited 2" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	[ $((SECONDS - start)) -le 10 ] || fail "took $((SECONDS - start)) s"
	"$SSHCTL" hostB run rm -rf "$dest"
}

host_keys() {
	sed "s|UserKnownHostsFile .*|UserKnownHostsFile $TMP/kh|" "$DMIG_SSH_CONFIG" >"$TMP/config"
	# unknown: refused, naming the file and the key
	: >"$TMP/kh"
	DMIG_SSH_CONFIG=$TMP/config expect_exit 3 "$SSHCTL" hostB run true
	grep -q "host not in $TMP/kh (its key is ssh-ed25519 SHA256:" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	# changed: refused
	ssh-keygen -q -t ed25519 -N '' -f "$TMP/otherkey"
	echo "$DMIG_LAB_ADDR $(cut -d' ' -f1-2 "$TMP/otherkey.pub")" >"$TMP/kh"
	DMIG_SSH_CONFIG=$TMP/config expect_exit 3 "$SSHCTL" hostB run true
	grep -q "differs from the one in $TMP/kh" "$TMP/stderr" || fail "$(cat "$TMP/stderr")"
	# bad target spellings never reach ssh
	expect_exit 2 "$SSHCTL" '-oProxyCommand=touch /tmp/x' run true
}

# A host on a port other than 22 whose known_hosts entry has no port: OpenSSH
# looks up "[host]:port", and when that has no entry at all, the bare host
# too (sshconnect.c, "checking without port identifier"). dmig answers as ssh
# does, from the same file; a wrong key is still refused.
# The host: an sshd of this test's own in host B's namespaces, its own host
# key, stopped by its PID.
portless_entry() {
	local port=$((22000 + RANDOM % 1000)) anchor rc
	ssh-keygen -q -t ed25519 -N '' -C "dmig test $P" -f "$TMP/pl-hostkey"
	cat >"$TMP/pl-sshd_config" <<-EOF
		ListenAddress $DMIG_LAB_ADDR:$port
		HostKey $TMP/pl-hostkey
		PidFile $TMP/pl-sshd.pid
		AuthorizedKeysFile $DMIG_LAB_DIR/b/etc/authorized_keys
		PermitRootLogin prohibit-password
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UsePAM no
	EOF
	anchor=$(cat "$DMIG_LAB_DIR/pids/anchor")
	# nsenter execs sshd: $! is sshd itself
	nsenter -t "$anchor" -m -n -- /usr/sbin/sshd -D -f "$TMP/pl-sshd_config" -E "$TMP/pl-sshd.log" </dev/null >/dev/null 2>&1 &
	sshd=$!
	trap 'kill "$sshd" 2>/dev/null; wait "$sshd" 2>/dev/null' EXIT
	wait_until 10 test -s "$TMP/pl-sshd.pid" || fail "the test's sshd did not start: $(cat "$TMP/pl-sshd.log")"
	[ "$(cat "$TMP/pl-sshd.pid")" = "$sshd" ] || fail "sshd runs as $(cat "$TMP/pl-sshd.pid"), not as recorded ($sshd)"
	sed -e "s|UserKnownHostsFile .*|UserKnownHostsFile $TMP/pl-kh|" -e "s|Port 22\$|Port $port|" "$DMIG_SSH_CONFIG" >"$TMP/pl-config"
	grep -q "Port $port" "$TMP/pl-config" || fail "no port in $(cat "$TMP/pl-config")"
	key=$(cut -d' ' -f1-2 "$TMP/pl-hostkey.pub")
	ssh-keygen -q -t ed25519 -N '' -f "$TMP/pl-otherkey"
	ssh-keygen -q -t ecdsa -N '' -f "$TMP/pl-ecdsakey"
	other=$(cut -d' ' -f1-2 "$TMP/pl-otherkey.pub") ecdsa=$(cut -d' ' -f1-2 "$TMP/pl-ecdsakey.pub")
	# known_hosts lines | dmig's exit | ssh's exit | what dmig says when it refuses
	while IFS='|' read -r lines want_dmig want_ssh says; do
		printf '%b' "$lines" >"$TMP/pl-kh"
		DMIG_SSH_CONFIG=$TMP/pl-config "$SSHCTL" hostB run true </dev/null >/dev/null 2>"$TMP/stderr" && rc=0 || rc=$?
		[ "$rc" = "$want_dmig" ] || fail "known_hosts '$lines': dmig exited $rc, not $want_dmig: $(cat "$TMP/stderr")"
		[ -z "$says" ] || grep -q -- "$says" "$TMP/stderr" || fail "known_hosts '$lines': $(cat "$TMP/stderr")"
		[ "$rc" = 0 ] || [ "$(wc -l <"$TMP/stderr")" = 1 ] || fail "not one line: $(cat "$TMP/stderr")"
		ssh -F "$TMP/pl-config" -o BatchMode=yes -o GlobalKnownHostsFile=/dev/null hostB true </dev/null >/dev/null 2>"$TMP/ssh.err" && rc=0 || rc=$?
		[ "$rc" = "$want_ssh" ] || fail "known_hosts '$lines': ssh exited $rc, not $want_ssh: $(cat "$TMP/ssh.err")"
	done <<-EOF
		$DMIG_LAB_ADDR $key\n|0|0|
		[$DMIG_LAB_ADDR]:$port $key\n|0|0|
		$DMIG_LAB_ADDR $other\n|3|255|the entry without a port holds another key
		[$DMIG_LAB_ADDR]:$port $other\n$DMIG_LAB_ADDR $key\n|3|255|differs from the one in $TMP/pl-kh
		[$DMIG_LAB_ADDR]:$port $ecdsa\n$DMIG_LAB_ADDR $key\n|3|255|differs from the one in $TMP/pl-kh
		[$DMIG_LAB_ADDR]:$port $ecdsa\n|3|255|differs from the one in $TMP/pl-kh
		[$DMIG_LAB_ADDR]:2 $key\n|3|255|host not in $TMP/pl-kh
	EOF
	# hashed names (ssh-keygen -H) are looked up the same way
	printf '%s %s\n' "$DMIG_LAB_ADDR" "$key" >"$TMP/pl-kh"
	ssh-keygen -q -H -f "$TMP/pl-kh" 2>/dev/null
	grep -q '^|1|' "$TMP/pl-kh" || fail "not hashed: $(cat "$TMP/pl-kh")"
	DMIG_SSH_CONFIG=$TMP/pl-config "$SSHCTL" hostB run true || fail "a hashed entry without a port"
	kill "$sshd"
	wait "$sshd" 2>/dev/null || true
	trap - EXIT
}

# Keys from ssh-agent: no IdentityFile in the config, the agent has the key.
agent_auth() {
	grep -v IdentityFile "$DMIG_SSH_CONFIG" >"$TMP/noid"
	eval "$(ssh-agent -s -a "$TMP/agent.sock")" >/dev/null
	agent=$SSH_AGENT_PID
	ssh-add -q "$DMIG_LAB_DIR/home/.ssh/id_ed25519" 2>/dev/null
	out=$(DMIG_SSH_CONFIG=$TMP/noid "$SSHCTL" hostB run echo agent-ok 2>&1) || true
	# and without the agent, the same config cannot log in
	SSH_AUTH_SOCK= DMIG_SSH_CONFIG=$TMP/noid "$SSHCTL" hostB run true 2>"$TMP/noagent" && rc=0 || rc=$?
	kill "$agent"
	[ "$out" = agent-ok ] || fail "with the agent: $out"
	[ "$rc" = 3 ] && grep -q "no key was accepted" "$TMP/noagent" || fail "without the agent: $rc $(cat "$TMP/noagent")"
}

dead_link() {
	# a command that would run for a minute; the link to B goes down
	"$SSHCTL" hostB run sleep 60 2>"$TMP/err" &
	pid=$!
	sleep 1
	start=$SECONDS
	ip link set dmiglab-a down
	wait "$pid" && rc=0 || rc=$?
	took=$((SECONDS - start))
	ip link set dmiglab-a up
	[ "$rc" != 0 ] || fail "the command 'succeeded' over a dead link"
	[ "$took" -le 15 ] || fail "the dead link took $took s to notice"
	grep -qi "ssh\|connection\|did not" "$TMP/err" || fail "$(cat "$TMP/err")"
	# the lab is fine again
	wait_until 10 "$SSHCTL" hostB run true
}

t "ssh: commands run as argv, with exit status and stderr" commands
t "ssh: the engines' APIs through SSH" engines_through_ssh
t "ssh: the engines' APIs through their dial-stdio" engines_through_dial_stdio
t "ssh: a stream into a remote tar, verified" stream_into_tar
t "ssh: unknown or changed host keys are refused" host_keys
t "ssh: a known_hosts entry without a port, for a port other than 22, as OpenSSH" portless_entry
t "ssh: keys from ssh-agent" agent_auth
t "ssh: a dead link is noticed in seconds" dead_link
