"""Hypothesis strategies for topologies and clique types.

``topologies()`` draws small OpenStack-like environments (tens of objects): hosts with
physical NICs, networks, instances and vservices with vNICs, and the virtual wiring of one
mechanism driver per host:

- OVS: vnic-vconnector (a per-vNIC bridge), vconnector-vedge; vservice vNICs vnic-vedge;
- VPP: vnic-vedge directly, vedge-host_pnic;
- Linux bridge (LXB): vnic-vconnector (a per-network bridge), vconnector-host_pnic;

plus tunnel endpoints (vedge-otep, otep-host_pnic or otep-vconnector), host_pnic-network,
and now and then physical switches (host_pnic-switch_pnic, switch-switch_pnic,
switch_pnic-switch_pnic).

On top of the realistic shape it draws what makes the clique rules interesting: link types
stored reversed (for the whole topology or link by link, so both spellings can exist),
constraint values on focal points as lists, scalars, empty or missing, ``network`` on links
absent, matching or foreign, implicit links (a partial transitive closure, sometimes
overwriting a discovered link), chains that stop early, self-typed switch port links in
chains, and ids that look alike ("a", "a-1", "a:1").

Every drawn topology passes ``Topology.check()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from topology import catalogue
from topology.cliques import definitions

from .topology_model import CliqueType, Link, Obj, Topology

Draw = Callable[[st.SearchStrategy[Any]], Any]


# The shipped data (calipso-behaviour.md §3.1, typo fixed) has one home: the definitions.
SHIPPED_CLIQUE_TYPES: tuple[CliqueType, ...] = tuple(
    CliqueType.of(shipped) for shipped in definitions.SHIPPED_CLIQUE_TYPES)

# The shipped clique constraints. Other focal types have no document.
SHIPPED_CONSTRAINTS: dict[str, list[str]] = {
    c.focal_point_type: list(c.constraints) for c in definitions.SHIPPED_CLIQUE_CONSTRAINTS}

LINKABLE_TYPES: tuple[str, ...] = tuple(t.name for t in catalogue.object_types() if t.linkable)

# Links whose finder writes attributes.network (calipso-behaviour.md §2.2).
NETWORK_CARRYING = frozenset({"instance-vnic", "vnic-vconnector", "vconnector-vedge",
                              "vservice-vnic", "host_pnic-network"})

# Ids drawn in look-alike mode; uniqueness suffixes ("-1", "-2") make them collide further.
LOOK_ALIKE_IDS = ("a", "a-1", "a:1", "a/1", "a_1", "A", "a-1-1", "a.1")

GHOST_NETWORK = "net-ghost"  # a network id no object has


def chance(draw: Draw, tenths: int) -> bool:
    """True with probability about ``tenths``/10 (and shrinking towards False)."""
    return draw(st.integers(0, 9)) >= 10 - tenths


class _Builder:
    """Collects objects and discovered links while a topology is drawn."""

    def __init__(self, draw: Draw) -> None:
        self.draw = draw
        self.objects: dict[str, Obj] = {}
        self.links: list[Link] = []
        self.look_alike = chance(draw, 3)
        self.drop_rate = draw(st.sampled_from([0, 0, 1, 3]))  # tenths of links left out
        self.network_noise = chance(draw, 4)

    def new_id(self, proposal: str) -> str:
        if self.look_alike and chance(self.draw, 5):
            proposal = self.draw(st.sampled_from(LOOK_ALIKE_IDS))
        candidate, n = proposal, 0
        while candidate in self.objects:
            n += 1
            candidate = f"{proposal}-{n}"
        return candidate

    def obj(self, type_name: str, proposal: str, **props: Any) -> str:
        object_id = self.new_id(proposal)
        self.objects[object_id] = Obj(object_id, type_name, props)
        return object_id

    def link(self, source_id: str, target_id: str, network: str | None = None) -> None:
        """A discovered link (type from its ends); it may be dropped (a chain that stops
        early) and its ``network`` may be disturbed."""
        if self.drop_rate and chance(self.draw, self.drop_rate):
            return
        link_type = f"{self.objects[source_id].type}-{self.objects[target_id].type}"
        if self.network_noise:
            network = self._noisy_network(link_type, network)
        self.links.append(Link(source_id, target_id, link_type, network=network))

    def _noisy_network(self, link_type: str, network: str | None) -> str | None:
        draw = self.draw
        if link_type in NETWORK_CARRYING:
            kind = draw(st.sampled_from(["keep", "keep", "absent", "other"]))
        else:
            kind = draw(st.sampled_from(["keep", "keep", "keep", "other"]))
        if kind == "absent":
            return None
        if kind == "other":
            networks = [o.id for o in self.objects.values() if o.type == "network"]
            return draw(st.sampled_from([*networks, GHOST_NETWORK]))
        return network


def _constraint_value(draw: Draw, networks: list[str], all_networks: list[str]) -> Any:
    """A focal point's ``network``: usually its list, sometimes scalar, empty or missing."""
    kind = draw(st.sampled_from(["list", "list", "scalar", "missing", "empty", "foreign"]))
    if kind == "list":
        return list(networks)
    if kind == "scalar":
        return networks[0]
    if kind == "empty":
        return []
    if kind == "foreign":
        return draw(st.lists(st.sampled_from([*all_networks, GHOST_NETWORK]),
                             min_size=1, max_size=2, unique=True))
    return None


