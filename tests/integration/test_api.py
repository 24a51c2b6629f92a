"""The GraphQL API over HTTP (starlette's test client) against a real Neo4j."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from loaders.calipso.importer import CalipsoImporter
from tests.conftest import drop_environment
from tests.support.clique_oracle import clique as oracle_clique
from tests.support.prometheus import sample
from tests.support.topology_model import Clique as OracleClique
from tests.support.topology_model import CliqueType as OracleCliqueType
from tests.support.topology_model import Topology
from tests.support.topology_strategies import SHIPPED_CONSTRAINTS
from topology.api.app import create_app
from topology.api.auth import hash_token, load_tokens
from topology.cliques.definitions import CLIQUE_TYPE_FOR_ANY_ENVIRONMENT, SHIPPED_CLIQUE_TYPES
from topology.cliques.service import CliqueService
from topology.config import ApiConfig
from topology.demo import generate, shape_for_objects, write_export
from topology.store import GraphStore, link_record, object_record

ADMIN = {"Authorization": "Bearer admin-token"}
LIMITS = ApiConfig(max_depth=8, max_aliases=5, max_page_size=50)


DEMO = "api-test-demo"


@pytest.fixture(scope="module")
def demo_collections() -> dict[str, list[dict[str, Any]]]:
    """The demo environment's Calipso documents (what the API's answers come from)."""
    return generate(shape_for_objects(150, environment=DEMO))


@pytest.fixture(scope="module")
def demo_env(graph_store, demo_collections, tmp_path_factory) -> Iterator[str]:
    name = DEMO
    drop_environment(graph_store, name)
    paths = write_export(tmp_path_factory.mktemp("demo"), demo_collections)
    CalipsoImporter(graph_store, name).run(paths.values())
    graph_store.write("MATCH (n:Instance {environment: $e}) WITH n ORDER BY n.id LIMIT 1 "
                      "SET n.status = 'Error', n.status_value = 2", e=name)
    yield name
    drop_environment(graph_store, name)


@pytest.fixture(scope="module")
def client(graph_store, demo_env) -> Iterator[TestClient]:
    tokens = load_tokens("admin-token", [
        {"name": "viewer", "sha256": hash_token("viewer-token"),
         "roles": {demo_env: ["view"]}},
        {"name": "other", "sha256": hash_token("other-token"),
         "roles": {"some-other-env": ["view", "edit"]}},
    ])
    app = create_app(graph_store, LIMITS, tokens, CliqueService(graph_store, ttl=0))
    with TestClient(app) as test_client:
        yield test_client


def gql(client, text, headers=ADMIN, **variables):
    response = client.post("/graphql", json={"query": text, "variables": variables},
                           headers=headers)
    return response.status_code, response.json()


def first_instance(client, env):
    _, body = gql(client, "query($e: String!) { objects(environment: $e, type: \"instance\", "
                          "first: 1) { items { id } } }", e=env)
    return body["data"]["objects"]["items"][0]["id"]


def test_health_is_open_and_says_neo4j_is_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "neo4j": "reachable"}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"},
                                     {"Authorization": "admin-token"}])
def test_no_token_or_a_wrong_one_is_401(client, headers):
    status, body = gql(client, "{ environments { name } }", headers=headers)
    assert status == 401
    assert "unauthorized" in body["errors"][0]["message"]
    assert client.get("/metrics", headers=headers).status_code == 401


def test_environments_with_counts(client, demo_env):
    _, body = gql(client, "{ environments { name objectCount objectCounts { type count } } }")
    env = next(e for e in body["data"]["environments"] if e["name"] == demo_env)
    counts = {c["type"]: c["count"] for c in env["objectCounts"]}
    assert counts["instance"] > 0 and env["objectCount"] == sum(counts.values())


def test_object_with_parent_children_links_and_clique(client, demo_env):
    instance = first_instance(client, demo_env)
    _, body = gql(client, """query($e: String!, $id: String!) {
      object(environment: $e, id: $id) { id type name status statusValue attributes
        parent { id } children { id type } links { linkType sourceId targetId }
        clique { status nodes { id type } links { linkType sourceId targetId network } } } }""",
                  e=demo_env, id=instance)
    obj = body["data"]["object"]
    assert obj["type"] == "instance" and obj["status"] == "Error" and obj["statusValue"] == 2
    assert obj["parent"]["id"]
    assert any(link["linkType"] == "instance-vnic" for link in obj["links"])
    assert obj["clique"]["status"] == "Error"
    assert obj["clique"]["nodes"][0]["id"] == instance


CLIQUE_FIELDS = ("nodes { id } links { sourceId linkType targetId } "
                 "cliqueType { environment linkTypes }")


def _as_oracle_clique(focal_point: str, answer: dict[str, Any] | None) -> OracleClique | None:
    if answer is None:
        return None
    return OracleClique(focal_point, frozenset(n["id"] for n in answer["nodes"]),
                        frozenset((link["sourceId"], link["linkType"], link["targetId"])
                                  for link in answer["links"]))


def test_cliques_are_calipsos_for_the_imported_documents(client, demo_env, demo_collections):
    """Every instance's clique, asked one at a time and for a whole page, is what the
    plain-Python oracle of Calipso's rules computes from the documents imported."""
    any_instance = next(c for c in SHIPPED_CLIQUE_TYPES if c.focal_point_type == "instance"
                        and c.environment == CLIQUE_TYPE_FOR_ANY_ENVIRONMENT)
    topology = Topology.from_calipso(demo_collections)
    expected = {obj.id: oracle_clique(topology, OracleCliqueType.of(any_instance), obj.id,
                                      SHIPPED_CONSTRAINTS["instance"])
                for obj in topology.of_type("instance")}
    assert sum(e is not None for e in expected.values()) >= 5

    _, body = gql(client, "query($e: String!) { objects(environment: $e, type: \"instance\","
                          f" first: 50) {{ items {{ id clique {{ {CLIQUE_FIELDS} }} }} }} }}",
                  e=demo_env)
    page = body["data"]["objects"]["items"]
    assert {item["id"]: _as_oracle_clique(item["id"], item["clique"])
            for item in page} == expected
    for focal_point in sorted(expected)[:3]:
        _, body = gql(client, "query($e: String!, $f: String!) { clique(environment: $e, "
                              f"focalPoint: $f) {{ {CLIQUE_FIELDS} }} }}",
                      e=demo_env, f=focal_point)
        answer = body["data"]["clique"]
        assert _as_oracle_clique(focal_point, answer) == expected[focal_point]
        assert answer is None or answer["cliqueType"] == {  # the shipped one, or its import
            "environment": any_instance.environment, "linkTypes": list(any_instance.link_types)}


