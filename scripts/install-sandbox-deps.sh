#!/usr/bin/env bash
# Install the Debian packages the sandbox and its tests use: the servers the sandbox starts
# privately (topology/daemons: MariaDB and RabbitMQ; their packaged services are never
# started), and the host tools scripts/capture-host-outputs.py runs and the sandbox's host
# outputs are checked against: iproute2 (ip, bridge), bridge-utils (brctl), ethtool, Open
# vSwitch (run in userspace mode by the script itself), libvirt's clients (virsh with the
# built-in test driver of libvirt0) and procps (sysctl). Also Debian's Chromium, the
# headless browser the viewer's end-to-end tests drive through Playwright (no browser is
# downloaded at test time).
#
# Idempotent and quiet: with everything installed it prints nothing and exits 0.
# As root with apt-get it installs the missing packages non-interactively, with service
# starts denied while it does (no postinst starts the machine's own MariaDB, RabbitMQ or
# Open vSwitch: there is no systemd here); otherwise it says what to install and exits 1.
set -euo pipefail

PACKAGES=(mariadb-server rabbitmq-server iproute2 bridge-utils ethtool openvswitch-switch
          libvirt-clients procps chromium)
POLICY_RC=/usr/sbin/policy-rc.d

missing=()
for package in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f '${db:Status-Status}' "$package" 2>/dev/null || true)
    [[ $status == installed ]] || missing+=("$package")
done

[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    cat >&2 <<MSG
install-sandbox-deps: missing Debian packages: ${missing[*]}.
The sandbox and the tests start private MariaDB and RabbitMQ servers from them, and the
host tools are the reference for the sandbox's host outputs. Install them with:
    sudo apt-get install --no-install-recommends ${missing[*]}
(without them those tests are skipped, loudly; under CI=true they fail).
MSG
    exit 1
fi

echo "install-sandbox-deps: installing ${missing[*]}" >&2
if [[ ! -e $POLICY_RC ]]; then
    # Deny service starts for this install only: a postinst must not start daemons.
    printf '#!/bin/sh\nexit 101\n' >"$POLICY_RC"
    chmod 755 "$POLICY_RC"
    trap 'rm -f "$POLICY_RC"' EXIT
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
