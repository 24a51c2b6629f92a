#!/usr/bin/env bash
# Install GraphiQL's scripts and styles, which the API serves itself at /graphql/assets/
# (no CDN: GraphiQL works on a machine without internet), from the npm packages pinned in
# topology/api/graphiql_assets/package-lock.json, into node_modules/ next to it (not in git).
#
# Needs npm (Node.js 18+) and the npm registry, at install time only. As root with apt-get
# it installs Debian's nodejs and npm when npm is missing; otherwise it says what to
# install and exits 1. make runs it when the lock file is newer than the installed files.
set -euo pipefail

ASSETS="$(cd "$(dirname "$0")/.." && pwd)/topology/api/graphiql_assets"

if ! command -v npm >/dev/null 2>&1; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "ensure-graphiql-assets: npm is missing; installing nodejs and npm with apt-get" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null 2>&1 || {
            apt-get update -qq
            apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
        }
    else
        echo "ensure-graphiql-assets: npm is missing; GraphiQL's files need it once." \
             "Install it with: sudo apt-get install nodejs npm" >&2
        exit 1
    fi
fi

cd "$ASSETS"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
