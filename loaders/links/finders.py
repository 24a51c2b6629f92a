"""Calipso's link finders over a scan tree: the discovered links between its objects.

They run in Calipso's order (``app/config/link_finders.json``, reference §2.2), each over
every object before the next, because later finders read what earlier ones wrote: the
instance-vnic finder sets ``vnic.network``, the vnic-vconnector finder copies it to
``vconnector.network``, the vconnector-vedge link carries it on, and with VLAN type drivers
host_pnic-network needs the vedge-host_pnic links. Those fields are written on the tree's
documents, as Calipso wrote them back to its inventory. Implicit links are not found here
(:mod:`loaders.links.implicit`).

Each link is scoped ``cli:<its host>``. Every lookup goes through :class:`TreeIndex`,
built once, so the cost grows with the tree, not with links times objects. An end that
cannot be found where the objects promise one (a vNIC's instance, an otep's bridge, a
port's network) is a warning of the report's ``links`` part, never an exception.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from loaders.links.bridge_finders import otep_links, vconnector_links, vedge_links
from loaders.links.context import REPORT_PART, LinkContext, first_driver
from loaders.links.index import TreeIndex
from loaders.links.pnic_finders import pnic_network_links
from loaders.links.server_group_finders import server_group_links
from loaders.links.vnic_finders import instance_vnic_links, vservice_vnic_links
from loaders.report import LoadReport
from loaders.scan.tree import Links, Tree
from topology.gc_pause import paused_gc

Finder = Callable[[LinkContext], None]

FINDERS: tuple[tuple[str, Finder], ...] = (
    ("FindLinksForInstanceVnics", instance_vnic_links),
    ("FindLinksForOteps", otep_links),
    ("FindLinksForVconnectors", vconnector_links),
    ("FindLinksForVedges", vedge_links),
    ("FindLinksForVserviceVnics", vservice_vnic_links),
    ("FindLinksForPnics", pnic_network_links),
    ("FindLinksForServerGroups", server_group_links),  # ours: Calipso had no server groups
)


def find_links(tree: Tree, links: Links, mechanism_drivers: Sequence[str],
               type_drivers: Sequence[str], report: LoadReport) -> None:
    """Add to ``links`` the links Calipso's finders would have written for ``tree``.

    The cyclic garbage collector is paused meanwhile: the index and the links are many
    small containers made while the tree holds millions, and none is part of a cycle.
    """
    with paused_gc():
        _run_finders(tree, links, mechanism_drivers, type_drivers, report)


def _run_finders(tree: Tree, links: Links, mechanism_drivers: Sequence[str],
                 type_drivers: Sequence[str], report: LoadReport) -> None:
    context = LinkContext(
        index=TreeIndex.of(tree), links=links, part=report.part(REPORT_PART),
        ovs=first_driver(mechanism_drivers) == "OVS",
        vpp="VPP" in ([mechanism_drivers] if isinstance(mechanism_drivers, str)
                      else list(mechanism_drivers)),
        vlan=first_driver(type_drivers) == "vlan",
    )
    for _name, finder in FINDERS:
        finder(context)
