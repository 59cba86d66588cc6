#!/bin/bash
# The real-workload tests' PostgreSQL container (tests/integration/test_real.sh):
# stock PostgreSQL 15 with its data folder on a named volume (0700 postgres)
# and its socket in /run/postgresql (the writable layer), and one client
# session that inserts a numbered row every 50 ms and never reconnects.
set -e
export DMIG_AS_UID=$(id -u postgres) DMIG_AS_GID=$(id -g postgres)
shim=/usr/local/lib/dmig-asuser.so bin=/usr/lib/postgresql/15/bin D=/var/lib/postgresql/data
install -d -o postgres -g postgres -m 2775 /run/postgresql
chown postgres:postgres "$D"
chmod 0700 "$D"
if [ ! -s "$D/PG_VERSION" ]; then
	LD_PRELOAD=$shim "$bin/initdb" -D "$D" -U postgres --auth=trust >/tmp/initdb.log 2>&1
	chown -R postgres:postgres "$D"
fi
LD_PRELOAD=$shim "$bin/postgres" -D "$D" -k /run/postgresql -c listen_addresses='' -c fsync=off >/tmp/pg.log 2>&1 &
until psql -X -U postgres -h /run/postgresql -Atc 'select 1' >/dev/null 2>&1; do sleep 0.1; done
psql -X -q -U postgres -h /run/postgresql -c 'create table if not exists t (n int primary key)'
(
	echo 'select pg_backend_pid();'
	i=0
	while :; do
		i=$((i + 1))
		echo "insert into t values ($i);"
		sleep 0.05
	done
) | psql -X -q -At -U postgres -h /run/postgresql -v ON_ERROR_STOP=1 >/tmp/session 2>&1 &
wait
