"""Prerequisites of the local Neo4j: Java 17+ (``java``, ``javac``) and Maven (``mvn``).

Each failure names exactly what is missing, how to install it, and the two ways to do
without the local Neo4j altogether.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from topology.config import Config
from topology.neo4j_local.cache import runtime_needs
from topology.neo4j_local.errors import Neo4jLocalError

MIN_JAVA = 17
INSTALL_HINT = "apt-get install openjdk-17-jdk-headless maven"
ALTERNATIVES = (
    "Alternatives: set NEO4J_URI (and NEO4J_USER / NEO4J_PASSWORD) to an existing Neo4j 5, "
    "or run `docker compose up` and point NEO4J_URI at it."
)

# `java -version` prints e.g. `openjdk version "17.0.15" 2025-04-15`, `java version "1.8.0_392"`
# or `openjdk version "21" 2023-09-19`, possibly after `Picked up JAVA_TOOL_OPTIONS` lines.
_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?[^"]*"')


def parse_java_major(version_output: str) -> int | None:
    """The Java feature release (8, 11, 17, 21, ...) from ``java -version`` output."""
    match = _VERSION.search(version_output)
    if match is None:
        return None
    major = int(match.group(1))
    if major == 1 and match.group(2):  # the pre-9 scheme: 1.8 is Java 8
        major = int(match.group(2))
    return major


def javac_for(java: str) -> str:
    """The compiler next to the configured ``java``: same directory, or ``javac`` on PATH."""
    if os.sep in java:
        return str(Path(java).with_name("javac"))
    return "javac"


def _resolve(tool: str) -> str | None:
    return shutil.which(tool)


def _failure(problem: str) -> Neo4jLocalError:
    return Neo4jLocalError(
        f"The local Neo4j cannot run: {problem}\n"
        f"It needs Java {MIN_JAVA}+ (java, javac) and Maven (mvn, for the one-time download "
        f"of the Neo4j jars). Install them with:\n"
        f"    sudo {INSTALL_HINT}\n"
        f"(or `make system-deps`, which runs scripts/install-system-deps.sh).\n"
        f"{ALTERNATIVES}"
    )


def java_major(java: str) -> int:
    """Run ``java -version`` and return its feature release; raise when that fails."""
    try:
        result = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise _failure(f"`{java} -version` failed: {exc}") from None
    output = (result.stderr or "") + (result.stdout or "")
    major = parse_java_major(output)
    if result.returncode != 0 or major is None:
        first = output.strip().splitlines()[:1]
        raise _failure(f"`{java} -version` did not report a Java version ({' '.join(first)!r})")
    return major


def check_prerequisites(
    config: Config, *, need_javac: bool | None = None, need_maven: bool | None = None
) -> None:
    """Raise :class:`Neo4jLocalError` unless the tools the local Neo4j needs are usable.

    Java 17+ is always needed. ``javac`` only while the launcher is not compiled and ``mvn``
    only while the jars are not cached; ``None`` means: look at the cache.
    """
    if need_javac is None or need_maven is None:
        needs = runtime_needs(config)
        need_javac = needs.compile_launcher if need_javac is None else need_javac
        need_maven = needs.fetch_jars if need_maven is None else need_maven
    local = config.local_neo4j
    java = _resolve(local.java)
    if java is None:
        raise _failure(f"`{local.java}` (Java {MIN_JAVA}+) was not found on PATH.")
    major = java_major(java)
    if major < MIN_JAVA:
        raise _failure(
            f"`{java}` is Java {major}; Neo4j 5 needs Java {MIN_JAVA} or newer "
            f"(set `java` under [local_neo4j] in the config file to a newer one, or install it)."
        )
    if need_javac:
        javac = javac_for(local.java)
        if _resolve(javac) is None:
            raise _failure(
                f"`{javac}` (the Java compiler, from a JDK, not a JRE) was not found; it "
                f"compiles the small launcher class once."
            )
    if need_maven and _resolve(local.maven) is None:
        raise _failure(
            f"`{local.maven}` (Maven) was not found on PATH; it downloads the Neo4j "
            f"{local.version} jars from Maven Central once (they are not cached yet in "
            f"{config.cache_dir})."
        )
