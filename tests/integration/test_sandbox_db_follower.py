"""The database follows the cloud's changes (a real MariaDB): after each change made with
the model's methods and handed to the follower as the churn hands it (the objects made,
changed or removed), the tables hold exactly what a fresh fill of the model would, one
transaction per change, only the rows concerned rewritten, and a deleted instance stays
as Nova leaves it."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import URL, Engine

from tests.support.sandbox_db import Changed, differences, emptied_engine, kind, table_rows
from topology.sandbox.churn import Churn
from topology.sandbox.database.follower import DatabaseFollower
from topology.sandbox.database.writer import fill
from topology.sandbox.model import (
    DHCP_OWNER,
    INSTANCE_OWNER_PREFIX,
    CapacityError,
    Cloud,
    CloudShape,
    build,
)

NOW = datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC)
LAB = Path(__file__).resolve().parents[1] / "fixtures" / "lab" / "db"


@pytest.fixture(scope="module")
def engine(mariadb_url: URL) -> Iterator[Engine]:
    yield from emptied_engine(mariadb_url)


class Following:
    """A filled cloud, its follower, and a clock for the changes' times."""

    def __init__(self, cloud: Cloud, url: URL, engine: Engine) -> None:
        self.cloud = cloud
        self.engine = engine
        fill(cloud, url, now=NOW)
        self.follower = DatabaseFollower(cloud, url, retry_interval=0, now=lambda: NOW)
        self.at = NOW

    def tick(self) -> datetime:
        self.at += timedelta(seconds=7)
        return self.at

    def apply(self, op: str, **objects: Any) -> None:
        before = self.follower.written
        self.follower(Changed(op, self.at, objects))
        assert self.follower.written == before + 1, self.follower.last_error
        assert self.follower.failures == 0

    def differences(self) -> dict[str, Any]:
        return differences(self.engine, self.cloud, NOW)


@pytest.fixture
def following(mariadb_url: URL, engine: Engine) -> Iterator[Following]:
    cloud = build(CloudShape(compute_hosts=3, network_hosts=2, projects=2,
                             networks_per_project=2, instances_per_host=2,
                             floating_ips_per_project=1))
    state = Following(cloud, mariadb_url, engine)
    yield state
    state.follower.close()


def test_each_kind_of_change_is_followed(following: Following) -> None:
    cloud, tick, apply = following.cloud, following.tick, following.apply
    project = cloud.projects[0]
    host = cloud.computes[0]

    instance = cloud.create_instance(host, project, project.networks[:2], "vm-new", tick(),
                                     flavor=cloud.flavor("m1.medium"))
    apply("create_instance", instance=instance, ports=list(instance.ports))
    assert following.differences() == {}

    cloud.set_power(instance, False, tick())
    apply("stop_instance", instance=instance)
    assert following.differences() == {}
    cloud.set_power(instance, True, tick())
    apply("start_instance", instance=instance)
    cloud.resize(instance, cloud.flavor("m1.large"), tick())
    apply("resize_instance", instance=instance)
    assert following.differences() == {}

    port = cloud.create_port(project.networks[0], tick())
    apply("create_port", port=port)
    assert following.differences() == {}
    cloud.delete_port(port)
    apply("delete_port", port=port)
    assert following.differences() == {}

    network = cloud.create_network(project, "net-new", tick())
    apply("create_network", network=network, subnets=list(network.subnets),
          ports=[p for p in network.ports if p.device_owner == DHCP_OWNER])
    assert following.differences() == {}
    subnet = cloud.create_subnet(network, tick())
    apply("create_subnet", subnet=subnet)
    assert following.differences() == {}

    router = cloud.create_router(project, "router-new", tick())
    apply("create_router", router=router, ports=[router.gateway])
    interface = cloud.add_router_interface(router, network.subnets[0], tick())
    apply("add_router_interface", router=router, subnet=network.subnets[0], port=interface)
    assert following.differences() == {}

    fip = cloud.create_floating_ip(project, tick())
    apply("create_floating_ip", floating_ip=fip, ports=[fip.port])
    target = next(p for p in instance.ports if p.network is project.networks[0])
    cloud.associate_floating_ip(fip, target, tick())
    apply("associate_floating_ip", floating_ip=fip, port=target)
    assert following.differences() == {}
    cache = next(r for r in table_rows(following.engine, "nova.instance_info_caches")
                 if r["instance_uuid"] == instance.id)
    assert fip.address in cache["network_info"]
    cloud.disassociate_floating_ip(fip, tick())
    apply("disassociate_floating_ip", floating_ip=fip, port=target)
    assert following.differences() == {}

    cloud.remove_router_interface(router, interface, tick())
    apply("remove_router_interface", router=router, port=interface)
    cloud.delete_subnet(subnet)
    apply("delete_subnet", subnet=subnet)
    gateway = cloud.delete_router(router)
    apply("delete_router", router=router, ports=gateway)
    assert following.differences() == {}
    cloud.delete_floating_ip(fip)
    apply("delete_floating_ip", floating_ip=fip, ports=[fip.port])
    subnets = list(network.subnets)
    ports = cloud.delete_network(network)
    apply("delete_network", network=network, subnets=subnets, ports=ports)
    assert following.differences() == {}

    ports = cloud.delete_instance(instance)
    apply("delete_instance", instance=instance, ports=ports)
    assert following.differences() == {}


