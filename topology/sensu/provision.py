"""``topology sensu-config``: an environment's Sensu checks, written to a folder.

Layout of the output folder::

    README.md                                how to install what follows
    plugins/                                 the check scripts (every host)
    sensu1/clients/<host>/conf.d/topology-client.json   client environment
    sensu1/clients/<host>/conf.d/topology-checks.json   the host's checks
    sensu1/server/conf.d/topology-handler.json          handler and filter
    sensu-go/checks/<host>.yml               CheckConfig resources of the host
    sensu-go/agents/<host>.yml               agent.yml lines (name, label environment)
    sensu-go/topology-server.yml             Handler and EventFilter

A check is written only when the graph maps its name back to what it was made for (the
handler's own resolution); the rest is reported as skipped.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from topology.errors import UserError
from topology.sensu import sensu1, sensu_go
from topology.sensu.inventory import read_monitored
from topology.sensu.plan import KINDS, Check, Plan, Skipped, plan_checks
from topology.sensu.readme import readme
from topology.sensu.resolve import unmappable
from topology.sensu.settings import Settings
from topology.store import GraphStore

log = logging.getLogger(__name__)

FORMATS = ("sensu1", "sensu-go")
PLUGIN_PACKAGE = "topology.sensu.checks"


class OutputError(UserError, OSError):
    pass


@dataclass(slots=True)
class Provisioned:
    """What one run wrote."""

    environment: str
    out: Path
    plan: Plan
    files: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)

    @property
    def checks(self) -> list[Check]:
        return self.plan.checks

    @property
    def skipped(self) -> list[Skipped]:
        return self.plan.skipped


def build_plan(store: GraphStore, environment: str) -> Plan:
    """The checks of an environment whose names the handler maps back; the others skipped."""
    monitored = read_monitored(store, environment)
    plan = plan_checks(monitored.objects, monitored.links)
    problems = unmappable(store, environment, plan.checks)
    kept = [check for check in plan.checks if check.name not in problems]
    skipped = [Skipped(check.kind, check.name, problems[check.name])
               for check in plan.checks if check.name in problems]
    return Plan(kept, plan.skipped + skipped)


def ensure_writable(out: Path) -> None:
    """Create ``out`` if needed; raise :class:`OutputError` when it cannot be written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".topology-write-test"
        probe.write_text("", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"cannot write to {out}: {exc.strerror or exc}") from None


class _Writer:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.files: list[Path] = []

    def text(self, relative: str, text: str, mode: int = 0o644) -> None:
        path = self.out / relative
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            path.chmod(mode)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
        self.files.append(path)

    def json(self, relative: str, data: Any) -> None:
        self.text(relative, json.dumps(data, indent=2) + "\n")

    def yaml(self, relative: str, documents: Sequence[Any], header: str = "") -> None:
        self.text(relative, header + yaml.safe_dump_all(
            documents, sort_keys=False, default_flow_style=False,
            explicit_start=len(documents) > 1))

    def stale(self, pattern: str) -> list[Path]:
        """Files matching ``pattern`` that this run did not write: removed."""
        written = set(self.files)
        removed = [path for path in sorted(self.out.glob(pattern)) if path not in written]
        for path in removed:
            path.unlink()
        return removed


def _plugins(writer: _Writer) -> None:
    for entry in sorted(resources.files(PLUGIN_PACKAGE).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".py") and entry.name != "__init__.py":
            mode = 0o755 if entry.name.startswith(("check_", "post_")) else 0o644
            writer.text(f"plugins/{entry.name}", entry.read_text(encoding="utf-8"), mode)


def write_config(plan: Plan, settings: Settings, out: Path,
                 formats: Sequence[str] = FORMATS) -> tuple[list[Path], list[Path]]:
    """Write the folder; returns the files written and the stale ones removed."""
    ensure_writable(out)
    writer = _Writer(out)
    by_host: dict[str, list[Check]] = defaultdict(list)
    for check in sorted(plan.checks, key=lambda c: (KINDS.index(c.kind), c.name)):
        by_host[check.host].append(check)
    hosts = sorted(by_host)
    _plugins(writer)
    if "sensu1" in formats:
        writer.json(f"sensu1/server/conf.d/{sensu1.SERVER_FILE}",
                    sensu1.server_config(settings))
        for host in hosts:
            folder = f"sensu1/clients/{host}/conf.d"
            writer.json(f"{folder}/{sensu1.CLIENT_FILE}", sensu1.client_config(settings))
            writer.json(f"{folder}/{sensu1.CHECKS_FILE}",
                        sensu1.checks_config(settings, by_host[host]))
    if "sensu-go" in formats:
        writer.yaml("sensu-go/topology-server.yml", sensu_go.server_resources(settings))
        for host in hosts:
            writer.yaml(f"sensu-go/checks/{host}.yml",
                        sensu_go.check_resources(settings, by_host[host]))
            writer.yaml(f"sensu-go/agents/{host}.yml",
                        [sensu_go.agent_config(settings, host)],
                        header=f"# Merge into /etc/sensu/agent.yml on {host}.\n")
    writer.text("README.md", readme(settings, plan.by_kind(), hosts, formats))
    patterns = ["plugins/*.py"]
    if "sensu1" in formats:
        patterns.append("sensu1/clients/*/conf.d/topology-*.json")
    if "sensu-go" in formats:
        patterns += ["sensu-go/checks/*.yml", "sensu-go/agents/*.yml"]
    removed = [path for pattern in patterns for path in writer.stale(pattern)]
    return writer.files, removed


def provision(store: GraphStore, settings: Settings, out: Path,
              formats: Sequence[str] = FORMATS) -> Provisioned:
    """Plan an environment's checks from the graph and write them to ``out``."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"formats must be among {FORMATS}, not {list(formats)}")
    plan = build_plan(store, settings.environment)
    for item in plan.skipped:
        log.warning("no check for %s: %s", item.what, item.reason)
    files, removed = write_config(plan, settings, out, formats)
    return Provisioned(settings.environment, out, plan, files, removed)


def summary(result: Provisioned) -> str:
    counts = result.plan.by_kind()
    width = max(len(kind) for kind in counts)
    lines = [f"sensu-config {result.environment}: {len(result.checks):,} checks on "
             f"{len(result.plan.hosts()):,} hosts, written to {result.out}"]
    lines += [f"  {kind:<{width}}  {count:>6,}" for kind, count in counts.items()]
    if result.skipped:
        lines.append(f"  skipped {len(result.skipped):,} (warnings above), first: "
                     f"{result.skipped[0].what}: {result.skipped[0].reason}")
    lines.append(f"  {len(result.files):,} files written"
                 + (f", {len(result.removed):,} stale ones removed" if result.removed else "")
                 + "; see README.md there for how to install them")
    return "\n".join(lines)
