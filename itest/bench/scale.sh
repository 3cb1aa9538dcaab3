#!/usr/bin/env bash
# Scale note (itest/bench/README.md, issue 15): stored events/s with 1, 2 and
# 3 `periscope serve` nodes on one Postgres, and the Postgres CPU each stored
# event costs. For N nodes it runs N `periscope bench` clients at once, one per
# node, CONC/N connections each (so the total offered concurrency is the
# same), sums what each node stored, and reads the CPU time of every postgres
# process (children reaped included) before and after.
# Usage: itest/bench/scale.sh [DURATION]   (needs root for the throwaway cluster)
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-30s}
CONC=${CONC:-24}
OUT=$(mktemp -d /tmp/periscope-scale.XXXXXX)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGDATA=$OUT/pgdata
cleanup() {
	kill $(jobs -p) 2>/dev/null || true
	wait 2>/dev/null || true
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$OUT"
}
trap cleanup EXIT

go build -o "$OUT/periscope" ./core/cmd/periscope
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"

mkdir -p "$PGDATA" && chown postgres "$OUT" "$PGDATA"
runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" -A trust -U postgres >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$OUT/pg.log" -o "-p 19142 -k $OUT -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB" start >/dev/null
PGURL="postgres://postgres@127.0.0.1:19142/postgres?sslmode=disable"
POSTMASTER=$(head -1 "$PGDATA/postmaster.pid")
echo "== PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}'), fsync on, synchronous_commit on"

# pgticks: CPU clock ticks of the postmaster, its live children, and the
# children it reaped.
pgticks() {
	local total=0 pid
	for pid in $POSTMASTER $(pgrep -P "$POSTMASTER"); do
		[ -r /proc/$pid/stat ] || continue
		total=$((total + $(awk '{print $14+$15}' /proc/$pid/stat)))
	done
	echo $((total + $(awk '{print $16+$17}' /proc/$POSTMASTER/stat)))
}

KEY=scale-admin-key-0123456789
for N in 1 2 3; do
	PIDS=()
	for i in $(seq 1 "$N"); do
		dir=$OUT/n$N-$i port=$((19150 + i))
		mkdir -p "$dir"
		(cd "$dir" && exec env API_SECRET_KEY_ADMIN=$KEY PORT=$port POSTGRES_ENABLED=true PERISCOPE_POSTGRES_URL="$PGURL" \
			PERISCOPE_LOG_INGEST_SUMMARY_INTERVAL=0 "$OUT/periscope" serve >serve.log 2>&1) &
		PIDS+=($!)
	done
	for i in $(seq 1 "$N"); do
		for _ in $(seq 200); do curl -sf "http://127.0.0.1:$((19150 + i))/readyz" >/dev/null && break; sleep 0.1; done
	done
	DSN=$(curl -sf -H "Authorization: Bearer $KEY" -d "{\"name\":\"scale-$N\"}" "http://127.0.0.1:19151/api/admin/projects" |
		sed -n 's/.*"dsn":"\([^"]*\)".*/\1/p')
	[ -n "$DSN" ] || { echo "no project"; cat "$OUT/n$N-1/serve.log"; exit 1; }
	before=$(pgticks)
	t0=$(date +%s.%N)
	BPIDS=()
	for i in $(seq 1 "$N"); do
		"$OUT/periscope" bench --dsn "${DSN/127.0.0.1:19151/127.0.0.1:$((19150 + i))}" --admin-key $KEY \
			--duration "$DURATION" --concurrency $((CONC / N)) >"$OUT/bench-$N-$i.txt" 2>&1 &
		BPIDS+=($!)
	done
	wait "${BPIDS[@]}" || true
	# Stored is counted in Postgres: wait until the count stops moving (every
	# node's queue and spool drained), then stop the clock.
	count() { "$PGBIN/psql" -h 127.0.0.1 -p 19142 -U postgres -tA -c "SELECT count(*) FROM events e JOIN projects p ON p.id = e.project_id WHERE p.name = 'scale-$N'"; }
	stored=$(count) prev=-1
	while [ "$stored" != "$prev" ]; do prev=$stored; sleep 2; stored=$(count); done
	t1=$(date +%s.%N)
	t1=$(echo "$t1 - 2" | bc) # the last poll saw no change
	after=$(pgticks)
	for i in $(seq 1 "$N"); do
		echo "-- node $i: $(grep -E '^(accepted/s|status)' "$OUT/bench-$N-$i.txt" | tr '\n' ' ')"
	done
	hz=$(getconf CLK_TCK)
	awk -v n="$N" -v s="$stored" -v t="$(echo "$t1 - $t0" | bc)" -v d="$((after - before))" -v hz="$hz" 'BEGIN {
		printf "== %d node(s): %d events stored in %.1fs (send + settle) = %.0f stored/s; Postgres CPU %.1fs = %.0f us per stored event\n",
			n, s, t, s / t, d / hz, 1e6 * d / hz / (s > 0 ? s : 1) }'
	for p in "${PIDS[@]}"; do kill -TERM "$p"; done
	wait "${PIDS[@]}" 2>/dev/null || true
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
