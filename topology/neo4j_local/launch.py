"""What the local Neo4j runs with: the ``neo4j.conf`` text and the ``java`` command line."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

from topology.config import Config
from topology.neo4j_browser import STYLE_NAME
from topology.neo4j_local.cache import EXTENSION_PACKAGE, LAUNCHER_CLASS, Runtime
from topology.neo4j_local.errors import Neo4jLocalError
from topology.net import socket_address

CONF_FILE = "neo4j.conf"
# Neo4j Browser's style: copied from cypher/browser-style.grass into the home on every start,
# served by the TopologyBrowserStyle extension at BROWSER_STYLE_PATH, loaded by Browser's
# post-connect command.
BROWSER_STYLE_FILE = STYLE_NAME
EXTENSION_MOUNT = "/topology"
BROWSER_STYLE_PATH = f"{EXTENSION_MOUNT}/{STYLE_NAME}"  # the extension's own path
BROWSER_STYLE_PROPERTY = "topology.browser_style"
MAX_INITIAL_HEAP = 256 * 1024**2

# The same JDK module openings Neo4j's own launcher passes (Netty, the page cache).
ADD_OPENS = (
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
)
JVM_FLAGS = (
    "-XX:+UseG1GC",
    # A JVM that ran out of memory is better dead (the caller notices) than half-working.
    "-XX:+ExitOnOutOfMemoryError",
    "-XX:-OmitStackTraceInFastThrow",
    "-Dfile.encoding=UTF-8",
    "-Djava.awt.headless=true",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
)

_SIZE = re.compile(r"^(\d+)([kmgt]?)$")
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str, setting: str) -> int:
    """``"1g"`` -> bytes; the JVM's ``-Xmx`` syntax, which Neo4j's settings also accept."""
    match = _SIZE.match(text.strip().lower())
    if match is None or int(match.group(1)) == 0:
        raise Neo4jLocalError(
            f"[local_neo4j] {setting} must be a size like 512m or 2g, got {text!r}"
        )
    return int(match.group(1)) * _UNITS[match.group(2)]


def jvm_size(size: int) -> str:
    """Bytes -> the shortest exact ``-Xmx`` spelling (``268435456`` -> ``256m``)."""
    for unit in ("t", "g", "m", "k"):
        if size % _UNITS[unit] == 0:
            return f"{size // _UNITS[unit]}{unit}"
    return str(size)


def check_loopback(host: str) -> None:
    """Refuse anything but loopback: the local Neo4j runs with authentication disabled."""
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise Neo4jLocalError(
            f"[local_neo4j] host is {host!r}, but the local Neo4j has authentication disabled "
            f"and only listens on loopback (127.0.0.1, ::1 or localhost). To serve other "
            f"machines run a real Neo4j server with authentication and set NEO4J_URI."
        )


def _url_host(host: str) -> str:
    """The host as a URL spells it (``::1`` -> ``[::1]``)."""
    return socket_address(host, 1).rsplit(":", 1)[0]


def browser_style_url(host: str, http_port: int) -> str:
    """Where the local Neo4j serves Topology's Neo4j Browser style."""
    return f"http://{socket_address(host, http_port)}{BROWSER_STYLE_PATH}"


def content_security_policy(host: str, http_port: int, bolt_port: int) -> str:
    """Browser's page may load and connect to its own origin and the local Bolt port only:
    no fonts, scripts (Segment, Canny), crash reports (Sentry) or guides from the
    internet. Browser on Community ignores ``browser.allow_outgoing_connections`` (an
    Enterprise setting), so the page's Content-Security-Policy is what keeps it local."""
    http = socket_address(host, http_port)
    bolt = socket_address(host, bolt_port)
    return ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; font-src 'self'; base-uri 'none'; "
            "object-src 'none'; frame-ancestors 'none'; "
            f"connect-src 'self' http://{http} ws://{bolt} http://{bolt}")


