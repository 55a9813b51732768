#!/usr/bin/env bash
# Property-based API test: runs schemathesis (from PyPI) against a running `hub serve`,
# generating requests from the hub's own /api/v1/openapi.json with an admin token.
# A bounded run (SCHEMATHESIS_MAX_EXAMPLES per operation, default 100, fixed seed) of every
# check: no server error, every response as documented (status, content type, headers,
# schema), schema-violating input refused, methods, auth and links as documented. One
# check is left out: `positive_data_acceptance` expects every schema-valid body to be
# accepted, but some rules cannot be written in JSON Schema (an ID number's check digit
# and birth date, `temporary` only for program temporary, a real calendar date), so the
# parser rightly refuses such bodies with 422. Ends with a SIGTERM that must drain and exit 0.
#
# Usage: scripts/schemathesis.sh [path/to/hub]   (default target/debug/hub; run from the repo root)
set -euo pipefail

HUB=${1:-target/debug/hub}
SCHEMATHESIS_VERSION=4.32.5
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-100}
CHECKS=${SCHEMATHESIS_CHECKS:-all}
EXCLUDED=${SCHEMATHESIS_EXCLUDED_CHECKS:-positive_data_acceptance}

if ! python3 -m schemathesis.cli --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"

# A fresh SQLite file, the embedded mock agencies, and a rate limit schemathesis cannot reach.
HUB__STORE__URL="sqlite://$work/hub.db" \
HUB__SERVER__BIND="127.0.0.1:$port" \
HUB__SERVER__RATE_LIMIT_PER_S=1000000 \
HUB__SERVER__RATE_LIMIT_BURST=1000000 \
HUB__SERVER__SHUTDOWN_GRACE_S=10 \
HUB_LOG_FORMAT=json \
  "$HUB" serve >"$work/hub.log" 2>&1 &
hub_pid=$!
cleanup() {
  kill "$hub_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for _ in $(seq 1 120); do
  python3 -c "import urllib.request as u; u.urlopen('$base/healthz', timeout=2)" 2>/dev/null && break
  kill -0 "$hub_pid" 2>/dev/null || { cat "$work/hub.log"; echo "the hub did not start"; exit 1; }
  sleep 0.5
done

token=$("$HUB" token --role admin --region 1 --region 2 --region 3 --region 4 --region 5 --region 6 --ttl 2h)

status=0
(cd "$work" && python3 -m schemathesis.cli run "$base/api/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks "$CHECKS" \
  --exclude-checks "$EXCLUDED" \
  --max-examples "$MAX_EXAMPLES" \
  --seed "${SCHEMATHESIS_SEED:-20261124}" \
  --request-timeout 40 \
  --no-color \
  --suppress-health-check too_slow,filter_too_much) || status=$?

if grep -q '"level":"ERROR"' "$work/hub.log"; then
  echo "== errors the hub logged during the run:"
  grep '"level":"ERROR"' "$work/hub.log" | head -20
fi

# The run ends like a deployment does: SIGTERM, drain, exit 0.
kill -TERM "$hub_pid"
drained=0
wait "$hub_pid" || drained=$?
if [ "$drained" -ne 0 ]; then
  echo "the hub exited with status $drained after SIGTERM"
  status=1
fi
exit "$status"
