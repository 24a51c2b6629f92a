"""Sensu events of both shapes read into check results, and refusals in one line (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from topology.sensu.events import MAX_OUTPUT, SensuEventError, load_events, parse_event

EXECUTED = 1764870000


def sensu1(**check) -> dict:
    return {"id": "e-1", "client": {"name": "node-1", "environment": "prod"},
            "check": {"name": "vedge_abc", "status": 1, "output": "degraded\n",
                      "executed": EXECUTED, **check}}


def sensu_go(**check) -> dict:
    return {"entity": {"metadata": {"name": "node-1", "labels": {"environment": "prod"}}},
            "check": {"metadata": {"name": "vedge_abc"}, "status": 2, "output": "down",
                      "executed": EXECUTED, **check}}


def test_a_sensu_1_event():
    result = parse_event(sensu1())
    assert (result.environment, result.check_name, result.status, result.output) == (
        "prod", "vedge_abc", 1, "degraded")
    assert result.executed == dt.datetime.fromtimestamp(EXECUTED, dt.UTC)
    assert result.event_id == "e-1"


def test_a_sensu_go_event():
    result = parse_event(sensu_go())
    assert (result.environment, result.check_name, result.status) == ("prod", "vedge_abc", 2)


def test_the_default_environment_applies_only_to_events_naming_none():
    event = sensu1()
    del event["client"]["environment"]
    assert parse_event(event, "lab").environment == "lab"
    assert parse_event(sensu1(), "lab").environment == "prod"
    go = sensu_go()
    go["entity"]["metadata"]["labels"] = {}
    assert parse_event(go, "lab").environment == "lab"
    with pytest.raises(SensuEventError, match=r"no environment.*--environment"):
        parse_event(go)


@pytest.mark.parametrize("status", [3, 127])
def test_unknown_statuses_count_as_errors_and_say_so(status):
    result = parse_event(sensu1(status=status, output="sudo: a password is required"))
    assert result.status == 2
    assert result.output == (f"UNKNOWN (check status {status}): sudo: a password is "
                             "required")
    assert parse_event(sensu1(status=3, output="")).output == "UNKNOWN (check status 3)"


def test_long_output_is_cut():
    assert len(parse_event(sensu1(output="x" * (MAX_OUTPUT * 2))).output) == MAX_OUTPUT


@pytest.mark.parametrize(("change", "reason"), [
    ({"status": -1}, "negative"),
    ({"status": "2"}, "must be an integer"),
    ({"status": True}, "must be an integer"),
    ({"executed": "yesterday"}, "epoch seconds"),
    ({"executed": -5}, "epoch seconds"),
    ({"executed": 10**20}, "not a time"),
    ({"name": ""}, "check.name"),
    ({"name": None}, "check.name"),
    ({"output": 12}, "output must be text"),
])
def test_bad_fields_are_refused_with_the_reason(change, reason):
    with pytest.raises(SensuEventError, match=reason) as info:
        parse_event(sensu1(**change))
    assert "\n" not in str(info.value)


def test_shapes_that_are_not_objects_are_refused():
    for event in ([], "x", {"check": []}, {"client": "x", "check": {}},
                  {"entity": {"metadata": "x"}, "check": {}}):
        with pytest.raises(SensuEventError):
            parse_event(event)  # type: ignore[arg-type]


def test_load_events_takes_one_or_a_list():
    assert load_events('{"a": 1}') == [{"a": 1}]
    assert load_events(b'[{"a": 1}, {"b": 2}]') == [{"a": 1}, {"b": 2}]
    with pytest.raises(SensuEventError, match="not JSON"):
        load_events("{nope")
    with pytest.raises(SensuEventError, match="empty list"):
        load_events("[]")


def test_batches_hold_a_target_once_and_keep_its_results_in_order():
    from topology.sensu.handler import _one_per_target
    from topology.sensu.names import LinkReading, ObjectReading, PortReading

    a, b = ObjectReading("vedge", "a"), ObjectReading("vedge", "b")
    port1, port2 = PortReading("otep", "o", "p1"), PortReading("otep", "o", "p2")
    ab = LinkReading("vedge-otep", "a", "o")
    ready = list(enumerate([a, a, b, port1, port2, ab, a, b]))
    batches = _one_per_target(ready)
    assert [[i for i, _ in batch] for batch in batches] == [[0, 2, 3, 5], [1, 4, 7], [6]]
