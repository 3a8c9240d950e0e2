#!/bin/sh
# Interleaved before/after runs of `sapa serve` against the floor store, at 64 connections,
# with the same load generator (this checkout's): the machine drifts by ±10 % between minutes,
# so only figures of the same pass are compared. Each pass runs the floor, the "before" Sapa
# and the "after" Sapa, in an order that rotates from pass to pass; then the "after" Sapa once
# more, open loop at half of its own rate, for p99.
#
#   BEFORE=OTHER_CHECKOUT/build-rel bench/before_after.sh [PASSES]
#
# Both builds must be Release builds with -DSAPA_BENCH=ON (bench/run.sh makes this checkout's
# in build-rel). Environment: AFTER (build-rel), FLOOR (the build whose in_memory_server
# --floor-db is the floor; AFTER), DURATION (10), WARMUP (2), PORT (18080),
# CONNS (64), RESIDENTS (1000), DIALOGS (dialogs; give the older checkout's when the scripts
# use something the older build does not know).
set -eu
cd "$(dirname "$0")/.."
BEFORE=${BEFORE:?set BEFORE to the build folder of the version to compare with}
AFTER=${AFTER:-build-rel}
PASSES=${1:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
PORT=${PORT:-18080}
CONNS=${CONNS:-64}
RESIDENTS=${RESIDENTS:-1000}
DIALOGS=$(cd "${DIALOGS:-dialogs}" && pwd)
LOADGEN=$AFTER/bench/load_generator
FLOOR=${FLOOR:-$AFTER}
export TWILIO_AUTH_TOKEN=bench-twilio-token
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM
RESULTS=$WORK/results.txt
: >"$RESULTS"

config() {  # FILE DB
    cat >"$1" <<JSON
{
  "server": {"listen_address": "127.0.0.1", "port": $PORT, "io_threads": 2,
             "max_connections": 4096, "public_base_url": "http://127.0.0.1:$PORT"},
  "storage": {"database_path": "$2", "synchronous": "FULL"},
  "dialogs": {"paths": ["$DIALOGS"]},
  "channels": [{"name": "sms", "type": "twilio", "script": "lumajang",
                "number": "+6281100000000", "auth_token_env": "TWILIO_AUTH_TOKEN"}],
  "logging": {"level": "warn"}
}
JSON
}

floor() {  # LABEL
    config "$WORK/floor.json" "$WORK/unused.db"
    rm -f "$WORK"/floor.db*
    "$LOADGEN" --label "$1" --port "$PORT" --connections "$CONNS" --duration "$DURATION" \
        --warmup "$WARMUP" --residents "$RESIDENTS" --log "$WORK/$1.log" \
        -- "$FLOOR/bench/in_memory_server" serve --config "$WORK/floor.json" \
        --floor-db "$WORK/floor.db" | tee -a "$RESULTS"
    rm -f "$WORK"/floor.db*
}

sapa() {  # LABEL BUILD [RATE]
    db=$WORK/$1.db
    rm -f "$db" "$db-wal" "$db-shm"
    config "$WORK/$1.json" "$db"
    "$LOADGEN" --label "$1" --port "$PORT" --connections "$CONNS" --duration "$DURATION" \
        --warmup "$WARMUP" --residents "$RESIDENTS" --rate "${3:-0}" --verify-db "$db" \
        --log "$WORK/$1.log" -- "$2/src/cli/sapa" serve --config "$WORK/$1.json" |
        tee -a "$RESULTS" || true
    rm -f "$db" "$db-wal" "$db-shm"
}

pass=1
while [ "$pass" -le "$PASSES" ]; do
    case $((pass % 3)) in
    1) floor "floor-p$pass"; sapa "before-p$pass" "$BEFORE"; sapa "after-p$pass" "$AFTER" ;;
    2) sapa "after-p$pass" "$AFTER"; floor "floor-p$pass"; sapa "before-p$pass" "$BEFORE" ;;
    0) sapa "before-p$pass" "$BEFORE"; sapa "after-p$pass" "$AFTER"; floor "floor-p$pass" ;;
    esac
    pass=$((pass + 1))
done
after_rate=$(awk '$1 == "RESULT" && $2 ~ /^label=after-p/ { sub("rate=", "", $3); s += $3; n++ }
                  END { if (n) printf "%d", s / n / 2 }' "$RESULTS")
sapa "after-half" "$AFTER" "$after_rate"
sapa "before-half" "$BEFORE" "$after_rate"

echo
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %-12s | %7s | %9s | %7s | %7s | %8s | %8s |\n' run "msg/s" "x floor" p50_ms p99_ms "srv CPU%" verified
awk '$1 == "RESULT" {
    for (i = 2; i <= NF; ++i) { split($i, kv, "="); v[kv[1]] = kv[2] }
    l = v["label"]; n = l; sub(/^[a-z]+-/, "", n)
    if (l ~ /^floor-/) floor[n] = v["rate"]
    order[++k] = l; pas[l] = n
    row[l] = sprintf("%7s | %%9s | %7s | %7s | %8s | %8s |", v["rate"], v["p50"], v["p99"], v["cpu"], v["verified"])
    rate[l] = v["rate"]
}
END {
    for (i = 1; i <= k; ++i) {
        l = order[i]; r = "-"
        if (l !~ /^floor/ && floor[pas[l]] > 0) r = sprintf("%.3f", rate[l] / floor[pas[l]])
        printf("| %-12s | " row[l] "\n", l, r)
    }
}' "$RESULTS"
