#!/bin/sh
# Instructions the io threads of `sapa serve` spend per Twilio webhook, counted by callgrind:
# wall-clock figures drift too much on a shared machine to compare small changes, instruction
# counts do not. Starts the Release `sapa serve` under callgrind (one file per thread), zeroes
# the counters once it listens (so loading the scripts is not counted), drives it with
# bench/load_generator, dumps, and divides the instructions of the threads that ran HTTP
# sessions by the webhooks the database logged. The store's writer thread (SQL, the engine
# turn, the TwiML answer) is reported apart.
#
#   bench/io_cost.sh        BUILD (build-rel), PORT (18190), DURATION (20), CONNECTIONS (8),
#                           KEEP (a folder to keep the callgrind files in, for callgrind_annotate)
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-rel}
PORT=${PORT:-18190}
DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-8}

cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSAPA_BENCH=ON \
    -DCMAKE_CXX_FLAGS=-Wno-restrict >/dev/null
cmake --build "$BUILD" -j2 --target sapa load_generator >/dev/null

if [ -n "${KEEP:-}" ]; then
    WORK=$KEEP
    mkdir -p "$WORK"
    rm -f "$WORK"/cg* "$WORK"/sapa.db*
else
    WORK=$(mktemp -d)
fi
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
    if [ -z "${KEEP:-}" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT INT TERM
export TWILIO_AUTH_TOKEN=bench-twilio-token
cat >"$WORK/sapa.json" <<JSON
{
  "server": {"listen_address": "127.0.0.1", "port": $PORT, "io_threads": 2,
             "max_connections": 4096, "public_base_url": "http://127.0.0.1:$PORT"},
  "storage": {"database_path": "$WORK/sapa.db", "synchronous": "NORMAL"},
  "dialogs": {"paths": ["$(pwd)/dialogs"]},
  "channels": [{"name": "sms", "type": "twilio", "script": "lumajang",
                "number": "+6281100000000", "auth_token_env": "TWILIO_AUTH_TOKEN"}],
  "logging": {"level": "warn"}
}
JSON

valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$WORK/cg" \
    "$BUILD/src/cli/sapa" serve --config "$WORK/sapa.json" 2>"$WORK/valgrind.log" &
server=$!
tries=0
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -gt 600 ]; then
        echo "io_cost: sapa did not start" >&2
        cat "$WORK/valgrind.log" >&2
        exit 1
    fi
    sleep 0.1
done
callgrind_control -z "$server" >/dev/null 2>&1

# The load generator wants a server command of its own to start and stop: a stand-in that
# exits cleanly on SIGTERM, since sapa is already running under callgrind.
"$BUILD/bench/load_generator" --port "$PORT" --connections "$CONNECTIONS" \
    --duration "$DURATION" --warmup 1 --label io-cost \
    -- sh -c 'trap "kill \$!; exit 0" TERM; sleep 100000 & wait' | grep -v '^RESULT' || true
callgrind_control -d "$server" >/dev/null 2>&1
kill -TERM "$server"
wait "$server" || true
server=""

webhooks=$(sqlite3 "$WORK/sapa.db" "SELECT count(*) FROM messages WHERE direction = 'in'")
io=0
other=0
# The first dump is the one callgrind_control -d asked for (the second is the exit's).
for f in "$WORK"/cg.1-*; do
    ir=$(awk '/^(summary|totals):/ { print $2; exit }' "$f")
    if grep -q 'http_server::impl::session' "$f"; then
        io=$((io + ir))
    else
        other=$((other + ir))
    fi
done
echo "webhooks: $webhooks"
echo "io threads: $io instructions, $((io / webhooks)) per webhook"
echo "other threads: $other instructions, $((other / webhooks)) per webhook"
