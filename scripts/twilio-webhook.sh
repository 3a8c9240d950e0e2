#!/usr/bin/env bash
# Sends one SMS to a running `sapa serve` exactly as Twilio would: form-encoded, with a valid
# X-Twilio-Signature. For trying Sapa without a real number.
#
#   TWILIO_AUTH_TOKEN=secret scripts/twilio-webhook.sh +6281234567890 "halo"
#   SAPA_URL=http://127.0.0.1:8080/webhooks/sms (default) names the channel's webhook.
#   SAPA_SIGNED_URL: the URL Twilio calls (server.public_base_url + /webhooks/sms), which the
#   signature covers, when Sapa is reached through another one (a proxy); default SAPA_URL.
set -euo pipefail
from=${1:?usage: twilio-webhook.sh FROM TEXT}
text=${2:?usage: twilio-webhook.sh FROM TEXT}
url=${SAPA_URL:-http://127.0.0.1:8080/webhooks/sms}
token=${TWILIO_AUTH_TOKEN:?set TWILIO_AUTH_TOKEN to the channel auth token}
sid="SM$(date +%s%N | sha256sum | cut -c1-32)"
to=${SAPA_TO:-+14155550100}
# Twilio signs the URL followed by every parameter name and value, sorted by name.
signed="${SAPA_SIGNED_URL:-$url}Body${text}From${from}MessageSid${sid}To${to}"
signature=$(printf '%s' "$signed" | openssl dgst -sha1 -hmac "$token" -binary | base64)
curl -sS -X POST "$url" -H "X-Twilio-Signature: $signature" \
  --data-urlencode "Body=$text" --data-urlencode "From=$from" \
  --data-urlencode "MessageSid=$sid" --data-urlencode "To=$to"
echo
