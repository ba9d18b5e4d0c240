#!/usr/bin/env bash
# serve.sh: run the interop Django + DRF + SimpleJWT project of this folder under
# gunicorn, on 127.0.0.1 only. Needs nothing but Python 3 (with its venv module) and
# access to PyPI for `setup`.
#
# Usage:
#   serve.sh setup  VENV REQUIREMENTS     create the virtualenv VENV (python3 -m venv)
#                                         and install the pinned packages; does nothing
#                                         when VENV already holds exactly that file's pins
#   serve.sh start  VENV PORT STATE_DIR   fresh sqlite db in STATE_DIR (migrated), users
#                                         alice/Ab12345678 (active, id 1) and
#                                         bob/Bb12345678 (inactive), then gunicorn on
#                                         127.0.0.1:PORT in the background; returns once
#                                         the server answers. Files in STATE_DIR:
#                                         db.sqlite3, gunicorn.pid, gunicorn.log
#                                         (errors), access.log, manage.log, server.env
#   serve.sh stop   STATE_DIR             stop that server (SIGTERM, then SIGKILL after
#                                         STOP_TIMEOUT) and wait until it has exited
#   serve.sh status STATE_DIR             say whether it runs (exit 0) or not (exit 1)
#
# Examples:
#   ./serve.sh setup /tmp/venv-551 requirements-5.5.1.txt
#   SIMPLEJWT_ACCESS_SECONDS=2 ./serve.sh start /tmp/venv-551 8551 /tmp/state-551
#   ./serve.sh stop /tmp/state-551
#
# Environment read by `start` and passed on to Django (see jwtsite/settings.py):
#   SIMPLEJWT_ACCESS_SECONDS            access token lifetime, seconds (default 300)
#   SIMPLEJWT_REFRESH_SECONDS           refresh token lifetime, seconds (default 86400)
#   SIMPLEJWT_ROTATE                    1: ROTATE_REFRESH_TOKENS (default 0)
#   SIMPLEJWT_BLACKLIST_AFTER_ROTATION  1: BLACKLIST_AFTER_ROTATION (default 0)
#   DJANGO_SECRET_KEY                   SECRET_KEY and HS256 signing key (default: a
#                                       fixed, public, test-only key)
#   SIMPLEJWT_FAST_HASHER               1 (default): passwords hashed with Django's
#                                       MD5PasswordHasher, the usual fast hasher of
#                                       test settings (test use only); 0: Django's
#                                       default PBKDF2
# Environment of the script itself:
#   PYTHON            interpreter used to create a venv (default python3)
#   GUNICORN_WORKERS  number of gunicorn sync workers (default 1)
#   START_TIMEOUT     seconds to wait for the server to answer (default 30)
#   STOP_TIMEOUT      seconds to wait after SIGTERM before SIGKILL (default 15)
#
# `start` never leaves a server behind when it fails: if the server does not answer
# in time (or the script is interrupted), the process it started is stopped.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROG=$(basename "$0")
STAMP_NAME=.interop-simplejwt-requirements

die() {
    echo "$PROG: $*" >&2
    exit 1
}

usage() {
    sed -n '2,/^set -euo/p' "$HERE/serve.sh" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
}

abspath() {
    # Absolute path of a file or folder that may not exist yet.
    local dir base
    dir=$(dirname -- "$1")
    base=$(basename -- "$1")
    mkdir -p -- "$dir"
    echo "$(cd -- "$dir" && pwd)/$base"
}

# True when process $1 exists and is not a zombie.
alive() {
    local pid=$1 state
    kill -0 "$pid" 2>/dev/null || return 1
    if [ -r "/proc/$pid/stat" ]; then
        # Field 3 of /proc/PID/stat, after the parenthesised command name.
        state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || state=
        [ "$state" != Z ] || return 1
    fi
    return 0
}

# True when process $1 looks like a gunicorn master (guards against a reused pid).
is_gunicorn() {
    local pid=$1 args=
    if [ -r "/proc/$pid/cmdline" ]; then
        args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || args=
    elif command -v ps >/dev/null 2>&1; then
        args=$(ps -o args= -p "$pid" 2>/dev/null) || args=
    fi
    case "$args" in
        *gunicorn*) return 0 ;;
        *) return 1 ;;
    esac
}

# Send SIGTERM to $1, wait up to STOP_TIMEOUT s, then SIGKILL and wait again.
terminate() {
    local pid=$1 timeout=${STOP_TIMEOUT:-15} waited=0
    alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    while alive "$pid"; do
        if [ "$waited" -ge $((timeout * 10)) ]; then
            echo "$PROG: pid $pid still running after ${timeout}s; sending SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
            waited=0
            while alive "$pid" && [ "$waited" -lt 100 ]; do
                sleep 0.1
                waited=$((waited + 1))
            done
            alive "$pid" && die "pid $pid survived SIGKILL"
            break
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    # A sync worker whose master vanished notices and exits by itself; reap nothing.
    return 0
}

