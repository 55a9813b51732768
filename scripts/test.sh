#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs and starts what the tests need when
# it is missing (cargo-nextest, Redis, PostgreSQL, Chromium for the officers' browser
# tests), then runs every test of the workspace in one cargo invocation. This is the
# README's test command, and .ci/run runs it too. Extra arguments go to `cargo nextest run`.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing: $* (install them, or run this script as root to have it do so)" >&2
    exit 1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

ensure_nextest() {
  if ! cargo nextest --version >/dev/null 2>&1; then
    log "installing cargo-nextest"
    cargo install cargo-nextest --locked
  fi
}

# Redis (tests start their own redis-server and clusters on random ports) and PostgreSQL
# (tests create their own databases on 127.0.0.1:5432): installed when missing, started
# when down.
ensure_services() {
  local missing=()
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
  command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt_install "${missing[@]}"
  fi
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    log "starting redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  fi
  if ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
    log "starting postgresql"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1 && break; sleep 1; done
  fi
}

# Headless Chromium for the officers' browser tests (tests/api/ui_browser.rs), which fail
# rather than skip when CI is set and chromedriver is missing.
ensure_browser() {
  if [ ! -x /usr/bin/chromedriver ] || [ ! -x /usr/bin/chromium ]; then
    log "installing chromium and chromium-driver"
    apt_install chromium chromium-driver
  fi
}

ensure_nextest
ensure_services
ensure_browser

log "tests: cargo nextest run --workspace"
cargo nextest run --workspace --locked --no-fail-fast "$@"
