"""The OpenStack API check: openstacksdk connects with the cloud's name (and clouds.yaml),
authenticates, and lists the catalog's services and regions."""

from __future__ import annotations

import logging
import re
from typing import Any

from loaders.connections.result import NOT_CONFIGURED, CheckResult, reason, timed
from topology.environments import EnvironmentConfig

NAME = "OpenStack API"
_OS_ERROR = re.compile(r"\[Errno -?\d+\] [^\"')]+")


def check_openstack_api(env: EnvironmentConfig, timeout: float) -> CheckResult:
    if not env.cloud and env.clouds_yaml is None:
        return CheckResult(NAME, NOT_CONFIGURED)
    secrets: list[str] = []
    return timed(NAME, lambda: _connect(env, timeout, secrets), secrets)


def _connect(env: EnvironmentConfig, timeout: float, secrets: list[str]) -> str:
    from openstack import connection
    from openstack.config.loader import OpenStackConfig

    files = [str(env.clouds_yaml)] if env.clouds_yaml is not None else None
    # with a cloud named, OS_* variables must not build another one
    loader = OpenStackConfig(config_files=files, load_envvars=not env.cloud)
    region = loader.get_one(cloud=env.cloud or None, api_timeout=timeout)
    auth = region.config.get("auth") or {}
    secrets += [str(auth[key]) for key in ("password", "token", "application_credential_secret")
                if auth.get(key)]
    # keystoneauth warns on every failed version discovery; the result says what failed
    logging.getLogger("keystoneauth").setLevel(logging.ERROR)
    conn = connection.Connection(config=region)
    try:
        conn.authorize()
        access = conn.session.auth.get_access(conn.session)
        catalog: list[dict[str, Any]] = access.service_catalog.catalog or []
    except Exception as exc:
        raise RuntimeError(_short(exc, auth.get("auth_url", "?"))) from None
    finally:
        conn.close()
    services = sorted({str(entry.get("type") or entry.get("name")) for entry in catalog})
    regions = sorted({str(endpoint.get("region_id") or endpoint.get("region") or "No-Region")
                      for entry in catalog for endpoint in entry.get("endpoints", [])})
    return (f"{auth.get('auth_url', '?')} as {auth.get('username', '?')}: "
            f"{len(services)} services ({', '.join(services)}); "
            f"regions {', '.join(regions) or 'none'}")


def _short(exc: Exception, auth_url: str) -> str:
    """A connection failure without urllib3's retries and reprs; a refusal as Keystone's."""
    text = reason(exc)
    cause = _OS_ERROR.search(text)
    if cause and "connect" in text.lower():
        return f"cannot connect to {auth_url} ({cause.group(0).strip()})"
    if "timed out" in text.lower():
        return f"{auth_url}: no answer in time ({type(exc).__name__})"
    return f"{auth_url}: {text}"
