#!/usr/bin/env bash
# Install wrk, the HTTP load generator of bench/api (and of its smoke test in make test).
#
# Idempotent and quiet: with wrk on PATH it prints nothing and exits 0. As root with
# apt-get it installs Debian's wrk package non-interactively; otherwise it says what to
# install and exits 1.
set -euo pipefail

command -v wrk >/dev/null 2>&1 && exit 0

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-wrk: wrk is missing; installing it with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends wrk >/dev/null 2>&1 || {
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends wrk >/dev/null
    }
    command -v wrk >/dev/null 2>&1 && exit 0
    echo "ensure-wrk: wrk is still missing after apt-get install wrk" >&2
    exit 1
fi

echo "ensure-wrk: wrk is missing; bench/api needs it. Install it with: sudo apt-get install wrk" >&2
exit 1
