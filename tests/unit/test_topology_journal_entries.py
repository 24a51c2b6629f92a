"""The topology journal's entries (pure): what a change set's report lists, capped; who
wrote it; and how the API reads an entry and a listener's figures back."""

from __future__ import annotations

import datetime as dt
import json

from topology.api.live import ListenerState, TopologyChange
from topology.store import ChangeReport, ChangeSet, Provenance, link_record, object_record
from topology.store.changes import merged
from topology.store.journal import (
    bulk_entry,
    change_source,
    decoded_links,
    entry,
    link_types_of,
)

ENV = "unit"


def _host(object_id: str) -> object:
    return object_record(ENV, {"id": object_id, "type": "host", "name": object_id,
                               "parent_id": ENV, "parent_type": "environment"})


def test_an_entry_lists_what_changed_with_the_link_types_known():
    report = ChangeReport(objects_created=["a", "b"], objects_updated=["c"],
                          objects_deleted=["d"], links_created=[("a", "b")],
                          links_deleted=[("c", "d")])
    props = entry(report, "event", {("a", "b"): "host-pnic"})
    assert props is not None
    assert props["objects_added"] == ["a", "b"] and props["objects_changed"] == ["c"]
    assert props["objects_removed"] == ["d"] and props["truncated"] is False
    assert decoded_links(props["links_added"]) == [("a", "b", "host-pnic")]
    assert decoded_links(props["links_removed"]) == [("c", "d", None)]
    assert decoded_links(props["links_changed"]) == []


def test_lists_are_capped_once_each_and_say_truncated():
    report = ChangeReport(objects_created=["a", "a", "b"], links_updated=[("x", "y")] * 3)
    assert entry(report, "event", {}, max_items=2)["truncated"] is False  # repeats: once
    report.objects_created.append("c")
    capped = entry(report, "event", {}, max_items=2)
    assert capped["objects_added"] == ["a", "b"] and capped["truncated"] is True


def test_no_entry_when_no_object_or_link_changed():
    assert entry(ChangeReport(), "event", {}) is None
    statuses_only = ChangeReport(statuses_changed=["a"], objects_outdated=["b"])
    assert statuses_only.changed and entry(statuses_only, "event", {}) is None


def test_a_change_set_says_who_wrote_it_even_merged():
    nova, neutron = Provenance("event", "nova"), Provenance("event", "neutron")
    assert change_source(ChangeSet(ENV, nova)) == "event"
    assert change_source(ChangeSet(ENV)) == "unknown"
    assert change_source(ChangeSet(ENV).upsert_object(_host("h"))) == "unknown"
    # A listener's batch: its change sets merged into one, their writer kept, or its kind.
    deletes = [ChangeSet(ENV, nova).delete_subtree("a"),
               ChangeSet(ENV, neutron).delete_subtree("b")]
    [batch] = merged(deletes)
    assert batch.provenance == Provenance("event") and change_source(batch) == "event"
    [same] = merged([ChangeSet(ENV, nova).delete_subtree("a"),
                     ChangeSet(ENV, nova).delete_subtree("b")])
    assert same.provenance == nova
    [mixed] = merged([ChangeSet(ENV, nova).upsert_object(_host("a")),
                      ChangeSet(ENV, Provenance("api", "r")).upsert_object(_host("b"))])
    assert mixed.provenance is None and change_source(mixed) == "api+event"


def test_link_types_come_from_the_upserts():
    change = ChangeSet(ENV).upsert_link(link_record(ENV, {
        "source_id": "vm", "target_id": "tap", "link_type": "instance-vnic"}))
    assert link_types_of(change) == {("vm", "tap"): "instance-vnic"}


def test_a_bulk_entry_lists_nothing_and_counts():
    props = bulk_entry("scan", {"objects_written": 3, "links_removed": 1})
    assert props["truncated"] is True and props["objects_added"] == []
    assert json.loads(props["counts"]) == {"links_removed": 1, "objects_written": 3}
    assert decoded_links(props["links_added"]) == []


def test_the_api_reads_an_entry_back():
    at = dt.datetime(2026, 12, 5, 21, 0, tzinfo=dt.UTC)
    props = {"environment": ENV, "recorded_at": at,
             **entry(ChangeReport(links_created=[("a", "b")], objects_deleted=["c"]),
                     "event", {("a", "b"): "instance-vnic"})}
    change = TopologyChange.from_props(props)
    assert (change.source, change.objects_removed, change.truncated) == ("event", ["c"],
                                                                         False)
    assert [(x.source_id, x.target_id, x.link_type) for x in change.links_added] == [
        ("a", "b", "instance-vnic")]
    assert change.recorded_at.startswith("2026-12-05T21:00:00")


def test_a_listener_that_stopped_reporting_is_stale():
    status = {"environment": ENV, "state": "running", "up": False, "counts": {},
              "total_applied": 4, "total_retry": 2, "total_dead": 1}
    state = ListenerState.from_status(status)
    assert (state.state, state.up, state.applied, state.retried, state.dead_lettered,
            state.ignored) == ("stale", False, 4, 2, 1, 0)
    assert ListenerState.from_status({**status, "up": True}).state == "running"
    assert ListenerState.from_status({**status, "state": "stopped"}).state == "stopped"
