#!/usr/bin/env bash
# Fails when ctest would not run every doctest case exactly once: the number of doctest cases
# registered with ctest (label "doctest") must equal the number the test binaries list. A name
# that ctest splits or mangles shows up here as a difference (docs/testing.md).
#   scripts/check-test-count.sh BUILD_DIR
set -euo pipefail
build_dir=${1:?usage: scripts/check-test-count.sh BUILD_DIR}
listed=0
while read -r binary; do
  [ -n "$binary" ] || continue
  count=$("$binary" --count | sed -n 's/.*passing the current filters: \([0-9]*\).*/\1/p')
  [ -n "$count" ] || { echo "check-test-count: $binary did not report its count" >&2; exit 1; }
  listed=$((listed + count))
done < "$build_dir/doctest-binaries.txt"
registered=$(ctest --test-dir "$build_dir" -N -L '^doctest$' | sed -n 's/^Total Tests: \([0-9]*\)$/\1/p')
if [ "$listed" != "$registered" ]; then
  echo "check-test-count: the test binaries list $listed doctest cases, ctest has $registered" >&2
  exit 1
fi
echo "check-test-count: ctest runs all $listed doctest cases"
