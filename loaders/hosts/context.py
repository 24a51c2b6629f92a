"""What the host transforms share: the tree, the host's facts and outputs, the report, and
adding one object without stopping the others when it cannot join the tree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from loaders.hosts.collect import HostOutputs
from loaders.hosts.iproute import IpLink
from loaders.report import LoadReport, Problem
from loaders.scan.facts import CloudFacts, Doc, HostFacts
from loaders.scan.tree import Tree, TreeError
from topology.environments import EnvironmentConfig
from topology.store import Provenance

# The part of the report a failed command belongs to, by the start of its command line.
COMMAND_PARTS = (
    ("ip netns", "vservices"), ("virsh", "vnics"), ("brctl", "vconnectors"),
    ("ovs-", "vedges"), ("ip -d link", "oteps"), ("bridge fdb", "oteps"),
    ("ip address show ", "host_pnics"), ("ethtool", "host_pnics"),
    ("ls ", "host_pnics"), ("cat /proc/net/bonding", "host_pnics"),
    ("ip address show", "oteps"),
)


@dataclass
class HostContext:
    tree: Tree
    host: HostFacts
    cloud: CloudFacts
    outputs: HostOutputs
    env: EnvironmentConfig
    report: LoadReport
    scope: Provenance

    @property
    def name(self) -> str:
        return self.host.name

    def add(self, part: str, type_: str, id_: str, name: str, parent_id: str,
            fields: Mapping[str, Any], *, segment: str | None = None) -> Doc | None:
        """One object into the tree, counted in ``part``; refused ones are reported."""
        self.report.part(part).read += 1
        try:
            return self.tree.add(self.scope, type_, id_, name, parent_id, fields,
                                 segment=segment)
        except TreeError as error:
            self.bad(part, str(error))
            return None

    def dynamic_folder(self, part: str, master_id: str, folder_id: str, type_: str,
                       text: str) -> Doc | None:
        try:
            return self.tree.dynamic_folder(self.scope, master_id, folder_id, type_, text)
        except TreeError as error:
            self.bad(part, str(error))
            return None

    def bad(self, part: str, reason: str, command: str | None = None) -> None:
        where = f"{self.name}: {command}" if command else self.name
        self.report.part(part).bad.append(Problem(where, reason))

    def warn(self, part: str, text: str) -> None:
        self.report.part(part).warnings.append(f"{self.name}: {text}")

    def report_commands(self) -> None:
        """Every command that failed on the host, as bad input of its part."""
        for command, why in self.outputs.problems:
            part = next((p for prefix, p in COMMAND_PARTS if command.startswith(prefix)),
                        "host_commands")
            self.bad(part, why, command)

    def port_by_prefix(self, interface: str) -> Doc | None:
        """Calipso's rule: the neutron port bound to this host whose id starts with the
        interface name minus its first 3 characters (``tap``/``qvb``/``qvo``/``qr-``...).
        Names too short to hold a port id prefix match nothing."""
        prefix = interface[3:]
        if len(prefix) < 8:
            return None
        return next((p for p in self.host.ports if str(p.get("id", "")).startswith(prefix)),
                    None)


def interface_data(link: IpLink) -> str:
    """The interface's lines as ``ip address show`` printed them, its index left out."""
    header, *rest = link.lines
    return "\n".join([header.split(":", 1)[1].strip(), *(line.strip() for line in rest)])
