# Shared by scripts/package-test.sh and scripts/container-test.sh: source it, do not run it.

# The endpoint that says Sapa is ready to serve. /readyz (issue 20) does not exist yet, so the
# package and container tests wait for /healthz (liveness only): switch the default to /readyz
# here when it lands.
SAPA_READY_PATH=${SAPA_READY_PATH:-/healthz}

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
