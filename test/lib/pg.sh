# test/lib/pg.sh: throwaway PostgreSQL 15 servers for the tests (sourced).
#
#   pg_start NAME PORT [postgresql.conf line ...]
#       initdb + start a server listening on 127.0.0.1:PORT and a unix
#       socket in its own directory; trust authentication unless the
#       caller's lines or pg_hba say otherwise.  Exports PGHOST, PGPORT,
#       PGUSER, PGDATABASE and PG_DIR_<NAME> (the cluster's directory;
#       its pg_hba.conf is $dir/data/pg_hba.conf).
#   pg_hba NAME LINE...  replace pg_hba.conf with these lines and reload
#   pg_psql ...          psql -X -q -v ON_ERROR_STOP=1 against it
#   pg_stop NAME         stop it and remove its files
#
# Fixed test ports are 24xxx and 25xxx, below Linux's ephemeral range
# (32768-60999): a port in that range can be held by another connection's
# client side, even in TIME_WAIT, and then a server cannot bind it.
#
# initdb and postgres refuse to run as root, so as root they run as the
# postgres user.
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

_pg_as() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_dir() { echo "/tmp/pgwire-test-$1"; }

pg_start() {
	local name=$1 port=$2 dir
	shift 2
	dir=$(pg_dir "$name")
	_pg_as "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$dir"
	mkdir -p "$dir"
	if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
	_pg_as "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
		>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; return 1; }
	{
		echo "listen_addresses = '127.0.0.1'"
		echo "port = $port"
		echo "unix_socket_directories = '$dir'"
		echo "fsync = off"
		echo "max_connections = 100"
		for line in "$@"; do echo "$line"; done
	} >>"$dir/data/postgresql.conf"
	_pg_as "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
		{ cat "$dir/server.log"; return 1; }
	export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=postgres
}

pg_hba() {
	local name=$1 dir
	shift
	dir=$(pg_dir "$name")
	printf '%s\n' "$@" >"$dir/data/pg_hba.conf"
	_pg_as "$PGBIN/pg_ctl" -D "$dir/data" reload >/dev/null
	sleep 0.5
}

pg_psql() {
	psql -X -q -v ON_ERROR_STOP=1 "$@"
}

pg_stop() {
	local dir
	dir=$(pg_dir "$1")
	_pg_as "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	rm -rf "$dir"
}

# ok/not ok lines for suites: check NAME COMMAND...; end with check_done,
# which exits non-zero if any check failed.
_checks_failed=0
check() {
	local name=$1
	shift
	if "$@"; then
		echo "ok - $name"
	else
		echo "not ok - $name"
		_checks_failed=$((_checks_failed + 1))
	fi
}
check_done() {
	exit $((_checks_failed > 0))
}
