"""The sandbox's control endpoint: the churn paused and resumed, the cloud exported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from topology.demo import write_export
from topology.demo.generator import generate_cloud
from topology.sandbox.churn import Churn
from topology.sandbox.control import create_control_app
from topology.sandbox.faults import Faults
from topology.sandbox.model import CloudShape, build

TOKEN = "secret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_the_churn_is_paused_and_resumed_and_the_cloud_exported(tmp_path: Path) -> None:
    cloud = build(CloudShape(seed=4))
    churn = Churn(cloud, rate=100)

    def switch(paused: bool | None) -> dict[str, Any]:
        if paused is True:
            churn.pause()
        elif paused is False:
            churn.resume()
        return {"paused": churn.paused, "changes": churn.seq}

    def export() -> dict[str, Any]:
        paths = write_export(tmp_path, generate_cloud(cloud))
        return {"files": {name: str(path) for name, path in paths.items()}}

    client = TestClient(create_control_app(Faults(), dict, TOKEN, churn=switch,
                                           export=export))
    assert client.post("/churn", json={"paused": True}).status_code == 401
    assert client.post("/churn", json={"paused": True}, headers=AUTH).json() == {
        "paused": True, "changes": 0}
    assert client.get("/churn", headers=AUTH).json()["paused"] is True
    assert client.post("/churn", json={"paused": "yes"}, headers=AUTH).status_code == 400
    assert client.post("/churn", json={"paused": False}, headers=AUTH).json()["paused"] is False
    churn.run(changes=3)
    files = client.post("/export", headers=AUTH).json()["files"]
    inventory = [json.loads(line) for line in
                 Path(files["inventory"]).read_text("utf-8").splitlines()]
    ids = {doc["id"] for doc in inventory}
    assert cloud.instances and set(cloud.instances) <= ids  # as churn left them


def test_without_churn_or_export_the_endpoint_says_so() -> None:
    client = TestClient(create_control_app(Faults(), dict, TOKEN))
    refused = client.post("/churn", json={"paused": True}, headers=AUTH)
    assert refused.status_code == 409 and "without churn" in refused.json()["error"]
    assert client.post("/export", headers=AUTH).status_code == 409
