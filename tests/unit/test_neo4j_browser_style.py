"""Neo4j Browser's style sheet: generated from the catalogue, every label styled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.grass import parse_grass
from topology import catalogue, neo4j_browser
from topology.catalogue import ObjectType
from topology.neo4j_browser import StyleError, render_style

STYLE_FILE = Path(neo4j_browser.style_path())


def test_committed_style_is_the_rendered_one() -> None:
    assert STYLE_FILE.read_text(encoding="utf-8") == render_style(), (
        "cypher/browser-style.grass is out of date: run `topology browser-files --style-only`")


def test_every_catalogue_label_has_a_colour_and_a_caption() -> None:
    rules = parse_grass(STYLE_FILE.read_text(encoding="utf-8"))
    for label in sorted(catalogue.all_labels()):
        rule = rules.get(f"node.{label}")
        assert rule is not None, f":{label} has no rule in {STYLE_FILE}"
        assert rule["color"].startswith("#") and rule["caption"], label
    for object_type in catalogue.object_types():
        caption = rules[f"node.{object_type.label}"]["caption"]
        assert caption == ("{name}" if object_type.folder else "{name} {status}")
    assert rules["relationship"]["caption"] == "{link_type} {status}"
    assert rules["relationship.CONTAINS"]["caption"] == "<type>"


def test_every_label_the_queries_write_has_a_rule() -> None:
    """Bookkeeping labels too (scans, tombstones, the journal, ...): whatever a named query
    creates or merges."""
    rules = parse_grass(STYLE_FILE.read_text(encoding="utf-8"))
    cypher = STYLE_FILE.parent
    texts = [path.read_text(encoding="utf-8") for path in sorted(cypher.rglob("*.cypher"))]
    written = {label for text in texts for label in
               re.findall(r"(?:CREATE|MERGE)\s*\(\w*((?::\w+)+)", text)}
    labels = {name for group in written for name in group.split(":") if name}
    assert labels, "no label found: the pattern is wrong"
    missing = sorted(label for label in labels if f"node.{label}" not in rules)
    assert not missing, f"labels without a Neo4j Browser style: {missing}"


def test_general_rules_come_first() -> None:
    """Browser applies every matching rule in file order, later over earlier."""
    selectors = list(parse_grass(render_style()))
    assert selectors[:3] == ["node", "node.Object", "node.Folder"]
    assert selectors.index("relationship") < selectors.index("relationship.CONTAINS")


def test_browser_reads_back_every_value_as_written() -> None:
    """No value is cut by Browser's parser (it splits declarations on ':' and ';')."""
    text = render_style()
    for selector, props in parse_grass(text).items():
        for name, value in props.items():
            written = f"'{value}'" if name == "caption" else value
            assert f"  {name}: {written};\n" in text, (selector, name)


def test_a_new_object_type_without_a_style_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    new = (*catalogue.object_types(), ObjectType("gizmo", "A new kind.", linkable=True))
    monkeypatch.setattr(catalogue, "object_types", lambda: new)
    with pytest.raises(StyleError, match="gizmo"):
        render_style()


def test_a_new_folder_type_gets_the_folder_style(monkeypatch: pytest.MonkeyPatch) -> None:
    new = (*catalogue.object_types(), ObjectType("gizmos_folder", "Folder.", folder=True))
    monkeypatch.setattr(catalogue, "object_types", lambda: new)
    assert parse_grass(render_style())["node.GizmosFolder"]["caption"] == "{name}"


def test_browser_files_style_only_writes_the_rendered_style(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from topology.cli import main

    monkeypatch.setenv("TOPOLOGY_CYPHER_DIR", str(tmp_path))
    monkeypatch.delenv("TOPOLOGY_CONFIG", raising=False)
    assert main(["browser-files", "--style-only"]) == 0
    assert (tmp_path / "browser-style.grass").read_text(encoding="utf-8") == render_style()
    assert f"wrote {tmp_path / 'browser-style.grass'}" in capsys.readouterr().out
