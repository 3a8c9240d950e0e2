#!/usr/bin/env bash
# Installs the Debian 12 packages Sapa builds with, if any is missing, and any packages
# named as arguments (scripts/fuzz.sh adds clang and libclang-rt-14-dev). Never install
# libboost-dev or libboost-all-dev: they are Boost 1.74 and remove 1.81.
set -euo pipefail
packages=(g++ cmake make libboost1.81-dev libboost-url1.81-dev nlohmann-json3-dev libcli11-dev
          libsqlitecpp-dev libsqlite3-dev libpq-dev doctest-dev libssl-dev prometheus-cpp-dev
          libsodium-dev pkg-config python3 "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
