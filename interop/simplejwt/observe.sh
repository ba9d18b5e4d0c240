#!/usr/bin/env bash
# observe.sh: re-measure SimpleJWT. For each environment below, start a server with
# serve.sh, run probe.py against it, stop it. Transcripts (Markdown) go to OUT_DIR;
# OBSERVED.md was written from such a run.
#
# Usage: observe.sh OUT_DIR [PORT]
#   OUT_DIR   where venvs (venv-5.5.1, venv-4.8.0), state dirs and transcripts go
#   PORT      port on 127.0.0.1 to use (default 18500); one server at a time
#
# Environments (access lifetime 2 s everywhere):
#   5.5.1-default   rotation off                          all sections + accounts
#   5.5.1-rotate    SIMPLEJWT_ROTATE=1, ..._BLACKLIST_AFTER_ROTATION=1
#                                                         all sections + rotation
#   5.5.1-expiry    SIMPLEJWT_REFRESH_SECONDS=4           expiry
#   4.8.0-*         the same three with requirements-4.8.0.txt
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -ge 1 ] && [ $# -le 2 ] || { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
OUT=$1
PORT=${2:-18500}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

CURRENT_STATE=
cleanup() {
    if [ -n "$CURRENT_STATE" ]; then
        "$HERE/serve.sh" stop "$CURRENT_STATE" || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run NAME VERSION SECTIONS [VAR=VALUE ...]
run() {
    local name=$1 version=$2 sections=$3
    shift 3
    local venv=$OUT/venv-$version state=$OUT/state-$name
    echo "== $name"
    "$HERE/serve.sh" setup "$venv" "$HERE/requirements-$version.txt"
    CURRENT_STATE=$state
    env SIMPLEJWT_ACCESS_SECONDS=2 "$@" "$HERE/serve.sh" start "$venv" "$PORT" "$state"
    {
        echo "## $name"
        echo
        echo "Server environment: SIMPLEJWT_ACCESS_SECONDS=2 $*"
        echo "Packages: $("$venv/bin/python" -m pip freeze --disable-pip-version-check | tr '\n' ' ')"
        echo
        python3 "$HERE/probe.py" --port "$PORT" --venv "$venv" --state "$state" \
            --sections "$sections"
    } >"$OUT/$name.md"
    "$HERE/serve.sh" stop "$state"
    CURRENT_STATE=
}

ALL=login,user,refresh,verify,blacklist,options
for v in 5.5.1 4.8.0; do
    run "$v-default" "$v" "$ALL,accounts"
    run "$v-rotate" "$v" "$ALL,rotation" SIMPLEJWT_ROTATE=1 SIMPLEJWT_BLACKLIST_AFTER_ROTATION=1
    run "$v-expiry" "$v" expiry SIMPLEJWT_REFRESH_SECONDS=4
done
echo "transcripts in $OUT"
