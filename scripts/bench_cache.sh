#!/usr/bin/env bash
# Cache benchmark (issue "Redis cache"): applications per second and latency with every
# agency answer cached in Redis, reports written durably, against actix-web's hello world
# measured in the same run. Load tool (oha) and servers share this machine, on loopback.
#
#   scripts/bench_cache.sh [DURATION] [CONNECTIONS]      defaults: 20s 64
#
# Needs redis-server and oha (`cargo install oha --locked`). Starts its own Redis on a free
# port, `hub serve` (embedded mocks, SQLite with synchronous=FULL in a temporary directory)
# and the hello-world example; stops them all on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-20s}
CONNECTIONS=${2:-64}
WORK=$(mktemp -d)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 100); do curl -sf "$1" >/dev/null && return 0; sleep 0.2; done; echo "no answer from $1" >&2; exit 1; }

cargo build --release --quiet --bin hub --bin cache-bench --example hello_world

REDIS_PORT=$(free_port); HUB_PORT=$(free_port); HELLO_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no >"$WORK/redis.log" 2>&1 &
PIDS+=($!)

export HUB__SERVER__BIND="127.0.0.1:$HUB_PORT"
export HUB__STORE__URL="sqlite://$WORK/hub.db"
export HUB__CACHE__REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
export RUST_LOG=${RUST_LOG:-info,sqlx=warn}
# One caller sends every request here: lift the per-caller limit (200/s by default).
export HUB__SERVER__RATE_LIMIT_PER_S=1000000 HUB__SERVER__RATE_LIMIT_BURST=1000000
target/release/hub serve >"$WORK/hub.log" 2>&1 &
PIDS+=($!)
target/release/examples/hello_world "127.0.0.1:$HELLO_PORT" >/dev/null 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$HUB_PORT/healthz"
wait_http "http://127.0.0.1:$HELLO_PORT/"

TOKEN=$(target/release/hub token --role admin --region 5 --ttl 2h)
# A two-member household: eight member × agency answers per application.
python3 - "$WORK/body.json" <<'PY'
import json, sys
apps = json.load(open("mocks/fixtures/demo_applications.json"))
body = next(a["application"] for a in apps if a["name"] == "dibao_a_elderly_couple")
json.dump(body, open(sys.argv[1], "w"), ensure_ascii=False)
PY
URL="http://127.0.0.1:$HUB_PORT/api/v1/applications?wait=10"
post() { curl -sf -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data-binary "@$WORK/body.json" "$URL"; }
post >/dev/null   # fills the cache
post | python3 -c "$(cat <<'PY'
import json, sys
app = json.load(sys.stdin)
sources = [s for m in app["report"]["members"] for s in m["sources"].values()]
assert app["status"] == "completed" and all(s["cached"] for s in sources), app
print("warm: %d of %d sources cached, verdict %s" % (len(sources), len(sources), app["report"]["verdict"]))
PY
)"
echo "redis keys: $(redis-cli -p "$REDIS_PORT" dbsize)"

summary() { python3 -c "$(cat <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); s = r["summary"]; p = r["latencyPercentiles"]
codes = r.get("statusCodeDistribution", {})
print("%-24s %7.0f req/s  p50 %6.2f ms  p99 %6.2f ms  success %.4f  status %s"
      % (sys.argv[2], s["requestsPerSec"], p["p50"] * 1000, p["p99"] * 1000, s["successRate"], codes))
PY
)" "$1" "$2"; }
load() { # NAME, then oha arguments
  local name=$1; shift
  oha --no-tui --output-format json -z "$DURATION" "$@" >"$WORK/$name.json"
  summary "$WORK/$name.json" "$name"
}
HUB_ARGS=(-m POST -H "Authorization: Bearer $TOKEN" -T application/json -D "$WORK/body.json" "$URL")
echo "== $(nproc) cores, $DURATION per run, $CONNECTIONS connections for the open-throttle runs"
load "hello world, max" -c "$CONNECTIONS" "http://127.0.0.1:$HELLO_PORT/"
load "hub, max" -c "$CONNECTIONS" "${HUB_ARGS[@]}"
load "hello world, 1000 rps" -c "$CONNECTIONS" -q 1000 --latency-correction "http://127.0.0.1:$HELLO_PORT/"
load "hub, 1000 rps" -c "$CONNECTIONS" -q 1000 --latency-correction "${HUB_ARGS[@]}"
target/release/cache-bench "redis://127.0.0.1:$REDIS_PORT" 10 16
curl -s "http://127.0.0.1:$HUB_PORT/readyz" | python3 -c "$(cat <<'PY'
import json, sys
agencies = json.load(sys.stdin).get("agencies", {})
print("agency calls in the whole run (warm-up included):", sum(a.get("calls", 0) for a in agencies.values()))
PY
)"
echo "cache degraded during the runs: $(grep -c 'cache degraded' "$WORK/hub.log" || true) times"
