"""A ``clouds.yaml`` entry for the sandbox, so that ``openstack.connect(cloud=NAME)`` (and
the ``openstack`` CLI) reach it: written into a file (other clouds kept, mode 0600), or as
text to print; and taken out again when the sandbox stops.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from topology.private_files import write_private
from topology.sandbox.api.identity import ADMIN_USER, DOMAIN_NAME


def clouds_entry(auth_url: str, password: str, *, region_name: str | None = None,
                 username: str = ADMIN_USER, project_name: str = "admin") -> dict[str, Any]:
    """openstacksdk's settings for the sandbox's admin (Keystone v3, Default domain)."""
    entry: dict[str, Any] = {
        "auth": {
            "auth_url": auth_url, "username": username, "password": password,
            "project_name": project_name, "user_domain_name": DOMAIN_NAME,
            "project_domain_name": DOMAIN_NAME,
        },
        "identity_api_version": 3,
    }
    if region_name is not None:
        entry["region_name"] = region_name
    return entry


def clouds_yaml_text(cloud_name: str, auth_url: str, password: str, *,
                     region_name: str | None = None, username: str = ADMIN_USER,
                     project_name: str = "admin") -> str:
    """The ``clouds.yaml`` document holding just this cloud (to print for the user)."""
    entry = clouds_entry(auth_url, password, region_name=region_name, username=username,
                         project_name=project_name)
    return yaml.safe_dump({"clouds": {cloud_name: entry}}, sort_keys=False)


def _read(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = {}
    if path.exists():
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        if loaded is not None and not isinstance(loaded, dict):
            raise ValueError(f"{path} is not a clouds.yaml document (not a mapping)")
        document = loaded or {}
    return document


def write_clouds_yaml(path: Path | str, cloud_name: str, auth_url: str, password: str, *,
                      region_name: str | None = None, username: str = ADMIN_USER,
                      project_name: str = "admin") -> Path:
    """Put (or replace) ``cloud_name`` in the ``clouds.yaml`` at ``path``, keeping the other
    clouds and settings there; the file is replaced at once and readable by its owner only
    (it holds passwords)."""
    path = Path(path)
    document = _read(path)
    clouds = document.setdefault("clouds", {})
    if not isinstance(clouds, dict):
        raise ValueError(f"{path}: 'clouds' is not a mapping")
    clouds[cloud_name] = clouds_entry(auth_url, password, region_name=region_name,
                                      username=username, project_name=project_name)
    return write_private(path, yaml.safe_dump(document, sort_keys=False))


def remove_cloud(path: Path | str, cloud_name: str, auth_url: str) -> bool:
    """Take ``cloud_name`` out of the ``clouds.yaml`` at ``path`` if it still points at
    ``auth_url`` (an entry someone rewrote since is theirs: kept); the file goes too when
    nothing else is left in it. Returns whether the entry was removed."""
    path = Path(path)
    document = _read(path)
    clouds = document.get("clouds")
    entry = clouds.get(cloud_name) if isinstance(clouds, dict) else None
    if not isinstance(entry, dict) or (entry.get("auth") or {}).get("auth_url") != auth_url:
        return False
    del clouds[cloud_name]
    if not clouds and set(document) == {"clouds"}:
        path.unlink()
    else:
        write_private(path, yaml.safe_dump(document, sort_keys=False))
    return True
