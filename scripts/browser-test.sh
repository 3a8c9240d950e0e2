#!/usr/bin/env bash
# Browser tests of the staff console: Debian's chromium (headless), driven by playwright-core
# from tests/browser, against the `sapa` already built in BUILD (default build/; nothing is
# compiled here). Starts `sapa serve` on 127.0.0.1 with a temporary config and database and a
# fake WhatsApp Cloud API, adds accounts with `sapa staff add`, and checks each page (axe-core:
# no serious or critical violation at 1280 and 360 px). Screenshots go to docs/console/.
# Installs chromium with apt when it is missing; never downloads a browser otherwise.
# Usage: scripts/browser-test.sh [BUILD]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
sapa="$build/src/cli/sapa"
if [ ! -x "$sapa" ]; then
  echo "browser-test: no $sapa; build first (cmake --build $build)" >&2
  exit 1
fi
if [ ! -x /usr/bin/chromium ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends chromium
fi
if ! command -v npm >/dev/null; then
  echo "browser-test: npm is missing (Debian: apt-get install npm)" >&2
  exit 1
fi
# The packages come from package-lock.json, through a cache kept beside the build.
cache="$(cd "$build" && pwd)/npm-cache"
(cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --cache "$cache" --prefer-offline \
   --no-audit --no-fund --loglevel=error)
started=$(date +%s)
node tests/browser/console.test.js "$sapa" docs/console
echo "browser-test: done in $(( $(date +%s) - started )) s"
