"""The API and database loaders against the sandbox: its OpenStack APIs served over HTTP and
reached by ``fetch_api`` through a clouds.yaml, its MariaDB filled by the sandbox's writer
and read by ``fetch_database``; ``build_inventory`` must then give the documents Calipso's
scan would have stored, as the oracle (``generate_cloud(cloud)["inventory"]``) renders them:
the same ids, places and fields, but for the differences listed in :data:`DIFFERENCES`
(each with its reason, and each required to really occur).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import URL

from loaders.database.client import fetch_database
from loaders.database.snapshot import DbSnapshot
from loaders.openstack.client import fetch_api
from loaders.openstack.snapshot import ApiSnapshot
from loaders.openstack.transform import build_inventory
from loaders.report import LoadReport
from loaders.scan.facts import CloudFacts
from loaders.scan.tree import Tree
from loaders.seam import SourceError
from tests.support.api_server import serve
from tests.support.sandbox_api import PASSWORD, served
from tests.support.sandbox_db import emptied_engine
from topology.demo.generator import generate_cloud
from topology.environments import EnvironmentConfig
from topology.net import free_port
from topology.sandbox.api.app import create_app
from topology.sandbox.api.clouds_yaml import write_clouds_yaml
from topology.sandbox.database.writer import fill
from topology.sandbox.faults import Faults
from topology.sandbox.model import Cloud, CloudShape, build
from topology.store import Provenance

pytestmark = [pytest.mark.filterwarnings(f"ignore::{category}:openstack.*")
              for category in ("DeprecationWarning", "PendingDeprecationWarning")]

ENV = "api-loaders"
CLOUD = "topology-sandbox"
# Two regions, each with a network host (nova's controllers sit in zone "internal" in
# both), the external network, floating IPs and an aggregate per compute zone.
SHAPE = CloudShape(environment=ENV, regions=2, compute_hosts=4, network_hosts=2, projects=3,
                   instances_per_host=2, vnics_per_instance=2, floating_ips_per_project=2)

# What the API and database loaders write (the rest of the tree is the hosts' loaders').
TYPES = frozenset({
    "regions_folder", "region", "aggregates_folder", "availability_zones_folder",
    "availability_zone", "projects_folder", "project", "networks_folder", "network",
    "ports_folder", "network_services_folder", "port", "host", "vservices_folder",
    "instances_folder", "pnics_folder", "vconnectors_folder", "vedges_folder",
    "network_agents_folder", "network_agent", "instance", "vnics_folder", "aggregate",
    "host_ref"})
PLACE = ("type", "name", "object_name", "parent_id", "parent_type", "id_path", "name_path")
IGNORED = frozenset({"_id", "last_scanned"})

SUPERSET = "superset"  # ours holds the oracle's value and more (compared on its keys)
OTHER = "other"  # ours is another value (not compared)
DIFFERENCES: dict[tuple[str, str], tuple[str, str]] = {
    ("region", "endpoints"): (OTHER, "the catalog's own endpoint ids and URLs; the oracle's "
                              "are made up"),
    ("network", "subnets"): (SUPERSET, "each subnet is neutron's whole JSON, as Calipso "
                             "kept it; the oracle keeps a few keys"),
    ("port", "binding:vif_details"): (SUPERSET, "the API's binding details (bound drivers, "
                                      "bridge...); the oracle keeps two"),
    ("port", "security_groups"): (OTHER, "the API names the port's security group; the "
                                  "oracle lists none"),
    ("host", "services"): (OTHER, "nova's services as it reports them (their own "
                           "updated_at; the sandbox's controllers run two, the oracle "
                           "lists four)"),
    ("host", "os_id"): (OTHER, "the hypervisor's id (ApiFetchProjectHosts), none on a host "
                        "without one; the oracle's 'ubuntu-14.04' is what the host's own "
                        "OS says, read over SSH, not here"),
    ("instance", "network_info"): (SUPERSET, "nova's info cache as the database holds it "
                                   "(more keys); the oracle abbreviates it"),
    ("network_agent", "created_at"): (OTHER, "the database's time as ISO text; the oracle "
                                      "has a Mongo date of its own"),
    ("network_agent", "heartbeat_timestamp"): (OTHER, "the database's time as ISO text"),
    ("network_agent", "topic"): (OTHER, "the agent's real topic (dhcp_agent, l3_agent); the "
                                 "oracle says N/A for all"),
}


def restricted(ours: Any, like: Any) -> Any:
    """``ours`` cut down to the keys ``like`` has, at every depth."""
    if isinstance(like, dict) and isinstance(ours, dict):
        return {key: restricted(ours[key], value) for key, value in like.items()
                if key in ours}
    if isinstance(like, list) and isinstance(ours, list) and len(like) == len(ours):
        return [restricted(o, v) for o, v in zip(ours, like, strict=True)]
    return ours


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cloud() -> Cloud:
    return build(SHAPE)


@pytest.fixture(scope="module")
def oracle(cloud: Cloud) -> dict[str, dict[str, Any]]:
    docs = generate_cloud(cloud)["inventory"]
    return {doc["id"]: doc for doc in docs if doc["type"] in TYPES
            and not (doc["type"] == "vnics_folder" and doc["parent_type"] != "instance")}


@pytest.fixture(scope="module")
def sandbox_url(cloud: Cloud) -> Iterator[str]:
    with served(cloud) as (url, _):
        yield url


@pytest.fixture(scope="module")
def clouds_yaml(sandbox_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_clouds_yaml(tmp_path_factory.mktemp("clouds") / "clouds.yaml", CLOUD,
                             f"{sandbox_url}/v3", PASSWORD)


@pytest.fixture(scope="module")
def filled(cloud: Cloud, mariadb_url: URL) -> Iterator[URL]:
    """The sandbox's database of ``cloud`` (left empty afterwards, for other tests)."""
    fill(cloud, mariadb_url)
    for _ in emptied_engine(mariadb_url):
        yield mariadb_url


