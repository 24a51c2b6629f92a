#!/usr/bin/env bash
# Install the Debian packages whose servers the sandbox and the tests start privately
# (topology/daemons): MariaDB and RabbitMQ. Their packaged services are never started:
# the tests run their own, on loopback and free ports.
#
# Idempotent and quiet: with everything installed it prints nothing and exits 0.
# As root with apt-get it installs the missing packages non-interactively, with service
# starts denied while it does (no package's postinst starts the machine's own MariaDB or
# RabbitMQ); otherwise it says what to install and exits 1.
set -euo pipefail

PACKAGES=(mariadb-server rabbitmq-server)

missing=()
for package in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f '${db:Status-Status}' "$package" 2>/dev/null || true)
    [[ $status == installed ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    cat >&2 <<MSG
install-sandbox-deps: missing Debian packages: ${missing[*]}.
The tests start private MariaDB and RabbitMQ servers from them. Install them with:
    sudo apt-get install --no-install-recommends ${missing[*]}
(without them those tests are skipped, loudly; under CI=true they fail).
MSG
    exit 1
fi

echo "install-sandbox-deps: installing ${missing[*]}" >&2
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
    # deny every service start while installing; removed again afterwards
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
for package in "${missing[@]}"; do
    status=$(dpkg-query -W -f '${db:Status-Status}' "$package" 2>/dev/null || true)
    if [[ $status != installed ]]; then
        echo "install-sandbox-deps: $package is still missing after apt-get install" >&2
        exit 1
    fi
done