def _http_settings(host: str, http_port: int, bolt_port: int) -> dict[str, str]:
    """HTTP on loopback serves Neo4j Browser (from the browser jar) and the HTTP API, and
    our extension serving Browser's style, which Browser loads on connect."""
    if http_port == 0:
        return {"server.http.enabled": "false"}
    if not 0 < http_port < 65536:
        raise Neo4jLocalError(f"[local_neo4j] http_port must be 0 (off) or 1-65535, "
                              f"got {http_port}")
    return {"server.http.enabled": "true",
            "server.http.listen_address": socket_address(host, http_port),
            "server.http.advertised_address": socket_address(host, http_port),
            "server.unmanaged_extension_classes": f"{EXTENSION_PACKAGE}={EXTENSION_MOUNT}",
            # Browser prefixes the ':' itself.
            "browser.post_connect_cmd": f"style {browser_style_url(host, http_port)}",
            # The hosts `:style` / `:play` may fetch from: ours only.
            "browser.remote_content_hostname_whitelist": _url_host(host),
            "dbms.security.http_static_content_security_policy_header":
                content_security_policy(host, http_port, bolt_port)}


def render_conf(config: Config) -> str:
    """The ``neo4j.conf`` for the local Neo4j; rewritten on every start."""
    local = config.local_neo4j
    check_loopback(local.host)
    if not 0 < local.port < 65536:
        raise Neo4jLocalError(f"[local_neo4j] port must be 1-65535, got {local.port}")
    pagecache = jvm_size(parse_size(local.pagecache, "pagecache"))
    address = socket_address(local.host, local.port)
    settings = {
        "server.bolt.enabled": "true",
        "server.bolt.listen_address": address,
        "server.bolt.advertised_address": address,
        "server.bolt.tls_level": "DISABLED",
        **_http_settings(local.host, local.http_port, local.port),
        "server.https.enabled": "false",
        "dbms.security.auth_enabled": "false",
        "server.memory.pagecache.size": pagecache,
        # Keep only the transaction logs recovery needs: bulk loads would fill the disk.
        "db.tx_log.rotation.retention_policy": "false",
        "db.tx_log.rotation.size": "25m",
        # Logs are pruned only at a checkpoint, by default every 15 minutes: bulk writes
        # grew them to 4 GB in 10 minutes before one ran. Checkpoint every minute instead.
        "db.checkpoint.interval.time": "60s",
        # No usage reports: neither the server's nor Browser's (with telemetry off Browser
        # neither asks for consent nor sends product analytics or crash reports).
        "dbms.usage_report.enabled": "false",
        "client.allow_telemetry": "false",
        # The default logs every query; keep only the slow ones.
        "db.logs.query.enabled": "INFO",
        "db.logs.query.threshold": "2s",
        # On shutdown Bolt waits 5 s + 5 s for its idle event loops, after the databases are
        # already checkpointed and closed. 1 s each makes `stop` take ~2 s instead of ~10 s;
        # the price is two harmless "Termination of ... event loop group has exceeded" WARN
        # lines in debug.log per stop.
        "internal.server.bolt.thread_pool_shutdown_wait_time": "1s",
        "internal.server.bolt.connection_shutdown_wait_time": "1s",
    }
    lines = [
        "# Written by Topology (topology.neo4j_local) on every start: edits here are lost.",
        "# Change the [local_neo4j] section of the Topology config file instead.",
    ]
    lines += [f"{key}={value}" for key, value in settings.items()]
    return "\n".join(lines) + "\n"


def read_conf(path: Path) -> dict[str, str]:
    """The settings of a ``neo4j.conf`` written by :func:`render_conf` ({} if missing)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return {}
    return read_conf_text(text)


def read_conf_text(text: str) -> dict[str, str]:
    """The settings of a ``neo4j.conf`` text."""
    settings = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            settings[key.strip()] = value.strip()
    return settings


def heap_flags(heap: str) -> list[str]:
    """``-Xms`` = min(256m, heap) so a small instance starts small; ``-Xmx`` = heap."""
    maximum = parse_size(heap, "heap")
    return [f"-Xms{jvm_size(min(MAX_INITIAL_HEAP, maximum))}", f"-Xmx{jvm_size(maximum)}"]


def java_command(config: Config, runtime: Runtime, home: Path) -> list[str]:
    """The full command line; ``home`` must be absolute (it identifies the process later)."""
    return [
        runtime.java,
        *heap_flags(config.local_neo4j.heap),
        *JVM_FLAGS,
        *ADD_OPENS,
        f"-D{BROWSER_STYLE_PROPERTY}={home / BROWSER_STYLE_FILE}",
        "-cp", runtime.classpath,
        LAUNCHER_CLASS,
        str(home),
        str(home / CONF_FILE),
    ]