def _props(value: Any) -> dict[str, Any]:
    return {} if value is None else {"network": value}


def _network_props(draw: Draw, own: str, all_networks: list[str]) -> dict[str, Any]:
    kind = draw(st.sampled_from(["own", "own", "own", "list", "missing", "other"]))
    if kind == "own":
        return {"network": own}
    if kind == "list":
        return {"network": [own]}
    if kind == "other":
        return {"network": draw(st.sampled_from([*all_networks, GHOST_NETWORK]))}
    return {}


def _build_host(b: _Builder, index: int, mechanism: str, tunnels: bool,
                networks: list[str]) -> list[str]:
    """One host's objects and discovered links; returns its pNIC ids."""
    draw = b.draw
    host = b.obj("host", f"node-{index}")  # not linkable: never an end of a link
    pnics = [b.obj("host_pnic", f"{host}-eth{k}")
             for k in range(draw(st.integers(1, 3)))]
    host_networks = draw(st.lists(st.sampled_from(networks), min_size=1,
                                  max_size=len(networks), unique=True))

    # Physical NICs carry network segments.
    for k, pnic in enumerate(pnics):
        carried = host_networks if k == 0 else draw(
            st.lists(st.sampled_from(host_networks), max_size=2, unique=True))
        for net in carried:
            b.link(pnic, net, net)

    vedge = None
    if mechanism in ("ovs", "vpp"):
        vedge = b.obj("vedge", f"{host}-{mechanism}")
        if mechanism == "vpp" or chance(draw, 4):  # VPP always, OVS on VLAN setups
            b.link(vedge, draw(st.sampled_from(pnics)))

    bridges: dict[str, str] = {}  # LXB: one bridge per network

    def lxb_bridge(net: str) -> str:
        if net not in bridges:
            bridges[net] = b.obj("vconnector", f"brq{net}", network=net)
            b.link(bridges[net], draw(st.sampled_from(pnics)))
        return bridges[net]

    if tunnels:
        otep = b.obj("otep", f"{host}-otep")
        if vedge is not None:
            b.link(vedge, otep)
        style = draw(st.sampled_from(["pnic", "vconnector", "both"]))
        if style in ("pnic", "both"):
            b.link(otep, pnics[0])
        if style in ("vconnector", "both"):
            if mechanism == "lxb":
                bridge = lxb_bridge(draw(st.sampled_from(host_networks)))
            else:
                bridge = b.obj("vconnector", f"{host}-br-tun")
                b.link(bridge, draw(st.sampled_from(pnics)))
            b.link(otep, bridge)

    def plug(vnic: str, net: str, owner_type: str) -> None:
        """Wire a vNIC into the host's virtual switching."""
        if mechanism == "vpp" or (mechanism == "ovs" and owner_type == "vservice"):
            if vedge is not None:
                b.link(vnic, vedge)
        elif mechanism == "ovs":
            qbr = b.obj("vconnector", f"qbr{vnic}", network=net)
            b.link(vnic, qbr, net)
            if vedge is not None:
                b.link(qbr, vedge, net)
        else:
            b.link(vnic, lxb_bridge(net), net)

    for i in range(draw(st.integers(0, 2))):
        nets = draw(st.lists(st.sampled_from(host_networks), min_size=1, max_size=3,
                             unique=True))
        instance = b.obj("instance", f"{host}-vm{i}",
                         **_props(_constraint_value(draw, nets, networks)))
        for k in range(draw(st.integers(1, 3))):
            net = draw(st.sampled_from(nets))
            vnic = b.obj("vnic", f"{host}-tap{i}{k}", network=net)
            b.link(instance, vnic, net)
            plug(vnic, net, "instance")

    for i in range(draw(st.integers(0, 2))):
        router = chance(draw, 5)
        nets = draw(st.lists(st.sampled_from(host_networks), min_size=1,
                             max_size=2 if router else 1, unique=True))
        vservice = b.obj("vservice", f"{'qrouter' if router else 'qdhcp'}-{host}-{i}",
                         **_props(_constraint_value(draw, nets, networks)))
        for k, net in enumerate(nets):
            vnic = b.obj("vnic", f"{vservice}-{'qr' if router else 'tap'}{k}", network=net)
            b.link(vservice, vnic, net)
            plug(vnic, net, "vservice")
    return pnics