requirements_hash() {
    # $1: python, $2: requirements file
    "$1" - "$2" <<'PY'
import hashlib, sys
data = open(sys.argv[1], "rb").read()
tag = "%d.%d" % sys.version_info[:2]
print(hashlib.sha256(data + b"\0python" + tag.encode()).hexdigest())
PY
}

check_imports() {
    "$1" -c 'import django, rest_framework, rest_framework_simplejwt, jwt, gunicorn' \
        >/dev/null 2>&1
}

cmd_setup() {
    [ $# -eq 2 ] || usage
    local venv req python want
    venv=$(abspath "$1")
    [ -f "$2" ] || die "no requirements file: $2"
    req=$(abspath "$2")
    python=$venv/bin/python

    if [ -x "$python" ] && [ -f "$venv/$STAMP_NAME" ]; then
        want=$(requirements_hash "$python" "$req")
        if [ "$(cat "$venv/$STAMP_NAME")" = "$want" ] && check_imports "$python"; then
            echo "$PROG: $venv already set up from $(basename "$req")"
            return 0
        fi
    fi

    if [ ! -x "$python" ]; then
        local base=${PYTHON:-python3}
        command -v "$base" >/dev/null 2>&1 || die "no $base found (set PYTHON)"
        echo "$PROG: creating virtualenv $venv with $("$base" --version 2>&1)"
        "$base" -m venv "$venv" || die "'$base -m venv' failed (on Debian: apt-get install python3-venv)"
    fi
    rm -f "$venv/$STAMP_NAME"
    echo "$PROG: installing $(basename "$req") into $venv"
    "$python" -m pip install --no-input --disable-pip-version-check --quiet -r "$req" \
        || die "pip install -r $req failed"
    check_imports "$python" || die "packages installed but cannot be imported"
    "$python" -m pip check --disable-pip-version-check >/dev/null \
        || die "pip check reports broken requirements in $venv"
    requirements_hash "$python" "$req" >"$venv/$STAMP_NAME"
    "$python" - <<'PY'
import django, rest_framework, jwt, gunicorn
from importlib.metadata import version
print("installed: Django %s, djangorestframework %s, djangorestframework-simplejwt %s, "
      "PyJWT %s, gunicorn %s" % (django.get_version(), rest_framework.VERSION,
      version("djangorestframework-simplejwt"), jwt.__version__, gunicorn.__version__))
PY
}

# Exit status 0 when something accepts TCP connections on 127.0.0.1:$2.
port_in_use() {
    "$1" - "$2" <<'PY'
import socket, sys
s = socket.socket()
s.settimeout(1)
try:
    s.connect(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

# Exit status 0 when GET /api/user/ on 127.0.0.1:$2 answers 401 (the expected
# answer without credentials), 1 otherwise.
answers() {
    "$1" - "$2" <<'PY'
import sys, urllib.request, urllib.error
url = "http://127.0.0.1:%s/api/user/" % sys.argv[1]
try:
    urllib.request.urlopen(url, timeout=2)
except urllib.error.HTTPError as e:
    sys.exit(0 if e.code == 401 else 3)
except Exception:
    sys.exit(1)
sys.exit(3)
PY
}

STARTED_PID=
PIDFILE=
on_start_exit() {
    local rc=$?
    if [ "$rc" -ne 0 ] && [ -n "$STARTED_PID" ]; then
        echo "$PROG: start failed; stopping the server it started (pid $STARTED_PID)" >&2
        terminate "$STARTED_PID" || true
        rm -f -- "$PIDFILE"
    fi
    exit "$rc"
}

cmd_start() {
    [ $# -eq 3 ] || usage
    local venv port state python gunicorn log
    venv=$(abspath "$1")
    port=$2
    case "$port" in
        '' | *[!0-9]*) die "PORT must be a number: $port" ;;
    esac
    [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "PORT out of range: $port"
    state=$(abspath "$3")
    python=$venv/bin/python
    gunicorn=$venv/bin/gunicorn
    [ -x "$python" ] && [ -x "$gunicorn" ] || die "$venv is not set up: run '$PROG setup $1 REQUIREMENTS'"
    mkdir -p -- "$state"
    PIDFILE=$state/gunicorn.pid
    log=$state/gunicorn.log

    if [ -f "$PIDFILE" ]; then
        local old
        old=$(cat "$PIDFILE" 2>/dev/null || true)
        if [ -n "$old" ] && alive "$old" && is_gunicorn "$old"; then
            die "a server from $state is already running (pid $old); stop it first"
        fi
        rm -f -- "$PIDFILE"
    fi
    if port_in_use "$python" "$port"; then
        die "127.0.0.1:$port is already in use"
    fi

    export DJANGO_SETTINGS_MODULE=jwtsite.settings
    export SIMPLEJWT_DB=$state/db.sqlite3
    export PYTHONDONTWRITEBYTECODE=1 # keep the source tree free of __pycache__
    rm -f -- "$SIMPLEJWT_DB" "$SIMPLEJWT_DB-journal" "$SIMPLEJWT_DB-wal" "$SIMPLEJWT_DB-shm"
    : >"$log"
    : >"$state/access.log"
    : >"$state/manage.log"

    (cd "$HERE" && "$python" manage.py migrate --noinput >>"$state/manage.log" 2>&1) \
        || { tail -n 30 "$state/manage.log" >&2; die "migrate failed (log: $state/manage.log)"; }
    (cd "$HERE" && "$python" manage.py seed_users >>"$state/manage.log" 2>&1) \
        || { tail -n 30 "$state/manage.log" >&2; die "creating users failed (log: $state/manage.log)"; }

    {
        echo "port=$port"
        echo "SIMPLEJWT_ACCESS_SECONDS=${SIMPLEJWT_ACCESS_SECONDS:-}"
        echo "SIMPLEJWT_REFRESH_SECONDS=${SIMPLEJWT_REFRESH_SECONDS:-}"
        echo "SIMPLEJWT_ROTATE=${SIMPLEJWT_ROTATE:-}"
        echo "SIMPLEJWT_BLACKLIST_AFTER_ROTATION=${SIMPLEJWT_BLACKLIST_AFTER_ROTATION:-}"
        echo "SIMPLEJWT_FAST_HASHER=${SIMPLEJWT_FAST_HASHER:-}"
        echo "DJANGO_SECRET_KEY=$([ -n "${DJANGO_SECRET_KEY:-}" ] && echo '(set)' || echo '(test-only default)')"
    } >"$state/server.env"

    trap on_start_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    "$gunicorn" jwtsite.wsgi:application \
        --chdir "$HERE" \
        --bind "127.0.0.1:$port" \
        --workers "${GUNICORN_WORKERS:-1}" \
        --graceful-timeout 5 \
        --error-logfile "$log" \
        --access-logfile "$state/access.log" \
        </dev/null >>"$log" 2>&1 &
    STARTED_PID=$!
    echo "$STARTED_PID" >"$PIDFILE"

    local timeout=${START_TIMEOUT:-30} tries=0 rc
    while :; do
        if ! alive "$STARTED_PID"; then
            tail -n 30 "$log" >&2
            die "gunicorn exited during start-up (log: $log)"
        fi
        rc=0
        answers "$python" "$port" || rc=$?
        if [ "$rc" -eq 0 ]; then
            break
        elif [ "$rc" -eq 3 ]; then
            die "127.0.0.1:$port answered, but not with 401 on /api/user/ (log: $log)"
        fi
        tries=$((tries + 1))
        if [ "$tries" -ge $((timeout * 5)) ]; then
            tail -n 30 "$log" >&2
            die "no answer on 127.0.0.1:$port after ${timeout}s (log: $log)"
        fi
        sleep 0.2
    done
    alive "$STARTED_PID" || die "gunicorn exited during start-up (log: $log)"
    trap - EXIT INT TERM
    echo "$PROG: serving on http://127.0.0.1:$port/ (pid $STARTED_PID, state $state)"
}

cmd_stop() {
    [ $# -eq 1 ] || usage
    local state pidfile pid
    state=$(cd -- "$1" 2>/dev/null && pwd) || { echo "$PROG: no state dir $1; nothing to stop"; return 0; }
    pidfile=$state/gunicorn.pid
    if [ ! -f "$pidfile" ]; then
        echo "$PROG: no pid file in $state; nothing to stop"
        return 0
    fi
    pid=$(cat "$pidfile" 2>/dev/null || true)
    case "$pid" in
        '' | *[!0-9]*) rm -f -- "$pidfile"; die "bad pid file $pidfile (removed)" ;;
    esac
    if alive "$pid"; then
        is_gunicorn "$pid" || { rm -f -- "$pidfile"; die "pid $pid is not gunicorn; not stopping it (stale pid file removed)"; }
        terminate "$pid"
        echo "$PROG: stopped pid $pid"
    else
        echo "$PROG: pid $pid was not running"
    fi
    rm -f -- "$pidfile"
}

cmd_status() {
    [ $# -eq 1 ] || usage
    local pidfile=$1/gunicorn.pid pid
    pid=$(cat "$pidfile" 2>/dev/null || true)
    if [ -n "$pid" ] && alive "$pid" && is_gunicorn "$pid"; then
        echo "running (pid $pid)"
        return 0
    fi
    echo "not running"
    return 1
}

[ $# -ge 1 ] || usage
sub=$1
shift
case "$sub" in
    setup) cmd_setup "$@" ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    -h | --help | help) usage ;;
    *) usage ;;
esac
