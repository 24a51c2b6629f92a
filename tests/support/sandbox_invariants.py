"""What must hold in a sandbox cloud whatever changed it: indexes agree with the objects,
every reference points at something that exists, addresses are unique per subnet, and
OpenStack's own rules (one router interface per subnet, floating IPs through a router
that reaches them, power states that agree)."""

from __future__ import annotations

from collections import Counter

from topology.sandbox.model import (
    DHCP_OWNER,
    INSTANCE_OWNER_PREFIX,
    ROUTER_GATEWAY_OWNER,
    ROUTER_INTERFACE_OWNER,
    Cloud,
    ip_number,
)


def problems(cloud: Cloud) -> list[str]:
    found: list[str] = []
    networks = cloud.all_networks()
    subnets = [s for n in networks for s in n.subnets]
    on_networks = [p for n in networks for p in n.ports]

    # indexes
    if cloud.networks_by_id != {n.id: n for n in networks}:
        found.append("networks_by_id is not the networks")
    if cloud.subnets != {s.id: s for s in subnets}:
        found.append("the subnet index is not the networks' subnets")
    if Counter(map(id, on_networks)) != Counter(map(id, cloud.ports.values())) \
            or len(on_networks) != len(cloud.ports):
        found.append("the port index is not the networks' ports")
    for project in cloud.projects:
        for network in project.networks:
            if network.project is not project or network not in cloud.networks:
                found.append(f"project {project.name} lists a network not its own")
    if sorted(map(id, cloud.networks)) != sorted(
            id(n) for p in cloud.projects for n in p.networks):
        found.append("the tenant networks are not the projects' networks")
    segments = [n.segmentation_id for n in cloud.networks]
    if len(segments) != len(set(segments)):
        found.append("two tenant networks share a segmentation id")
    bases = [s.base for n in cloud.networks for s in n.subnets]
    if len(bases) != len(set(bases)):
        found.append("two tenant subnets share a block of addresses")

    # ports
    for port in cloud.ports.values():
        where = f"port {port.id}"
        if port.network.id not in cloud.networks_by_id:
            found.append(f"{where}: its network is gone")
        if port.subnet is not None and (port.subnet not in port.network.subnets
                                        or port.subnet.id not in cloud.subnets):
            found.append(f"{where}: its subnet is not one of its network's")
        if port.host is not None and sum(p is port for p in port.host.ports) != 1:
            found.append(f"{where}: not listed once by its host {port.host.name}")
        if port.subnet is not None and port.ip:
            offset = ip_number(port.ip) - port.subnet.base
            if not 0 < offset < port.subnet.size - 1:
                found.append(f"{where}: {port.ip} is outside {port.subnet.cidr}")
        owner = port.device_owner
        if owner.startswith(INSTANCE_OWNER_PREFIX) and port.device_id not in cloud.instances:
            found.append(f"{where}: its instance is gone")
        if owner in (ROUTER_INTERFACE_OWNER, ROUTER_GATEWAY_OWNER) \
                and port.device_id not in cloud.routers:
            found.append(f"{where}: its router is gone")
    for host in cloud.hosts:
        for port in host.ports:
            if cloud.ports.get(port.id) is not port or port.host is not host:
                found.append(f"host {host.name} lists port {port.id} that is not its own")
        for port in host.dhcp_ports:
            if port not in host.ports or port.device_owner != DHCP_OWNER:
                found.append(f"host {host.name}: DHCP port {port.id} is not a bound DHCP port")
        for instance in host.instances:
            if cloud.instances.get(instance.id) is not instance or instance.host is not host:
                found.append(f"host {host.name} lists instance {instance.id} not its own")
    for subnet in subnets:
        addresses = [p.ip for p in subnet.network.ports if p.subnet is subnet and p.ip]
        twice = [a for a, n in Counter(addresses).items() if n > 1]
        if twice:
            found.append(f"subnet {subnet.cidr}: addresses given twice {twice}")
    if cloud.network_hosts:
        for network in cloud.networks:
            dhcp = [p for p in network.ports if p.device_owner == DHCP_OWNER]
            if len(dhcp) != 1:
                found.append(f"network {network.name} has {len(dhcp)} DHCP ports")

    # instances
    placed = [i for h in cloud.hosts for i in h.instances]
    if len(placed) != len(cloud.instances):
        found.append("hosts' instances are not the instance index")
    for instance in cloud.instances.values():
        where = f"instance {instance.name}"
        for port in instance.ports:
            if cloud.ports.get(port.id) is not port or port.device_id != instance.id:
                found.append(f"{where}: port {port.id} is not its own or gone")
        running = (instance.vm_state, instance.power_state, instance.domain_id is not None)
        if running not in (("active", 1, True), ("stopped", 4, False)):
            found.append(f"{where}: state {running} does not agree")

    # routers
    interfaces_per_subnet: Counter[int] = Counter()
    for router in cloud.routers.values():
        where = f"router {router.name}"
        if router not in router.project.routers:
            found.append(f"{where}: its project does not list it")
        if router.host is not None and router not in router.host.routers:
            found.append(f"{where}: its host does not list it")
        for port in router.interfaces:
            interfaces_per_subnet[id(port.subnet)] += 1
            if cloud.ports.get(port.id) is not port or port.subnet is None \
                    or port.subnet.id not in cloud.subnets:
                found.append(f"{where}: interface {port.id} is gone or on no subnet")
            elif port.ip != port.subnet.gateway:
                found.append(f"{where}: interface {port.id} does not hold the gateway")
        gateway = router.gateway
        if gateway is not None and (cloud.ports.get(gateway.id) is not gateway
                                    or gateway.network is not cloud.external):
            found.append(f"{where}: its gateway port is gone or not external")
    if any(n > 1 for n in interfaces_per_subnet.values()):
        found.append("a subnet has two router interfaces")

    # floating IPs
    fixed = [f.fixed_port for f in cloud.floating_ips.values() if f.fixed_port is not None]
    if len(fixed) != len(set(map(id, fixed))):
        found.append("a port has two floating IPs")
    for fip in cloud.floating_ips.values():
        where = f"floating IP {fip.address}"
        if cloud.ports.get(fip.port.id) is not fip.port:
            found.append(f"{where}: its own port is gone")
        if (fip.fixed_port is None) != (fip.router is None):
            found.append(f"{where}: associated without a router, or the reverse")
        if fip.fixed_port is not None and fip.router is not None:
            if cloud.ports.get(fip.fixed_port.id) is not fip.fixed_port:
                found.append(f"{where}: its port is gone")
            router = fip.router
            if cloud.routers.get(router.id) is not router or router.gateway is None:
                found.append(f"{where}: its router is gone or has no gateway")
            if not any(i.network is fip.fixed_port.network for i in router.interfaces):
                found.append(f"{where}: its router does not reach its port's network")
    return found
