"""The sandbox's control endpoint: its status, faults switched on and off at run time, the
churn paused and resumed, and the cloud's Calipso view written out as it is now.

Mounted at ``/control`` on the sandbox's HTTP server, behind a bearer token kept in the
sandbox's secrets file (``topology sandbox status`` and ``fault`` read it there).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from topology.sandbox.faults import CHECK_STATUSES, SSH_FAULTS, Faults

StatusSource = Callable[[], dict[str, Any]]
# (True: pause, False: resume, None: leave) -> the churn's figures; ValueError: no churn
ChurnSwitch = Callable[[bool | None], dict[str, Any]]
Exporter = Callable[[], dict[str, Any]]  # writes the Calipso view, says where


def _authorised(request: Request, token: str) -> bool:
    given = request.headers.get("authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def apply_faults(faults: Faults, change: dict[str, Any]) -> None:
    """Apply a fault change: ``clear``, ``api_delay`` (seconds), ``api_error`` (bool),
    ``database_down`` (bool), ``ssh`` ({host: "refuse" | "hang" | null}), ``checks``
    ({check name: "ok" | "warning" | "critical" | null}). Raises ValueError naming what is
    wrong, before changing anything."""
    unknown = set(change) - {"clear", "api_delay", "api_error", "database_down", "ssh",
                             "checks"}
    if unknown:
        raise ValueError(f"unknown fault(s): {', '.join(sorted(unknown))}")
    delay = change.get("api_delay")
    if delay is not None and (not isinstance(delay, int | float) or isinstance(delay, bool)
                              or not 0 <= delay <= 600):
        raise ValueError("api_delay must be a number of seconds from 0 to 600")
    for name in ("api_error", "database_down", "clear"):
        if name in change and not isinstance(change[name], bool):
            raise ValueError(f"{name} must be true or false")
    ssh = change.get("ssh", {})
    if not isinstance(ssh, dict) or any(value is not None and value not in SSH_FAULTS
                                        for value in ssh.values()):
        raise ValueError(f"ssh must map host names to one of {', '.join(SSH_FAULTS)} or null")
    checks = change.get("checks", {})
    if not isinstance(checks, dict) or any(value is not None and value not in CHECK_STATUSES
                                           for value in checks.values()):
        raise ValueError("checks must map check names to one of "
                         f"{', '.join(CHECK_STATUSES)} or null")
    if change.get("clear"):
        faults.clear()
    if delay is not None:
        faults.api_delay = float(delay)
    if "api_error" in change:
        faults.api_error = change["api_error"]
    if "database_down" in change:
        faults.database_down = change["database_down"]
    for host, fault in ssh.items():
        faults.set_ssh(str(host), fault)
    for name, status in checks.items():
        faults.set_check(str(name), None if status is None else CHECK_STATUSES[status])


def create_control_app(faults: Faults, status: StatusSource, token: str,
                       on_faults: Callable[[], None] | None = None, *,
                       churn: ChurnSwitch | None = None,
                       export: Exporter | None = None) -> Starlette:
    """``GET /status`` and ``GET|POST /faults``; ``on_faults`` runs after each change (the
    database follows ``database_down`` there) and refuses one with ValueError.
    ``GET|POST /churn`` (``{"paused": true|false}``) pauses or resumes the churn;
    ``POST /export`` writes the cloud's Calipso view as it is now."""

    async def get_status(request: Request) -> JSONResponse:
        if not _authorised(request, token):
            return JSONResponse({"error": "a valid control token is required"}, 401)
        return JSONResponse({**status(), "faults": faults.as_dict()})

    async def faults_endpoint(request: Request) -> JSONResponse:
        if not _authorised(request, token):
            return JSONResponse({"error": "a valid control token is required"}, 401)
        if request.method == "POST":
            try:
                change = json.loads(await request.body())
                if not isinstance(change, dict):
                    raise ValueError("the body must be a JSON object")
                apply_faults(faults, change)
                if on_faults is not None:
                    on_faults()
            except ValueError as exc:  # json.JSONDecodeError is a ValueError
                return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse(faults.as_dict())

    async def churn_endpoint(request: Request) -> JSONResponse:
        if not _authorised(request, token):
            return JSONResponse({"error": "a valid control token is required"}, 401)
        paused = None
        if request.method == "POST":
            try:
                change = json.loads(await request.body())
            except ValueError:
                change = None
            if not isinstance(change, dict) or set(change) != {"paused"} \
                    or not isinstance(change["paused"], bool):
                return JSONResponse({"error": 'the body must be {"paused": true|false}'}, 400)
            paused = change["paused"]
        try:
            if churn is None:
                raise ValueError("this sandbox runs without churn")
            return JSONResponse(await run_in_threadpool(churn, paused))
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, 409)

    async def export_endpoint(request: Request) -> JSONResponse:
        if not _authorised(request, token):
            return JSONResponse({"error": "a valid control token is required"}, 401)
        if export is None:
            return JSONResponse({"error": "this sandbox cannot export its cloud"}, 409)
        return JSONResponse(await run_in_threadpool(export))

    return Starlette(routes=[Route("/status", get_status),
                             Route("/faults", faults_endpoint, methods=["GET", "POST"]),
                             Route("/churn", churn_endpoint, methods=["GET", "POST"]),
                             Route("/export", export_endpoint, methods=["POST"])])
