"""Configuration: a TOML file, overridden by environment variables.

Precedence (highest first): environment variables (``NEO4J_URI``, ``NEO4J_USER``,
``NEO4J_PASSWORD``, ``TOPOLOGY_AMQP_URL``, ``TOPOLOGY_ADMIN_TOKEN``, ``TOPOLOGY_STATE_DIR``),
the file named by ``--config`` or ``TOPOLOGY_CONFIG``, then the defaults below.

Secrets (passwords, tokens) live only here, in memory; ``repr`` never shows them.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from topology.errors import UserError
from topology.net import socket_address

DEFAULT_NEO4J_VERSION = "5.26.29"


class ConfigError(ValueError, UserError):
    """The configuration file or an override is not usable."""


def _xdg_topology_dir(variable: str, *home_parts: str) -> Path:
    """``$<variable>/topology``, or ``~/<home_parts>/topology`` without the variable."""
    base = os.environ.get(variable) or str(Path.home().joinpath(*home_parts))
    return Path(base) / "topology"


def _default_state_dir() -> Path:
    return _xdg_topology_dir("XDG_STATE_HOME", ".local", "state")


def _default_cache_dir() -> Path:
    return _xdg_topology_dir("XDG_CACHE_HOME", ".cache")


@dataclass(frozen=True)
class Neo4jConfig:
    """How to reach Neo4j. An empty ``uri`` means: use the local Neo4j."""

    uri: str = ""
    user: str = "neo4j"
    password: str = field(default="", repr=False)
    database: str = "neo4j"
    max_transaction_retry_time: float = 30.0
    connection_timeout: float = 30.0


@dataclass(frozen=True)
class LocalNeo4jConfig:
    """The embedded default: Neo4j Community from Maven Central jars, Bolt on loopback."""

    version: str = DEFAULT_NEO4J_VERSION
    host: str = "127.0.0.1"
    port: int = 7687
    http_port: int = 7474  # Neo4j Browser at http://host:http_port/browser/; 0 = off
    heap: str = "1g"
    pagecache: str = "256m"
    start_timeout: float = 180.0
    java: str = "java"
    maven: str = "mvn"


@dataclass(frozen=True)
class StoreConfig:
    """Batched writes: rows per transaction and what to do with failures."""

    batch_size: int = 2000
    cleanup_batch_size: int = 10000
    write_concurrency: int = 2
    tombstone_ttl: float = 86400.0
    """Seconds a delete keeps turning older writes of what it deleted away."""
    status_history: int = 50
    """Status changes kept per object or link (the newest)."""
    journal_ttl: float = 3600.0
    """Seconds a topology journal entry (what ``topologyChanged`` reads) is kept."""
    journal_keep: int = 10000
    """Topology journal entries kept per environment at most (the newest)."""
    journal_items: int = 500
    """Ids per list of one journal entry (more: the entry says ``truncated``); 0 writes
    no journal."""


@dataclass(frozen=True)
class ApiConfig:
    """The GraphQL API (``topology serve``) and its limits."""

    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    max_depth: int = 10
    max_aliases: int = 30
    max_page_size: int = 500
    default_page_size: int = 100
    sensu_max_body: int = 4 * 1024 * 1024
    """Bytes of one ``POST /sensu/events`` body (larger: HTTP 413)."""
    sensu_max_events: int = 5000
    """Events in one request, the endpoint's or ``applySensuEvents``'."""
    status_poll_interval: float = 0.5
    """Seconds between two reads of the status changes by a ``statusChanged``
    subscription."""
    status_poll_overlap: float = 10.0
    """Seconds each read of the status changes looks back beyond the newest change seen:
    a change is stamped when its transaction starts and seen when it commits, so one that
    took up to this long to commit is still delivered (once)."""


@dataclass(frozen=True)
class EventsConfig:
    """``[events]``: how ``topology listen`` consumes OpenStack's notifications."""

    exchanges: tuple[str, ...] = ("nova", "neutron", "dhcp_agent", "info")
    """oslo.messaging's topic exchanges (each service's ``control_exchange``)."""
    routing_keys: tuple[str, ...] = ("notifications.*", "versioned_notifications.*")
    """Bindings: ``<topic>.<priority>`` (nova's versioned ones on their own topic)."""
    queue_prefix: str = "topology"
    """The listener's own durable queues: ``<prefix>.<environment>.notifications`` (and
    ``.retry``, ``.dead``)."""
    batch_size: int = 200
    """Notifications applied per transaction at most (and the AMQP prefetch)."""
    batch_wait: float = 0.01
    """Seconds to wait for more notifications before applying a partial batch (a busy
    listener fills its batches from what already waits; an idle one adds at most this to
    a notification's delay)."""
    retry_delay: float = 2.0
    """Seconds before a notification whose objects are not in the graph yet is tried
    again."""
    max_attempts: int = 10
    """Tries before such a notification is dead-lettered."""
    status_interval: float = 2.0
    """Seconds between the listener's status writes (``listen --status``, ``/metrics``)."""
    scan_settle: float = 5.0
    """Seconds a targeted scan an event asks for waits before the scan manager takes it
    (the agents acting on the change, e.g. an L3 agent plugging an interface, finish)."""


