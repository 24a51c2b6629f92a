"""Bonds as pNICs (CliFetchBondHostPnics): ``/proc/net/bonding/<bond>`` read as Calipso
did: ``Key: value`` lines as fields, ``... info`` sections as nested dicts, ``Slave
Interface`` sections as ``members``; the slaves' pNICs get ``EtherChannel`` and their
``EtherChannel Master``."""

from __future__ import annotations

from loaders.hosts.context import HostContext
from loaders.scan.facts import Doc

SLAVE = "Slave Interface"


def parse_bonding(text: str) -> tuple[Doc, dict[str, Doc]]:
    """The bond's own fields and its slaves' fields (by name), as printed."""
    fields: Doc = {}
    slaves: dict[str, Doc] = {}
    target = fields
    section: Doc | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            section = None
            continue
        key, colon, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == SLAVE and colon:
            target = slaves.setdefault(value, {"name": value})
            section = None
        elif not colon or (not value and key.lower().endswith("info")):
            if key.lower().endswith("info"):
                section = target.setdefault(key, {})
        elif section is not None and raw[:1].isspace():
            section[key] = value
        else:
            (section if section is not None and key not in target else target)[key] = value
    return fields, slaves


def bond_documents(ctx: HostContext) -> None:
    addresses = {link.name: link for link in ctx.outputs.addresses or ()}
    folder = f"{ctx.name}-host_pnics"
    for bond, text in ctx.outputs.bonds.items():
        if not text:
            continue
        fields, slaves = parse_bonding(text)
        link = addresses.get(bond)
        mac = link.mac if link is not None and link.mac else "unknown_mac"
        bond_id = f"{bond}-{mac}"
        up = link is not None and "UP" in link.flags
        members: dict[str, Doc] = {}
        for name, slave in slaves.items():
            slave_mac = slave.get("Permanent HW addr", "")
            members[name] = {"name": name, "mac_address": slave_mac,
                             "id": f"{name}-{slave_mac}", "EtherChannel Master": bond_id}
            pnic = ctx.tree.get(f"{name}-{slave_mac}")
            if pnic is not None and ctx.tree.scopes.get(pnic["id"]) == ctx.scope:
                pnic.update({"EtherChannel": True, "EtherChannel Master": bond_id})
        fields.update({"host": ctx.name, "local_name": bond, "EtherChannel": True,
                       "EtherChannel Master": "", "Link detected": "yes" if up else "no",
                       "state": "UP" if up else "DOWN", "members": members})
        if link is not None and link.mac:
            fields["mac_address"] = link.mac
        ctx.add("host_pnics", "host_pnic", bond_id, bond, folder, fields)
