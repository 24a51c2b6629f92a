"""What the host scan needs to know from the API and the database about one host.

The API and database transforms build these (:func:`loaders.openstack.transform`); the
hosts' transform reads them to name and join what the host's own tools show (a ``qbr``
bridge's MAC comes from the neutron port bound to the host, a qrouter namespace's fields
from its router row, an otep from the tunnel endpoint row...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Doc = dict[str, Any]


@dataclass
class HostFacts:
    """One host as the API and the database know it."""

    name: str
    host_type: list[str]
    """Calipso's host types: ``Compute``, ``Network``, ``Controller``."""
    instances: list[Doc] = field(default_factory=list)
    """The instance documents of the tree on this host (``id``, ``local_name``,
    ``network_info``...)."""
    ports: list[Doc] = field(default_factory=list)
    """Neutron ports (the API's JSON) bound to this host."""
    agents: list[Doc] = field(default_factory=list)
    """Neutron agents of this host, ``configurations`` parsed (database rows, else API)."""
    tunnel_endpoints: dict[str, Doc] = field(default_factory=dict)
    """Tunnel type (vxlan, gre...) -> this host's ``ml2_<type>_endpoints`` row."""
    hypervisor_type: str = ""
    """Nova's ``hypervisor_type`` of this host (QEMU, fake...); empty: not a hypervisor,
    or not known."""


@dataclass
class CloudFacts:
    """What every host's transform may look up: the networks (``cidrs``, names,
    segmentation ids) and routers of the whole cloud."""

    networks: dict[str, Doc] = field(default_factory=dict)
    """Network id -> the network document of the tree."""
    routers: dict[str, Doc] = field(default_factory=dict)
    """Router id -> the router's row (database) or JSON (API)."""
    ports: dict[str, Doc] = field(default_factory=dict)
    """Port id -> the neutron port (the API's JSON)."""
    hosts: dict[str, HostFacts] = field(default_factory=dict)
