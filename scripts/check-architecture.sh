#!/usr/bin/env bash
# Fails when a file under src/ includes a module or an outside library that its module may
# not, by the rules in the ```layering block of docs/architecture.md.
#   scripts/check-architecture.sh               checks this checkout
#   scripts/check-architecture.sh --self-test   proves the check catches a violation
#   scripts/check-architecture.sh ROOT          checks ROOT/src against ROOT/docs/architecture.md
# A module is a folder of src/ (src/storage/<folder> is a module of its own). Quoted includes
# ("engine/engine.hpp") name a module by their first folder; an angle include with a "/" or
# ending in ".h" is an outside header and needs an "external" rule; the rest is the standard
# library.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

if [ "${1:-}" = --self-test ]; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  mkdir -p "$scratch/docs" "$scratch/src/gateway" "$scratch/src/engine"
  cp "$here/docs/architecture.md" "$scratch/docs/"
  printf '#include "engine/engine.hpp"\n#include <boost/asio/post.hpp>\n#include <vector>\n' \
    > "$scratch/src/gateway/bad.cpp"
  printf '#include "dialog/script.hpp"\n#include <nlohmann/json.hpp>\n' > "$scratch/src/engine/good.cpp"
  if output=$("$0" "$scratch" 2>&1); then
    echo "check-architecture self-test: a gateway file including the engine and Asio passed" >&2
    exit 1
  fi
  for expected in 'src/gateway/bad.cpp: gateway may not include "engine/engine.hpp"' \
                  'src/gateway/bad.cpp: gateway may not include <boost/asio/post.hpp>'; do
    grep -qF "$expected" <<<"$output" || {
      echo "check-architecture self-test: expected \"$expected\" in:" >&2
      echo "$output" >&2
      exit 1
    }
  done
  [ "$(grep -c 'may not include' <<<"$output")" = 2 ] || {
    echo "check-architecture self-test: the allowed includes were reported too:" >&2
    echo "$output" >&2
    exit 1
  }
  echo "check-architecture self-test: both violations caught, nothing else reported"
  exit 0
fi

root=${1:-$here}
rules_file="$root/docs/architecture.md"
[ -f "$rules_file" ] || { echo "check-architecture: no $rules_file" >&2; exit 1; }

declare -A allowed=()   # module -> " dep dep " (or " * ")
declare -A external=()  # outside header prefix -> " module module "
in_block=0
while IFS= read -r line; do
  if [ "$in_block" = 0 ]; then
    [ "$line" = '```layering' ] && in_block=1
    continue
  fi
  [ "$line" = '```' ] && break
  line=${line%%#*}
  [[ "$line" =~ [^[:space:]] ]] || continue
  key=${line%%:*}
  values=${line#*:}
  if [[ "$key" == external\ * ]]; then
    for prefix in ${key#external }; do external[$prefix]=" $values "; done
  else
    allowed[$key]=" $values "
  fi
done < "$rules_file"
[ "${#allowed[@]}" -gt 0 ] || { echo "check-architecture: no \`\`\`layering block in $rules_file" >&2; exit 1; }

module_of() {  # src-relative path -> module
  local first=${1%%/*} rest=${1#*/}
  if [ "$first" = storage ] && [[ "$rest" == */* ]] && [ -d "$root/src/storage/${rest%%/*}" ]; then
    echo "storage/${rest%%/*}"
  else
    echo "$first"
  fi
}

failures=0
fail() { echo "$1" >&2; failures=$((failures + 1)); }

while IFS= read -r -d '' file; do
  relative=${file#"$root/src/"}
  module=$(module_of "$relative")
  [ -n "${allowed[$module]+x}" ] || { fail "src/$relative: module $module has no rule in docs/architecture.md"; continue; }
  while IFS= read -r include; do
    if [[ "$include" =~ ^\"([^\"]+)\" ]]; then
      target=${BASH_REMATCH[1]}
      [[ "$target" == */* ]] || continue  # a file next to this one
      dep=$(module_of "$target")
      [ "$dep" = "$module" ] && continue
      [ -n "${allowed[$dep]+x}" ] || { fail "src/$relative: includes \"$target\", of no known module"; continue; }
      [[ "${allowed[$module]}" == *" * "* || "${allowed[$module]}" == *" $dep "* ]] ||
        fail "src/$relative: $module may not include \"$target\""
    elif [[ "$include" =~ ^\<([^\>]+)\> ]]; then
      target=${BASH_REMATCH[1]}
      [[ "$target" == */* || "$target" == *.h ]] || continue  # the standard library
      rule=""
      for prefix in "${!external[@]}"; do
        if [[ "$target" == "$prefix" || "$target" == "$prefix"/* || "$target" == "$prefix".* ]]; then
          [ ${#prefix} -gt ${#rule} ] && rule=$prefix
        fi
      done
      [ -n "$rule" ] || { fail "src/$relative: <$target> has no external rule in docs/architecture.md"; continue; }
      [[ "${allowed[$module]}" == *" * "* || "${external[$rule]}" == *" $module "* ]] ||
        fail "src/$relative: $module may not include <$target>"
    fi
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*\(["<][^">]*[">]\).*/\1/p' "$file")
done < <(find "$root/src" -type f \( -name '*.hpp' -o -name '*.cpp' -o -name '*.h' -o -name '*.in' \) -print0 | sort -z)

if [ "$failures" -gt 0 ]; then
  echo "check-architecture: $failures include(s) break the rules of docs/architecture.md" >&2
  exit 1
fi
echo "check-architecture: every include under src/ follows docs/architecture.md"
