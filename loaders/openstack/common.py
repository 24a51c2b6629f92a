"""What the API transform's parts share: the scopes their objects carry, and adding one
object to the tree without letting a bad one stop the rest."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loaders.openstack.snapshot import IDENTITY, NETWORK, Doc
from loaders.report import LoadReport, Problem
from loaders.scan.tree import Tree, TreeError
from topology.demo.documents import encode_keys
from topology.store import Provenance

IDENTITY_SCOPE = Provenance("api", IDENTITY)
NETWORK_SCOPE = Provenance("api", NETWORK)
NOVA_DB_SCOPE = Provenance("db", "nova")
NEUTRON_DB_SCOPE = Provenance("db", "neutron")

# The tree's own keys: a source's JSON never overrides them.
RESERVED = frozenset({"environment", "id", "type", "name", "object_name", "parent_id",
                      "parent_type", "id_path", "name_path", "show_in_tree"})


def region_scope(region: str) -> Provenance:
    return Provenance("api", region)


def fields_of(item: Mapping[str, Any], *drop: str) -> Doc:
    """A source's item as an object's fields: the tree's keys and ``drop`` left out, keys
    encoded as Calipso stored them (``.`` -> ``[dot]``)."""
    return encode_keys({key: value for key, value in item.items()
                        if key not in RESERVED and key not in drop})


def add(tree: Tree, report: LoadReport, part: str, where: str, scope: Provenance,
        type_: str, id_: str, name: str, parent_id: str | None,
        fields: Mapping[str, Any] | None = None) -> Doc | None:
    """:meth:`Tree.add`; a refusal is reported as bad under ``part`` (and None returned)."""
    try:
        return tree.add(scope, type_, id_, name, parent_id, fields)
    except TreeError as exc:
        report.part(part).bad.append(Problem(where, str(exc)))
        return None


def bad(report: LoadReport, part: str, where: str, reason: str) -> None:
    report.part(part).bad.append(Problem(where, reason))


def warn(report: LoadReport, part: str, where: str, reason: str) -> None:
    report.part(part).warnings.append(f"{where}: {reason}")


__all__ = ["IDENTITY_SCOPE", "NETWORK_SCOPE", "NEUTRON_DB_SCOPE", "NOVA_DB_SCOPE", "Tree",
           "add", "bad", "fields_of", "region_scope", "warn"]