def environment(clouds_yaml: Path, database: URL | None = None) -> EnvironmentConfig:
    url = database.render_as_string(hide_password=False) if database is not None else ""
    return EnvironmentConfig(ENV, cloud=CLOUD, clouds_yaml=clouds_yaml, database_url=url)


@pytest.fixture(scope="module")
def api(clouds_yaml: Path) -> ApiSnapshot:
    return fetch_api(environment(clouds_yaml))


@pytest.fixture(scope="module")
def db(clouds_yaml: Path, filled: URL) -> DbSnapshot:
    return fetch_database(environment(clouds_yaml, filled))


@pytest.fixture(scope="module")
def scanned(api: ApiSnapshot, db: DbSnapshot) -> tuple[Tree, LoadReport, CloudFacts]:
    tree, report = Tree(ENV), LoadReport("scan", ENV)
    facts = build_inventory(tree, api, db, report)
    return tree, report, facts


# -- the scan against the oracle -----------------------------------------------------------


def test_everything_was_read_without_a_problem(api, db, scanned) -> None:
    _, report, _ = scanned
    assert api.failed == {} and db.failed == {}
    assert report.ok, report.format()


def test_the_same_objects_in_the_same_places(scanned, oracle) -> None:
    tree, _, _ = scanned
    ours = {doc["id"]: doc for _, doc in tree.scanned()}
    assert sorted(ours) == sorted(oracle)
    misplaced = {oid: {key: (oracle[oid][key], doc[key]) for key in PLACE
                       if doc[key] != oracle[oid][key]}
                 for oid, doc in ours.items()}
    assert {oid: diff for oid, diff in misplaced.items() if diff} == {}


def _is_oid(value: Any) -> bool:
    """A MongoDB ObjectId (a host_ref's ``ref_id``): the graph has none; ours names the
    host by its id."""
    return isinstance(value, dict) and set(value) == {"$oid"}


def _field_differences(tree: Tree, oracle: dict[str, dict[str, Any]]
                       ) -> tuple[list[str], set[tuple[str, str]]]:
    """Unlisted differences (to be none), and the listed ones that occurred."""
    unlisted: list[str] = []
    occurred: set[tuple[str, str]] = set()
    for oid, expected in oracle.items():
        ours = tree.get(oid) or {}
        for key, value in expected.items():
            if key in IGNORED or key in PLACE or _is_oid(value):
                continue
            listed = DIFFERENCES.get((expected["type"], key))
            mine = ours.get(key, "<missing>")
            if mine != value and listed is not None:
                occurred.add((expected["type"], key))
            if listed is not None and listed[0] == OTHER:
                continue
            if listed is not None:
                mine = restricted(mine, value)
            if mine != value:
                unlisted.append(f"{expected['type']} {oid} {key}: oracle "
                                f"{json.dumps(value)[:200]}, ours {json.dumps(mine)[:200]}")
    return unlisted, occurred


