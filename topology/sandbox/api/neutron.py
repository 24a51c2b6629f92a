"""Neutron v2.0 of the sandbox under ``/network``: version discovery and the networks,
subnets, ports, routers, floating IPs and agents of the whole model, each as a listing
(filtered, paged with ``limit``/``marker``/``page_reverse``) and by id.

One Neutron serves every region (the model's networks span them); the admin token sees every
project's resources, as Neutron shows them to an admin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from topology.sandbox.api import neutron_filters, neutron_views
from topology.sandbox.api.context import ApiContext, encode, json_bytes
from topology.sandbox.api.errors import ServiceError
from topology.sandbox.api.neutron_filters import given
from topology.sandbox.api.paging import neutron_links, neutron_page, parse_limit
from topology.sandbox.model import Agent, Cloud, Port, Subnet

Item = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Resource:
    """One Neutron collection: its names, its model objects (``select`` may narrow them by
    the query through the model's indexes), one by id, and its rendering."""

    collection: str  # "networks"
    member: str  # "network"
    missing: str  # Neutron's exception type when an id is unknown
    select: Callable[[Cloud, QueryParams], Iterable[Any]]
    lookup: Callable[[Cloud, str], Any]
    render: Callable[[Any, Cloud, datetime], Item]


def _item_id(item: Item) -> str:
    return str(item["id"])


def _select_ports(cloud: Cloud, params: QueryParams) -> Iterable[Port]:
    """Ports, narrowed first on the model by the filters loaders use most, through its
    indexes or its plain attributes (rendering every port of 20,000 instances for each
    per-device query would be costly); the filters then apply in full to what is left."""
    ids, networks, hosts, devices, owners = (
        given(params, name) for name in ("id", "network_id", "binding:host_id", "device_id",
                                         "device_owner"))
    ports: Iterable[Port]
    if ids:
        ports = [cloud.ports[i] for i in ids if i in cloud.ports]
    elif networks:
        ports = [p for i in networks if i in cloud.networks_by_id
                 for p in cloud.networks_by_id[i].ports]
    elif hosts:
        ports = [p for h in hosts if h in cloud.hosts_by_name for p in cloud.hosts_by_name[h].ports]
    else:
        ports = cloud.ports.values()
    if devices:
        ports = [p for p in ports if p.device_id in devices]
    if owners:
        ports = [p for p in ports if p.device_owner in owners]
    return list(ports)


def _agent_by_id(cloud: Cloud, agent_id: str) -> Agent | None:
    return next((a for h in cloud.hosts for a in h.agents if a.id == agent_id), None)


def _subnets(cloud: Cloud) -> list[Subnet]:
    return [s for n in cloud.all_networks() for s in n.subnets]


RESOURCES = (
    Resource("networks", "network", "NetworkNotFound",
             lambda cloud, q: cloud.all_networks(),
             lambda cloud, i: cloud.networks_by_id.get(i),
             lambda n, cloud, now: neutron_views.network(n)),
    Resource("subnets", "subnet", "SubnetNotFound",
             lambda cloud, q: _subnets(cloud),
             lambda cloud, i: cloud.subnets.get(i),
             lambda s, cloud, now: neutron_views.subnet(s)),
    Resource("ports", "port", "PortNotFound", _select_ports,
             lambda cloud, i: cloud.ports.get(i),
             lambda p, cloud, now: neutron_views.port(p, cloud)),
    Resource("routers", "router", "RouterNotFound",
             lambda cloud, q: list(cloud.routers.values()),
             lambda cloud, i: cloud.routers.get(i),
             lambda r, cloud, now: neutron_views.router(r)),
    Resource("floatingips", "floatingip", "FloatingIPNotFound",
             lambda cloud, q: list(cloud.floating_ips.values()),
             lambda cloud, i: cloud.floating_ips.get(i),
             lambda f, cloud, now: neutron_views.floating_ip(f)),
    Resource("agents", "agent", "AgentNotFound",
             lambda cloud, q: [a for h in cloud.hosts for a in h.agents],
             _agent_by_id,
             neutron_views.agent),
)


class Neutron:
    def __init__(self, context: ApiContext) -> None:
        self.context = context

    def routes(self) -> list[BaseRoute]:
        api = "/network/v2.0"
        routes: list[BaseRoute] = [
            Route("/network", self.versions, methods=["GET"]),
            Route("/network/", self.versions, methods=["GET"]),
            Route(api, self.index, methods=["GET"]),
            Route(f"{api}/", self.index, methods=["GET"]),
        ]
        for resource in RESOURCES:
            routes.append(Route(f"{api}/{resource.collection}", self._lister(resource),
                                methods=["GET"]))
            routes.append(Route(f"{api}/{resource.collection}/{{item_id}}",
                                self._shower(resource), methods=["GET"]))
        return routes

    async def versions(self, request: Request) -> Response:
        href = f"{self.context.endpoints.network}/"
        return JSONResponse({"versions": [
            {"id": "v2.0", "links": [{"href": href, "rel": "self"}], "status": "CURRENT"}]})

    async def index(self, request: Request) -> Response:
        base = self.context.endpoints.network
        return JSONResponse({"resources": [
            {"collection": r.collection, "links": [{"href": f"{base}/{r.collection}",
                                                    "rel": "self"}], "name": r.member}
            for r in RESOURCES]})

    def _lister(self, resource: Resource) -> Callable[[Request], object]:
        async def endpoint(request: Request) -> Response:
            content = await run_in_threadpool(self._list, resource, request)
            return json_bytes(content)
        return endpoint

    def _shower(self, resource: Resource) -> Callable[[Request], object]:
        async def endpoint(request: Request) -> Response:
            content = await run_in_threadpool(self._show, resource, request)
            return json_bytes(content)
        return endpoint

    def _list(self, resource: Resource, request: Request) -> bytes:
        params = request.query_params
        limit = parse_limit(params.get("limit"))
        reverse = params.get("page_reverse", "false").lower() == "true"
        cloud = self.context.cloud
        with cloud.lock:
            now = self.context.clock()
            rendered = (resource.render(o, cloud, now) for o in resource.select(cloud, params))
            selected = neutron_filters.apply(rendered, params)
        page = neutron_page(selected, _item_id, limit, params.get("marker"), reverse)
        body: dict[str, object] = {resource.collection: neutron_filters.project(page, params)}
        links = neutron_links(f"{self.context.endpoints.network}/{resource.collection}",
                              params.multi_items(), page, _item_id, limit, reverse)
        if links:
            body[f"{resource.collection}_links"] = links
        return encode(body)

    def _show(self, resource: Resource, request: Request) -> bytes:
        wanted = request.path_params["item_id"]
        cloud = self.context.cloud
        with cloud.lock:
            found = resource.lookup(cloud, wanted)
            if found is None:
                raise ServiceError(404, f"{resource.member.capitalize()} {wanted} could not "
                                        "be found.", kind=resource.missing)
            item = resource.render(found, cloud, self.context.clock())
        return encode({resource.member: neutron_filters.project([item],
                                                                request.query_params)[0]})
