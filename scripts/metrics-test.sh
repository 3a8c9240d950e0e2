#!/usr/bin/env bash
# CI: /metrics as Prometheus reads it. Starts the already-built sapa (nothing is compiled)
# with every kind of channel on a loopback port, sends a few signed webhooks (Twilio, Meta
# WhatsApp Cloud, generic JSON, and one badly signed), scrapes /metrics and checks it with
# `promtool check metrics` (Debian's prometheus package, installed here when missing).
#   scripts/metrics-test.sh [BUILD_DIR]     (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ops-lib.sh
build_dir=${1:-build}
sapa="$build_dir/src/cli/sapa"
if [ ! -x "$sapa" ]; then
  echo "metrics-test: no $sapa; build it first (scripts/test.sh)" >&2
  exit 1
fi
scripts/setup-debian.sh prometheus curl openssl

port=${SAPA_METRICS_TEST_PORT:-18091}
if ! port_is_free "$port"; then
  echo "metrics-test: 127.0.0.1:$port is in use; set SAPA_METRICS_TEST_PORT" >&2
  exit 1
fi
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

base="http://127.0.0.1:$port"
cat >"$work/sapa.json" <<JSON
{
  "server": {"listen_address": "127.0.0.1", "port": $port, "public_base_url": "$base"},
  "storage": {"database_path": "$work/sapa.db"},
  "dialogs": {"paths": ["$PWD/dialogs"]},
  "channels": [
    {"name": "sms", "type": "twilio", "script": "lumajang", "number": "+14155550100",
     "auth_token_env": "TWILIO_AUTH_TOKEN"},
    {"name": "wa", "type": "whatsapp_cloud", "script": "lumajang", "phone_number_id": "1234567890",
     "app_secret_env": "WHATSAPP_APP_SECRET", "verify_token_env": "WHATSAPP_VERIFY_TOKEN",
     "access_token_env": "WHATSAPP_ACCESS_TOKEN", "api_base_url": "http://127.0.0.1:9/v25.0"},
    {"name": "generic", "type": "generic_json", "script": "lumajang",
     "secret_env": "SAPA_GENERIC_SECRET"}
  ]
}
JSON
token=metrics-test-token
# shellcheck disable=SC2046 # channel_secrets is NAME=value words without spaces
env $(channel_secrets "$token") "$sapa" serve --config "$work/sapa.json" >"$work/sapa.log" 2>&1 &
server_pid=$!
if ! wait_ready "$base/readyz" 30 "$server_pid"; then
  cat "$work/sapa.log" >&2
  exit 1
fi

hmac256() { printf '%s' "$2" | openssl dgst -sha256 -hmac "$1" -r | cut -d' ' -f1; }
post_json() {  # URL HEADER BODY: prints the status
  curl -s -o /dev/null -w '%{http_code}' -X POST "$1" -H 'Content-Type: application/json' \
    -H "$2" --data-binary "$3"
}
SAPA_URL="$base/webhooks/sms" TWILIO_AUTH_TOKEN="$token" \
  scripts/twilio-webhook.sh +6281234567890 "halo" >/dev/null
SAPA_URL="$base/webhooks/sms" TWILIO_AUTH_TOKEN="wrong" \
  scripts/twilio-webhook.sh +6281234567890 "halo" >/dev/null
meta='{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"6281100000000","phone_number_id":"1234567890"},"contacts":[{"profile":{"name":"Budi"},"wa_id":"6281234567891"}],"messages":[{"from":"6281234567891","id":"wamid.METRICS1","timestamp":"1718000000","type":"text","text":{"body":"halo"}}]}}]}]}'
status=$(post_json "$base/webhooks/wa" "X-Hub-Signature-256: sha256=$(hmac256 test-app-secret "$meta")" "$meta")
[ "$status" = 200 ] || { echo "metrics-test: the Meta webhook got $status" >&2; cat "$work/sapa.log" >&2; exit 1; }
generic='{"id":"g-metrics-1","from":"+6281234567892","text":"halo"}'
status=$(post_json "$base/webhooks/generic" "X-Sapa-Signature: sha256=$(hmac256 test-generic-secret "$generic")" "$generic")
[ "$status" = 200 ] || { echo "metrics-test: the generic webhook got $status" >&2; cat "$work/sapa.log" >&2; exit 1; }

curl -fsS "$base/metrics" >"$work/metrics.txt"
for series in 'sapa_http_requests_total{route="/webhooks/{channel}",status="200"}' \
              'sapa_http_requests_total{route="/webhooks/{channel}",status="403"}' \
              'sapa_messages_received_total{channel="wa"}' \
              'sapa_webhook_duration_seconds_count{channel="sms"}' \
              'sapa_store_commit_duration_seconds_count' 'sapa_store_commit_batch_size_bucket'; do
  grep -qF "$series" "$work/metrics.txt" \
    || { echo "metrics-test: no $series in /metrics" >&2; cat "$work/metrics.txt" >&2; exit 1; }
done
if ! promtool check metrics <"$work/metrics.txt"; then
  echo "metrics-test: promtool refuses /metrics:" >&2
  cat "$work/metrics.txt" >&2
  exit 1
fi
echo "metrics-test: /metrics has $(grep -vc '^#' "$work/metrics.txt") samples; promtool accepts it"
