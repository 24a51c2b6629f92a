"""Keystone's ``project`` table for the model: domains are rows of it too. The root
(``<<keystone.domain.root>>``, disabled, its own parent) comes with the first migration,
the ``Default`` domain and the ``admin`` and ``service`` projects with ``keystone-manage
bootstrap``; the tenants live in the Default domain, which is also their parent."""

from __future__ import annotations

from topology.sandbox.database.facts import DOMAIN_ID, DOMAIN_NAME, ROOT_DOMAIN_ID
from topology.sandbox.database.tables import Row
from topology.sandbox.model import Cloud


def project_rows(cloud: Cloud) -> list[Row]:
    rows = [
        {"id": ROOT_DOMAIN_ID, "name": ROOT_DOMAIN_ID, "extra": "{}", "description": "",
         "enabled": 0, "domain_id": ROOT_DOMAIN_ID, "parent_id": None, "is_domain": 1},
        {"id": DOMAIN_ID, "name": DOMAIN_NAME, "extra": "{}",
         "description": "The default domain", "enabled": 1, "domain_id": ROOT_DOMAIN_ID,
         "parent_id": None, "is_domain": 1},
    ]
    rows += [{"id": project.id, "name": project.name, "extra": "{}",
              "description": project.description, "enabled": 1, "domain_id": DOMAIN_ID,
              "parent_id": DOMAIN_ID, "is_domain": 0} for project in cloud.all_projects]
    return rows
