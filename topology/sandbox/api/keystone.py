"""Keystone v3 of the sandbox: version discovery, password tokens (project-scoped by name or
id, or unscoped), token validation, projects and regions.

One user, ``admin``, with the password the sandbox was given, holds the admin, member and
reader roles on every project. A wrong password, an unknown user or project is a 401 as
Keystone answers it; tokens carry the catalog of :mod:`topology.sandbox.api.catalog`.
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from topology.sandbox.api.catalog import catalog
from topology.sandbox.api.context import ApiContext, encode, json_bytes
from topology.sandbox.api.errors import UNAUTHENTICATED, ServiceError
from topology.sandbox.api.identity import DOMAIN_ID, DOMAIN_NAME, find_project, user_matches
from topology.sandbox.api.timefmt import micro_z
from topology.sandbox.api.tokens import Token
from topology.sandbox.model import Project

API_VERSION = "v3.14"  # Keystone Zed's
VERSION_UPDATED = "2020-04-07T00:00:00Z"


class Keystone:
    def __init__(self, context: ApiContext) -> None:
        self.context = context

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/", self.versions, methods=["GET"]),
            Route("/v3", self.version, methods=["GET"]),
            Route("/v3/", self.version, methods=["GET"]),
            Route("/v3/auth/tokens", self.create_token, methods=["POST"]),
            Route("/v3/auth/tokens", self.show_token, methods=["GET", "HEAD"]),
            Route("/v3/auth/projects", self.projects, methods=["GET"]),
            Route("/v3/projects", self.projects, methods=["GET"]),
            Route("/v3/projects/{project_id}", self.project, methods=["GET"]),
            Route("/v3/regions", self.regions, methods=["GET"]),
            Route("/v3/regions/{region_id}", self.region, methods=["GET"]),
        ]

    # -- discovery ---------------------------------------------------------------------------

    def _version(self) -> dict[str, Any]:
        return {
            "id": API_VERSION, "status": "stable", "updated": VERSION_UPDATED,
            "links": [{"rel": "self", "href": f"{self.context.endpoints.identity}/"}],
            "media-types": [{"base": "application/json",
                             "type": "application/vnd.openstack.identity-v3+json"}],
        }

    async def versions(self, request: Request) -> Response:
        return JSONResponse({"versions": {"values": [self._version()]}}, status_code=300)

    async def version(self, request: Request) -> Response:
        return JSONResponse({"version": self._version()})

    # -- tokens ------------------------------------------------------------------------------

    async def create_token(self, request: Request) -> Response:
        try:
            body = await request.json()
            auth = body["auth"]
            identity = auth["identity"]
            methods = tuple(identity["methods"])
        except (ValueError, KeyError, TypeError):
            raise ServiceError(400, "Expecting to find auth.identity.methods in the request "
                                    "body.") from None
        project_id = await run_in_threadpool(self._authenticate, identity, methods,
                                             auth.get("scope"))
        text, token = self.context.issuer.issue(self.context.identity.user_id, project_id,
                                                self.context.clock(), methods)
        catalog_too = "nocatalog" not in request.query_params
        content = await run_in_threadpool(self._token_json, token, catalog_too)
        return json_bytes(content, 201, {"X-Subject-Token": text})

    def _authenticate(self, identity: dict[str, Any], methods: tuple[str, ...],
                      scope: object) -> str | None:
        """The project the new token is for (None: unscoped); 401 when the password, the user
        or the scope is wrong."""
        context = self.context
        if "password" in methods:
            user = identity.get("password", {}).get("user", {})
            if not (isinstance(user, dict)
                    and user_matches(user, context.identity.user_id)
                    and hmac.compare_digest(str(user.get("password", "")), context.password)):
                raise ServiceError(401, UNAUTHENTICATED)
        elif "token" in methods:
            old = context.issuer.check(identity.get("token", {}).get("id"), context.clock())
            if old is None:
                raise ServiceError(401, UNAUTHENTICATED)
        else:
            raise ServiceError(401, "The sandbox knows the password and token methods only.")
        if scope is None or scope == "unscoped":
            return None
        if not isinstance(scope, dict) or not isinstance(scope.get("project"), dict):
            raise ServiceError(401, "The sandbox scopes tokens to projects only.")
        with context.cloud.lock:
            project = find_project(context.cloud, scope["project"])
            if project is None:
                raise ServiceError(401, UNAUTHENTICATED)
            return project.id

    def _token_json(self, token: Token, with_catalog: bool) -> bytes:
        context = self.context
        body: dict[str, Any] = {
            "methods": list(token.methods),
            "user": context.identity.user(),
            "audit_ids": [token.audit_id],
            "expires_at": micro_z(token.expires_at),
            "issued_at": micro_z(token.issued_at),
        }
        if token.project_id is not None:
            with context.cloud.lock:
                project = next((p for p in context.cloud.all_projects
                                if p.id == token.project_id), None)
                if project is None:  # gone since the token was issued
                    raise ServiceError(404, f"Could not find project: {token.project_id}.")
                body.update({
                    "project": {"domain": {"id": DOMAIN_ID, "name": DOMAIN_NAME},
                                "id": project.id, "name": project.name},
                    "is_domain": False,
                    "roles": context.identity.role_list(),
                })
                if with_catalog:
                    body["catalog"] = catalog(context.cloud, context.endpoints)
        return encode({"token": body})

    async def show_token(self, request: Request) -> Response:
        subject = self.context.issuer.check(request.headers.get("x-subject-token"),
                                            self.context.clock())
        if subject is None:
            raise ServiceError(404, "Could not find the token named by X-Subject-Token.")
        content = await run_in_threadpool(self._token_json, subject,
                                          "nocatalog" not in request.query_params)
        headers = {"X-Subject-Token": request.headers["x-subject-token"]}
        if request.method == "HEAD":
            return Response(status_code=200, headers=headers)
        return json_bytes(content, 200, headers)

    # -- projects and regions ----------------------------------------------------------------

    def _project(self, project: Project) -> dict[str, Any]:
        return {
            "description": project.description, "domain_id": DOMAIN_ID, "enabled": True,
            "id": project.id, "is_domain": False,
            "links": {"self": f"{self.context.endpoints.identity}/projects/{project.id}"},
            "name": project.name, "options": {}, "parent_id": DOMAIN_ID, "tags": [],
        }

    def _collection_links(self, request: Request, collection: str) -> dict[str, Any]:
        query = f"?{request.url.query}" if request.url.query else ""
        return {"next": None, "previous": None,
                "self": f"{self.context.endpoints.identity}/{collection}{query}"}

    async def projects(self, request: Request) -> Response:
        name = request.query_params.get("name")
        domain = request.query_params.get("domain_id", DOMAIN_ID)

        def render() -> bytes:
            with self.context.cloud.lock:
                found = [self._project(p) for p in self.context.cloud.all_projects
                         if (name is None or p.name == name) and domain == DOMAIN_ID]
            return encode({"links": self._collection_links(request, "projects"),
                           "projects": found})

        return json_bytes(await run_in_threadpool(render))

    async def project(self, request: Request) -> Response:
        project_id = request.path_params["project_id"]

        def render() -> bytes:
            with self.context.cloud.lock:
                project = next((p for p in self.context.cloud.all_projects
                                if p.id == project_id), None)
                if project is None:
                    raise ServiceError(404, f"Could not find project: {project_id}.")
                return encode({"project": self._project(project)})

        return json_bytes(await run_in_threadpool(render))

    def _region(self, name: str) -> dict[str, Any]:
        return {"description": "", "id": name,
                "links": {"self": f"{self.context.endpoints.identity}/regions/{name}"},
                "parent_region_id": None}

    async def regions(self, request: Request) -> Response:
        names = [region.name for region in self.context.cloud.regions]
        return JSONResponse({"links": self._collection_links(request, "regions"),
                             "regions": [self._region(name) for name in names]})

    async def region(self, request: Request) -> Response:
        name = request.path_params["region_id"]
        if name not in {region.name for region in self.context.cloud.regions}:
            raise ServiceError(404, f"Could not find region: {name}.")
        return JSONResponse({"region": self._region(name)})
