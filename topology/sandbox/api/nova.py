"""Nova v2.1 of the sandbox, one per region under ``/compute/<region>``: version discovery,
servers, hypervisors, availability zones, aggregates, services and flavors of that region,
at the microversion each request asks for (:mod:`topology.sandbox.api.microversion`).

Listings page as Nova's do (:func:`topology.sandbox.api.paging.nova_page`): servers and
flavors always, hypervisors from 2.33. Hypervisors' servers come from
``/os-hypervisors/<pattern>/servers`` before 2.53 and from ``with_servers`` after.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from topology.sandbox.api import microversion, nova_views
from topology.sandbox.api.context import ApiContext, encode, json_bytes, token_of
from topology.sandbox.api.errors import ServiceError
from topology.sandbox.api.microversion import MAX_VERSION, MIN_VERSION, Version
from topology.sandbox.api.nova_views import Links, ServerFacts
from topology.sandbox.api.paging import Bookmarks, NovaPage, nova_links, nova_page, parse_limit
from topology.sandbox.api.server_filters import flag, select_servers
from topology.sandbox.model import BUILT_AT, Host, Instance, Region

V = Version
PREFIX = "/compute/{region}"
VERSION_UPDATED = "2013-07-23T11:33:21Z"
# A render: (the region, the microversion, the query) -> the response body.
Render = Callable[[Region, Version, Request], object]


def _instance_key(instance: Instance) -> str:
    return instance.id


def _server_order(instance: Instance) -> tuple[datetime, int]:
    """Nova's default sort of servers (descending): created_at, then the database id."""
    return instance.created_at, instance.db_id


