"""Objects from notifications, made as a scan makes them.

A handler seeds a scan tree (:class:`loaders.scan.tree.Tree`) with the graph's copies of
the parents it hangs objects under, runs the loader's own transform on what the payload
says (e.g. ``loaders.openstack.networks.network_fields``), and turns what the tree gained
into change sets: one per scope that read it (a network is ``api:network``'s, as a scan
writes it), all with the notification's time. A scan that runs later cleans up only what
its scopes wrote before it started, so what an event wrote during the scan stays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from loaders.scan.graph_tree import document_of
from loaders.scan.tree import Tree
from topology.events.contract import EventContext, NotReady, Props, Unprocessable
from topology.store import ChangeSet, Provenance, RecordError, object_record


def seeded_tree(context: EventContext, *parent_ids: str) -> Tree:
    """A tree holding the graph's copies of ``parent_ids`` (to hang new objects under);
    :class:`NotReady` naming the first one the graph does not have."""
    tree = Tree(context.environment)
    found = context.lookup.get_many(parent_ids)
    for parent_id in parent_ids:
        props = found.get(parent_id)
        if props is None:
            raise NotReady(f"{parent_id!r} is not in the graph")
        tree.seed(document_of(props))
    return tree


def seed(tree: Tree, objects: Iterable[Props]) -> None:
    """Add graph objects (a lookup's answers) to the tree as parents."""
    for props in objects:
        tree.seed(document_of(props))


document = document_of
"""A graph object's properties as the inventory document a transform reads (the handlers'
name for it)."""


def tree_changes(tree: Tree, time: dt.datetime) -> list[ChangeSet]:
    """What ``tree`` gained (not its seeded parents), as upserts: one change set per
    scope, parents first, each with ``time`` as the source's time."""
    changes: dict[Provenance, ChangeSet] = {}
    for scope, doc in tree.scanned():
        change = changes.get(scope)
        if change is None:
            change = changes[scope] = ChangeSet(tree.environment, scope, time)
        try:
            change.upsert_object(object_record(tree.environment, doc))
        except RecordError as exc:
            raise Unprocessable(f"{doc.get('type')} {doc.get('id')!r}: {exc}") from None
    return list(changes.values())
