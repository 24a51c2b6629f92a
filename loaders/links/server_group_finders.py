"""Beyond Calipso's finders: a server group and each of its member instances
(``server_group-instance``), registered after Calipso's own.

The link is scoped, like every discovered link, by its host (the member's): the scan of
that host's objects is what sees the instance. The event handlers make the same links with
:func:`member_link`, so a link an event made and one a scan found are the same.
"""

from __future__ import annotations

from loaders.links.context import LinkContext
from loaders.links.index import Doc
from loaders.scan.tree import Links
from topology.store import Provenance
from topology.store.provenance import HOST_CLI

LINK_TYPE = "server_group-instance"


def member_link(links: Links, group: Doc, instance: Doc) -> Doc | None:
    """Add the link from ``group`` to its member ``instance``, named by the group, on the
    instance's host; None when the instance has no host to scope it by (or it is there)."""
    host = instance.get("host")
    if not isinstance(host, str) or not host:
        return None
    return links.add(Provenance(HOST_CLI, host), LINK_TYPE, group["id"], instance["id"],
                     str(group.get("name") or group["id"]), host)


def server_group_links(context: LinkContext) -> None:
    """server group -> each member instance in the tree (a member the tree lacks, one of
    another region or deleted meanwhile, is a warning)."""
    for group in context.index.by_type["server_group"]:
        for member in group.get("members") or ():
            instance = context.index.get(member, "instance")
            if instance is None:
                context.warn(f"{LINK_TYPE} {group['id']}: its member {member!r} is not known")
                continue
            if member_link(context.links, group, instance) is None and not instance.get("host"):
                context.warn(f"{LINK_TYPE} {group['id']} -> {member}: no host to scope it by")
