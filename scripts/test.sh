#!/usr/bin/env bash
# README command 2: install what is missing, build, and run the whole test suite.
# SAPA_SANITIZE=1 builds and tests under AddressSanitizer + UndefinedBehaviorSanitizer instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
scripts/check-architecture.sh --self-test
scripts/check-architecture.sh
scripts/check-translations.py --self-test
scripts/check-translations.py
build_dir=build
options=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${SAPA_SANITIZE:-0}" = 1 ]; then
  build_dir=build-asan
  options=(-DCMAKE_BUILD_TYPE=Debug -DSAPA_SANITIZE=ON)
fi
cmake -S . -B "$build_dir" "${options[@]}" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" --timeout 120
scripts/check-test-count.sh "$build_dir"
