# Shared by scripts/package-test.sh and scripts/container-test.sh: source it, do not run it.

# The endpoint that says Sapa is ready to serve: /readyz answers 200 once the database takes
# a write and every configured channel is on (/healthz is liveness only).
SAPA_READY_PATH=${SAPA_READY_PATH:-/readyz}

# The secrets of every channel of the shipped configs (config/, docker/ and packaging/
# sapa.json), as NAME=value words for env(1): with all of them set, every channel is on and
# /readyz can answer 200. The Twilio token is the one the tests sign with.
channel_secrets() {
  echo "TWILIO_AUTH_TOKEN=$1" WHATSAPP_APP_SECRET=test-app-secret \
    WHATSAPP_VERIFY_TOKEN=test-verify-token WHATSAPP_ACCESS_TOKEN=test-access-token \
    SAPA_GENERIC_SECRET=test-generic-secret
}

# public_base_url CONFIG_FILE: server.public_base_url of that config (the URL Twilio signs).
public_base_url() {
  sed -n 's/^ *"public_base_url": *"\([^"]*\)",*$/\1/p' "$1"
}

# Root runs commands as they are; another user through sudo (as scripts/setup-debian.sh does).
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"

# wait_ready URL SECONDS [PID]: polls URL until it answers 2xx. Fails after SECONDS, or as soon
# as process PID (the server, or the sudo that started it) has ended.
wait_ready() {
  local url=$1 seconds=$2 pid=${3:-}
  local deadline=$((SECONDS + seconds))
  while [ "$SECONDS" -lt "$deadline" ]; do
    curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null && return 0
    if [ -n "$pid" ] && [ ! -d "/proc/$pid" ]; then
      echo "the server ended before $url answered" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "$url did not answer within ${seconds}s" >&2
  return 1
}

# port_is_free PORT: nothing accepts connections on 127.0.0.1:PORT (curl exit 7: refused).
port_is_free() {
  local status=0
  curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/" || status=$?
  [ "$status" -eq 7 ]
}

# pack_deb BUILD_DIR: packs that build tree (nothing compiled) into BUILD_DIR/package/sapa_*.deb.
pack_deb() {
  rm -rf "$1/package"
  cpack --config "$1/CPackConfig.cmake" -G DEB -B "$1/package" >/dev/null
}

# timed NAME COMMAND...: runs COMMAND and says how long it took.
timed() {
  local name=$1 start=$SECONDS
  shift
  "$@"
  echo "== $name: $((SECONDS - start)) s"
}
