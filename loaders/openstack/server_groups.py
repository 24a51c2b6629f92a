"""Nova's server groups, under their project's ``<project>-server_groups`` folder (Calipso
had none: its listener named the servergroup events "not implemented").

A server group is placed as a scan places a project's networks: a dynamic folder
``<project id>-server_groups`` ("Server Groups") under the project, the group under it by
its uuid. It belongs to the nova of its region (scope ``api:<region>``): its folder too.

Nova shows a group in several shapes: the API before microversion 2.64 (``policies``, a
list, and ``metadata``), from 2.64 on (``policy`` and ``rules``), the versioned
notifications' ``ServerGroupPayload`` (``uuid``, ``policies``, from 1.1 also ``policy``
and ``rules``, and ``hosts``) and the legacy notifications (the changed fields, the group
as ``server_group_id``). :func:`server_group_fields` makes one object of any of them, so
that a scanned group and one made by an event are the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loaders.openstack.common import add, bad, region_scope, warn
from loaders.openstack.networks import EXCLUDED_PROJECT, Projects
from loaders.openstack.snapshot import ApiSnapshot, Doc
from loaders.report import LoadReport
from loaders.scan.tree import Tree
from topology.store import Provenance

PART = "server_groups"
FOLDER_TYPE = "server_groups_folder"
FOLDER_TEXT = "Server Groups"


def folder_id(project_id: str) -> str:
    return f"{project_id}-server_groups"


def group_id(group: Mapping[str, Any]) -> str:
    """A group's uuid, whatever the shape calls it."""
    return str(group.get("id") or group.get("uuid") or group.get("server_group_id") or "")


def group_policy(group: Mapping[str, Any]) -> str | None:
    """``policy`` (2.64+, ServerGroupPayload 1.1), else the one of ``policies``."""
    policy = group.get("policy")
    if isinstance(policy, str) and policy:
        return policy
    policies = group.get("policies")
    if isinstance(policies, list) and policies and isinstance(policies[0], str):
        return policies[0]
    return None


def server_group_fields(group: Mapping[str, Any], project: str) -> Doc:
    """A group's fields: ``policy`` and ``policies`` (both, whichever shape said it),
    ``rules``, ``members`` (instance uuids), ``project_id``, ``user_id`` and ``project`` (a
    name). (Shared with the event handlers.)"""
    policy = group_policy(group)
    rules = group.get("rules")
    members = group.get("members")
    return {
        "policy": policy,
        "policies": [policy] if policy else [],
        "rules": dict(rules) if isinstance(rules, Mapping) else {},
        "members": [str(m) for m in members] if isinstance(members, list) else [],
        "project_id": group.get("project_id"),
        "user_id": group.get("user_id"),
        "project": project,
        "parent_text": FOLDER_TEXT,
    }


def add_server_group(tree: Tree, report: LoadReport, scope: Provenance,
                     group: Mapping[str, Any], project: str) -> Doc | None:
    """The group under its project's folder (made if needed); the project must be in the
    tree (scanned or seeded). None (reported) when it cannot be added."""
    gid, owner = group_id(group), str(group.get("project_id") or "")
    where = f"server group {gid} ({group.get('name')})"
    if owner not in tree:
        bad(report, PART, where, f"its project {owner!r} is not known")
        return None
    folder = tree.dynamic_folder(scope, owner, folder_id(owner), FOLDER_TYPE, FOLDER_TEXT)
    return add(tree, report, PART, where, scope, "server_group", gid,
               str(group.get("name") or gid), folder["id"],
               server_group_fields(group, project))


def write_server_groups(tree: Tree, api: ApiSnapshot, projects: Projects,
                        report: LoadReport) -> None:
    """Every region's server groups (``os-server-groups?all_projects=True``)."""
    for region, compute in api.compute.items():
        scope = region_scope(region)
        for group in compute.server_groups:
            report.part(PART).read += 1  # the part is named only when there are groups
            owner = str(group.get("project_id") or "")
            if projects.names.get(owner) == EXCLUDED_PROJECT:
                warn(report, PART, f"server group {group_id(group)}", f"left out: its "
                     f"project is {EXCLUDED_PROJECT!r}, which Calipso does not show")
                continue
            add_server_group(tree, report, scope, group, projects.names.get(owner, ""))
