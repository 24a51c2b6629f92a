"""The structural comparison of parsed values (tests/support/structure.py): which fields an
item populates, and what an item without a recorded counterpart is reported as."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.support.structure import Difference, Item, StandIn, items, mismatches


@dataclass(frozen=True)
class Address:
    address: str
    broadcast: str | None = None


@dataclass(frozen=True)
class Device:
    name: str
    kind: str
    mac: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    addresses: tuple[Address, ...] = ()
    flags: tuple[str, ...] = ()
    element: dict[str, object] = field(default_factory=dict)


def kinds(device: Device) -> str:
    return device.kind


def test_items_are_the_dataclasses_with_their_populated_paths() -> None:
    device = Device("eth0", "physical", "00:25:90:00:00:01", {"qdisc": "mq", "master": ""},
                    (Address("192.0.2.1", "192.0.2.255"), Address("192.0.2.9")), ("UP",),
                    {"interface": [{"mac": {"@address": "x"}}, {"alias": None}]})
    found = items([device], "here", {Device: kinds})
    assert found == [
        Item(("Device", "physical"), frozenset({
            "name", "kind", "mac", "attributes.qdisc", "attributes.master", "addresses",
            "flags", "element.interface", "element.interface.mac",
            "element.interface.mac.@address", "element.interface.alias"}), "here"),
        Item(("Address", None), frozenset({"address", "broadcast"}), "here"),
        Item(("Address", None), frozenset({"address"}), "here")]
    assert items([], "nothing") == []
    assert items({"ID": "debian"}, "os") == [Item(("dict", None), frozenset({"ID"}), "os")]
    assert items("node-1", "uname") == [Item(("str", None), frozenset({""}), "uname")]


def test_an_item_must_have_the_fields_of_some_recorded_item_of_its_kind() -> None:
    recorded = items([Device("a", "veth", "m"), Device("b", "veth", None, {"master": "br"})],
                     "real", {Device: kinds})
    assert mismatches(items([Device("c", "veth", "m")], "ours", {Device: kinds}),
                      recorded) == []
    assert mismatches(items([Device("d", "veth", "m", {"qdisc": "mq"})], "ours",
                            {Device: kinds}), recorded) == [
        "ours: ('Device', 'veth') has ['attributes.qdisc'] more and [] fewer than the "
        "nearest recorded one"]
    assert mismatches(items([Device("e", "bridge")], "ours", {Device: kinds}), recorded) == [
        "ours: no recorded (('Device', 'bridge'),) to compare ('Device', 'bridge') with"]


def test_differences_and_stand_ins() -> None:
    recorded = items([Device("a", "veth", "m")], "real", {Device: kinds})
    ours = items([Device("b", "vlan", "m", {"master": "br", "master_extra": "x"})], "ours",
                 {Device: kinds})
    stand_in = StandIn(("Device", "vlan"), (("Device", "veth"),), "no 802.1Q")
    assert len(mismatches(ours, recorded, (), [stand_in])) == 1
    master = Difference(("Device", "vlan"), "attributes.master", "a port")
    assert mismatches(ours, recorded, [master], [stand_in]) == [
        "ours: ('Device', 'vlan') has ['attributes.master_extra'] more and [] fewer than "
        "the nearest recorded one"]
    attributes = Difference(("Device", "veth"), "attributes", "any attribute")
    assert mismatches(ours, recorded, [attributes], [stand_in]) == []
