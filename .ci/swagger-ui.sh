#!/usr/bin/env bash
# Swagger UI in a real headless Chromium: the page at /docs must load offline, fetch
# nothing from outside, and render every operation of the contract. Run by .ci/run
# after the tests; needs Debian's chromium (installed there).
#
# Usage: .ci/swagger-ui.sh [SERVER_BINARY]   (default: target/debug/jwt-reference-server)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SERVER=${1:-$ROOT/target/debug/jwt-reference-server}
WORK=$(mktemp -d)
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

"$SERVER" --bind 127.0.0.1:0 >"$WORK/server.out" 2>"$WORK/server.log" &
server_pid=$!
for _ in $(seq 100); do
    addr=$(sed -n 's/.*listening on http:\/\/\([0-9.:]*\).*/\1/p' "$WORK/server.log")
    [ -n "$addr" ] && break
    sleep 0.1
done
[ -n "$addr" ] || { echo "swagger-ui: the server did not start" >&2; cat "$WORK/server.log" >&2; exit 1; }

# Flags from the machine notes: no sandbox as root, and no background networking, so
# Chromium sends nothing beyond 127.0.0.1.
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$WORK/profile" --virtual-time-budget=20000 \
    --dump-dom "http://$addr/docs" >"$WORK/dom.html" 2>"$WORK/chromium.log" || true

missing=0
for path in /api/token/ /api/token/refresh/ /api/token/verify/ /api/token/blacklist/ /api/user/; do
    if ! grep -q "data-path=\"$path\"" "$WORK/dom.html"; then
        echo "swagger-ui: operation $path is not rendered" >&2
        missing=1
    fi
done
grep -q 'SimpleJWT token API' "$WORK/dom.html" || { echo "swagger-ui: title not rendered" >&2; missing=1; }
grep -q 'class="btn authorize' "$WORK/dom.html" || { echo "swagger-ui: no Authorize button (Bearer scheme)" >&2; missing=1; }
if [ "$missing" -ne 0 ]; then
    echo "swagger-ui: rendered DOM kept in $ROOT/target/swagger-ui-dom.html" >&2
    mkdir -p "$ROOT/target" && cp "$WORK/dom.html" "$ROOT/target/swagger-ui-dom.html"
    exit 1
fi
echo "swagger-ui: /docs renders all 5 operations in headless Chromium ($(wc -c <"$WORK/dom.html") bytes of DOM)"