def _build_switches(b: _Builder, host_pnics: list[str]) -> None:
    """Leaf and spine switches, their ports, cabling and uplinks (often chained)."""
    draw = b.draw
    ports: list[str] = []
    for s in range(draw(st.integers(1, 2))):
        switch = b.obj("switch", f"switch-{s}")
        for p in range(draw(st.integers(1, 3))):
            port = b.obj("switch_pnic", f"{switch}-eth1__{p}")
            b.link(switch, port)
            ports.append(port)
    cabled = draw(st.lists(st.sampled_from(host_pnics), max_size=len(ports), unique=True))
    for pnic, port in zip(cabled, ports, strict=False):
        b.link(pnic, port)
    if len(ports) > 1:
        pairs = draw(st.lists(st.tuples(st.sampled_from(ports), st.sampled_from(ports))
                              .filter(lambda pair: pair[0] != pair[1]),
                              max_size=4, unique=True))
        for source, target in pairs:
            b.link(source, target)


def _orient(draw: Draw, links: list[Link]) -> list[Link]:
    """Store some link types reversed: per type for the whole topology, or link by link."""
    policies: dict[str, str] = {}
    oriented: list[Link] = []
    for link in links:
        if link.link_type not in policies:
            policies[link.link_type] = draw(st.sampled_from(
                ["stored", "stored", "reversed", "mixed"]))
        policy = policies[link.link_type]
        flip = policy == "reversed" or (policy == "mixed" and draw(st.booleans()))
        if flip:
            reverse = catalogue.link_type(link.link_type).reverse_name
            link = Link(link.target_id, link.source_id, reverse, link.implicit, link.network)
        oriented.append(link)
    return oriented


def _implicit_links(draw: Draw, objects: dict[str, Obj], links: list[Link]) -> list[Link]:
    """A few passes of Calipso's transitive closure, keeping a drawn handful per pass."""
    base = list(links)
    last = list(links)
    made: list[Link] = []
    for _ in range(draw(st.integers(1, 3))):
        candidates = []
        for first in last:
            for second in base:
                if (first.link_type == second.link_type
                        or first.target_id != second.source_id
                        or first.source_id == second.target_id):
                    continue
                if (first.network is not None and second.network is not None
                        and first.network != second.network):
                    continue
                link_type = (f"{objects[first.source_id].type}-"
                             f"{objects[second.target_id].type}")
                candidates.append(Link(first.source_id, second.target_id, link_type,
                                       implicit=True,
                                       network=first.network if first.network is not None
                                       else second.network))
        if not candidates:
            break
        picks = draw(st.lists(st.integers(0, len(candidates) - 1), max_size=5, unique=True))
        last = [candidates[i] for i in picks]
        made.extend(last)
    return made


def _shortcuts(draw: Draw, objects: dict[str, Obj]) -> list[Link]:
    """Implicit instance-network links, as a full closure would make them."""
    made = []
    networks = [o.id for o in objects.values() if o.type == "network"]
    for obj in objects.values():
        if obj.type == "instance" and chance(draw, 5):
            for net in draw(st.lists(st.sampled_from(networks), max_size=2, unique=True)):
                network = draw(st.sampled_from([net, net, None]))
                made.append(Link(obj.id, net, "instance-network", True, network))
    return made


