"""Faults at the sandbox's APIs: ``api_error`` answers 500 in each service's error shape,
``api_delay`` holds answers back without holding other requests; both end when cleared."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.support.sandbox_api import (
    IDENTITY,
    NETWORK,
    PASSWORD,
    client_for,
    compute,
    password_request,
    token,
)
from topology.sandbox.api.app import create_app
from topology.sandbox.faults import Faults
from topology.sandbox.model import CloudShape, build


@pytest.fixture(scope="module")
def cloud():
    return build(CloudShape())


@pytest.fixture
def faults():
    return Faults()


@pytest.fixture
def client(cloud, faults):
    with client_for(cloud, faults) as test_client:
        yield test_client


@pytest.mark.parametrize(("path", "key", "fields"), [
    (f"{IDENTITY}/projects", "error", {"code", "title", "message"}),
    (f"{compute()}/servers/detail", "computeFault", {"code", "message"}),
    (f"{NETWORK}/ports", "NeutronError", {"type", "message", "detail"}),
])
def test_api_error_answers_500_in_the_services_shape(client, faults, path, key, fields):
    headers = {"X-Auth-Token": token(client)}
    faults.api_error = True
    response = client.get(path, headers=headers)
    assert response.status_code == 500
    assert list(response.json()) == [key]
    assert set(response.json()[key]) == fields
    faults.clear()
    assert client.get(path, headers=headers).status_code == 200


def test_api_error_fails_token_requests_too(client, faults):
    faults.api_error = True
    response = client.post(f"{IDENTITY}/auth/tokens",
                           json=password_request({"name": "admin",
                                                  "domain": {"name": "Default"}}))
    assert response.status_code == 500
    assert response.json()["error"]["code"] == 500


def test_api_delay_holds_one_answer_while_others_go_on(cloud):
    """A request made while the delay is in force is still waiting when one made after the
    fault was cleared has been answered; then it is answered too."""
    faults = Faults()
    app = create_app(cloud, faults, password=PASSWORD, public_url="http://sandbox")

    async def scenario() -> tuple[bool, int, int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as http:
            faults.api_delay = 3.0
            held = asyncio.create_task(http.get("/v3"))
            for _ in range(20):  # let it reach the gate and start its sleep
                await asyncio.sleep(0.01)
            faults.api_delay = 0.0
            quick = await http.get("/network")
            still_waiting = not held.done()
            return still_waiting, quick.status_code, (await held).status_code

    still_waiting, quick, held = asyncio.run(scenario())
    assert still_waiting
    assert (quick, held) == (200, 200)
