"""One ``[environments.NAME]`` section read into an :class:`EnvironmentConfig`: its keys
and their types, secrets read from a variable or a file, and refusals that name the
environment, the key and the reason (never a secret's value).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from topology.config import ConfigError
from topology.environments import EnvironmentConfig, SshSettings

AMQP_URL_VARIABLE = "TOPOLOGY_AMQP_URL"
"""When set, every environment's AMQP URL (it overrides the files, DESIGN.md §8)."""

SSH_KEYS = frozenset({
    "ssh_gateway", "ssh_port", "ssh_user", "ssh_key_file", "ssh_password_env",
    "ssh_password_file", "ssh_gateway_host", "ssh_sudo", "ssh_connect_timeout",
    "ssh_command_timeout", "ssh_max_sessions"})
URL_SECRETS = ("database_url", "amqp_url")
KEYS = frozenset({
    "distribution", "distribution_version", "mechanism_drivers", "type_drivers", "cloud",
    "clouds_yaml", "hosts", "listen", "host_ssh",
    *(f"{base}{suffix}" for base in URL_SECRETS for suffix in ("", "_env", "_file")),
    *SSH_KEYS})
REFUSED = {
    "ssh_password": "a password is never written in the configuration: put it in a file "
                    "only you can read and name it with ssh_password_file, or name the "
                    "environment variable holding it with ssh_password_env",
}