@dataclass(frozen=True)
class Config:
    neo4j: Neo4jConfig = field(default_factory=Neo4jConfig)
    local_neo4j: LocalNeo4jConfig = field(default_factory=LocalNeo4jConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    api: ApiConfig = field(default_factory=ApiConfig)
    events: EventsConfig = field(default_factory=EventsConfig)
    tokens: tuple[dict[str, Any], ...] = field(default=(), repr=False)
    state_dir: Path = field(default_factory=_default_state_dir)
    cache_dir: Path = field(default_factory=_default_cache_dir)
    amqp_url: str = field(default="", repr=False)
    admin_token: str = field(default="", repr=False)
    source: str = "defaults"

    @property
    def uses_local_neo4j(self) -> bool:
        return not self.neo4j.uri

    @property
    def neo4j_home(self) -> Path:
        """Where the local Neo4j keeps its data, logs, pid file and settings."""
        return self.state_dir / "neo4j"

    @property
    def local_bolt_uri(self) -> str:
        return f"bolt://{socket_address(self.local_neo4j.host, self.local_neo4j.port)}"

    @property
    def browser_url(self) -> str | None:
        """Neo4j Browser of the local Neo4j, preset to connect without auth (None if off)."""
        if not self.uses_local_neo4j or not self.local_neo4j.http_port:
            return None
        local = self.local_neo4j
        return (f"http://{socket_address(local.host, local.http_port)}/browser/"
                f"?dbms={self.local_bolt_uri}&preselectAuthMethod=NO_AUTH")

    @property
    def bolt_uri(self) -> str:
        """The URI the service connects to: ``NEO4J_URI`` or the local Neo4j."""
        return self.neo4j.uri or self.local_bolt_uri


def _section(cls: type, data: dict[str, Any], name: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"unknown key(s) in [{name}]: {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for key, value in data.items():
        default = known[key].default
        expected = type(default)
        if expected is float and isinstance(value, int):
            value = float(value)
        if expected is tuple and isinstance(value, list) \
                and all(isinstance(item, str) for item in value):
            value = tuple(value)
        if not isinstance(value, expected):
            raise ConfigError(
                f"[{name}] {key} must be a {expected.__name__}, got {type(value).__name__}"
            )
        values[key] = value
    return cls(**values)


def load_config(path: str | os.PathLike[str] | None = None,
                environ: dict[str, str] | None = None) -> Config:
    """Read the configuration; ``path`` falls back to ``TOPOLOGY_CONFIG``."""
    env = os.environ if environ is None else environ
    path = path or env.get("TOPOLOGY_CONFIG") or None
    data: dict[str, Any] = {}
    source = "defaults"
    if path:
        file = Path(path)
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"configuration file not found: {file}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"configuration file {file} is not valid TOML: {exc}") from None
        source = str(file)

    sections = {"neo4j": Neo4jConfig, "local_neo4j": LocalNeo4jConfig, "store": StoreConfig,
                "api": ApiConfig, "events": EventsConfig}
    top_level = {"state_dir", "cache_dir", "amqp_url", "admin_token", "tokens"}
    # Sections other issues add (api, tokens, amqp, sensu, environments) are read by their
    # own modules from the same file; they are accepted here.
    passthrough = {"amqp", "sensu", "environments", "scan"}
    unknown = sorted(set(data) - set(sections) - top_level - passthrough)
    if unknown:
        raise ConfigError(f"unknown key(s) in configuration {source}: {', '.join(unknown)}")

    parts = {name: _section(cls, data.get(name, {}), name) for name, cls in sections.items()}
    config = Config(**parts, source=source)
    if "state_dir" in data:
        config = replace(config, state_dir=Path(data["state_dir"]).expanduser())
    if "cache_dir" in data:
        config = replace(config, cache_dir=Path(data["cache_dir"]).expanduser())
    tokens = data.get("tokens", [])
    if not isinstance(tokens, list) or not all(isinstance(t, dict) for t in tokens):
        raise ConfigError("tokens must be an array of tables ([[tokens]] entries)")
    config = replace(config, tokens=tuple(tokens))
    config = replace(config, amqp_url=str(data.get("amqp_url", "")),
                     admin_token=str(data.get("admin_token", "")))
    return apply_environment(config, env)


def apply_environment(config: Config, env: dict[str, str] | os._Environ[str]) -> Config:
    """Environment variables win over the file."""
    neo4j = config.neo4j
    if "NEO4J_URI" in env:
        neo4j = replace(neo4j, uri=env["NEO4J_URI"])
    if "NEO4J_USER" in env:
        neo4j = replace(neo4j, user=env["NEO4J_USER"])
    if "NEO4J_PASSWORD" in env:
        neo4j = replace(neo4j, password=env["NEO4J_PASSWORD"])
    config = replace(config, neo4j=neo4j)
    if env.get("TOPOLOGY_STATE_DIR"):
        config = replace(config, state_dir=Path(env["TOPOLOGY_STATE_DIR"]).expanduser())
    if env.get("TOPOLOGY_CACHE_DIR"):
        config = replace(config, cache_dir=Path(env["TOPOLOGY_CACHE_DIR"]).expanduser())
    if env.get("TOPOLOGY_NEO4J_PORT"):
        try:
            port = int(env["TOPOLOGY_NEO4J_PORT"])
        except ValueError:
            raise ConfigError("TOPOLOGY_NEO4J_PORT must be a port number") from None
        config = replace(config, local_neo4j=replace(config.local_neo4j, port=port))
    if "TOPOLOGY_AMQP_URL" in env:
        config = replace(config, amqp_url=env["TOPOLOGY_AMQP_URL"])
    if "TOPOLOGY_ADMIN_TOKEN" in env:
        config = replace(config, admin_token=env["TOPOLOGY_ADMIN_TOKEN"])
    return config