class Nova:
    def __init__(self, context: ApiContext) -> None:
        self.context = context
        # Where the server pages this process answered ended: a listing goes on after a
        # marker whose server churn deleted meanwhile (Nova finds deleted rows too).
        self._bookmarks: Bookmarks[tuple[datetime, int]] = Bookmarks()

    def routes(self) -> list[BaseRoute]:
        api = f"{PREFIX}/v2.1"
        views: list[tuple[str, Render]] = [
            ("/servers", lambda r, v, q: self._servers(r, v, q, detail=False)),
            ("/servers/detail", lambda r, v, q: self._servers(r, v, q, detail=True)),
            ("/servers/{server_id}", self._server),
            ("/os-hypervisors", lambda r, v, q: self._hypervisors(r, v, q, detail=False)),
            ("/os-hypervisors/detail", lambda r, v, q: self._hypervisors(r, v, q, detail=True)),
            ("/os-hypervisors/{hypervisor_id}", self._hypervisor),
            ("/os-hypervisors/{pattern}/servers",
             lambda r, v, q: self._hypervisor_search(r, v, q, servers=True)),
            ("/os-hypervisors/{pattern}/search",
             lambda r, v, q: self._hypervisor_search(r, v, q, servers=False)),
            ("/os-availability-zone", lambda r, v, q: self._zones(r, v, q, detail=False)),
            ("/os-availability-zone/detail", lambda r, v, q: self._zones(r, v, q, detail=True)),
            ("/os-aggregates", self._aggregates),
            ("/os-aggregates/{aggregate_id}", self._aggregate),
            ("/os-services", self._services),
            ("/flavors", lambda r, v, q: self._flavors(r, v, q, detail=False)),
            ("/flavors/detail", lambda r, v, q: self._flavors(r, v, q, detail=True)),
            ("/flavors/{flavor_id}", self._flavor),
            ("/os-server-groups", self._server_groups),
            ("/os-server-groups/{group_id}", self._server_group),
        ]
        return [
            Route(PREFIX, self.versions, methods=["GET"]),
            Route(f"{PREFIX}/", self.versions, methods=["GET"]),
            Route(api, self.version, methods=["GET"]),
            Route(f"{api}/", self.version, methods=["GET"]),
            *(Route(f"{api}{path}", self._endpoint(render), methods=["GET"])
              for path, render in views),
        ]

    # -- discovery ---------------------------------------------------------------------------

    def _version_document(self, region: str, full: bool) -> dict[str, object]:
        """Nova's v2.1 version: a ``versions`` entry, or (``full``) the ``version`` document
        with its media types (keystoneauth reads the min and max microversion from it)."""
        links = [{"href": f"{self.context.endpoints.compute(region)}/", "rel": "self"}]
        document: dict[str, object] = {
            "id": "v2.1", "status": "CURRENT", "version": str(MAX_VERSION),
            "min_version": str(MIN_VERSION), "updated": VERSION_UPDATED, "links": links,
        }
        if full:
            links.append({"href": "https://docs.openstack.org/api-ref/compute/",
                          "rel": "describedby", "type": "text/html"})
            document["media-types"] = [{
                "base": "application/json",
                "type": "application/vnd.openstack.compute+json;version=2.1"}]
        return document

    async def versions(self, request: Request) -> Response:
        region = self._region_name(request)
        return JSONResponse({"versions": [self._version_document(region, full=False)]})

    async def version(self, request: Request) -> Response:
        region = self._region_name(request)
        return JSONResponse({"version": self._version_document(region, full=True)})

    def _region_name(self, request: Request) -> str:
        name = request.path_params["region"]
        if name not in {region.name for region in self.context.cloud.regions}:
            raise ServiceError(404, f"The sandbox has no region {name}.")
        return str(name)

    # -- the frame of every resource route ---------------------------------------------------

    def _endpoint(self, render: Render) -> Callable[[Request], object]:
        async def endpoint(request: Request) -> Response:
            version = microversion.requested(request.headers)
            name = self._region_name(request)
            content = await run_in_threadpool(self._render, render, name, version, request)
            return json_bytes(content, 200, microversion.response_headers(version))
        return endpoint

    def _render(self, render: Render, region_name: str, version: Version,
                request: Request) -> bytes:
        with self.context.cloud.lock:
            region = next(r for r in self.context.cloud.regions if r.name == region_name)
            body = render(region, version, request)
        return encode(body)

    def _links(self, region: Region) -> Links:
        endpoints = self.context.endpoints
        return Links(endpoints.compute_root(region.name), endpoints.compute(region.name))

    def _hosts(self, region: Region) -> list[Host]:
        return [h for h in self.context.cloud.hosts if h.region is region]

    def _computes(self, region: Region) -> list[Host]:
        return [h for h in self._hosts(region) if h.kind == "compute"]

    # -- servers -----------------------------------------------------------------------------

    def _facts(self) -> ServerFacts:
        cloud = self.context.cloud
        floating = {fip.fixed_port.id: fip for fip in cloud.floating_ips.values()
                    if fip.fixed_port is not None}
        return ServerFacts(cloud.image_id, floating)

    def _servers(self, region: Region, version: Version, request: Request,
                 detail: bool) -> dict[str, object]:
        params = request.query_params
        instances = [i for h in self._computes(region) for i in h.instances]
        selected = select_servers(instances, params, token_of(request).project_id,
                                  self.context.cloud.image_id)
        page = nova_page(selected, _instance_key, parse_limit(params.get("limit")),
                         params.get("marker"), self.context.max_limit,
                         self._bookmarks.resume(selected, _server_order, descending=True))
        if page.full:
            self._bookmarks.remember(page.items[-1].id, _server_order(page.items[-1]))
        links, facts = self._links(region), self._facts()
        items = [nova_views.server(i, version, links, facts) if detail
                 else nova_views.server_brief(i, links) for i in page.items]
        collection = f"{links.versioned}/servers" + ("/detail" if detail else "")
        return {"servers": items, **nova_links(collection, params.multi_items(), page,
                                               _instance_key, "servers_links")}

    def _server(self, region: Region, version: Version, request: Request) -> dict[str, object]:
        server_id = request.path_params["server_id"]
        instance = self.context.cloud.instances.get(server_id)
        if instance is None or instance.host.region is not region:
            raise ServiceError(404, f"Instance {server_id} could not be found.")
        return {"server": nova_views.server(instance, version, self._links(region),
                                            self._facts(), single=True)}

    # -- hypervisors -------------------------------------------------------------------------

    def _hypervisors(self, region: Region, version: Version, request: Request,
                     detail: bool) -> dict[str, object]:
        params = request.query_params
        hosts = sorted(self._computes(region), key=lambda h: h.hypervisor_id)
        uuids = version >= V(2, 53)
        with_servers = uuids and flag(params, "with_servers")
        pattern = params.get("hypervisor_hostname_pattern") if uuids else None

        def key(host: Host) -> str:
            return host.hypervisor_uuid if uuids else str(host.hypervisor_id)

        if pattern is not None:
            if "limit" in params or "marker" in params:
                raise ServiceError(400, "Paging over hypervisor_hostname_pattern is not "
                                        "supported.")
            hosts = _matching(hosts, pattern)
        page: NovaPage[Host] = NovaPage(hosts, False)
        if version >= V(2, 33) and pattern is None:
            page = nova_page(hosts, key, parse_limit(params.get("limit")),
                             params.get("marker"), self.context.max_limit)
        body: dict[str, object] = {"hypervisors": [
            nova_views.hypervisor(h, version, detail, with_servers) for h in page.items]}
        collection = f"{self._links(region).versioned}/os-hypervisors" + (
            "/detail" if detail else "")
        body.update(nova_links(collection, params.multi_items(), page, key,
                               "hypervisors_links"))
        return body

    def _hypervisor(self, region: Region, version: Version,
                    request: Request) -> dict[str, object]:
        wanted = request.path_params["hypervisor_id"]
        uuids = version >= V(2, 53)
        if not (_is_uuid(wanted) if uuids else wanted.isdigit()):
            raise ServiceError(400, f"Invalid hypervisor id {wanted!r} at microversion "
                                    f"{version}.")
        host = next((h for h in self._computes(region)
                     if (h.hypervisor_uuid if uuids else str(h.hypervisor_id)) == wanted), None)
        if host is None:
            raise ServiceError(404, f"Hypervisor with ID {wanted} could not be found.")
        with_servers = uuids and flag(request.query_params, "with_servers")
        return {"hypervisor": nova_views.hypervisor(host, version, True, with_servers)}

    def _hypervisor_search(self, region: Region, version: Version, request: Request,
                           servers: bool) -> dict[str, object]:
        if version >= V(2, 53):
            raise ServiceError(404, "Replaced at 2.53 by hypervisor_hostname_pattern and "
                                    "with_servers on /os-hypervisors.")
        hosts = _matching(sorted(self._computes(region), key=lambda h: h.hypervisor_id),
                          request.path_params["pattern"])
        return {"hypervisors": [nova_views.hypervisor(h, version, False, servers)
                                for h in hosts]}

    # -- zones, aggregates, services, flavors ------------------------------------------------

    def _zones(self, region: Region, version: Version, request: Request,
               detail: bool) -> dict[str, object]:
        zones = nova_views.availability_zones(self._hosts(region), detail,
                                              self.context.clock())
        return {"availabilityZoneInfo": zones}

    def _aggregates(self, region: Region, version: Version,
                    request: Request) -> dict[str, object]:
        return {"aggregates": [nova_views.aggregate(a, version, BUILT_AT)
                               for a in self.context.cloud.aggregates if a.region is region]}

    def _aggregate(self, region: Region, version: Version,
                   request: Request) -> dict[str, object]:
        wanted = request.path_params["aggregate_id"]
        found = next((a for a in self.context.cloud.aggregates
                      if a.region is region and (str(a.db_id) == wanted or a.uuid == wanted)),
                     None)
        if found is None:
            raise ServiceError(404, f"Aggregate {wanted} could not be found.")
        return {"aggregate": nova_views.aggregate(found, version, BUILT_AT)}

    def _services(self, region: Region, version: Version,
                  request: Request) -> dict[str, object]:
        params, reported = request.query_params, self.context.clock()
        services = [s for h in self._hosts(region) for s in h.services
                    if params.get("host", h.name) == h.name
                    and params.get("binary", s.binary) == s.binary]
        services.sort(key=lambda s: s.db_id)
        return {"services": [nova_views.service(s, version, reported) for s in services]}

    def _flavors(self, region: Region, version: Version, request: Request,
                 detail: bool) -> dict[str, object]:
        params = request.query_params
        flavors = sorted(self.context.cloud.flavors, key=lambda f: f.id)
        page = nova_page(flavors, lambda f: f.id, parse_limit(params.get("limit")),
                         params.get("marker"), self.context.max_limit)
        links = self._links(region)
        body: dict[str, object] = {"flavors": [nova_views.flavor(f, version, links, detail)
                                               for f in page.items]}
        collection = f"{links.versioned}/flavors" + ("/detail" if detail else "")
        body.update(nova_links(collection, params.multi_items(), page, lambda f: f.id,
                               "flavors_links"))
        return body

    def _flavor(self, region: Region, version: Version, request: Request) -> dict[str, object]:
        wanted = request.path_params["flavor_id"]
        found = next((f for f in self.context.cloud.flavors if f.id == wanted), None)
        if found is None:
            raise ServiceError(404, f"Flavor {wanted} could not be found.")
        return {"flavor": nova_views.flavor(found, version, self._links(region), True)}


    # -- server groups (nova/api/openstack/compute/server_groups.py) --------------------------

    def _server_groups(self, region: Region, version: Version,
                       request: Request) -> dict[str, object]:
        """A token's project's groups; with ``all_projects``, every project's. Paged as nova
        pages them: ``limit`` (at most its ``max_limit``) and ``offset``, no next links."""
        params = request.query_params
        project = None if flag(params, "all_projects") else token_of(request).project_id
        groups = [g for g in self.context.cloud.server_groups.values()
                  if g.region is region and project in (None, g.project.id)]
        limit = min(parse_limit(params.get("limit")) or self.context.max_limit,
                    self.context.max_limit)
        offset = parse_limit(params.get("offset")) or 0
        return {"server_groups": [nova_views.server_group(g, version)
                                  for g in groups[offset:offset + limit]]}

    def _server_group(self, region: Region, version: Version,
                      request: Request) -> dict[str, object]:
        wanted = request.path_params["group_id"]
        found = self.context.cloud.server_groups.get(wanted)
        if found is None or found.region is not region:
            raise ServiceError(404, f"Instance group {wanted} could not be found.")
        return {"server_group": nova_views.server_group(found, version)}


def _matching(hosts: list[Host], pattern: str) -> list[Host]:
    """Hypervisors whose name contains ``pattern`` (Nova's SQL ``LIKE %pattern%``); 404
    when none does."""
    found = [h for h in hosts if pattern in h.name]
    if not found:
        raise ServiceError(404, f"No hypervisor matching {pattern!r} could be found.")
    return found


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