class SectionReader:
    """Typed access to one table of a section; every refusal says where and why."""

    def __init__(self, environment: str, source: str, data: Mapping[str, Any],
                 environ: Mapping[str, str], base_dir: Path | None, prefix: str = "") -> None:
        self.environment = environment
        self.source = source
        self.data = data
        self.environ = environ
        self.base_dir = base_dir
        self.prefix = prefix

    def error(self, key: str, reason: str) -> ConfigError:
        return ConfigError(f"environment {self.environment!r} ({self.source}): "
                           f"{self.prefix}{key}: {reason}")

    def check_keys(self, allowed: frozenset[str]) -> None:
        for key in self.data:
            if key in REFUSED:
                raise self.error(key, REFUSED[key])
        unknown = sorted(set(self.data) - allowed)
        if unknown:
            raise self.error(unknown[0], "unknown key" + (
                f" (also unknown: {', '.join(unknown[1:])})" if unknown[1:] else "")
                + f"; known keys: {', '.join(sorted(allowed))}")

    def _typed(self, key: str, kind: type | tuple[type, ...], what: str) -> Any:
        value = self.data.get(key)
        if value is None:
            return None
        # a TOML boolean is not a number here, though Python's bool is an int
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple)
                                                    else (kind,)):
            raise self.error(key, f"must be {what}, not a boolean")
        if not isinstance(value, kind):
            raise self.error(key, f"must be {what}, not {_toml_type(value)}")
        return value

    def string(self, key: str, default: str = "") -> str:
        value = self._typed(key, str, "a string")
        return default if value is None else value

    def strings(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        """A list of strings; one string is a list of one."""
        value = self._typed(key, (str, list), "a string or a list of strings")
        if value is None:
            return default
        items = [value] if isinstance(value, str) else value
        if not all(isinstance(item, str) and item for item in items):
            raise self.error(key, "must be a list of non-empty strings")
        return tuple(items)

    def boolean(self, key: str, default: bool) -> bool:
        value = self._typed(key, bool, "true or false")
        return default if value is None else value

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self._typed(key, int, "an integer")
        if value is None:
            return default
        if not low <= value <= high:
            raise self.error(key, f"must be between {low} and {high}, not {value}")
        return int(value)

    def seconds(self, key: str, default: float) -> float:
        value = self._typed(key, (int, float), "a number of seconds")
        if value is None:
            return default
        if not 0 < value <= 3600:
            raise self.error(key, f"must be more than 0 and at most 3600 seconds, not {value}")
        return float(value)

    def path(self, key: str) -> Path | None:
        """A readable file (``~`` expanded; relative to the section's file)."""
        value = self._typed(key, str, "a file name")
        if value is None:
            return None
        if not value:
            raise self.error(key, "must be a file name, not empty")
        path = Path(value).expanduser()
        if not path.is_absolute() and self.base_dir is not None:
            path = self.base_dir / path
        try:
            with path.open("rb"):
                pass
        except OSError as exc:
            raise self.error(key, f"cannot read {path}: {exc.strerror or exc}") from None
        return path

    def secret(self, base: str) -> tuple[str, str]:
        """(value, where it came from) of ``base``, ``base_env`` or ``base_file``; at most
        one of them may be given. ("", "") when none is."""
        given = [key for key in (base, f"{base}_env", f"{base}_file") if key in self.data]
        if len(given) > 1:
            raise self.error(given[1], f"give only one of {', '.join(given)}")
        if not given:
            return "", ""
        key = given[0]
        if key == base:
            value = self._typed(key, str, "a string")
            if not value:
                raise self.error(key, "is empty")
            return value, "inline in the file (discouraged: use " \
                          f"{base}_env or {base}_file)"
        if key.endswith("_env"):
            variable = self._typed(key, str, "an environment variable's name")
            if not variable:
                raise self.error(key, "must name an environment variable, not be empty")
            value = self.environ.get(variable, "").strip()
            if not value:
                raise self.error(key, f"the environment variable {variable} is not set "
                                      "(or is empty)")
            return value, f"variable {variable}"
        path = self.path(key)
        assert path is not None
        try:
            value = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            raise self.error(key, f"cannot read {path}: {reason}") from None
        if not value:
            raise self.error(key, f"{path} is empty")
        return value, f"file {path}"

    def table(self, key: str) -> dict[str, Any]:
        value = self._typed(key, dict, "a table")
        return {} if value is None else value

    def sub(self, data: Mapping[str, Any], prefix: str) -> SectionReader:
        return SectionReader(self.environment, self.source, data, self.environ,
                             self.base_dir, self.prefix + prefix)


def _toml_type(value: object) -> str:
    names = {str: "a string", bool: "a boolean", int: "an integer", float: "a number",
             list: "a list", dict: "a table"}
    return names.get(type(value), f"a {type(value).__name__}")


def _ssh_values(reader: SectionReader, base: SshSettings | None,
                origins: dict[str, str], origin_key: str) -> SshSettings | None:
    """SshSettings from the ssh_* keys of ``reader``, over ``base`` (None: no SSH)."""
    given = SSH_KEYS & set(reader.data)
    if not given:
        return base
    gateway = reader.string("ssh_gateway", base.gateway if base else "")
    if not gateway:
        raise reader.error(sorted(given)[0], "SSH settings need ssh_gateway (the host to "
                                             "connect to)")
    current = base or SshSettings(gateway=gateway)
    password, origin = reader.secret("ssh_password")
    if origin:
        origins[origin_key] = origin
    settings = replace(
        current, gateway=gateway,
        port=reader.integer("ssh_port", current.port, 1, 65535),
        user=reader.string("ssh_user", current.user),
        key_file=reader.path("ssh_key_file") or current.key_file,
        password=password or current.password,
        gateway_host=reader.string("ssh_gateway_host", current.gateway_host),
        sudo=reader.boolean("ssh_sudo", current.sudo),
        connect_timeout=reader.seconds("ssh_connect_timeout", current.connect_timeout),
        command_timeout=reader.seconds("ssh_command_timeout", current.command_timeout),
        max_sessions=reader.integer("ssh_max_sessions", current.max_sessions, 1, 1000))
    if not settings.user:
        raise reader.error("ssh_user", "must not be empty")
    if settings.key_file is None and not settings.password:
        raise reader.error("ssh_gateway", "SSH needs a key (ssh_key_file) or a password "
                                          "(ssh_password_file or ssh_password_env)")
    return settings


def read_section(name: str, data: Mapping[str, Any], source: str,
                 environ: Mapping[str, str], base_dir: Path | None = None
                 ) -> EnvironmentConfig:
    """The environment ``name`` from its section ``data`` (read from ``source``)."""
    reader = SectionReader(name, source, data, environ, base_dir)
    reader.check_keys(KEYS)
    origins: dict[str, str] = {}
    urls: dict[str, str] = {}
    for base in URL_SECRETS:
        urls[base], origin = reader.secret(base)
        if origin:
            origins[base] = origin
    if environ.get(AMQP_URL_VARIABLE, "").strip():
        urls["amqp_url"] = environ[AMQP_URL_VARIABLE].strip()
        origins["amqp_url"] = f"variable {AMQP_URL_VARIABLE} (overrides the file)"
    ssh = _ssh_values(reader, None, origins, "ssh_password")
    host_ssh: dict[str, SshSettings] = {}
    for host, table in reader.table("host_ssh").items():
        if not isinstance(table, dict):
            raise reader.error(f"host_ssh.{host}", "must be a table of ssh_* keys")
        host_reader = reader.sub(table, f"host_ssh.{host}.")
        host_reader.check_keys(SSH_KEYS)
        settings = _ssh_values(host_reader, ssh, origins, f"ssh_password of {host}")
        if settings is not None:
            host_ssh[host] = settings
    listen = reader.boolean("listen", False)
    if listen and not urls["amqp_url"]:
        raise reader.error("listen", "listen = true needs an AMQP URL (amqp_url_file or "
                                     f"amqp_url_env, or {AMQP_URL_VARIABLE})")
    return EnvironmentConfig(
        name=name,
        distribution=reader.string("distribution"),
        distribution_version=reader.string("distribution_version"),
        mechanism_drivers=reader.strings("mechanism_drivers", ("OVS",)),
        type_drivers=reader.strings("type_drivers", ("vxlan",)),
        cloud=reader.string("cloud"),
        clouds_yaml=reader.path("clouds_yaml"),
        database_url=urls["database_url"],
        ssh=ssh,
        host_ssh=host_ssh,
        hosts=reader.strings("hosts", ()),
        amqp_url=urls["amqp_url"],
        listen=listen,
        source=source,
        origins=origins)
