"""The OpenStack environments Topology scans and listens to: one ``[environments.NAME]``
section each in the TOML configuration.

Credentials never sit in the section itself unless the operator puts them there: the
database and AMQP URLs may be named by the environment variable or the file holding them,
an SSH password comes only from a variable or a file, and OpenStack's credentials stay in
``clouds.yaml`` (openstacksdk's own lookup). ``repr`` never shows a secret.

Sections are read from the configuration file and, below it, from the files the sandbox
(``<state dir>/sandbox/environment.toml``, or ``$TOPOLOGY_SANDBOX_DIR``) and the lab
(``/var/lib/topology-lab/environment.toml``) write when they run: a section of the
configuration file wins over a written one of the same name. :func:`load_environments`
reads them all, :func:`load_environment` one (the others may then be broken), and
:func:`read_catalog` says where each came from and which written files it could not read.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from topology.config import Config

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SshSettings:
    """How to reach a host's command line: through ``gateway`` (paramiko), then, for
    another host, ``ssh <host> sudo <command>`` run on the gateway, as Calipso did."""

    gateway: str
    port: int = 22
    user: str = "root"
    key_file: Path | None = None
    password: str = field(default="", repr=False)
    gateway_host: str = ""
    """The gateway's own host name (``uname -n``): its commands run directly."""
    sudo: bool = True
    connect_timeout: float = 10.0
    command_timeout: float = 15.0
    max_sessions: int = 10
    """Host sessions open at once (a bounded pool)."""


@dataclass(frozen=True)
class EnvironmentConfig:
    """One environment: what it runs and how to reach its sources (all optional but the
    name; a scan reads the sources that are configured and says which are not)."""

    name: str
    distribution: str = ""
    distribution_version: str = ""
    mechanism_drivers: tuple[str, ...] = ("OVS",)
    type_drivers: tuple[str, ...] = ("vxlan",)
    cloud: str = ""
    """The cloud's name in clouds.yaml."""
    clouds_yaml: Path | None = None
    """An explicit clouds.yaml; None: openstacksdk's own lookup."""
    database_url: str = field(default="", repr=False)
    ssh: SshSettings | None = None
    host_ssh: dict[str, SshSettings] = field(default_factory=dict)
    """Per-host overrides of ``ssh``."""
    hosts: tuple[str, ...] = ()
    """Hosts to read over SSH; empty: every host the API shows."""
    amqp_url: str = field(default="", repr=False)
    listen: bool = False
    source: str = ""
    """Where this section was read (a file name), for messages."""
    origins: dict[str, str] = field(default_factory=dict)
    """Where each secret came from ("file PATH", "variable NAME", "inline ..."), keyed by
    ``database_url``, ``amqp_url``, ``ssh_password`` or ``ssh_password of HOST``: for
    messages, never the value."""

    def ssh_for(self, host: str) -> SshSettings | None:
        return self.host_ssh.get(host, self.ssh)


# -- loading ------------------------------------------------------------------------------

LAB_ENVIRONMENT_FILE = Path("/var/lib/topology-lab/environment.toml")
"""What ``topology lab start`` writes (topology.lab.layout.Layout().environment_file)."""
SANDBOX_FOLDER_VARIABLE = "TOPOLOGY_SANDBOX_DIR"


@dataclass(frozen=True)
class Section:
    """One ``[environments.NAME]`` table as read, before its keys are checked."""

    name: str
    data: Mapping[str, Any]
    path: Path
    written_by: str = ""
    """"topology sandbox start" or "topology lab start" for a discovered file; "" for the
    configuration file."""


@dataclass(frozen=True)
class Catalog:
    """Every environment section found, and the written files that could not be read."""

    sections: dict[str, Section]
    skipped: tuple[tuple[Path, str], ...] = ()
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)

    def load(self, name: str) -> EnvironmentConfig:
        """The environment ``name``, its keys checked and its secrets read."""
        from topology.environment_section import read_section

        section = self.sections.get(name)
        if section is None:
            raise _unknown(name, self)
        return read_section(name, section.data, str(section.path), self.environ,
                            section.path.parent)

    def load_all(self) -> dict[str, EnvironmentConfig]:
        return {name: self.load(name) for name in self.sections}


def sandbox_environment_file(config: Config, environ: Mapping[str, str]) -> Path:
    """Where ``topology sandbox start`` writes the sandbox's section (see
    topology.sandbox.manager.default_layout)."""
    folder = environ.get(SANDBOX_FOLDER_VARIABLE) or config.state_dir / "sandbox"
    return Path(folder).expanduser() / "environment.toml"


def read_catalog(config: Config, environ: Mapping[str, str] = os.environ) -> Catalog:
    """The sections of the configuration file (errors raise), then those of the files
    the sandbox and the lab wrote (unreadable ones are skipped, and said so)."""
    from topology.config import ConfigError

    sections: dict[str, Section] = {}
    if config.source != "defaults":
        path = Path(config.source)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read the configuration {path}: {exc}") from None
        sections.update(_sections(data, path, ""))
    skipped: list[tuple[Path, str]] = []
    for path, writer in ((sandbox_environment_file(config, environ), "topology sandbox start"),
                         (LAB_ENVIRONMENT_FILE, "topology lab start")):
        try:
            found = _sections(tomllib.loads(path.read_text(encoding="utf-8")), path, writer)
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ConfigError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            log.info("environment file %s (written by %s) skipped: %s", path, writer, reason)
            skipped.append((path, reason))
            continue
        for name, section in found.items():
            sections.setdefault(name, section)
    return Catalog(sections, tuple(skipped), environ)


def _sections(data: Mapping[str, Any], path: Path, writer: str) -> dict[str, Section]:
    from topology.config import ConfigError

    table = data.get("environments", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: environments must be a table of [environments.NAME] "
                          "sections")
    found: dict[str, Section] = {}
    for name, section in table.items():
        if not isinstance(section, dict):
            raise ConfigError(f"{path}: environments.{name} must be a table "
                              f"([environments.{name}])")
        found[name] = Section(name, section, path, writer)
    return found


def _unknown(name: str, catalog: Catalog) -> Exception:
    from topology.config import ConfigError

    known = ", ".join(sorted(catalog.sections)) or "none"
    skipped = "".join(f"; {path} was skipped: {reason}" for path, reason in catalog.skipped)
    return ConfigError(f"unknown environment {name!r} (known: {known}): add an "
                       f"[environments.{name}] section to the configuration file, or start "
                       f"the sandbox (topology sandbox start){skipped}")


def load_environments(config: Config,
                      environ: Mapping[str, str] = os.environ) -> dict[str, EnvironmentConfig]:
    """Every environment, by name; any problem in any of them raises ConfigError."""
    return read_catalog(config, environ).load_all()


def load_environment(config: Config, name: str,
                     environ: Mapping[str, str] = os.environ) -> EnvironmentConfig:
    """One environment (a problem in another one does not matter)."""
    return read_catalog(config, environ).load(name)
