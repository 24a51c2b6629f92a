"""Sensu check names: builders and every reading of a received name (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from topology import catalogue
from topology.sensu.names import (
    COLON,
    SLASH,
    LinkReading,
    ObjectReading,
    PortReading,
    UnknownCheckNameError,
    decode_id,
    encode_id,
    link_check,
    object_check,
    otep_port_check,
    readings,
    vnic_check,
)

MAC = "fa:16:3e:12:34:56"


def test_ids_encode_colons_and_slashes_anywhere():
    assert encode_id(f"eth0-{MAC}") == "eth0-fa" + COLON + "16" + COLON + "3e" + COLON + \
        "12" + COLON + "34" + COLON + "56"
    assert encode_id("a/b:c") == f"a{SLASH}b{COLON}c"
    assert decode_id(encode_id("a/b:c/d")) == "a/b:c/d"


def test_a_host_pnic_check_reads_back_to_the_pnic_with_its_mac():
    name = object_check("host_pnic", f"eno1-{MAC}")
    assert name.startswith("host_pnic_eno1-fa---..58..---")
    assert ObjectReading("host_pnic", f"eno1-{MAC}") in readings(name)


def test_a_type_with_underscores_is_read_as_the_longest_type_first():
    found = readings("host_pnic_eth0")
    assert found[0] == ObjectReading("host_pnic", "eth0")
    # "host" is also a type: "pnic_eth0" as a host id is a reading too, for the graph to
    # rule out
    assert ObjectReading("host", "pnic_eth0") in found


def test_a_link_type_containing_underscores_is_matched_against_the_catalogue():
    name = link_check("host_pnic-network", f"eno1-{MAC}", "net-1")
    assert LinkReading("host_pnic-network", f"eno1-{MAC}", "net-1") in readings(name)


def test_ids_with_underscores_give_every_cut_of_a_link_name():
    found = readings("link_vnic-vconnector_tap_1_br_q")
    links = [r for r in found if isinstance(r, LinkReading)]
    assert {(r.source_id, r.target_id) for r in links} == {
        ("tap", "1_br_q"), ("tap_1", "br_q"), ("tap_1_br", "q")}
    assert all(r.link_type == "vnic-vconnector" for r in links)


def test_otep_port_checks_read_as_a_port_of_the_otep_and_as_the_otep_itself():
    name = otep_port_check("node-1-otep", "vxlan-ac10000a")
    assert name == "otep_node-1-otep_vxlan-ac10000a"
    found = readings(name)
    assert PortReading("otep", "node-1-otep", "vxlan-ac10000a") in found
    assert ObjectReading("otep", "node-1-otep_vxlan-ac10000a") in found


def test_otep_ids_with_underscores_cut_at_the_last_underscore_first():
    ports = [r for r in readings("otep_a_b_c") if isinstance(r, PortReading)]
    assert ports[0] == PortReading("otep", "a_b", "c")


def test_vnic_checks_of_vpp_environments_carry_the_vnic_type():
    name = vnic_check("instance_vnic", f"tap/{MAC}")
    assert name == "vnic_instance_vnic_tap" + SLASH + "fa" + COLON + "16" + COLON + "3e" \
        + COLON + "12" + COLON + "34" + COLON + "56"
    assert ObjectReading("vnic", f"tap/{MAC}") in readings(name)
    with pytest.raises(ValueError, match="vnic type"):
        vnic_check("pnic", "x")


def test_builders_take_types_only_from_the_catalogue():
    with pytest.raises(catalogue.UnknownTypeError):
        object_check("no_such_type", "x")
    with pytest.raises(catalogue.UnknownTypeError):
        link_check("a-b", "x", "y")
    with pytest.raises(ValueError, match="port"):
        otep_port_check("otep-1", "has_underscore")


@pytest.mark.parametrize("name", ["", "nosuchtype_x", "link_nosuch-type_a_b", "vedge_",
                                  "link_vnic-vconnector_x"])
def test_names_no_type_begins_are_refused(name):
    with pytest.raises(UnknownCheckNameError):
        readings(name)


ids = st.text(st.sampled_from("ab_-:/.1"), min_size=1, max_size=12).filter(
    lambda s: s.strip("_") == s)


@given(type_name=st.sampled_from([t.name for t in catalogue.object_types()]), object_id=ids)
def test_every_object_check_reads_back_to_its_object(type_name, object_id):
    assert ObjectReading(type_name, object_id) in readings(object_check(type_name, object_id))


@given(link=st.sampled_from([t.name for t in catalogue.link_types(include_derived=True)]),
       source=ids, target=ids)
def test_every_link_check_reads_back_to_its_link(link, source, target):
    assert LinkReading(link, source, target) in readings(link_check(link, source, target))
