"""Documents become Neo4j property maps: scalars as properties, nesting as JSON."""

import datetime as dt
import json

from topology.store.encode import is_property_name, partition, property_value, split_properties


def test_scalars_and_scalar_lists_are_properties_nested_values_are_json():
    when = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    props = split_properties({
        "name": "vm-1", "Link detected": "yes", "binding:host_id": "node-1", "mtu": 1500,
        "ok": True, "network": ["n1", "n2"], "last_scanned": when,
        "network_info": [{"devname": "tap1"}], "ports": {"p": {"id": 1}},
        "mixed": [1, "a"], "_id": "abc",
    })
    assert props["name"] == "vm-1"
    assert props["Link detected"] == "yes"
    assert props["binding:host_id"] == "node-1"
    assert props["network"] == ["n1", "n2"]
    assert props["last_scanned"] == when
    assert "_id" not in props
    assert json.loads(props["attributes"]) == {
        "mixed": [1, "a"], "network_info": [{"devname": "tap1"}], "ports": {"p": {"id": 1}}}


def test_managed_fields_cannot_be_set_by_documents():
    props = split_properties({"first_seen": 1, "last_seen": 2, "environment": "x", "id": "a"})
    assert set(props) == {"id", "attributes"}
    assert props["attributes"] is None


def test_none_is_kept_so_set_plus_equals_removes_the_property():
    props, nested = partition({"status": None})
    assert props == {"status": None}
    assert nested == {}


def test_numeric_lists_mix_ints_and_floats_into_floats():
    assert property_value([1, 2.5]) == (True, [1.0, 2.5])
    assert property_value([1, 2]) == (True, [1, 2])
    assert property_value([True, 1])[0] is False
    assert property_value(2**70)[0] is False


def test_property_names_exclude_backticks_and_internal_keys():
    assert is_property_name("IP Address")
    assert not is_property_name("a`b")
    assert not is_property_name("_id")
    assert not is_property_name("x" * 200)
    assert not is_property_name("")
