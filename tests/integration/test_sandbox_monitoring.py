"""Sensu in the sandbox: results for the provisioned checks of a cloud the graph holds, from
the cloud's state and faults, through the Sensu handler (a real Neo4j)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from loaders.calipso.importer import CalipsoImporter
from tests.conftest import drop_environment
from topology.demo import DemoShape, generate, write_export
from topology.runtime import open_store
from topology.sandbox.faults import Faults
from topology.sandbox.model import Cloud, build
from topology.sandbox.monitoring import SensuMonitor
from topology.sensu.names import object_check

CLOCK = iter(range(1_900_000_000, 2_000_000_000, 60))


@pytest.fixture
def imported(graph_store, tmp_path: Path) -> Iterator[tuple[str, Cloud]]:
    """A sandbox cloud and its Calipso view in the graph (the same ids)."""
    shape = DemoShape(environment=f"sandbox-sensu-{uuid.uuid4().hex[:8]}")
    paths = write_export(tmp_path, generate(shape))
    CalipsoImporter(graph_store, shape.environment).run(
        [paths["environments_config"], paths["inventory"], paths["links"]])
    try:
        yield shape.environment, build(shape)
    finally:
        drop_environment(graph_store, shape.environment)


def _status(graph_store, environment: str, object_id: str) -> tuple[str, str]:
    rows = graph_store.read(
        "MATCH (o:Object {environment: $environment, id: $id}) "
        "RETURN o.status AS status, o.status_text AS text",
        environment=environment, id=object_id)
    return rows[0]["status"], rows[0]["text"]


def test_results_follow_the_cloud_and_the_faults(neo4j_target, graph_store, imported):
    environment, cloud = imported
    faults = Faults()
    monitor = SensuMonitor(cloud, faults, environment,
                           lambda: open_store(neo4j_target.config, apply_schema=False),
                           clock=lambda: float(next(CLOCK)))
    try:
        applied = monitor.round()
        assert applied == len(monitor.checks) > 0 and monitor.refused == 0
        instance = next(iter(cloud.instances.values()))
        host = instance.host
        assert _status(graph_store, environment, instance.id)[0] == "OK"
        vedge = host.agent_ids[0]
        assert _status(graph_store, environment, vedge)[0] == "OK"

        with cloud.lock:
            cloud.set_power(instance, False, instance.updated_at)
        faults.set_ssh(cloud.network_hosts[0].name, "refuse")
        name = object_check("vedge", vedge)
        faults.set_check(name, 1)
        monitor.round()
        status, text = _status(graph_store, environment, instance.id)
        assert status == "Error" and "shut off" in text
        assert _status(graph_store, environment, vedge) == (
            "Warning", f"{name}: result forced by a sandbox fault")
        network_vedge = cloud.network_hosts[0].agent_ids[0]
        status, text = _status(graph_store, environment, network_vedge)
        assert status == "Error" and "does not answer" in text

        faults.clear()
        with cloud.lock:
            cloud.set_power(instance, True, instance.updated_at)
        monitor.round()
        assert _status(graph_store, environment, instance.id)[0] == "OK"
        assert _status(graph_store, environment, network_vedge)[0] == "OK"
    finally:
        monitor.stop()


def test_a_graph_without_the_environment_fails_the_round_not_the_monitor(neo4j_target):
    cloud = build(DemoShape())
    monitor = SensuMonitor(cloud, Faults(), f"absent-{uuid.uuid4().hex[:8]}",
                           lambda: open_store(neo4j_target.config, apply_schema=False),
                           interval=0.05)
    monitor.start()
    try:
        deadline = time.monotonic() + 30
        while monitor.failures == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert monitor.failures >= 1 and monitor.sent == 0
    finally:
        monitor.stop()
