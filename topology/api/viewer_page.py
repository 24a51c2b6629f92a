"""The viewer: one page at ``/`` and its scripts and styles at ``/viewer/<file>``.

Plain HTML, CSS and JavaScript modules of our own in ``topology/api/viewer/`` (no
framework, no build step), served as they are, without a token: they carry no data. The
page asks for the token once, keeps it in the tab's ``sessionStorage`` and sends it with
every request to ``/graphql`` (and in the websocket's ``connection_init``).

Every response carries a Content-Security-Policy that allows only this origin: scripts and
styles from its own files (no inline code), requests and websockets to itself.
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

VIEWER_DIR = Path(__file__).resolve().with_name("viewer")
ROUTE = "/viewer"
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
# A Host header as browsers send it: a name or an address, and a port.
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


def content_security_policy(host: str | None) -> str:
    """Only this origin: own files, no inline script or style, no frames; requests and
    websockets to the same host (named explicitly for ws: and wss:, which older browsers
    do not count as 'self')."""
    connect = "'self'"
    if host and _HOST.match(host):
        connect += f" ws://{host} wss://{host}"
    return ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src {connect}; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'")


def _headers(request: Request) -> dict[str, str]:
    return {"Content-Security-Policy": content_security_policy(request.headers.get("host")),
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            # Small files that change with the service: always revalidated (ETag).
            "Cache-Control": "no-cache"}


def viewer_files(folder: Path = VIEWER_DIR) -> dict[str, Path]:
    """The files the viewer serves: by name, only those at the top of its folder."""
    if not folder.is_dir():
        return {}
    return {path.name: path for path in sorted(folder.iterdir())
            if path.is_file() and path.suffix in _TYPES}


def viewer_routes(folder: Path = VIEWER_DIR) -> list[Route]:
    files = viewer_files(folder)

    def serve(name: str, request: Request) -> Response:
        path = files.get(name)
        if path is None:
            return PlainTextResponse("not found", status_code=404,
                                     headers=_headers(request))
        return FileResponse(path, media_type=_TYPES[path.suffix], headers=_headers(request))

    async def page(request: Request) -> Response:
        return serve("index.html", request)

    async def asset(request: Request) -> Response:
        return serve(request.path_params["name"], request)

    return [Route("/", page, methods=["GET", "HEAD"]),
            Route(ROUTE + "/{name}", asset, methods=["GET", "HEAD"])]
