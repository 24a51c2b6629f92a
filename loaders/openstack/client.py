"""Get: read the raw JSON of the OpenStack APIs an inventory needs, every page of it.

The JSON is read through openstacksdk's session and proxies, never as the SDK's resource
objects: 20,000 servers take about a minute as objects and two seconds as JSON. Keystone
must answer (else :class:`SourceError`, saying why without a credential); after that, a
region's nova or neutron that fails is recorded in :attr:`ApiSnapshot.failed` with the
reason, and the rest is still read.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlencode

import openstack
from keystoneauth1 import exceptions as ksa_exceptions
from openstack import exceptions as sdk_exceptions
from openstack.config import OpenStackConfig
from openstack.connection import Connection
from openstack.proxy import Proxy

from loaders.openstack.snapshot import (
    IDENTITY,
    NETWORK,
    NEUTRON_COLLECTIONS,
    ApiSnapshot,
    ComputeSnapshot,
    Doc,
)
from loaders.seam import SourceError
from topology.environments import EnvironmentConfig

log = logging.getLogger(__name__)
T = TypeVar("T")

PAGE = 1000
"""Items asked for per page (nova's default ``max_limit``)."""
API_TIMEOUT = 60.0
"""Seconds one request may take."""
SERVER_GROUPS_VERSION = "2.64"
"""Server groups are read with ``policy`` and ``rules`` (the transform takes 2.1 too)."""
_MAX_PAGES = 100_000  # a next link that never ends is a server's bug, not a loop of ours


class ReadError(Exception):
    """One listing could not be read (HTTP error, connection lost, not JSON)."""


# -- connecting ----------------------------------------------------------------------------


def connect(env: EnvironmentConfig) -> Connection:
    """openstacksdk's connection to ``env.cloud``: from ``env.clouds_yaml`` when set (an
    operator's existing file), else openstacksdk's own lookup. Not yet authenticated."""
    try:
        if env.clouds_yaml is not None:
            config = OpenStackConfig(config_files=[str(env.clouds_yaml)])
            region = config.get_one(cloud=env.cloud or None, api_timeout=API_TIMEOUT)
            return Connection(config=region)
        return openstack.connect(cloud=env.cloud or None, api_timeout=API_TIMEOUT)
    except (sdk_exceptions.ConfigException, ksa_exceptions.ClientException) as exc:
        where = f" in {env.clouds_yaml}" if env.clouds_yaml is not None else ""
        raise SourceError(f"cloud {env.cloud!r}{where}: {_scrub(str(exc), None)}") from None


def authorize(conn: Connection, env: EnvironmentConfig) -> list[Doc]:
    """Authenticate; the token's service catalog (raw v3). SourceError when keystone
    refuses or cannot be reached."""
    auth_url = str((conn.config.config.get("auth") or {}).get("auth_url", "?"))
    secret = _password(conn)
    try:
        conn.session.get_token()  # not conn.authorize(): it hides keystoneauth's error types
        access = conn.session.auth.get_access(conn.session)
        return [dict(service) for service in (access.service_catalog.catalog or [])]
    except (ksa_exceptions.Unauthorized, sdk_exceptions.ForbiddenException) as exc:
        raise SourceError(f"keystone at {auth_url} refused the credentials of cloud "
                          f"{env.cloud!r} ({_status(exc)})") from None
    except (ksa_exceptions.ConnectFailure, ksa_exceptions.ConnectTimeout,
            ksa_exceptions.DiscoveryFailure) as exc:
        raise SourceError(f"keystone at {auth_url} cannot be reached: "
                          f"{_scrub(_first_line(exc), secret)}") from None
    except (ksa_exceptions.ClientException, sdk_exceptions.SDKException) as exc:
        if _status(exc) == "HTTP 401":
            raise SourceError(f"keystone at {auth_url} refused the credentials of cloud "
                              f"{env.cloud!r} (HTTP 401)") from None
        raise SourceError(f"keystone at {auth_url} failed: "
                          f"{_scrub(_first_line(exc), secret)}") from None


def _password(conn: Connection) -> str | None:
    auth = conn.config.config.get("auth") or {}
    value = auth.get("password")
    return str(value) if value else None


def _status(exc: BaseException) -> str:
    code = getattr(exc, "status_code", None) or getattr(exc, "http_status", None)
    return f"HTTP {code}" if code else type(exc).__name__


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def _scrub(text: str, secret: str | None) -> str:
    """Never let a credential through, whatever a library put in its message."""
    return text.replace(secret, "***") if secret else text


# -- reading -------------------------------------------------------------------------------


def _get_json(proxy: Proxy, url: str, **kwargs: Any) -> Doc:
    try:
        response = proxy.get(url, raise_exc=False, **kwargs)
    except (ksa_exceptions.ClientException, sdk_exceptions.SDKException) as exc:
        raise ReadError(_first_line(exc)) from None
    if response.status_code >= 400:
        raise ReadError(f"GET {url.split('?')[0]}: HTTP {response.status_code} "
                        f"{_error_text(response)}")
    try:
        body = response.json()
    except ValueError:
        raise ReadError(f"GET {url.split('?')[0]}: not JSON") from None
    if not isinstance(body, dict):
        raise ReadError(f"GET {url.split('?')[0]}: not a JSON object")
    return body


def _error_text(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        for value in body.values():  # {"itemNotFound": {"message": ...}}, {"NeutronError": ...}
            if isinstance(value, dict) and value.get("message"):
                return str(value["message"])[:200]
    return ""


def pages(proxy: Proxy, path: str, key: str, params: dict[str, Any] | None = None,
          *, limit: int | None = None, paged: bool = True,
          **kwargs: Any) -> Iterator[Doc]:
    """Every item of a listing: ``limit`` items a page (:data:`PAGE`; none asked for when
    not ``paged``: keystone's lists), following the ``<key>_links`` (nova, neutron) or
    ``links`` (keystone) ``next`` link until a page has none (nova cuts pages at its own
    ``max_limit``, whatever was asked) or is empty."""
    limit = (limit or PAGE) if paged else None
    query = dict(params or {})
    if limit:
        query["limit"] = limit
    url: str | None = f"{path}?{urlencode(query)}" if query else path
    for _ in range(_MAX_PAGES):
        if url is None:
            return
        body = _get_json(proxy, url, **kwargs)
        items = body.get(key) or []
        yield from items
        url = _next_link(body, key) if items else None
    raise ReadError(f"GET {path}: more than {_MAX_PAGES} pages")


def _next_link(body: Doc, key: str) -> str | None:
    links = body.get(f"{key}_links")
    if links is None and isinstance(body.get("links"), dict):  # keystone
        return body["links"].get("next") or None
    for link in links or []:
        if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
            return str(link["href"])
    return None


def _compute(conn: Connection, region: str) -> Proxy:
    """A proxy on ``region``'s nova, sharing the connection's session (one token)."""
    return Proxy(session=conn.session, service_type="compute", region_name=region,
                 interface=conn.config.get_interface(), default_microversion="2.1")


def read_compute(proxy: Proxy, region: str) -> ComputeSnapshot:
    """One region's nova: zones, hypervisors, services, every project's servers and
    server groups.

    Hypervisors are read at microversion 2.53 (pages with uuid markers: before 2.33 nova
    does not page them), server groups at 2.64 (``policy`` and ``rules``); the rest at
    2.1, the shape the lab recorded.
    """
    zones = _get_json(proxy, "/os-availability-zone/detail").get("availabilityZoneInfo")
    services = _get_json(proxy, "/os-services").get("services")
    hypervisors = list(pages(proxy, "/os-hypervisors/detail", "hypervisors",
                             microversion="2.53"))
    servers = list(pages(proxy, "/servers/detail", "servers", {"all_tenants": 1}))
    groups = list(offset_pages(proxy, "/os-server-groups", "server_groups",
                               {"all_projects": "True"}, microversion=SERVER_GROUPS_VERSION))
    return ComputeSnapshot(region, list(zones or []), hypervisors, list(services or []),
                           servers, groups)


def offset_pages(proxy: Proxy, path: str, key: str, params: dict[str, Any] | None = None,
                 *, limit: int | None = None, **kwargs: Any) -> Iterator[Doc]:
    """Every item of a listing nova pages by ``limit`` and ``offset`` without next links
    (``os-server-groups``): the next page starts after the items read, until one is
    empty (nova cuts a page at its own ``max_limit``, whatever was asked)."""
    query = dict(params or {})
    query["limit"] = limit or PAGE
    offset = 0
    for _ in range(_MAX_PAGES):
        query["offset"] = offset
        items = _get_json(proxy, f"{path}?{urlencode(query)}", **kwargs).get(key) or []
        if not items:
            return
        yield from items
        offset += len(items)
    raise ReadError(f"GET {path}: more than {_MAX_PAGES} pages")


def read_neutron(proxy: Proxy) -> dict[str, list[Doc]]:
    return {name: list(pages(proxy, f"/{name}", name)) for name in NEUTRON_COLLECTIONS}


def fetch_api(env: EnvironmentConfig) -> ApiSnapshot:
    """Everything the inventory needs from ``env``'s APIs (see the module's doc)."""
    began = time.perf_counter()
    conn = connect(env)
    try:
        snapshot = ApiSnapshot(catalog=authorize(conn, env))
        secret = _password(conn)
        identity = _read_scope(snapshot, IDENTITY, secret, partial(_read_identity, conn))
        if identity is not None:
            snapshot.regions, snapshot.projects = identity
        for region in snapshot.region_names():
            if not _has_service(snapshot.catalog, "compute", region):
                log.info("region %s has no nova in the catalog", region)
                continue
            compute = _read_scope(snapshot, region, secret,
                                  partial(read_compute, _compute(conn, region), region))
            if compute is not None:
                snapshot.compute[region] = compute
        neutron = _read_scope(snapshot, NETWORK, secret, partial(read_neutron, conn.network))
        if neutron is not None:
            snapshot.neutron.update(neutron)
    finally:
        conn.close()
    snapshot.seconds = time.perf_counter() - began
    log.info("API of %s read in %.1f s: %d regions, %d projects, %s; neutron: %s%s",
             env.name, snapshot.seconds, len(snapshot.region_names()),
             len(snapshot.projects),
             ", ".join(f"{name}: {len(c.servers)} servers, {len(c.hypervisors)} hypervisors"
                       for name, c in snapshot.compute.items()) or "no nova",
             ", ".join(f"{len(items)} {name}" for name, items in snapshot.neutron.items()),
             "".join(f"; {scope} FAILED: {why}" for scope, why in snapshot.failed.items()))
    return snapshot


def _read_identity(conn: Connection) -> tuple[list[Doc], list[Doc]]:
    """Keystone v3's regions and projects."""
    return (list(pages(conn.identity, "/regions", "regions", paged=False)),
            list(pages(conn.identity, "/projects", "projects", paged=False)))


def _read_scope(snapshot: ApiSnapshot, scope: str, secret: str | None,
                read: Callable[[], T]) -> T | None:
    """``read()``; when it fails, the scope is recorded as failed (None)."""
    began = time.perf_counter()
    try:
        found = read()
    except (ReadError, ksa_exceptions.ClientException, sdk_exceptions.SDKException) as exc:
        reason = _scrub(str(exc) if isinstance(exc, ReadError) else _first_line(exc), secret)
        snapshot.failed[scope] = reason
        log.warning("API scope %s not read: %s", scope, reason)
        return None
    log.info("API scope %s read in %.1f s", scope, time.perf_counter() - began)
    return found


def _has_service(catalog: list[Doc], service_type: str, region: str) -> bool:
    return any(service.get("type") == service_type
               and any((e.get("region_id") or e.get("region") or "No-Region") == region
                       for e in service.get("endpoints") or [])
               for service in catalog)
