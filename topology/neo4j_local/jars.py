"""Fill the runtime cache: fetch the Neo4j jars with Maven, compile the launcher with javac.

See :mod:`topology.neo4j_local.cache` for the layout. Maven's own repository (``~/.m2``) is
used as usual, so a second cache directory on the same machine costs a copy, not a download.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from topology.config import Config
from topology.neo4j_local.cache import (
    JARS_MARKER,
    JAVA_SOURCES,
    SOURCE_HASH,
    Runtime,
    classes_dir,
    jars_cached,
    java_source,
    launcher_compiled,
    launcher_source,
    render_pom,
    runtime_needs,
    runtime_root,
    sha256,
    write_atomic,
)
from topology.neo4j_local.errors import Neo4jLocalError
from topology.neo4j_local.filelock import exclusive_lock
from topology.neo4j_local.prereqs import check_prerequisites, javac_for

LOG = logging.getLogger("topology.neo4j_local")

MAVEN_TIMEOUT = 1800.0
JAVAC_TIMEOUT = 300.0


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _fetch_jars(config: Config, root: Path) -> None:
    version = config.local_neo4j.version
    lib = root / "lib"
    (root / JARS_MARKER).unlink(missing_ok=True)
    shutil.rmtree(lib, ignore_errors=True)  # whatever an interrupted run left behind
    pom_text = render_pom(version)
    pom = root / "pom.xml"
    write_atomic(pom, pom_text)
    command = [
        config.local_neo4j.maven, "-B", "-q", "-f", str(pom),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={lib}", "-DincludeScope=runtime",
    ]
    LOG.info("fetching Neo4j %s jars from Maven Central (once, ~120 MB)...", version)
    started = time.monotonic()
    try:
        result = subprocess.run(
            command, cwd=root, capture_output=True, text=True, check=False,
            stdin=subprocess.DEVNULL, timeout=MAVEN_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise Neo4jLocalError(
            f"Maven did not finish fetching the Neo4j {version} jars within "
            f"{MAVEN_TIMEOUT:.0f}s; is Maven Central reachable?"
        ) from None
    except OSError as exc:
        raise Neo4jLocalError(f"could not run Maven ({command[0]}): {exc}") from None
    if result.returncode != 0:
        raise Neo4jLocalError(
            f"Maven failed to fetch the Neo4j {version} jars (exit {result.returncode}); "
            f"is Maven Central reachable (proxy settings go in ~/.m2/settings.xml) and does "
            f"org.neo4j:neo4j:{version} exist?\n"
            f"command: {' '.join(command)}\n"
            f"{_tail(result.stdout + result.stderr)}"
        )
    if not (lib / f"neo4j-{version}.jar").is_file():
        raise Neo4jLocalError(f"Maven succeeded but {lib}/neo4j-{version}.jar is missing")
    write_atomic(root / JARS_MARKER, sha256(pom_text.encode()) + "\n")
    jars = list(lib.glob("*.jar"))
    size_mb = sum(jar.stat().st_size for jar in jars) / 1e6
    LOG.info("fetched %d Neo4j jars (%.0f MB) in %.1fs into %s",
             len(jars), size_mb, time.monotonic() - started, lib)


def _compile_launcher(config: Config, root: Path) -> None:
    source = launcher_source()
    sources = [root / "src" / name for name in JAVA_SOURCES]
    sources[0].parent.mkdir(parents=True, exist_ok=True)
    for path in sources:
        path.write_bytes(java_source(path.name))
    src = sources[0]
    # Compile into a fresh directory and swap it in: a half-compiled tree is never used.
    for leftover in root.glob(".classes-*"):  # from an interrupted compile
        shutil.rmtree(leftover, ignore_errors=True)
    out = Path(tempfile.mkdtemp(prefix=".classes-", dir=root))
    javac = javac_for(config.local_neo4j.java)
    command = [
        javac, "--release", "17", "-encoding", "UTF-8",
        "-cp", f"{root / 'lib'}{os.sep}*", "-d", str(out), *map(str, sources),
    ]
    LOG.info("compiling the Neo4j launcher (%s)", src)
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, check=False,
            stdin=subprocess.DEVNULL, timeout=JAVAC_TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(out, ignore_errors=True)
        raise Neo4jLocalError(f"could not run {javac}: {exc}") from None
    if result.returncode != 0:
        shutil.rmtree(out, ignore_errors=True)
        raise Neo4jLocalError(
            f"javac failed to compile {src} (exit {result.returncode}):\n"
            f"{_tail(result.stdout + result.stderr)}"
        )
    (out / SOURCE_HASH).write_text(sha256(source) + "\n", encoding="utf-8")
    classes = classes_dir(root)
    shutil.rmtree(classes, ignore_errors=True)
    os.replace(out, classes)


def ensure_runtime(config: Config) -> Runtime:
    """Make sure the jars and the compiled launcher are cached; fetch/compile what is missing.

    Cheap when everything is cached (one ``java -version``). Raises :class:`Neo4jLocalError`
    with an actionable message when a tool is missing or Maven/javac fail.
    """
    root = runtime_root(config)
    version = config.local_neo4j.version
    needs = runtime_needs(config)
    check_prerequisites(
        config, need_javac=needs.compile_launcher, need_maven=needs.fetch_jars
    )
    if needs.fetch_jars or needs.compile_launcher:
        root.mkdir(parents=True, exist_ok=True)
        waiting = "waiting for another process preparing the Neo4j runtime"
        with exclusive_lock(root / ".lock", waiting):
            # Re-check under the lock: another process may have done the work meanwhile.
            fetched = False
            if not jars_cached(root, version):
                _fetch_jars(config, root)
                fetched = True
            if fetched or not launcher_compiled(root):
                _compile_launcher(config, root)
    java = shutil.which(config.local_neo4j.java) or config.local_neo4j.java
    return Runtime(version=version, root=root, java=java)
