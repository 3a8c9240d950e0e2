#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz/) and runs each for SECONDS (default
# 20) from its seed corpus in tests/fuzz/corpus/<target>/. New inputs go to
# build-fuzz/corpus/<target>/ (the seeds in the repository are never changed); a crash
# leaves its input in build-fuzz/artifacts/ and fails the script. See docs/fuzzing.md.
#   scripts/fuzz.sh             # every target, 20 s each (CI)
#   scripts/fuzz.sh 600 fuzz_twilio
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
scripts/setup-debian.sh clang libclang-rt-14-dev
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DSAPA_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target sapa_fuzz
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(fuzz_dialog_loader fuzz_twilio fuzz_whatsapp_cloud fuzz_generic_json fuzz_form
           fuzz_sms fuzz_answers)
fi
mkdir -p build-fuzz/artifacts
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t"
  echo "== $t: ${seconds}s"
  status=0
  "build-fuzz/tests/fuzz/$t" "build-fuzz/corpus/$t" "tests/fuzz/corpus/$t" \
    -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="build-fuzz/artifacts/$t-" -print_final_stats=1 \
    >"build-fuzz/$t.log" 2>&1 || status=$?
  grep -E "^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::new_units_added|==[0-9]+==ERROR|SUMMARY|Test unit written)" \
    "build-fuzz/$t.log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 40 "build-fuzz/$t.log" >&2
    echo "$t failed (exit $status): the input is in build-fuzz/artifacts/; see docs/fuzzing.md" >&2
    exit 1
  fi
done