def test_clique_of_a_missing_object_is_a_readable_error(client, demo_env):
    _, body = gql(client, "query($e: String!) { clique(environment: $e, focalPoint: "
                          "\"nope\") { status } }", e=demo_env)
    assert body["errors"][0]["message"] == f"no object 'nope' in environment '{demo_env}'"


def test_objects_paginate_with_cursors_and_filters(client, demo_env):
    seen, after = [], None
    while True:
        _, body = gql(client, """query($e: String!, $after: String) { objects(environment: $e,
          type: "port", first: 7, after: $after) { totalCount items { id }
          pageInfo { endCursor hasNextPage } } }""", e=demo_env, after=after)
        page = body["data"]["objects"]
        seen += [o["id"] for o in page["items"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == page["totalCount"] > 7
    _, body = gql(client, "query($e: String!) { objects(environment: $e, status: ERROR) "
                          "{ totalCount } }", e=demo_env)
    assert body["data"]["objects"]["totalCount"] == 1


def test_links_filter_and_paginate(client, demo_env):
    _, body = gql(client, """query($e: String!) { links(environment: $e,
      linkType: "instance-vnic", first: 3) { totalCount items { linkType sourceId }
      pageInfo { endCursor hasNextPage } } }""", e=demo_env)
    links = body["data"]["links"]
    assert links["totalCount"] > 3 and len(links["items"]) == 3
    assert {link["linkType"] for link in links["items"]} == {"instance-vnic"}
    _, body = gql(client, """query($e: String!, $a: String) { links(environment: $e,
      linkType: "instance-vnic", first: 50, after: $a) { items { sourceId } } }""",
                  e=demo_env, a=links["pageInfo"]["endCursor"])
    assert len(body["data"]["links"]["items"]) == links["totalCount"] - 3


def test_status_summary_focal_points_search_and_definitions(client, demo_env):
    _, body = gql(client, """query($e: String!) { statusSummary(environment: $e) {
      objects { type status count } objectTotals { status count } linkTotals { count } }
      focalPoints(environment: $e, type: "instance") { type ids }
      cliqueTypes(environment: $e) { id focalPointType linkTypes }
      cliqueConstraints { focalPointType constraints }
      search(nameContains: "vm-") { environment } }""", e=demo_env)
    data = body["data"]
    assert {"type": "instance", "status": "Error", "count": 1} in data["statusSummary"]["objects"]
    assert data["focalPoints"][0]["ids"]
    assert any(t["focalPointType"] == "instance" for t in data["cliqueTypes"])
    assert any(c["focalPointType"] == "instance" for c in data["cliqueConstraints"])
    assert {o["environment"] for o in data["search"]} >= {demo_env}


def test_clique_type_mutations_validate_and_return_typed_errors(client, demo_env):
    create = """mutation($input: CliqueTypeInput!) { createCliqueType(input: $input) {
      __typename ... on CliqueTypeNode { id linkTypes } ... on DefinitionError { message } } }"""
    _, body = gql(client, create, input={"name": "bad", "focalPointType": "instance",
                                         "linkTypes": ["instance-nope"],
                                         "environment": demo_env})
    assert body["data"]["createCliqueType"]["__typename"] == "DefinitionError"
    assert "instance-nope" in body["data"]["createCliqueType"]["message"]
    _, body = gql(client, create, input={"name": "short", "focalPointType": "vnic",
                                         "linkTypes": ["vnic-vconnector"],
                                         "environment": demo_env})
    created = body["data"]["createCliqueType"]
    assert created["__typename"] == "CliqueTypeNode"
    _, body = gql(client, """mutation($id: String!, $input: CliqueTypeInput!) {
      updateCliqueType(id: $id, input: $input) { ... on CliqueTypeNode { linkTypes } } }""",
                  id=created["id"], input={"name": "short", "focalPointType": "vnic",
                                           "linkTypes": ["vnic-vedge"],
                                           "environment": demo_env})
    assert body["data"]["updateCliqueType"]["linkTypes"] == ["vnic-vedge"]
    _, body = gql(client, "mutation($id: String!) { deleteCliqueType(id: $id) { "
                          "... on Deleted { deleted } } }", id=created["id"])
    assert body["data"]["deleteCliqueType"]["deleted"] is True
    _, body = gql(client, "mutation { deleteCliqueType(id: \"gone\") { "
                          "... on DefinitionError { message } } }")
    assert body["data"]["deleteCliqueType"]["message"] == "no clique type 'gone'"


def test_clique_constraint_mutations(client):
    _, body = gql(client, """mutation { createCliqueConstraint(input: {focalPointType:
      "otep", constraints: ["network"]}) { ... on CliqueConstraintNode { id }
      ... on DefinitionError { message } } }""")
    made = body["data"]["createCliqueConstraint"]["id"]
    _, body = gql(client, """mutation($id: String!) { updateCliqueConstraint(id: $id, input:
      {focalPointType: "otep", constraints: ["Bad Name"]}) { ... on DefinitionError {
      message } } }""", id=made)
    assert "constraints must list" in body["data"]["updateCliqueConstraint"]["message"]
    _, body = gql(client, "mutation($id: String!) { deleteCliqueConstraint(id: $id) "
                          "{ ... on Deleted { deleted } } }", id=made)
    assert body["data"]["deleteCliqueConstraint"]["deleted"] is True


def test_view_only_token_cannot_mutate_and_other_environment_is_forbidden(client, demo_env):
    viewer = {"Authorization": "Bearer viewer-token"}
    other = {"Authorization": "Bearer other-token"}
    status, body = gql(client, "query($e: String!) { object(environment: $e, id: \"x\") "
                               "{ id } }", headers=viewer, e=demo_env)
    assert status == 200 and body["data"]["object"] is None
    _, body = gql(client, """mutation($e: String) { createCliqueType(input: {name: "v",
      focalPointType: "vnic", linkTypes: ["vnic-vedge"], environment: $e}) { __typename } }""",
                  headers=viewer, e=demo_env)
    assert body["errors"][0]["message"] == "forbidden"
    _, body = gql(client, "query($e: String!) { statusSummary(environment: $e) "
                          "{ environment } }", headers=other, e=demo_env)
    assert body["errors"][0]["message"] == "forbidden" and body["data"] is None
    _, body = gql(client, "{ environments { name } }", headers=other)
    assert demo_env not in {e["name"] for e in body["data"]["environments"]}
    _, body = gql(client, "{ search(nameContains: \"vm-\") { environment } }", headers=other)
    assert body["data"]["search"] == []


def test_limits_depth_aliases_and_page_size(client, demo_env):
    deep = ("query($e: String!) { object(environment: $e, id: \"x\") { "
            + "parent { " * 9 + " id " + "}" * 9 + " } }")
    aliases = "{ " + " ".join(f"a{i}: environments {{ name }}" for i in range(6)) + " }"
    # Twice each: the second answer comes from the parse/validation caches and must
    # still refuse the operation.
    for _ in range(2):
        _, body = gql(client, deep, e=demo_env)
        assert "exceeds maximum operation depth" in body["errors"][0]["message"]
        assert body.get("data") is None
        _, body = gql(client, aliases)
        assert "aliases" in body["errors"][0]["message"]
    _, body = gql(client, "query($e: String!) { objects(environment: $e, first: 51) "
                          "{ totalCount } }", e=demo_env)
    assert body["errors"][0]["message"] == "first must be between 1 and 50"


def test_errors_never_show_cypher_or_traces(client, demo_env):
    _, body = gql(client, "query($e: String!) { objects(environment: $e, after: \"zz\") "
                          "{ totalCount } }", e=demo_env)
    assert body["errors"][0]["message"] == "after: not a cursor returned by this API"
    _, body = gql(client, "query($e: String!) { objects(environment: $e, type: \"x) "
                          "RETURN 1 //\") { totalCount } }", e=demo_env)
    message = body["errors"][0]["message"]
    assert message.startswith("unknown object type") and "extensions" not in body["errors"][0]


def test_metrics_count_requests_and_each_kind_of_graphql_error(client, demo_env):
    def scrape() -> str:
        response = client.get("/metrics", headers=ADMIN)
        assert response.status_code == 200
        return response.text

    def errors(text: str) -> dict[str, float]:
        return {kind: sample(text, "topology_graphql_errors_total", kind=kind)
                for kind in ("validation", "forbidden", "input", "not_found", "internal")}

    ok = {"route": "/graphql", "method": "POST", "status": "200"}
    before = scrape()
    failing = {  # a real failing request of each kind
        "validation": ("{ environments { nme } }", {}),
        "forbidden": ("query($e: String!) { statusSummary(environment: $e) { environment } }",
                      {"e": "not-mine"}),
        "input": ("query($e: String!) { objects(environment: $e, first: 0) { totalCount } }",
                  {"e": demo_env}),
        "not_found": ("query($e: String!) { clique(environment: $e, focalPoint: \"nope\") "
                      "{ status } }", {"e": demo_env}),
    }
    viewer = {"Authorization": "Bearer viewer-token"}
    for kind, (text, variables) in failing.items():
        _, body = gql(client, text, headers=viewer if kind == "forbidden" else ADMIN,
                      **variables)
        assert body["errors"], kind
    gql(client, "{ environments { name } }")
    after = scrape()
    assert errors(after) == {kind: value + (kind in failing)
                             for kind, value in errors(before).items()}
    assert sample(after, "topology_http_requests_total", **ok) == sample(
        before, "topology_http_requests_total", **ok) + len(failing) + 1
    assert sample(after, "topology_http_request_duration_seconds_count",
                  route="/graphql") >= len(failing) + 1


class CountingStore(GraphStore):
    """The session's store (same driver, same Neo4j), counting its reads: each read is one
    query sent to Neo4j."""

    reads = 0

    def read(self, text, **params):
        self.reads += 1
        return super().read(text, **params)


def _hosts_with_instances(store: GraphStore, environment: str, instances: int) -> None:
    """A host with ``instances`` instances, each holding two vNICs it links to."""
    store.upsert_environment(environment, {})
    objects = [object_record(environment, {"id": "host", "type": "host",
                                           "parent_id": environment,
                                           "parent_type": "environment"})]
    links = []
    for i in range(instances):
        vm = f"vm-{i:04}"
        objects.append(object_record(environment, {
            "id": vm, "type": "instance", "parent_id": "host", "parent_type": "host",
            "network": ["net"]}))
        for side in ("a", "b"):
            objects.append(object_record(environment, {
                "id": f"{vm}-{side}", "type": "vnic", "parent_id": vm,
                "parent_type": "instance"}))
            links.append(link_record(environment, {
                "source_id": vm, "target_id": f"{vm}-{side}", "link_type": "instance-vnic",
                "attributes": {"network": "net"}}))
    assert store.upsert_objects(objects).ok
    assert store.upsert_links(links).ok


PAGE = """query($e: String!, $first: Int) { objects(environment: $e, type: "instance",
  first: $first) { items { id parent { id } children { id }
  firstVnic: children(type: "vnic", first: 1) { id }
  links { linkType sourceId targetId } clique { nodes { id } links { sourceId targetId } } } } }"""


def test_a_page_asks_neo4j_the_same_few_queries_whatever_its_size(graph_store, environment):
    _hosts_with_instances(graph_store, environment, 300)
    store = CountingStore(graph_store.driver, database=graph_store.database)
    app = create_app(store, ApiConfig(max_page_size=500), load_tokens("admin-token", []),
                     CliqueService(store, ttl=0))  # no cache: every request reads the same
    reads = {}
    with TestClient(app) as test_client:
        for size in (2, 300):
            store.reads = 0
            status, body = gql(test_client, PAGE, e=environment, first=size)
            assert status == 200 and "errors" not in body, body
            reads[size] = store.reads
            items = body["data"]["objects"]["items"]
            assert len(items) == size
            for item in items:
                vm, vnics = item["id"], [f"{item['id']}-a", f"{item['id']}-b"]
                assert item["parent"] == {"id": "host"}
                assert [c["id"] for c in item["children"]] == vnics
                assert [c["id"] for c in item["firstVnic"]] == vnics[:1]
                assert item["links"] == [{"linkType": "instance-vnic", "sourceId": vm,
                                          "targetId": v} for v in vnics]
                assert {n["id"] for n in item["clique"]["nodes"]} == {vm, *vnics}
                assert sorted((x["sourceId"], x["targetId"]) for x in
                              item["clique"]["links"]) == [(vm, v) for v in vnics]
    assert reads[300] == reads[2], reads


def test_scans_are_listed_and_requested_with_the_rights_they_need(client, demo_env):
    viewer = {"Authorization": "Bearer viewer-token"}
    status, body = gql(client, "mutation($e: String!) { requestScan(environment: $e, kind: "
                               "\"inventory\") { id status kind requestedBy } }", e=demo_env)
    assert status == 200 and "errors" not in body, body
    requested = body["data"]["requestScan"]
    assert requested["status"] == "pending" and requested["kind"] == "inventory"
    assert requested["requestedBy"] == "api:admin"
    _, body = gql(client, "mutation($e: String!) { requestScan(environment: $e) { id } }",
                  headers=viewer, e=demo_env)
    assert body["errors"][0]["message"] == "forbidden"  # the viewer may not edit
    _, body = gql(client, "mutation($e: String!) { requestScan(environment: $e, kind: "
                          "\"object\") { id } }", e=demo_env)
    assert "objectId" in body["errors"][0]["message"]
    _, body = gql(client, "query($e: String!) { scans(environment: $e) { id status counts "
                          "{ type count } errors } }", headers=viewer, e=demo_env)
    assert [s["id"] for s in body["data"]["scans"]] == [requested["id"]]
    _, body = gql(client, "{ scans { id environment } }",
                  headers={"Authorization": "Bearer other-token"})
    assert body["data"]["scans"] == []  # none of its environments' scans
