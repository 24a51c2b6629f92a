"""The GraphiQL page refers to same-origin copies of its CDN files, or says how to get them."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging

import pytest

from topology.api.graphiql import INSTALL_HINT, GraphiQLPage

SCRIPT = b"window.x = 1;\n"
SRI = "sha384-" + base64.b64encode(hashlib.sha384(SCRIPT).digest()).decode()


def _template(integrity: str = SRI) -> str:
    return ('<html><head><link rel="icon" href="data:image/svg+xml,x">'
            '<link rel="stylesheet" href="https://unpkg.com/@scope/style@2.0.0/dist/a.css">'
            '</head><body><div id="app">Loading...</div>'
            f'<script src="https://unpkg.com/lib@1.0.0/umd/lib.min.js"\n'
            f'  integrity="{integrity}" crossorigin></script>'
            "<script>start();</script></body></html>")


def _install(assets, package: str, version: str, files: dict[str, bytes]) -> None:
    root = assets / "node_modules" / package
    root.mkdir(parents=True)
    (root / "package.json").write_text(json.dumps({"name": package, "version": version}))
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)


@pytest.fixture
def assets(tmp_path):
    _install(tmp_path, "lib", "1.0.0", {"umd/lib.min.js": SCRIPT})
    _install(tmp_path, "@scope/style", "2.0.0", {"dist/a.css": b"body {}"})
    return tmp_path


def test_cdn_urls_become_same_origin_files(assets):
    page = GraphiQLPage(_template(), assets)
    assert page.problems == []
    assert "unpkg" not in page.html
    assert 'src="/graphql/assets/lib@1.0.0/umd/lib.min.js"' in page.html
    assert 'href="/graphql/assets/@scope/style@2.0.0/dist/a.css"' in page.html
    assert 'href="data:image/svg+xml,x"' in page.html and "start();" in page.html
    assert page.files == {
        "lib@1.0.0/umd/lib.min.js": assets / "node_modules/lib/umd/lib.min.js",
        "@scope/style@2.0.0/dist/a.css": assets / "node_modules/@scope/style/dist/a.css"}


@pytest.mark.parametrize(("change", "problem"), [
    (lambda assets: None, None),
    (lambda assets: (assets / "node_modules/lib/package.json").write_text(
        '{"version": "1.0.1"}'), "lib 1.0.1 is installed, the page needs 1.0.0"),
    (lambda assets: (assets / "node_modules/lib/umd/lib.min.js").write_bytes(b"other"),
     "lib@1.0.0/umd/lib.min.js differs from the file the page expects"),
    (lambda assets: (assets / "node_modules/lib/umd/lib.min.js").unlink(),
     "lib@1.0.0/umd/lib.min.js: no such file in the installed package"),
])
def test_a_missing_or_different_file_is_named_with_how_to_install(assets, change, problem):
    change(assets)
    page = GraphiQLPage(_template(), assets)
    if problem is None:
        assert page.problems == []
        return
    assert page.problems == [problem]
    assert problem in page.html and html.escape(INSTALL_HINT) in page.html
    assert "<script" not in page.html  # not a page that waits forever


def test_nothing_installed_is_logged_with_how_to_install(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="topology.api.graphiql"):
        page = GraphiQLPage.strawberry(tmp_path)
    assert page.problems and not page.files
    assert "graphiql is not installed" in page.html
    assert INSTALL_HINT in caplog.text and "graphiql is not installed" in caplog.text
