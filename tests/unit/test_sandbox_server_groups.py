"""The sandbox's server groups: the model keeps members as nova does (a deleted instance
leaves its group), and its nova serves ``os-server-groups`` in the shape each microversion
asks for, paged by offset."""

from __future__ import annotations

from tests.support.sandbox_api import client_for, compute, token
from topology.sandbox.model import BUILT_AT, CloudShape, build

API = compute()


def test_os_server_groups_at_2_1_and_2_64_and_members_leave_with_their_instance() -> None:
    cloud = build(CloudShape())
    region, project = cloud.regions[0], cloud.projects[0]
    group = cloud.create_server_group(region, project, "web", "anti-affinity", BUILT_AT,
                                      {"max_server_per_host": 1})
    first, second = list(cloud.instances.values())[:2]
    for instance in (first, second, first):
        cloud.add_server_group_member(group, instance)
    with client_for(cloud) as client:
        headers = {"X-Auth-Token": token(client)}
        new = client.get(API + "/os-server-groups", params={"all_projects": "True"},
                         headers={**headers, "OpenStack-API-Version": "compute 2.64"}).json()
        old = client.get(API + f"/os-server-groups/{group.id}", headers=headers).json()
        cloud.delete_instance(first)
        after = client.get(API + "/os-server-groups", params={"all_projects": "True",
                                                            "offset": 0, "limit": 5},
                           headers=headers).json()
        assert client.get(API + "/os-server-groups", params={"all_projects": "True",
                                                           "offset": 1},
                          headers=headers).json() == {"server_groups": []}
    assert new == {"server_groups": [{
        "id": group.id, "name": "web", "members": [first.id, second.id],
        "policy": "anti-affinity", "rules": {"max_server_per_host": 1},
        "project_id": project.id, "user_id": cloud.admin_user_id}]}
    assert old == {"server_group": {"id": group.id, "name": "web",
                                    "members": [first.id, second.id],
                                    "policies": ["anti-affinity"], "metadata": {}}}
    assert after["server_groups"][0]["members"] == [second.id]
