"""Named queries are filled only with catalogue names."""

import pytest

from topology.store.queries import QueryNotFoundError, query, statements


def test_upsert_links_is_filled_from_the_catalogue():
    text = query("upsert_links", SOURCE_LABEL="Instance", TARGET_LABEL="Vnic",
                 REL_TYPE="INSTANCE_VNIC")
    assert "MERGE (s)-[r:INSTANCE_VNIC]->(t)" in text
    assert "__" not in text


@pytest.mark.parametrize("bad", ["INSTANCE_VNIC]->() DETACH DELETE s //", "CONTAINS", ""])
def test_relationship_types_outside_the_catalogue_are_refused(bad):
    with pytest.raises(ValueError):
        query("upsert_links", SOURCE_LABEL="Instance", TARGET_LABEL="Vnic", REL_TYPE=bad)


def test_labels_outside_the_catalogue_are_refused():
    with pytest.raises(ValueError):
        query("upsert_links", SOURCE_LABEL="Instance:Admin", TARGET_LABEL="Vnic",
              REL_TYPE="INSTANCE_VNIC")


def test_missing_or_extra_placeholders_are_refused():
    with pytest.raises(ValueError):
        query("upsert_links", SOURCE_LABEL="Instance")
    with pytest.raises(ValueError):
        query("now", LABELS=":Instance")


def test_unknown_query():
    with pytest.raises(QueryNotFoundError):
        query("no_such_query")


def test_schema_statements_are_split_without_comments():
    parts = statements("schema")
    assert any("REQUIRE (n.environment, n.id) IS UNIQUE" in p for p in parts)
    assert all(not p.startswith("//") and ";" not in p for p in parts)
