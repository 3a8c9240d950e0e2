#!/bin/sh
# The bare Beast server under wrk (Debian package `wrk`) instead of bench/load_generator: a
# client that sends one fixed request body and so costs less per request than the generator,
# which signs a new body each time. Calibrates this machine against the issue's "bare Beast
# server ~50-70k requests/s".
#
#   bench/wrk_bare.sh        BUILD (build-rel), PORT (18280), DURATION (6)
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-rel}
PORT=${PORT:-18280}
DURATION=${DURATION:-6}
command -v wrk >/dev/null || { echo "wrk_bare: install wrk (apt-get install wrk)" >&2; exit 1; }
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSAPA_BENCH=ON \
    -DCMAKE_CXX_FLAGS=-Wno-restrict >/dev/null
cmake --build "$BUILD" -j2 --target bare_server >/dev/null

script=$(mktemp)
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
    rm -f "$script"
}
trap cleanup EXIT INT TERM
cat >"$script" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["X-Twilio-Signature"] = "0123456789abcdefghijklmnopq="
wrk.body = "AccountSid=ACbench&Body=tiga&From=%2B6281210000001" ..
           "&MessageSid=SM0123456789abcdef0123456789abcdef&NumMedia=0&To=%2B6281100000000"
LUA
"$BUILD/bench/bare_server" "$PORT" 2 &
server=$!
sleep 0.5
for connections in 64 512; do
    printf 'bare server, wrk, %s connections: ' "$connections"
    wrk -t1 -c"$connections" -d"$DURATION" -s "$script" "http://127.0.0.1:$PORT/webhooks/sms" |
        awk '/Requests\/sec/ { print $2 " req/s" }'
done
