#!/bin/sh
# The load benchmark: builds in Release, runs the bare Beast server, `sapa serve` and
# bench/in_memory_server (sapa serve without storage, or with the least durable storage)
# under bench/load_generator in each scenario, and prints a table. Everything stays on
# 127.0.0.1 and stops by itself (about 8 minutes; DURATION=5 for a quicker pass).
#
#   bench/run.sh                 all scenarios
#   bench/run.sh 1k              only the scenarios whose name contains "1k"
#
# Environment: BUILD (build-rel), DURATION (measured seconds per scenario, 12), WARMUP (2),
# PORT (18080), CONNS_BIG (512), RESIDENTS (walking residents per scenario, 1000),
# KEEP (a folder to keep the databases and logs in, instead of a temporary one).
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-rel}
DURATION=${DURATION:-12}
WARMUP=${WARMUP:-2}
PORT=${PORT:-18080}
CONNS_BIG=${CONNS_BIG:-512}
RESIDENTS=${RESIDENTS:-1000}
FILTER=${1:-}

# -Wno-restrict: GCC 12 reports a false -Wrestrict in Release builds (GCC bug 105329).
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSAPA_BENCH=ON \
    -DCMAKE_CXX_FLAGS=-Wno-restrict >/dev/null
cmake --build "$BUILD" -j2 --target sapa load_generator bare_server populate_contacts \
    store_bench engine_bench in_memory_server sqlite_floor >/dev/null

if [ -n "${KEEP:-}" ]; then
    WORK=$KEEP
    mkdir -p "$WORK"
else
    WORK=$(mktemp -d)
    trap 'rm -rf "$WORK"' EXIT INT TERM
fi
SAPA=$BUILD/src/cli/sapa
LOADGEN=$BUILD/bench/load_generator
export TWILIO_AUTH_TOKEN=bench-twilio-token
RESULTS=$WORK/results.txt
: >"$RESULTS"

# config FILE DB SYNC [BATCH_MAX BATCH_WAIT_MS]
config() {
    batching=""
    if [ -n "${4:-}" ]; then
        batching=", \"batch_max_messages\": $4, \"batch_max_wait_ms\": $5"
    fi
    cat >"$1" <<JSON
{
  "server": {"listen_address": "127.0.0.1", "port": $PORT, "io_threads": 2,
             "max_connections": 4096, "public_base_url": "http://127.0.0.1:$PORT"},
  "storage": {"database_path": "$2", "synchronous": "$3"$batching},
  "dialogs": {"paths": ["$(pwd)/dialogs"]},
  "channels": [{"name": "sms", "type": "twilio", "script": "lumajang",
                "number": "+6281100000000", "auth_token_env": "TWILIO_AUTH_TOKEN"}],
  "logging": {"level": "warn"}
}
JSON
}

# A database with N contacts, made once per run and copied for each scenario.
template() {
    n=$1
    if [ ! -f "$WORK/template-$n.db" ]; then
        "$BUILD/bench/populate_contacts" "$WORK/template-$n.db" "$n" >&2
    fi
    echo "$WORK/template-$n.db"
}

wanted() {
    [ -z "$FILTER" ] || case "$1" in *"$FILTER"*) return 0 ;; *) return 1 ;; esac
}

# bare NAME CONNECTIONS
bare() {
    wanted "$1" || return 0
    "$LOADGEN" --label "$1" --port "$PORT" --connections "$2" --duration "$DURATION" \
        --warmup "$WARMUP" --residents "$RESIDENTS" --log "$WORK/$1.log" \
        -- "$BUILD/bench/bare_server" "$PORT" 2 | tee -a "$RESULTS"
}

# memory NAME CONNECTIONS [RATE [floor]]: everything of `sapa serve` but storage (the
# ceiling); with "floor", plus the least durable SQLite write of each message
memory() {
    wanted "$1" || return 0
    config "$WORK/$1.json" "$WORK/unused.db" FULL
    floor_db=$WORK/$1-floor.db
    rm -f "$floor_db" "$floor_db-wal" "$floor_db-shm"
    floor_args=""
    if [ "${4:-}" = floor ]; then floor_args="--floor-db $floor_db"; fi
    # shellcheck disable=SC2086 # floor_args is empty or two words
    "$LOADGEN" --label "$1" --port "$PORT" --connections "$2" --duration "$DURATION" \
        --warmup "$WARMUP" --residents "$RESIDENTS" --rate "${3:-0}" --log "$WORK/$1.log" \
        -- "$BUILD/bench/in_memory_server" serve --config "$WORK/$1.json" $floor_args |
        tee -a "$RESULTS"
    rm -f "$floor_db" "$floor_db-wal" "$floor_db-shm"
}

