#!/usr/bin/env bash
# Make sure "$PYTHON -m venv" works (Debian ships venv/ensurepip as python3-venv).
# Quiet when it already works; installs python3-venv as root with apt-get otherwise.
set -euo pipefail
PYTHON=${1:-python3}

"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || {
    echo "ensure-python-venv: $PYTHON is older than 3.11; install Python 3.11+ (or run make PYTHON=python3.11 ...)" >&2
    exit 1
}
"$PYTHON" -c 'import venv, ensurepip' 2>/dev/null && exit 0

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-python-venv: installing python3-venv" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
    exit 0
fi
echo "ensure-python-venv: '$PYTHON -m venv' is not available; install python3-venv" >&2
exit 1
