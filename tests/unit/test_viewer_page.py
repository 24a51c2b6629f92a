"""The viewer's routes: its files as they are, a same-origin Content-Security-Policy, and
nothing else from its folder; every file the page loads is packaged."""

from __future__ import annotations

import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

from starlette.applications import Starlette
from starlette.testclient import TestClient

from topology.api.viewer_page import VIEWER_DIR, content_security_policy, viewer_routes

ROOT = Path(__file__).resolve().parents[2]


def client(folder: Path = VIEWER_DIR) -> TestClient:
    return TestClient(Starlette(routes=viewer_routes(folder)))


def test_the_page_and_its_modules_are_served_with_the_policy():
    with client() as http:
        page = http.get("/", headers={"Host": "topology.example:8080"})
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        policy = page.headers["content-security-policy"]
        assert policy == content_security_policy("topology.example:8080")
        assert page.headers["x-content-type-options"] == "nosniff"
        # The page's own files, and every module they import, are served.
        wanted = set(re.findall(r'(?:src|href)="/viewer/([^"]+)"', page.text))
        for script in VIEWER_DIR.glob("*.js"):
            wanted |= set(re.findall(r'from "\./([^"]+)"', script.read_text()))
        assert {"main.js", "viewer.css", "layout.js", "graph.js"} <= wanted
        for name in sorted(wanted):
            answer = http.get(f"/viewer/{name}")
            assert answer.status_code == 200, name
            kind = "text/css" if name.endswith(".css") else "text/javascript"
            assert answer.headers["content-type"].startswith(kind), name


def test_the_policy_allows_this_origin_only():
    policy = content_security_policy("127.0.0.1:8080")
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self' ws://127.0.0.1:8080 wss://127.0.0.1:8080"
    assert directives["frame-ancestors"] == "'none'"
    # A Host header that is not a host cannot add anything to the policy.
    for host in ("evil.example; script-src *", "a b", "", None, "x:1/y"):
        assert "connect-src 'self';" in content_security_policy(host)
    assert "ws://[::1]:80 " in content_security_policy("[::1]:80")


def test_only_the_folders_own_files_are_served(tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><p>hi</p>")
    (tmp_path / "a.js").write_text("export const a = 1;")
    (tmp_path / "notes.txt").write_text("not served")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.js").write_text("export const b = 2;")
    with client(tmp_path) as http:
        assert http.get("/").text == "<!doctype html><p>hi</p>"
        assert http.get("/viewer/a.js").status_code == 200
        for path in ("/viewer/notes.txt", "/viewer/sub/b.js", "/viewer/..%2Fa.js",
                     "/viewer/index", "/viewer/"):
            answer = http.get(path)
            assert answer.status_code == 404, path
    with client(tmp_path / "nowhere") as http:
        assert http.get("/").status_code == 404


def test_an_installed_package_carries_every_file_of_the_viewer():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["topology.api"]
    for path in VIEWER_DIR.iterdir():
        relative = f"viewer/{path.name}"
        assert any(fnmatch(relative, pattern) for pattern in patterns), relative
