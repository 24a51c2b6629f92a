"""The sandbox's API answers have the shapes of the lab's real ones (tests/fixtures/lab/api,
recorded from Debian's OpenStack Zed at microversion 2.1): the same keys, value types and
nesting, item by item, for every call the lab recorder makes. A field the services add or
drop, or a change in the sandbox, fails here.

The deliberate differences are listed with their reason; a listed difference that no longer
occurs fails too (the list stays true).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.json_shape import differences
from tests.support.sandbox_api import IDENTITY, NETWORK, client_for, compute, token
from topology.lab.recorder import API_CALLS
from topology.sandbox.model import CloudShape, build

LAB = Path(__file__).resolve().parents[1] / "fixtures" / "lab" / "api"
BASES = {"identity": IDENTITY, "compute": compute(), "network": NETWORK}
# Dicts whose keys are data (network names, host names, physical networks, bridges).
MAPS = frozenset({
    "servers[].addresses",
    "availabilityZoneInfo[].hosts",
    "availabilityZoneInfo[].hosts.*",
    "agents[].configurations.bridge_mappings",
    "agents[].configurations.resource_provider_hypervisors",
})
GROUPS = {"agents[]": lambda agent: str(agent["agent_type"])}

# The deliberate differences from the lab, by recording, with the reason for each.
DELIBERATE: dict[str, dict[str, str]] = {
    "network/agents": {
        "agents[Metadata agent]: not in the lab":
            "the lab runs no metadata agent; its configurations follow neutron's metadata "
            "agent (proxy socket, nova metadata host and port)",
    },
    "network/floatingips": {
        "floatingips[].fixed_ip_address: null where the lab has str":
            "a floating IP not associated (the lab's one is); Neutron writes null",
        "floatingips[].port_details: null where the lab has object": "the same",
        "floatingips[].port_id: null where the lab has str": "the same",
        "floatingips[].router_id: null where the lab has str": "the same",
    },
}
# Recordings whose items cannot be compared: the lab has none.
NOT_COMPARED = {
    "compute/os-aggregates": "the lab has no aggregate; test_sandbox_nova_microversions "
                             "holds the sandbox's to Nova's API reference",
}
# Free floating IPs next to associated ones, so that both kinds are compared.
SHAPE = CloudShape(floating_ips_per_project=4)


def _calls() -> list[tuple[str, str]]:
    return [(service, path) for service, paths in API_CALLS.items() for path in paths]


def _name(service: str, path: str) -> str:
    """The recorder's file name of a call (topology.lab.recorder.record_api)."""
    return f"{service}/{path.strip('/').split('?')[0].replace('/', '-')}"


@pytest.fixture(scope="module")
def client():
    with client_for(build(SHAPE)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def headers(client):
    return {"X-Auth-Token": token(client)}


@pytest.mark.parametrize(("service", "path"), _calls(), ids=lambda value: value)
def test_the_shape_is_the_labs(client, headers, service, path):
    name = _name(service, path)
    lab = json.loads((LAB / f"{name}.json").read_text(encoding="utf-8"))
    response = client.get(BASES[service] + path, headers=headers)
    assert response.status_code == 200, response.text
    mine = response.json()
    found = differences(lab, mine, maps=MAPS, groups=GROUPS)
    assert sorted(found) == sorted(DELIBERATE.get(name, {}))
    if name in NOT_COMPARED:
        (items,) = lab.values()
        assert items == [], f"the lab now has items: compare {name} and drop the exemption"
        assert next(iter(mine.values())), "the sandbox's answer has items to show"


def test_every_exemption_names_a_recorded_call():
    names = {_name(service, path) for service, path in _calls()}
    assert set(DELIBERATE) | set(NOT_COMPARED) <= names
