#!/usr/bin/env bash
# Measures Periscope's ingestion as itest/bench/README.md reports it, on this
# machine, in one run:
#   1. the null sink's rate (the baseline),
#   2. Periscope on SQLite at full speed for DURATION (default 60s), with the
#      rate at which events were fully stored,
#   3. accept latency at a steady 1,000 events/s,
#   4. RSS idle and at full load (VmRSS, VmHWM),
#   5. Periscope on Postgres at full speed (a throwaway cluster, or
#      PERISCOPE_BENCH_POSTGRES_URL).
# Usage: itest/bench/run.sh [DURATION]
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-60s}
CONC=${CONC:-16}
OUT=$(mktemp -d /tmp/periscope-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -n "${PGDATA:-}" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true' EXIT

go build -o "$OUT/periscope" ./core/cmd/periscope
go build -o "$OUT/nullsink" ./itest/bench/nullsink

echo "== machine"
echo "$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(go version | cut -d' ' -f3)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

rss() { awk '/VmRSS|VmHWM/{printf "%s %d MB  ", $1, $2/1024}' "/proc/$1/status"; echo; }

echo; echo "== null sink, $DURATION, $CONC connections"
"$OUT/nullsink" -addr 127.0.0.1:19100 2>/dev/null & NS=$!
sleep 0.5
"$OUT/periscope" bench --dsn http://0123456789abcdef0123456789abcdef@127.0.0.1:19100/1 --duration "$DURATION" --concurrency "$CONC"
kill $NS

serve() { # dir port [env...]
	local dir=$1 port=$2; shift 2
	mkdir -p "$dir"
	(cd "$dir" && exec env API_SECRET_KEY_ADMIN=bench-admin-key-0123456789 PORT=$port "$@" "$OUT/periscope" serve >serve.log 2>&1) & SERVER=$!
	for _ in $(seq 100); do
		kill -0 $SERVER 2>/dev/null || { echo "server exited:"; cat "$dir/serve.log"; exit 1; }
		curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return
		sleep 0.1
	done
	echo "server did not start"; cat "$dir/serve.log"; exit 1
}
project() { # port
	curl -sf -H 'Authorization: Bearer bench' -d "{\"name\":\"bench-$RANDOM\"}" "http://127.0.0.1:$1/api/admin/projects" |
		sed -n 's/.*"dsn":"\([^"]*\)".*/\1/p'
}

echo; echo "== periscope on SQLite, $DURATION, $CONC connections"
serve "$OUT/sqlite" 19101
sleep 2; echo -n "idle: "; rss $SERVER
DSN=$(project 19101)
"$OUT/periscope" bench --dsn "$DSN" --admin-key bench-admin-key-0123456789 --duration "$DURATION" --concurrency "$CONC"
echo -n "after full load: "; rss $SERVER

echo; echo "== periscope on SQLite, steady 1,000 events/s for 30s"
"$OUT/periscope" bench --dsn "$DSN" --admin-key bench-admin-key-0123456789 --duration 30s --concurrency 8 --rate 1000
kill -TERM $SERVER; wait $SERVER || true

echo; echo "== periscope on Postgres, $DURATION, $CONC connections"
PGURL=${PERISCOPE_BENCH_POSTGRES_URL:-}
if [ -z "$PGURL" ]; then
	PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
	PGDATA=$OUT/pgdata
	mkdir -p "$PGDATA" && chown postgres "$OUT" "$PGDATA"
	runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" -A trust -U postgres >/dev/null
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$OUT/pg.log" -o "-p 19132 -k $OUT -c listen_addresses=127.0.0.1 -c max_connections=100 -c shared_buffers=256MB" start >/dev/null
	PGURL="postgres://postgres@127.0.0.1:19132/postgres?sslmode=disable"
	echo "(throwaway cluster, PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}'), default durability: fsync on, synchronous_commit on)"
fi
serve "$OUT/postgres" 19102 POSTGRES_ENABLED=true PERISCOPE_POSTGRES_URL="$PGURL"
DSN=$(project 19102)
"$OUT/periscope" bench --dsn "$DSN" --admin-key bench-admin-key-0123456789 --duration "$DURATION" --concurrency "$CONC"
echo -n "after full load: "; rss $SERVER
kill -TERM $SERVER; wait $SERVER || true
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
