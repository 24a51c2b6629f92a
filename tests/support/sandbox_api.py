"""The sandbox's OpenStack APIs in tests: in process (starlette's TestClient) or served by
uvicorn on a loopback port for openstacksdk, with a log of the requests that reached it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import openstack
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.support.api_server import serve
from topology.net import free_port
from topology.sandbox.api.app import create_app
from topology.sandbox.faults import Faults
from topology.sandbox.model import Cloud

PASSWORD = "sandbox-test-password"
IDENTITY = "/v3"
NETWORK = "/network/v2.0"


def compute(region: str = "RegionOne") -> str:
    return f"/compute/{region}/v2.1"


@dataclass
class RequestLog:
    """ASGI middleware keeping (method, path, query string) of every request, in order."""

    app: ASGIApp
    requests: list[tuple[str, str, str]] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.requests.append((scope["method"], scope["path"],
                                  scope["query_string"].decode()))
        await self.app(scope, receive, send)

    def paths(self, suffix: str) -> list[str]:
        """The query strings of the GETs whose path ends with ``suffix``."""
        return [query for method, path, query in self.requests
                if method == "GET" and path.endswith(suffix)]


def client_for(cloud: Cloud, faults: Faults | None = None, **options: Any) -> TestClient:
    app = create_app(cloud, faults or Faults(), password=PASSWORD,
                     public_url="http://testserver", **options)
    return TestClient(app)


def password_request(project: dict[str, Any] | None, password: str = PASSWORD,
                     user: dict[str, Any] | None = None) -> dict[str, Any]:
    user = user or {"name": "admin", "domain": {"name": "Default"}}
    auth: dict[str, Any] = {"identity": {"methods": ["password"],
                                         "password": {"user": {**user, "password": password}}}}
    if project is not None:
        auth["scope"] = {"project": project}
    return {"auth": auth}


def token(client: TestClient, project: str = "admin") -> str:
    response = client.post(f"{IDENTITY}/auth/tokens",
                           json=password_request({"name": project,
                                                  "domain": {"name": "Default"}}))
    assert response.status_code == 201, response.text
    return response.headers["X-Subject-Token"]


@contextmanager
def served(cloud: Cloud, faults: Faults | None = None,
           **options: Any) -> Iterator[tuple[str, RequestLog]]:
    """The sandbox's APIs of ``cloud`` served on a free loopback port: (base URL, log)."""
    port = free_port()
    app = create_app(cloud, faults or Faults(), password=PASSWORD,
                     public_url=f"http://127.0.0.1:{port}", **options)
    log = RequestLog(app)
    with serve(log, port) as url:
        yield url, log


def connect(url: str, region: str = "RegionOne", password: str = PASSWORD,
            **options: Any) -> openstack.connection.Connection:
    # explicit credentials only: the user's clouds.yaml (a sandbox's entry) must not win
    return openstack.connect(auth_url=f"{url}/v3", username="admin", password=password,
                             project_name="admin", user_domain_name="Default",
                             project_domain_name="Default", region_name=region,
                             load_yaml_config=False, load_envvars=False, **options)
