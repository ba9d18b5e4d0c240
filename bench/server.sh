#!/usr/bin/env bash
# Throughput of the reference server against a bare poem handler, measured with wrk on
# loopback in one run, so the ratio is meaningful on any machine. The server is pinned
# to core 0 and wrk to core 1 (taskset), 16 connections, DURATION seconds each.
#
# Usage: bench/server.sh [DURATION]    (default 10; needs Debian's wrk)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${1:-10}
cd "$ROOT"
cargo build --release -q -p jwt-reference-server --example bare_poem
BIN=target/release

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

taskset -c 0 "$BIN/examples/bare_poem" 127.0.0.1:7101 & pids+=($!)
RUST_LOG=warn taskset -c 0 "$BIN/jwt-reference-server" --bind 127.0.0.1:7102 --access-ttl 1h & pids+=($!)
sleep 1
access=$(curl -s -X POST http://127.0.0.1:7102/api/token/ -H 'Content-Type: application/json' \
    -d '{"username":"alice","password":"Ab12345678"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access"])')

rate() { # URL [header]
    local args=(-t1 -c16 -d"${DURATION}s" --latency)
    [ $# -gt 1 ] && args+=(-H "$2")
    taskset -c 1 wrk "${args[@]}" "$1" | awk '/Requests\/sec/ {print $2}'
}
bare=$(rate http://127.0.0.1:7101/api/user/)
user=$(rate http://127.0.0.1:7102/api/user/ "Authorization: Bearer $access")
unauth=$(rate http://127.0.0.1:7102/api/user/)
printf '| endpoint | requests/s | vs bare poem |\n| --- | --- | --- |\n'
printf '| bare poem handler, `GET /api/user/` | %s | 1.00 |\n' "$bare"
python3 - "$bare" "$user" "$unauth" <<'PY'
import sys
bare, user, unauth = map(float, sys.argv[1:])
print(f"| reference server, `GET /api/user/` with a valid HS256 token | {user:.0f} | {user / bare:.2f} |")
print(f"| reference server, `GET /api/user/` without credentials (401) | {unauth:.0f} | {unauth / bare:.2f} |")
PY