def test_a_deleted_instance_stays_soft_deleted_as_novas(following: Following) -> None:
    cloud = following.cloud
    fip = next(f for f in cloud.floating_ips.values() if f.fixed_port is not None)
    instance = cloud.instances[fip.fixed_port.device_id]
    at = following.tick()
    ports = cloud.delete_instance(instance)
    following.apply("delete_instance", instance=instance, ports=ports)
    assert following.differences() == {}  # the floating IP's row was let go too
    fip_row = next(r for r in table_rows(following.engine, "neutron.floatingips")
                   if r["id"] == fip.id)
    assert (fip_row["fixed_port_id"], fip_row["router_id"], fip_row["status"]) == (
        None, None, "DOWN")

    stamp = at.replace(tzinfo=None)
    for table, key, lab_deleted in (("nova.instances", "uuid", "deleted"),
                                    ("nova.instance_info_caches", "instance_uuid", "deleted"),
                                    ("nova_api.instance_mappings", "instance_uuid",
                                     "queued_for_delete")):
        row = next(r for r in table_rows(following.engine, table)
                   if r[key] == instance.id)
        lab = [r for r in json.loads((LAB / f"{table}.json").read_text(encoding="utf-8"))
               if r[lab_deleted]]
        for column, value in row.items():
            assert kind(value) in {kind(r[column]) for r in lab}, (table, column)
        if table != "nova_api.instance_mappings":
            assert (row["deleted"], row["deleted_at"]) == (row["id"], stamp)
        else:
            assert (row["queued_for_delete"], row["updated_at"]) == (1, stamp)
    row = next(r for r in table_rows(following.engine, "nova.instances")
               if r["uuid"] == instance.id)
    assert (row["vm_state"], row["power_state"], row["terminated_at"]) == ("deleted", 0, stamp)


def test_a_change_rewrites_only_its_rows(following: Following) -> None:
    """Every instance and port row is marked; after a change only the rows of the objects
    it reached lost the mark."""
    with following.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE nova.instances SET display_description = 'mark'")
        connection.exec_driver_sql("UPDATE neutron.ports SET name = 'mark'")
    cloud = following.cloud
    instance = next(iter(cloud.instances.values()))
    cloud.set_power(instance, False, following.tick())
    following.apply("stop_instance", instance=instance)
    unmarked = {r["uuid"] for r in table_rows(following.engine, "nova.instances")
                if r["display_description"] != "mark"}
    assert unmarked == {instance.id}
    unmarked_ports = {r["id"] for r in table_rows(following.engine, "neutron.ports")
                      if r["name"] != "mark"}
    assert unmarked_ports == {p.id for p in instance.ports}


def test_tables_parted_from_the_model_are_filled_anew(following: Following) -> None:
    """A write that would fail on every try (a table gone, a row in the way) makes the
    follower fill every table again."""
    with following.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE neutron.ports")
    cloud = following.cloud
    port = cloud.create_port(cloud.networks[0], following.tick())
    assert following.follower(Changed("create_port", following.at, {"port": port})) is None
    assert (following.follower.failures, following.follower.resyncs) == (1, 1)
    assert following.follower.pending == {}
    assert following.differences() == {}

    taken = cloud.networks[1].subnets[0]
    address = f"{taken.cidr.rsplit('.', 1)[0]}.{taken.next_offset}"
    with following.engine.begin() as connection:  # the next port's address, taken
        connection.exec_driver_sql(
            "INSERT INTO neutron.ipallocations VALUES ('x', %s, %s, %s)",
            (address, taken.id, taken.network.id))
    port = cloud.create_port(cloud.networks[1], following.tick())
    assert port.ip == address
    following.follower(Changed("create_port", following.at, {"port": port}))
    assert following.follower.resyncs == 2
    assert following.differences() == {}


