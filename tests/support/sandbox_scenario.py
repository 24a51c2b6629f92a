"""The lab's scenario (tests/fixtures/lab) played on a sandbox cloud through the
notification flows, to hold the sandbox's notifications against the lab's."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from topology.sandbox.model import CloudShape, build
from topology.sandbox.notifications import neutron_flows, nova_flows
from topology.sandbox.notifications.context import Requester
from topology.sandbox.notifications.message import Notification
from topology.sandbox.notifications.site import Site

AT = datetime(2026, 12, 5, 1, 46, 44, 97745, tzinfo=UTC)


def scenario() -> list[Notification]:
    """The lab's scenario on a sandbox cloud: a network, a router with an interface, a
    port, an instance that is stopped, started, resized and deleted, floating IPs created,
    associated, disassociated and deleted, and everything taken down again; plus a later
    subnet created and deleted (the lab did not). A delete's notifications are made before
    the model forgets the object (neutron's ``.end`` carries it as it was stored)."""
    cloud = build(CloudShape(seed=5))
    requester = Requester(Site.of(cloud), random.Random(1))
    project = cloud.projects[0]
    notes: list[Notification] = []
    network = cloud.create_network(project, "lab-net1", AT)
    notes += neutron_flows.network_created(network, requester, AT)
    router = cloud.create_router(project, "lab-router", AT)
    notes += neutron_flows.router_created(router, requester, AT)
    interface = cloud.add_router_interface(router, network.subnets[0], AT)
    notes += neutron_flows.interface_added(router, interface, requester, AT)
    port = cloud.create_port(network, AT)
    notes += neutron_flows.port_created(port, requester, AT)
    instance = cloud.create_instance(cloud.computes[0], project, [network], "lab-vm1", AT)
    notes += nova_flows.instance_created(instance, requester, AT)
    cloud.set_power(instance, False, AT)
    notes += nova_flows.instance_stopped(instance, requester, AT)
    cloud.set_power(instance, True, AT)
    notes += nova_flows.instance_started(instance, requester, AT)
    bigger = next(f for f in cloud.flavors if f.ram > instance.flavor.ram)
    old = cloud.resize(instance, bigger, AT)
    notes += nova_flows.instance_resized(instance, old, requester, AT)
    fip = cloud.create_floating_ip(project, AT)
    notes += neutron_flows.floatingip_created(fip, requester, AT)
    cloud.associate_floating_ip(fip, instance.ports[0], AT)
    notes += neutron_flows.floatingip_updated(fip, requester, AT)
    cloud.disassociate_floating_ip(fip, AT)
    notes += neutron_flows.floatingip_updated(fip, requester, AT)
    notes += neutron_flows.floatingip_deleted(fip, requester, AT)
    cloud.delete_floating_ip(fip)
    notes += neutron_flows.port_deleted(port, requester, AT)
    cloud.delete_port(port)
    notes += nova_flows.instance_deleted(instance, requester, AT)
    cloud.delete_instance(instance)
    subnet = cloud.create_subnet(network, AT)
    notes += neutron_flows.subnet_created(subnet, requester, AT)
    notes += neutron_flows.subnet_deleted(subnet, requester, AT)
    cloud.delete_subnet(subnet)
    cloud.remove_router_interface(router, interface, AT)
    notes += neutron_flows.interface_removed(router, interface, requester, AT)
    notes += neutron_flows.router_deleted(router, requester, AT)
    cloud.delete_router(router)
    notes += neutron_flows.network_deleted(network, requester, AT)
    cloud.delete_network(network)
    return notes
