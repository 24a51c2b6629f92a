"""The follower without a database (nothing listens on its port): a change it cannot
write is counted and kept, the sandbox goes on, tries wait for the retry interval (on a
clock the test turns), and what a change reaches is worked out from the model."""

from __future__ import annotations

from datetime import UTC, datetime

from topology.net import LOOPBACK, free_port
from topology.sandbox.database.effects import flatten, touched
from topology.sandbox.database.follower import DatabaseFollower
from topology.sandbox.model import CloudShape, build

AT = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def nowhere() -> str:
    return f"mysql+pymysql://nobody@{LOOPBACK}:{free_port()}/nova"


def test_a_change_that_cannot_be_written_is_counted_and_kept() -> None:
    cloud = build(CloudShape())
    clock = Clock()
    follower = DatabaseFollower(cloud, nowhere(), retry_interval=5.0, clock=clock)
    try:
        instance = next(iter(cloud.instances.values()))
        cloud.set_power(instance, False, AT)
        assert follower.follow(AT, [instance]) is False
        assert (follower.changes, follower.failures, follower.written) == (1, 1, 0)
        assert follower.last_error
        assert ("instance", instance.id) in follower.pending

        port = cloud.create_port(cloud.networks[0], AT)
        clock.now += 1.0  # within the retry interval: kept without trying
        assert follower.follow(AT, [port]) is False
        assert follower.failures == 1
        assert {("instance", instance.id), ("port", port.id)} <= set(follower.pending)

        clock.now += 5.0  # the interval passed: tried again, failed again
        assert follower.follow(AT, [port]) is False
        assert follower.failures == 2
        assert follower.catch_up() is False  # catching up always tries
        assert follower.failures == 3
    finally:
        follower.close()


def test_what_a_change_reaches() -> None:
    cloud = build(CloudShape(network_hosts=2))
    instance = next(i for i in cloud.instances.values()
                    if any(f.fixed_port in i.ports for f in cloud.floating_ips.values()))
    fip = next(f for f in cloud.floating_ips.values() if f.fixed_port in instance.ports)
    port = fip.fixed_port
    assert port is not None

    def reached(*objects: object) -> set[tuple[str, str]]:
        return {(kind, getattr(item, "id", getattr(item, "name", item)))
                for obj in flatten(objects) for kind, item in touched(obj, cloud)}

    assert reached(instance) >= {("instance", instance.id), ("host", instance.host.name),
                                 *(("port", p.id) for p in instance.ports)}
    dhcp_hosts = {p.host.name for p in port.network.ports if p.device_owner == "network:dhcp"}
    assert reached(port) >= {("port", port.id), ("instance", instance.id),
                             ("floating_ip", fip.id), *(("host", h) for h in dhcp_hosts)}
    assert reached(fip) >= {("floating_ip", fip.id), ("port", fip.port.id),
                            ("instance", instance.id),
                            *(("host", h.name) for h in cloud.network_hosts)}
    router = next(iter(cloud.routers.values()))
    assert reached(router) >= {("router", router.id), ("port", router.gateway.id),
                               ("host", router.host.name)}
    network = cloud.networks[0]
    assert reached(network) >= {("network", network.id),
                                *(("subnet", s.id) for s in network.subnets)}
    assert reached(network.subnets[0]) >= {("network", network.id)}
    assert reached(None, "an id", [instance.host]) == {("host", instance.host.name)}


def test_a_vlan_network_reaches_its_vlan_id() -> None:
    cloud = build(CloudShape(type_driver="vlan"))
    network = cloud.networks[0]
    kinds = dict(touched(network, cloud))
    assert kinds.get("vlan") == network.segmentation_id