@st.composite
def topologies(draw: Draw, max_hosts: int = 3) -> Topology:
    """A small OpenStack-like topology with adversarial twists (see the module doc)."""
    b = _Builder(draw)
    all_networks = [f"net-{n}" for n in range(draw(st.integers(1, 4)))]
    networks = []
    for proposal in all_networks:
        net_id = b.new_id(proposal)
        networks.append(net_id)
        b.objects[net_id] = Obj(net_id, "network", {})
    for net_id in networks:  # network props may name each other, so set them afterwards
        b.objects[net_id] = Obj(net_id, "network", _network_props(draw, net_id, networks))

    mechanisms = draw(st.lists(st.sampled_from(["ovs", "vpp", "lxb"]), min_size=1,
                               max_size=2, unique=True))
    tunnels = draw(st.booleans())
    pnics: list[str] = []
    for index in range(draw(st.integers(1, max_hosts))):
        mechanism = draw(st.sampled_from(mechanisms))
        pnics += _build_host(b, index, mechanism, tunnels, networks)
    if chance(draw, 3):
        _build_switches(b, pnics)

    links = _orient(draw, b.links)
    if chance(draw, 5):
        links += _implicit_links(draw, b.objects, links)
    if chance(draw, 3):
        links += _shortcuts(draw, b.objects)

    # One link per ordered pair: a later link either is dropped or, as Calipso's upsert
    # does for implicit links, overwrites the earlier one.
    by_pair: dict[tuple[str, str], Link] = {}
    for link in links:
        pair = (link.source_id, link.target_id)
        if pair not in by_pair or (link.implicit and draw(st.booleans())):
            by_pair[pair] = link
    return Topology(objects=dict(b.objects), links=list(by_pair.values())).check()


_NAMED_FROM: dict[str, list[str]] = {
    name: [t.name for t in catalogue.link_types() if t.source_type == name]
    for name in LINKABLE_TYPES
}
_ALL_LINK_TYPES: list[str] = [t.name for t in catalogue.link_types(include_derived=True)]
_ALL_LINK_TYPE_NAMES = frozenset(_ALL_LINK_TYPES)


@st.composite
def random_clique_types(draw: Draw) -> CliqueType:
    """A focal type and 1-6 link types: a plausible chain (each type starts at a type the
    chain has reached, usually the last) or any catalogue link types at all."""
    focal = draw(st.sampled_from(LINKABLE_TYPES))
    count = draw(st.integers(1, 6))
    use_implicit_links = draw(st.booleans())
    link_types: list[str] = []
    if draw(st.booleans()):  # plausible
        reached = [focal]
        for _ in range(count):
            start = draw(st.sampled_from(reached[::-1]))
            named = _NAMED_FROM.get(start, [])
            # derived types exist only between types on paths (not server groups)
            derived = [name for other in LINKABLE_TYPES
                       if (name := f"{start}-{other}") in _ALL_LINK_TYPE_NAMES]
            options = named if named and (not derived or not chance(draw, 2)) else derived
            if not options:
                break
            chosen = draw(st.sampled_from(options))
            link_types.append(chosen)
            reached.append(catalogue.link_type(chosen).target_type)
    else:
        link_types = draw(st.lists(st.sampled_from(_ALL_LINK_TYPES), min_size=count,
                                   max_size=count))
    return CliqueType(focal, tuple(link_types), use_implicit_links)


def clique_types() -> st.SearchStrategy[CliqueType]:
    """Shipped clique types and random ones."""
    return st.one_of(st.sampled_from(SHIPPED_CLIQUE_TYPES), random_clique_types())


def constraint_names() -> st.SearchStrategy[list[str]]:
    """Constraint name lists a caller might pass (the shipped one, none, an extra name)."""
    return st.sampled_from([["network"], [], ["network", "segment"]])


def shipped_constraints(focal_point_type: str) -> list[str]:
    """The shipped constraint names of a focal type; none without a constraint document."""
    return list(SHIPPED_CONSTRAINTS.get(focal_point_type, []))