# sapa NAME CONTACTS CONNECTIONS SYNC [RATE [BATCH_MAX BATCH_WAIT_MS]]
sapa() {
    wanted "$1" || return 0
    db=$WORK/$1.db
    rm -f "$db" "$db-wal" "$db-shm"
    if [ "$2" -gt "$RESIDENTS" ]; then cp "$(template "$2")" "$db"; fi
    config "$WORK/$1.json" "$db" "$4" "${6:-}" "${7:-}"
    "$LOADGEN" --label "$1" --port "$PORT" --connections "$3" --duration "$DURATION" \
        --warmup "$WARMUP" --residents "$RESIDENTS" --population "$2" --rate "${5:-0}" \
        --verify-db "$db" --log "$WORK/$1.log" \
        -- "$SAPA" serve --config "$WORK/$1.json" | tee -a "$RESULTS" || true
    rm -f "$db" "$db-wal" "$db-shm"
}

rate_of() {
    awk -v l="$1" '$1 == "RESULT" && $2 == "label=" l { sub("rate=", "", $3); print $3 }' "$RESULTS"
}

bare bare-64 64
bare bare-$CONNS_BIG "$CONNS_BIG"
memory memory-64 64
memory memory-$CONNS_BIG "$CONNS_BIG"
memory floor-64 64 0 floor
memory floor-$CONNS_BIG "$CONNS_BIG" 0 floor
# At the p99 target's rate (half of 15,000 msg/s), open loop: without storage, and with the
# least durable storage.
memory memory-64-half-target 64 7500
memory floor-64-half-target 64 7500 floor
sapa sapa-1k-full-64 1000 64 FULL
sapa sapa-1k-full-$CONNS_BIG 1000 "$CONNS_BIG" FULL
sapa sapa-1k-normal-64 1000 64 NORMAL
sapa sapa-100k-full-64 100000 64 FULL
sapa sapa-1M-full-64 1000000 64 FULL
sapa sapa-1M-full-$CONNS_BIG 1000000 "$CONNS_BIG" FULL
sapa sapa-1M-normal-64 1000000 64 NORMAL
# p99 at half the closed-loop rate, open loop (latency counted from when a request was due),
# with the default batching (256 messages; after a small batch, up to 2 ms for 16 to gather)
# and without any wait (256, 0 ms: session 4's default).
full=$(rate_of sapa-1k-full-64)
if [ -n "$full" ] && wanted sapa-1k-full-64-half; then
    sapa sapa-1k-full-64-half 1000 64 FULL $((${full%.*} / 2))
    sapa sapa-1k-full-64-half-w0 1000 64 FULL $((${full%.*} / 2)) 256 0
fi

echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), Linux $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '| %-22s | %9s | %8s | %7s | %7s | %7s | %8s | %8s | %8s |\n' scenario "msg/s" "x bare" p50_ms p99_ms p99.9_ms "srv CPU%" "peak MB" verified
printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' ------------------------ ----------: ---------: --------: --------: ---------: ---------: ---------: ---------
awk -v big="$CONNS_BIG" '
$1 == "RESULT" {
    for (i = 2; i <= NF; ++i) { split($i, kv, "="); v[kv[1]] = kv[2] }
    label = v["label"]; rates[label] = v["rate"]
    line[++n] = label; row[label] = sprintf("%9s | %%8s | %7s | %7s | %7s | %8s | %8s | %8s |",
        v["rate"], v["p50"], v["p99"], v["p999"], v["cpu"], v["rss_mb"], v["verified"])
}
END {
    for (i = 1; i <= n; ++i) {
        l = line[i]; ratio = "-"
        base = (l ~ "-" big "$") ? "bare-" big : "bare-64"
        if (l !~ /^bare/ && l !~ /half/ && rates[base] > 0) ratio = sprintf("%.3f", rates[l] / rates[base])
        printf("| %-22s | " row[l] "\n", l, ratio)
    }
}' "$RESULTS"

# Without HTTP: the store's write path (one writer thread) and the engine turn alone.
if wanted store; then
    echo
    rm -f "$WORK/store-bench.db" "$WORK/store-bench.db-wal" "$WORK/store-bench.db-shm"
    "$BUILD/bench/store_bench" --messages 100000 --db "$WORK/store-bench.db"
    "$BUILD/bench/engine_bench" | tail -1
    "$BUILD/bench/sqlite_floor" --db "$WORK/floor.db"
    rm -f "$WORK/floor.db" "$WORK/floor.db-wal" "$WORK/floor.db-shm"
    "$BUILD/bench/sqlite_floor" --state --db "$WORK/floor.db"
    rm -f "$WORK/floor.db" "$WORK/floor.db-wal" "$WORK/floor.db-shm"
fi
