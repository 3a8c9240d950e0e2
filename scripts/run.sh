#!/usr/bin/env bash
# README command 1: install what is missing, build, and start `sapa serve` with the default
# config (embedded SQLite database, the bundled dialogs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target sapa
exec build/src/cli/sapa serve --config config/sapa.json "$@"