def test_many_random_changes_are_followed(following: Following) -> None:
    cloud, rng = following.cloud, random.Random(5)
    for step in range(1, 121):
        op = rng.choice(list(OPERATIONS))
        try:
            objects = OPERATIONS[op](cloud, rng, following.tick())
        except (LookupError, ValueError, CapacityError):
            continue  # nothing to act on, or no room: as the churn skips it
        following.apply(op, **objects)
        if step % 30 == 0:
            assert following.differences() == {}, (step, op)
    assert following.differences() == {}
    assert following.follower.changes > 60


def test_the_churn_is_followed(following: Following) -> None:
    """The churn hands its changes to the follower as they are (no adapter)."""
    churn = Churn(following.cloud, None, rng=random.Random(11))
    churn.on_change.append(following.follower)
    with churn:
        made = [churn.step() for _ in range(150)]
    assert all(change is not None for change in made)
    assert following.follower.changes == 150
    assert following.follower.written == 150
    assert following.follower.failures == 0
    assert following.differences() == {}
    assert len(churn.applied) >= 15  # most kinds of change happened


# -- random changes, as OpenStack would accept them --------------------------------------


def _instances(cloud: Cloud, state: str | None = None) -> list[Any]:
    return [i for i in cloud.instances.values() if state is None or i.vm_state == state]


def _create_instance(cloud: Cloud, rng: random.Random, at: datetime) -> dict[str, Any]:
    project = rng.choice([p for p in cloud.projects if p.networks])
    networks = rng.sample(project.networks, 1)
    instance = cloud.create_instance(rng.choice(cloud.computes), project, networks,
                                     f"rand-{rng.getrandbits(16)}", at,
                                     flavor=rng.choice(cloud.flavors))
    return {"instance": instance, "ports": list(instance.ports)}


def _delete_instance(cloud: Cloud, rng: random.Random, at: datetime) -> dict[str, Any]:
    instance = rng.choice(_instances(cloud))
    return {"instance": instance, "ports": cloud.delete_instance(instance)}


def _power(on: bool) -> Callable[[Cloud, random.Random, datetime], dict[str, Any]]:
    def change(cloud: Cloud, rng: random.Random, at: datetime) -> dict[str, Any]:
        instance = rng.choice(_instances(cloud, "stopped" if on else "active"))
        cloud.set_power(instance, on, at)
        return {"instance": instance}
    return change


def _resize(cloud: Cloud, rng: random.Random, at: datetime) -> dict[str, Any]:
    instance = rng.choice(_instances(cloud, "active"))
    cloud.resize(instance, rng.choice([f for f in cloud.flavors if f is not instance.flavor]),
                 at)
    return {"instance": instance}


def _create_port(cloud: Cloud, rng: random.Random, at: datetime) -> dict[str, Any]:
    return {"port": cloud.create_port(rng.choice(cloud.networks), at)}


def _delete_port(cloud: Cloud, rng: random.Random, at: datetime) -> dict[str, Any]:
    port = rng.choice([p for p in cloud.ports.values()
                       if p.host is None and not p.device_owner])
    cloud.delete_port(port)
    return {"port": port}


def _create_network(cloud: Cloud, rng: random.Random, at: datetime) -> dict[str, Any]:
    network = cloud.create_network(rng.choice(cloud.projects), f"n-{rng.getrandbits(16)}", at)
    return {"network": network, "subnets": list(network.subnets),
            "ports": list(network.ports)}


def _delete_network(cloud: Cloud, rng: random.Random, at: datetime) -> dict[str, Any]:
    """Any network, instance ports and router interfaces included (the model allows it;
    their instances' caches and routers change too)."""
    network = rng.choice(cloud.networks)
    subnets = list(network.subnets)
    routers = {p.device_id for p in network.ports} & set(cloud.routers)
    for fip in cloud.floating_ips.values():
        if fip.fixed_port is not None and fip.fixed_port.network is network:
            cloud.disassociate_floating_ip(fip, at)
    return {"network": network, "subnets": subnets, "ports": cloud.delete_network(network),
            "routers": [cloud.routers[r] for r in routers]}


