#!/usr/bin/env bash
# Install what the local Neo4j needs: Java 17+ (java, javac) and Maven (mvn).
#
# Idempotent and quiet: with everything present it prints nothing and exits 0.
# As root with apt-get it installs the missing packages non-interactively; otherwise it
# says what to install and exits 1.
set -euo pipefail

PACKAGES=(openjdk-17-jdk-headless maven)

missing=()
for tool in java javac mvn; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done

java_too_old() {
    local version major
    version=$(java -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
    major=${version%%.*}
    [[ $major == 1 ]] && major=$(echo "$version" | cut -d. -f2)
    [[ -z $major || ! $major =~ ^[0-9]+$ || $major -lt 17 ]]
}

if [[ ${#missing[@]} -eq 0 ]] && ! java_too_old; then
    exit 0
fi

if [[ ${#missing[@]} -gt 0 ]]; then
    reason="missing: ${missing[*]}"
else
    reason="java is older than 17"
fi

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: $reason; installing ${PACKAGES[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
    if java_too_old; then
        # An older default java may still win on PATH: select the 17 we just installed.
        java17=$(find /usr/lib/jvm -maxdepth 3 -path '*17*' -name java -type f 2>/dev/null | head -n 1 || true)
        if [[ -n $java17 ]] && command -v update-alternatives >/dev/null 2>&1; then
            update-alternatives --set java "$java17" >/dev/null
            update-alternatives --set javac "${java17%/java}/javac" >/dev/null 2>&1 || true
        fi
    fi
    for tool in java javac mvn; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "install-system-deps: $tool is still missing after installing ${PACKAGES[*]}" >&2
            exit 1
        fi
    done
    if java_too_old; then
        echo "install-system-deps: java on PATH is still older than 17" >&2
        exit 1
    fi
    exit 0
fi

cat >&2 <<MSG
install-system-deps: $reason.
The local Neo4j needs Java 17+ (java, javac) and Maven (mvn). Install them with:
    sudo apt-get install ${PACKAGES[*]}
(or the equivalent for your system: a JDK 17+ and Maven 3).
Alternatives: set NEO4J_URI (and NEO4J_USER / NEO4J_PASSWORD) to an existing Neo4j 5,
or run \`docker compose up\` and point NEO4J_URI at it.
MSG
exit 1
