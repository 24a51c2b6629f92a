"""Records check raw input against the catalogue before anything reaches Neo4j."""

import json

import pytest

from topology.store import RecordError, link_record, object_record


def test_object_record_takes_identity_and_parent():
    record = object_record("env", {"id": 42, "type": "instance", "parent_id": "h-instances",
                                   "parent_type": "instances_folder"})
    assert record.id == "42"
    assert record.props["name"] == "42"  # name falls back to the id, as in Calipso
    assert record.parent_id == "h-instances"
    assert not record.under_environment


def test_top_level_objects_hang_under_the_environment():
    record = object_record("env", {"id": "env-regions", "type": "regions_folder",
                                   "parent_id": "env", "parent_type": "environment"})
    assert record.under_environment


@pytest.mark.parametrize(("doc", "reason"), [
    ({"type": "instance"}, "missing or empty 'id'"),
    ({"id": "a"}, "missing or empty 'type'"),
    ({"id": "a", "type": "Instance:Admin"}, "unknown object type"),
    ({"id": "a", "type": "instance", "parent_type": 3}, "parent_type must be a string"),
])
def test_bad_objects_are_refused_with_a_reason(doc, reason):
    with pytest.raises(RecordError, match=reason):
        object_record("env", doc)


def test_link_record_lifts_network_and_keeps_other_attributes_as_json():
    record = link_record("env", {
        "source_id": "i1", "target_id": "v1", "link_type": "instance-vnic",
        "link_name": "net-a", "state": "up", "link_weight": 0, "host": "node-1",
        "attributes": {"network": "n1", "mac_address": "fa:16"},
        "source": "5a0b", "target": "5a0c", "_id": "x",
    })
    assert record.props["network"] == "n1"
    assert json.loads(record.props["attributes"]) == {"mac_address": "fa:16"}
    assert record.props["implicit"] is False
    assert "source" not in record.props and "source_id" not in record.props
    assert record.type.relationship_type == "INSTANCE_VNIC"


@pytest.mark.parametrize(("doc", "reason"), [
    ({"target_id": "b", "link_type": "instance-vnic"}, "source_id"),
    ({"source_id": "a", "target_id": "b", "link_type": "vnic-host"}, "unknown link type"),
    ({"source_id": "a", "target_id": "b", "link_type": "instance-vnic", "attributes": [1]},
     "attributes must be an object"),
    ({"source_id": "a", "target_id": "b", "link_type": "instance-vnic",
      "attributes": {"network": ["n1"]}}, "attributes.network must be a scalar"),
])
def test_bad_links_are_refused_with_a_reason(doc, reason):
    with pytest.raises(RecordError, match=reason):
        link_record("env", doc)