def test_the_same_fields_but_for_the_listed_differences(scanned, oracle) -> None:
    tree, _, _ = scanned
    unlisted, _ = _field_differences(tree, oracle)
    assert unlisted == []


def test_each_listed_difference_really_occurs(scanned, oracle) -> None:
    tree, _, _ = scanned
    _, occurred = _field_differences(tree, oracle)
    assert set(DIFFERENCES) - occurred == set()


def test_every_object_carries_its_scope(scanned) -> None:
    tree, _, _ = scanned
    expected = {"regions_folder": "api:identity", "projects_folder": "api:identity",
                "project": "api:identity", "networks_folder": "api:network",
                "network": "api:network", "ports_folder": "api:network",
                "network_services_folder": "api:network", "port": "api:network",
                "aggregate": "db:nova", "host_ref": "db:nova",
                "network_agent": "db:neutron"}
    for scope, doc in tree.scanned():
        region = doc["id_path"].split("/")[3] if doc["type"] not in expected else None
        want = expected.get(doc["type"]) or f"api:{region}"
        assert scope.key == want, (doc["id"], doc["type"])


def test_cloud_facts_for_the_hosts(cloud, scanned) -> None:
    _, _, facts = scanned
    assert set(facts.networks) == {n.id for n in cloud.all_networks()}
    assert set(facts.routers) == set(cloud.routers)
    assert all("gw_port_id" in row for row in facts.routers.values())  # database rows
    assert set(facts.ports) == set(cloud.ports)
    expected = {h.name: (h.host_type, sorted(i.id for i in h.instances),
                         sorted(p.id for p in h.ports), sorted(a.id for a in h.agents),
                         h.tunnel_ip) for h in cloud.hosts}
    found = {name: (host.host_type, sorted(i["id"] for i in host.instances),
                    sorted(p["id"] for p in host.ports), sorted(a["id"] for a in host.agents),
                    host.tunnel_endpoints["vxlan"]["ip_address"])
             for name, host in facts.hosts.items()}
    assert found == expected
    assert all(isinstance(a["configurations"], dict)
               for host in facts.hosts.values() for a in host.agents)


def test_without_the_database_nova_s_cache_is_made_from_the_ports(api, oracle) -> None:
    tree, report = Tree(ENV), LoadReport("scan", ENV)
    facts = build_inventory(tree, api, None, report)
    assert report.ok, report.format()
    instances = {doc["id"]: doc for doc in tree.of_type("instance")}
    assert instances and all(
        restricted(doc["network_info"], oracle[oid]["network_info"])
        == oracle[oid]["network_info"] for oid, doc in instances.items())
    agents = [scope.key for scope, doc in tree.scanned() if doc["type"] == "network_agent"]
    assert agents and set(agents) == {"api:network"}
    assert not any(doc["type"] in ("aggregate", "host_ref") for doc in tree.docs.values())
    assert all("external_gateway_info" in router for router in facts.routers.values())


# -- failures --------------------------------------------------------------------------------


def test_a_wrong_password_is_a_source_error_without_the_password(sandbox_url, tmp_path):
    wrong = "wrong-secret-81d3"
    path = write_clouds_yaml(tmp_path / "clouds.yaml", CLOUD, f"{sandbox_url}/v3", wrong)
    with pytest.raises(SourceError, match="refused the credentials") as raised:
        fetch_api(environment(path))
    assert wrong not in str(raised.value) and PASSWORD not in str(raised.value)


def test_keystone_unreachable_is_a_source_error(tmp_path):
    path = write_clouds_yaml(tmp_path / "clouds.yaml", CLOUD,
                             f"http://127.0.0.1:{free_port()}/v3", PASSWORD)
    with pytest.raises(SourceError, match="cannot be reached") as raised:
        fetch_api(environment(path))
    assert PASSWORD not in str(raised.value)


