#!/usr/bin/env bash
# CI: the container image, built and run with Debian's podman. Nothing is compiled: the image
# is docker/Dockerfile.runtime around the Debian package of CI's own build (the one
# scripts/package-test.sh tried; packed here if it is missing). No image registry is reachable
# from CI, so the base image is made from Debian's archive with debootstrap. Then:
#   run it with its port published on 127.0.0.1, wait for SAPA_READY_PATH, check that Sapa
#   runs as a user other than root and answers a signed Twilio message, stop it (SIGTERM,
#   exit 0), and remove the container, its volume and the images.
#   scripts/container-test.sh [BUILD_DIR]    (default: build)
# SAPA_KEEP_BASE_IMAGE=1 keeps the base image for the next run (about a minute saved);
# SAPA_DEBIAN_MIRROR names another Debian mirror (default http://deb.debian.org/debian).
#
# podman on this kind of machine: its default runtime crun fails here (setrlimit, hybrid
# cgroups), runc works, with explicit ulimits; apt-get inside `podman build` needs the
# host's network.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ops-lib.sh
build_dir=${1:-build}
mirror=${SAPA_DEBIAN_MIRROR:-http://deb.debian.org/debian}
base_image=localhost/sapa-base:bookworm
image=localhost/sapa:ci-$$
container=sapa-ci-$$
host_port=${SAPA_CONTAINER_PORT:-18080}
token=container-test-token
runtime=(--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1000:1000)
podman=($sudo_cmd podman)

timed "install podman, runc, debootstrap" scripts/setup-debian.sh podman runc debootstrap curl openssl

if [ ! -x "$build_dir/src/cli/sapa" ] || [ ! -f "$build_dir/CPackConfig.cmake" ]; then
  echo "container-test: no $build_dir/src/cli/sapa to pack; build it first (scripts/test.sh)" >&2
  exit 1
fi
# The package scripts/package-test.sh just made, unless the binary is newer (or there is none).
debs=("$build_dir"/package/sapa_*.deb)
if [ ! -f "${debs[0]}" ] || [ "$build_dir/src/cli/sapa" -nt "${debs[0]}" ]; then
  timed "cpack" pack_deb "$build_dir"
  debs=("$build_dir"/package/sapa_*.deb)
fi
echo "container-test: ${debs[0]}"

work=$(mktemp -d)
cleanup() {
  "${podman[@]}" rm -f -v "$container" >/dev/null 2>&1 || true
  "${podman[@]}" rmi -f "$image" >/dev/null 2>&1 || true
  if [ "${SAPA_KEEP_BASE_IMAGE:-0}" != 1 ]; then
    "${podman[@]}" rmi -f "$base_image" >/dev/null 2>&1 || true
  fi
  $sudo_cmd rm -rf "$work"
}
trap cleanup EXIT

make_base_image() {
  local root=$work/rootfs
  $sudo_cmd debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; return 1; }
  # As debian:bookworm-slim: updates and security fixes too, no package lists or caches.
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s-security bookworm-security main\n' \
    "$mirror" "$mirror" "$mirror" | $sudo_cmd tee "$root/etc/apt/sources.list" >/dev/null
  $sudo_cmd rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin \
    "$root"/var/cache/apt/archives/*.deb
  $sudo_cmd tar -C "$root" -c . | "${podman[@]}" import - "$base_image" >/dev/null
  $sudo_cmd rm -rf "$root"
}
if "${podman[@]}" image exists "$base_image"; then
  echo "container-test: reusing $base_image"
else
  timed "debootstrap + podman import ($base_image)" make_base_image
fi

build_image() {
  mkdir -p "$work/context"
  cp "${debs[0]}" "$work/context/sapa.deb"
  cp docker/sapa.json "$work/context/sapa.json"
  # --format docker keeps the HEALTHCHECK (the OCI format has none).
  "${podman[@]}" build "${runtime[@]}" --network host --pull=never --format docker \
    --build-arg BASE_IMAGE="$base_image" -f docker/Dockerfile.runtime -t "$image" \
    "$work/context" >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; return 1; }
}
timed "podman build docker/Dockerfile.runtime" build_image
"${podman[@]}" image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' "$image"

if ! port_is_free "$host_port"; then
  echo "container-test: 127.0.0.1:$host_port is in use; set SAPA_CONTAINER_PORT" >&2
  exit 1
fi
start=$SECONDS
# The image's HEALTHCHECK runs on a systemd timer, and no systemd runs here: no timer, the
# check is run once by hand below. podman 4.3 still tries to add and remove the timer and
# logs "unable to get systemd connection to ... healthchecks" (level=error) for each; they
# change nothing.
"${podman[@]}" run -d "${runtime[@]}" --name "$container" -p "127.0.0.1:$host_port:8080" \
  --health-interval disable $(printf -- '-e %s ' $(channel_secrets "$token")) "$image" >/dev/null
# The pid of conmon, which watches the container: wait_ready gives up as soon as it ends.
conmon_pid=$("${podman[@]}" inspect -f '{{.State.ConmonPid}}' "$container")
if ! wait_ready "http://127.0.0.1:$host_port$SAPA_READY_PATH" 30 "$conmon_pid"; then
  "${podman[@]}" logs "$container" >&2 || true
  exit 1
fi
echo "== ready at $SAPA_READY_PATH: $((SECONDS - start)) s"

uid=$("${podman[@]}" exec "$container" id -u)
if [ "$uid" = 0 ]; then
  echo "container-test: sapa runs as root in the container" >&2
  exit 1
fi
echo "container-test: sapa runs as uid $uid"
"${podman[@]}" healthcheck run "$container" \
  || { echo "container-test: the image's HEALTHCHECK fails" >&2; exit 1; }
reply=$(SAPA_URL="http://127.0.0.1:$host_port/webhooks/sms" TWILIO_AUTH_TOKEN="$token" \
  SAPA_SIGNED_URL="$(public_base_url docker/sapa.json)/webhooks/sms" \
  scripts/twilio-webhook.sh +6281234567890 "halo")
if [[ "$reply" != *"<Message>"* ]]; then
  echo "container-test: the sms channel did not answer with a message: $reply" >&2
  "${podman[@]}" logs "$container" >&2 || true
  exit 1
fi

"${podman[@]}" stop -t 30 "$container" >/dev/null
"${podman[@]}" logs "$container"
status=$("${podman[@]}" inspect -f '{{.State.ExitCode}}' "$container")
if [ "$status" != 0 ]; then
  echo "container-test: sapa exited $status after podman stop (SIGTERM), not 0" >&2
  exit 1
fi
echo "container-test: the image builds from the package, serves as a non-root user and stops cleanly"