def _create_subnet(cloud: Cloud, rng: random.Random, at: datetime) -> dict[str, Any]:
    return {"subnet": cloud.create_subnet(rng.choice(cloud.networks), at)}


def _delete_subnet(cloud: Cloud, rng: random.Random, at: datetime) -> dict[str, Any]:
    used = {p.subnet for p in cloud.ports.values()}
    subnet = rng.choice([s for n in cloud.networks for s in n.subnets[1:] if s not in used])
    cloud.delete_subnet(subnet)
    return {"subnet": subnet}


def _create_router(cloud: Cloud, rng: random.Random, at: datetime) -> dict[str, Any]:
    router = cloud.create_router(rng.choice(cloud.projects), f"r-{rng.getrandbits(16)}", at)
    return {"router": router, "ports": [router.gateway] if router.gateway else []}


def _delete_router(cloud: Cloud, rng: random.Random, at: datetime) -> dict[str, Any]:
    router = rng.choice([r for r in cloud.routers.values() if not r.interfaces])
    return {"router": router, "ports": cloud.delete_router(router)}


def _add_interface(cloud: Cloud, rng: random.Random, at: datetime) -> dict[str, Any]:
    served = {p.subnet for r in cloud.routers.values() for p in r.interfaces}
    router, subnet = rng.choice([(r, s) for r in cloud.routers.values()
                                 for n in r.project.networks for s in n.subnets
                                 if s not in served])
    return {"router": router, "subnet": subnet,
            "port": cloud.add_router_interface(router, subnet, at)}


def _remove_interface(cloud: Cloud, rng: random.Random, at: datetime) -> dict[str, Any]:
    in_use = {fip.router for fip in cloud.floating_ips.values()}
    router = rng.choice([r for r in cloud.routers.values()
                         if r.interfaces and r not in in_use])
    port = rng.choice(router.interfaces)
    cloud.remove_router_interface(router, port, at)
    return {"router": router, "port": port}


def _create_fip(cloud: Cloud, rng: random.Random, at: datetime) -> dict[str, Any]:
    fip = cloud.create_floating_ip(rng.choice(cloud.projects), at)
    return {"floating_ip": fip, "ports": [fip.port]}


def _delete_fip(cloud: Cloud, rng: random.Random, at: datetime) -> dict[str, Any]:
    fip = rng.choice(list(cloud.floating_ips.values()))
    cloud.delete_floating_ip(fip)
    return {"floating_ip": fip, "ports": [fip.port]}


def _associate(cloud: Cloud, rng: random.Random, at: datetime) -> dict[str, Any]:
    fip = rng.choice([f for f in cloud.floating_ips.values() if f.fixed_port is None])
    taken = {f.fixed_port for f in cloud.floating_ips.values()}
    port = rng.choice([p for i in _instances(cloud) if i.project is fip.project
                       for p in i.ports if p not in taken and p.id in cloud.ports
                       and p.device_owner.startswith(INSTANCE_OWNER_PREFIX)])
    cloud.associate_floating_ip(fip, port, at)
    return {"floating_ip": fip, "port": port}


def _disassociate(cloud: Cloud, rng: random.Random, at: datetime) -> dict[str, Any]:
    fip = rng.choice([f for f in cloud.floating_ips.values() if f.fixed_port is not None])
    port = fip.fixed_port
    cloud.disassociate_floating_ip(fip, at)
    return {"floating_ip": fip, "port": port}


OPERATIONS: dict[str, Callable[[Cloud, random.Random, datetime], dict[str, Any]]] = {
    "create_instance": _create_instance, "delete_instance": _delete_instance,
    "stop_instance": _power(False), "start_instance": _power(True), "resize": _resize,
    "create_port": _create_port, "delete_port": _delete_port,
    "create_network": _create_network, "delete_network": _delete_network,
    "create_subnet": _create_subnet, "delete_subnet": _delete_subnet,
    "create_router": _create_router, "delete_router": _delete_router,
    "add_router_interface": _add_interface, "remove_router_interface": _remove_interface,
    "create_floating_ip": _create_fip, "delete_floating_ip": _delete_fip,
    "associate_floating_ip": _associate, "disassociate_floating_ip": _disassociate,
}