def test_an_api_answering_errors_fails_at_keystone(cloud, tmp_path):
    with served(cloud, Faults(api_error=True)) as (url, _):
        path = write_clouds_yaml(tmp_path / "clouds.yaml", CLOUD, f"{url}/v3", PASSWORD)
        with pytest.raises(SourceError, match="keystone") as raised:
            fetch_api(environment(path))
    assert PASSWORD not in str(raised.value)


class _FailingRegion:
    """The sandbox's APIs, but one region's nova answers every request with the
    sandbox's ``api_error`` fault (its own 500)."""

    def __init__(self, app: Any, broken: Any, prefix: str) -> None:
        self.app, self.broken, self.prefix = app, broken, prefix

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        target = (self.broken if scope["type"] == "http"
                  and scope["path"].startswith(self.prefix) else self.app)
        await target(scope, receive, send)


def test_a_region_that_fails_is_recorded_and_the_rest_is_read(cloud, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(cloud, Faults(), password=PASSWORD, public_url=url)
    broken = create_app(cloud, Faults(api_error=True), password=PASSWORD, public_url=url)
    with serve(_FailingRegion(app, broken, "/compute/RegionTwo/"), port):
        path = write_clouds_yaml(tmp_path / "clouds.yaml", CLOUD, f"{url}/v3", PASSWORD)
        api = fetch_api(environment(path))
    assert set(api.failed) == {"RegionTwo"} and "HTTP 500" in api.failed["RegionTwo"]
    assert set(api.compute) == {"RegionOne"} and api.compute["RegionOne"].servers
    tree, report = Tree(ENV), LoadReport("scan", ENV)
    build_inventory(tree, api, None, report)
    # RegionTwo's hosts were not read, so neither were the agents under them: neutron's
    # scope is not complete (what it wrote under those hosts is kept)
    assert set(report.scopes_failed) == {"api:RegionTwo", "api:network"}
    hosts = {doc["id"] for doc in tree.of_type("host")}
    assert hosts == {h.name for h in cloud.hosts if h.region.name == "RegionOne"}
    assert "RegionTwo" in tree and tree.of_type("port")


def test_a_wrong_database_password_is_a_source_error_naming_the_host(clouds_yaml, filled):
    wrong = filled.set(password="wrong-db-secret-77")
    with pytest.raises(SourceError, match=r"database at 127\.0\.0\.1:\d+: .*Access denied"
                       ) as raised:
        fetch_database(environment(clouds_yaml, wrong))
    assert "wrong-db-secret-77" not in str(raised.value)


def test_an_unreachable_database_is_a_source_error(clouds_yaml):
    url = URL.create("mysql+pymysql", username="nova", password="db-secret-5150",
                     host="127.0.0.1", port=free_port())
    with pytest.raises(SourceError, match=r"database at 127\.0\.0\.1") as raised:
        fetch_database(environment(clouds_yaml, url))
    assert "db-secret-5150" not in str(raised.value)


def test_the_database_scopes_carry_the_db_provenance(scanned) -> None:
    tree, _, _ = scanned
    kinds = {(scope.source, doc["type"]) for scope, doc in tree.scanned()
             if scope.source == "db"}
    assert kinds == {("db", "aggregate"), ("db", "host_ref"), ("db", "network_agent")}
    assert Provenance("db", "neutron") in set(tree.scopes.values())


def test_short_pages_are_followed_to_the_end(cloud, api, tmp_path, monkeypatch) -> None:
    """Nova cutting pages at 2 and neutron asked for pages of 3: the same snapshot."""
    monkeypatch.setattr("loaders.openstack.client.PAGE", 3)
    with served(cloud, max_limit=2) as (url, log):
        path = write_clouds_yaml(tmp_path / "clouds.yaml", CLOUD, f"{url}/v3", PASSWORD)
        paged = fetch_api(environment(path))
    assert paged.failed == {}
    for region, compute in api.compute.items():
        assert [s["id"] for s in paged.compute[region].servers] == [
            s["id"] for s in compute.servers]
        assert len(log.paths(f"/compute/{region}/v2.1/servers/detail")) == (
            len(compute.servers) // 2 + 1)
    assert {name: sorted(str(i["id"]) for i in items) for name, items in paged.neutron.items()
            } == {name: sorted(str(i["id"]) for i in items) for name, items in api.neutron.items()}
    assert len(log.paths("/ports")) == len(api.neutron["ports"]) // 3 + 1
