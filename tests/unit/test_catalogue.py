"""The catalogue is the only source of labels and relationship types."""

import re

import pytest

from topology import catalogue

CALIPSO_LINK_TYPES = """instance-vnic vnic-instance vnic-vconnector vconnector-vnic
vconnector-vedge vedge-vconnector vedge-host_pnic host_pnic-vedge host_pnic-network
network-host_pnic vedge-otep otep-vedge otep-vconnector vconnector-otep otep-host_pnic
host_pnic-otep vconnector-host_pnic host_pnic-vconnector vnic-vedge vedge-vnic vservice-vnic
vnic-vservice switch_pnic-host_pnic host_pnic-switch_pnic switch_pnic-switch_pnic
switch_pnic-switch switch-switch_pnic""".split()

CALIPSO_SCAN_OBJECT_TYPES = """vnic vconnector vedge instance vservice host_pnic network port
otep agent availability_zone regions_folder instances_folder pnics_folder vconnectors_folder
vedges_folder ports_folder aggregates_folder vservices_folder vnics_folder network_agent
project projects_folder aggregate network_agents_folder host region host_ref
network_services_folder switch_pnic switch namespace namespaces_folder""".split()


OUR_LINK_TYPES = ["server_group-instance", "instance-server_group"]  # Calipso had none


def test_all_27_calipso_link_types_are_named_and_ours_beyond():
    assert sorted(t.name for t in catalogue.link_types()) == sorted(
        CALIPSO_LINK_TYPES + OUR_LINK_TYPES)


def test_every_calipso_object_type_and_dynamic_folder_is_known():
    dynamic = ["networks_folder", "availability_zones_folder", "vservice_dhcps_folder",
               "vservice_routers_folder", "vservice_miscellenaous_folder"]
    for name in CALIPSO_SCAN_OBJECT_TYPES + dynamic:
        assert catalogue.is_object_type(name), name


@pytest.mark.parametrize(("name", "label"), [
    ("instance", "Instance"), ("host_pnic", "HostPnic"), ("vservice", "Vservice"),
    ("vservice_dhcps_folder", "VserviceDhcpsFolder"),
])
def test_labels_are_pascal_case(name, label):
    assert catalogue.object_type(name).label == label


def test_folders_carry_the_folder_label():
    assert catalogue.object_type("vnics_folder").labels == ("Object", "Folder", "VnicsFolder")
    assert catalogue.object_type("instance").labels == ("Object", "Instance")


@pytest.mark.parametrize(("name", "rel"), [
    ("instance-vnic", "INSTANCE_VNIC"), ("host_pnic-network", "HOST_PNIC_NETWORK"),
    ("switch_pnic-switch", "SWITCH_PNIC_SWITCH"), ("switch-switch_pnic", "SWITCH_SWITCH_PNIC"),
])
def test_relationship_types_are_upper_snake(name, rel):
    assert catalogue.link_type(name).relationship_type == rel


def test_relationship_types_and_labels_are_unique_and_safe():
    types = [t.relationship_type for t in catalogue.link_types(include_derived=True)]
    assert len(types) == len(set(types))
    labels = [t.label for t in catalogue.object_types()]
    assert len(labels) == len(set(labels))
    for text in [*types, *labels]:
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", text), text
    assert "CONTAINS" not in types


def test_every_named_link_type_has_its_reverse_and_known_ends():
    names = {t.name for t in catalogue.link_types()}
    for link in catalogue.link_types():
        assert link.reverse_name in names
        assert catalogue.object_type(link.source_type).linkable
        assert catalogue.object_type(link.target_type).linkable


def test_implicit_link_types_are_derived_between_linkable_types():
    link = catalogue.link_type("instance-network")
    assert link.relationship_type == "INSTANCE_NETWORK"
    assert not link.discovered
    with pytest.raises(catalogue.UnknownTypeError):
        catalogue.link_type("instance-host")  # host is not linkable


@pytest.mark.parametrize("bad", ["", "Instance", "instance) DETACH DELETE n //", None, 3])
def test_unknown_names_are_refused(bad):
    with pytest.raises(catalogue.UnknownTypeError):
        catalogue.object_type(bad)
    with pytest.raises(catalogue.UnknownTypeError):
        catalogue.link_type(bad)


def test_each_pair_of_end_types_has_one_link_type():
    # The store's link upsert relies on it: MERGE on the one type is "at most one link per
    # ordered pair of objects", with no search for links of other types between them.
    by_ends: dict[tuple[str, str], list[str]] = {}
    for link in catalogue.link_types(include_derived=True):
        by_ends.setdefault((link.source_type, link.target_type), []).append(link.name)
    assert {ends: names for ends, names in by_ends.items() if len(names) > 1} == {}
