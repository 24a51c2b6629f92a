"""GraphiQL from the service itself: strawberry's page, its scripts and styles same-origin.

Strawberry's GraphiQL page loads React, GraphiQL and its explorer plugin from a CDN
(``https://unpkg.com/<package>@<version>/<path>``), so on a machine without internet it
stays at "Loading...". Here each of those URLs becomes ``/graphql/assets/<package>@<version>/
<path>``, answered from the npm packages pinned in ``graphiql_assets/package.json`` and
installed next to it by ``make setup`` (``npm ci``; not in git). A file is served only when
the installed package has the version the page names and the file has the integrity hash
the page states; otherwise the page (and the server log) says what is missing and how to
install it, instead of a GraphiQL that never loads.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

ASSETS_DIR = Path(__file__).resolve().with_name("graphiql_assets")
ROUTE = "/graphql/assets"
INSTALL_HINT = ("make setup (it runs: cd topology/api/graphiql_assets && npm ci), then "
                "restart topology serve")

_TAG = re.compile(r"<(?:script|link)\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r'\b(src|href|integrity)="([^"]*)"')
_CDN_URL = re.compile(r"^https://unpkg\.com/(?P<package>(?:@[^/@]+/)?[^/@]+)@"
                      r"(?P<version>[^/]+)/(?P<path>[^?#]+)$")


@dataclass(frozen=True)
class _Found:
    """A file the page refers to, once it is looked for among the installed packages."""

    ref: str  # "<package>@<version>/<path>", the URL's part after ROUTE
    file: Path | None  # None when it cannot be served; `problem` says why
    problem: str = ""


def _locate(url: str, integrity: str | None, assets_dir: Path) -> _Found:
    match = _CDN_URL.match(url)
    if match is None:
        return _Found(url, None, f"{url}: not a CDN file this server knows how to serve")
    package, version, path = match["package"], match["version"], match["path"]
    ref = f"{package}@{version}/{path}"
    root = assets_dir / "node_modules" / package
    try:
        installed = json.loads((root / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return _Found(ref, None, f"{package} is not installed")
    if installed != version:
        return _Found(ref, None, f"{package} {installed} is installed, the page needs "
                                 f"{version}")
    file = (root / path).resolve()
    if not file.is_relative_to(root.resolve()) or not file.is_file():
        return _Found(ref, None, f"{ref}: no such file in the installed package")
    if integrity:
        algorithm, _, expected = integrity.partition("-")
        digest = hashlib.new(algorithm, file.read_bytes()).digest()
        if base64.b64encode(digest).decode() != expected:
            return _Found(ref, None, f"{ref} differs from the file the page expects")
    return _Found(ref, file)


class GraphiQLPage:
    """The GraphiQL page of this server and the files it refers to."""

    def __init__(self, template: str, assets_dir: Path = ASSETS_DIR) -> None:
        self.files: dict[str, Path] = {}  # ref -> installed file
        self.problems: list[str] = []

        def same_origin(tag: re.Match[str]) -> str:
            attributes = dict(_ATTRIBUTE.findall(tag[0]))
            url = attributes.get("src") or attributes.get("href") or ""
            if not url.startswith(("http://", "https://", "//")):
                return tag[0]  # inline, data: or already ours
            found = _locate(url, attributes.get("integrity"), assets_dir)
            if found.file is None:
                self.problems.append(found.problem)
                return tag[0]
            self.files[found.ref] = found.file
            return tag[0].replace(f'"{url}"', f'"{ROUTE}/{found.ref}"')

        rewritten = _TAG.sub(same_origin, template)
        self.html = _missing_page(self.problems) if self.problems else rewritten

    @classmethod
    def strawberry(cls, assets_dir: Path = ASSETS_DIR) -> GraphiQLPage:
        """Strawberry's GraphiQL page, made same-origin; logs what is missing, if any."""
        from strawberry.http.ides import get_graphql_ide_html

        page = cls(get_graphql_ide_html("graphiql"), assets_dir)
        if page.problems:
            log.warning("GraphiQL (GET /graphql in a browser) cannot load: %s. Install its "
                        "files with %s", "; ".join(page.problems), INSTALL_HINT)
        return page


def _missing_page(problems: list[str]) -> str:
    items = "".join(f"<li>{html.escape(p)}</li>" for p in problems)
    return ("<!doctype html>\n<html><head><title>GraphiQL is not installed</title></head>"
            "<body style=\"font-family: sans-serif; margin: 2em\">"
            "<h1>GraphiQL is not installed on this server</h1>"
            "<p>This server serves GraphiQL's scripts and styles itself (no CDN), and "
            f"some are missing:</p><ul>{items}</ul>"
            f"<p>Install them with <code>{html.escape(INSTALL_HINT)}</code>.</p>"
            "<p>The API itself works without them: <code>POST /graphql</code> with "
            "<code>Authorization: Bearer &lt;token&gt;</code>.</p></body></html>\n")
