"""Calipso documents -> records: secrets stripped, typo fixed, environments renamed."""

import pytest

from loaders.calipso import transform
from topology.store import RecordError


def test_secrets_are_dropped_and_named_without_values():
    doc = {
        "name": "prod", "distribution": "Mirantis", "user": "admin-user",
        "configuration": [
            {"name": "mysql", "host": "10.0.0.1", "port": "3307", "user": "root",
             "pwd": "s3cret-1"},
            {"name": "OpenStack", "host": "10.0.0.2", "admin_token": "tok-2", "pwd": "p"},
            {"name": "CLI", "host": "10.0.0.3", "key": "/root/.ssh/id_rsa"},
            {"name": "Monitoring", "rabbitmq_pass": "rb", "ssh_password": "sp"},
        ],
    }
    props, dropped = transform.environment_config(doc)
    flat = repr(props)
    for secret in ("s3cret-1", "tok-2", "id_rsa", "'rb'", "'sp'"):
        assert secret not in flat
    assert "configuration[mysql].pwd" in dropped
    assert "configuration[OpenStack].admin_token" in dropped
    assert "configuration[CLI].key" in dropped
    assert "configuration[Monitoring].rabbitmq_pass" in dropped
    assert props["distribution"] == "Mirantis"
    assert "10.0.0.1" in props["attributes"]  # non-secret configuration is kept
    assert "name" not in props


@pytest.mark.parametrize("key", ["pwd", "password", "admin_token", "ssh_password",
                                 "rabbitmq_pass", "key", "nfv_token", "api_key", "token"])
def test_secret_key_names(key):
    assert transform.is_secret_key(key)


@pytest.mark.parametrize("key", ["host", "user", "port", "keystone", "mechanism_drivers",
                                 "rabbitmq_user", "name"])
def test_ordinary_key_names(key):
    assert not transform.is_secret_key(key)


def test_inventory_object_is_rebased_into_the_target_environment():
    record = transform.inventory_object("demo", {
        "id": "Mirantis-regions", "type": "regions_folder", "environment": "Mirantis",
        "parent_id": "Mirantis", "parent_type": "environment",
        "id_path": "/Mirantis/Mirantis-regions", "name_path": "/Mirantis/Regions",
    })
    assert record.environment == "demo"
    assert record.parent_id == "demo"
    assert record.under_environment
    assert record.props["id_path"] == "/demo/Mirantis-regions"
    assert record.props["name_path"] == "/demo/Regions"


def test_clique_type_keeps_its_environment():
    row, _ = transform.clique_type({"_id": "t", "environment": "ANY", "name": "i",
                                    "focal_point_type": "instance",
                                    "link_types": ["instance-vnic"]})
    assert row["props"]["environment"] == "ANY"


def test_clique_type_typo_is_fixed_and_reported():
    row, notes = transform.clique_type({
        "_id": "5a0b", "environment": "ANY", "focal_point_type": "switch_pnic",
        "name": "switch_pnic clique",
        "link_types": ["switch_pnic-switch-pnic", "switch_pnic-host_pnic"],
    })
    assert row["id"] == "5a0b"
    assert row["props"]["link_types"] == ["switch_pnic-switch_pnic", "switch_pnic-host_pnic"]
    assert notes == ["link type 'switch_pnic-switch-pnic' corrected to 'switch_pnic-switch_pnic'"]


@pytest.mark.parametrize(("doc", "reason"), [
    ({"focal_point_type": "vm", "link_types": ["instance-vnic"], "name": "x"},
     "unknown focal_point_type"),
    ({"focal_point_type": "instance", "link_types": ["instance-foo"], "name": "x"},
     "unknown link type"),
    ({"focal_point_type": "instance", "link_types": [], "name": "x"},
     "at least one link type"),
    ({"focal_point_type": "instance", "link_types": ["instance-vnic"]}, "name"),
])
def test_bad_clique_types_are_refused(doc, reason):
    with pytest.raises(RecordError, match=reason):
        transform.clique_type(doc)


def test_clique_constraint_rows():
    row = transform.clique_constraint({"_id": "c1", "focal_point_type": "instance",
                                       "constraints": ["network"]})
    assert row == {"id": "c1", "props": {"focal_point_type": "instance",
                                         "constraints": ["network"]}}
    with pytest.raises(RecordError):
        transform.clique_constraint({"focal_point_type": "instance", "constraints": "network"})
