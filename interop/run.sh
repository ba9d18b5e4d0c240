#!/usr/bin/env bash
# interop/run.sh: the runner's verdict on the real SimpleJWT, as CI runs it.
#
# Creates the two pinned virtual environments of interop/simplejwt (once; they are
# kept under target/interop), then for each set-up starts the Django project on
# 127.0.0.1 with a 2 s access and 8 s refresh lifetime (so expiry of both is observed), runs `jwt-conformance --strict` against it,
# and stops it. Every server started is stopped, also on failure or interruption.
# Exit status: 0 when every run passed, 1 otherwise.
#
# Usage: interop/run.sh [RUNNER]     (default: target/debug/jwt-conformance)
# Environment: REPEAT=N runs each set-up N times (a verdict that changes between runs
# on the same server is a runner bug); INTEROP_DIR (default target/interop).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNNER=${1:-$ROOT/target/debug/jwt-conformance}
WORK=${INTEROP_DIR:-$ROOT/target/interop}
REPEAT=${REPEAT:-1}
SERVE=$ROOT/interop/simplejwt/serve.sh
mkdir -p "$WORK/reports"

[ -x "$RUNNER" ] || { echo "interop: no runner at $RUNNER (build it with cargo build -p jwt-conformance)" >&2; exit 2; }

started=()
cleanup() {
    for state in "${started[@]}"; do
        "$SERVE" stop "$state" >/dev/null 2>&1 || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The Django project signs with this test-only key; the runner is given it too, so the
# @signed scenarios (validly signed tokens with broken claims) run against SimpleJWT.
export DJANGO_SECRET_KEY=interop-test-key-not-a-secret-0123456789abcdef

# Scenarios left out of the interop runs: each is a fault of SimpleJWT itself that our
# contract keeps as a check (validly signed tokens with non-integer time claims and the
# like, answered with 500 or accepted). The reasons stand next to the tags in
# features/signed-claims.feature.
SKIP_5='not @simplejwt-fault'
SKIP_4='not @simplejwt-fault and not @simplejwt4-fault'

failures=0
run_setup() {
    local name=$1 requirements=$2 skip=$3
    shift 3
    local venv=$WORK/venv-${requirements#requirements-}
    venv=${venv%.txt}
    "$SERVE" setup "$venv" "$ROOT/interop/simplejwt/$requirements"
    local i
    for ((i = 1; i <= REPEAT; i++)); do
        local state=$WORK/state-$name port
        port=$(free_port)
        rm -rf "$state"
        started+=("$state")
        env SIMPLEJWT_ACCESS_SECONDS=2 SIMPLEJWT_REFRESH_SECONDS=8 "$@" "$SERVE" start "$venv" "$port" "$state"
        echo "== interop: $name (run $i of $REPEAT) on 127.0.0.1:$port"
        if "$RUNNER" --base-url "http://127.0.0.1:$port" --strict \
            --inactive-username bob --inactive-password Bb12345678 \
            --signing-key "$DJANGO_SECRET_KEY" \
            --tags "$skip" \
            --junit "$WORK/reports/$name-$i.xml" --json "$WORK/reports/$name-$i.json" \
            --color never; then
            echo "== interop: $name passed"
        else
            echo "== interop: $name FAILED (server log: $state/gunicorn.log)" >&2
            failures=$((failures + 1))
        fi
        "$SERVE" stop "$state"
    done
}

run_setup simplejwt-5.5.1 requirements-5.5.1.txt "$SKIP_5"
run_setup simplejwt-5.5.1-rotation requirements-5.5.1.txt "$SKIP_5" SIMPLEJWT_ROTATE=1 SIMPLEJWT_BLACKLIST_AFTER_ROTATION=1
run_setup simplejwt-4.8.0 requirements-4.8.0.txt "$SKIP_4"
# Django's default PBKDF2 hasher: a few logins per second, so tokens can expire while
# requests queue; the runner must neither fail nor pass anything because of it.
run_setup simplejwt-5.5.1-pbkdf2 requirements-5.5.1.txt "$SKIP_5" SIMPLEJWT_FAST_HASHER=0

if [ "$failures" -gt 0 ]; then
    echo "interop: $failures run(s) failed" >&2
    exit 1
fi
echo "interop: every run passed"
