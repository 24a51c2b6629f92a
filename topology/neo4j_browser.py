"""Neo4j Browser on our graph: the style sheet (``cypher/browser-style.grass``) and the
saved example queries (``cypher/examples/``).

The style is rendered from the type catalogue, so every object label has a colour and a
caption; ``tests/unit/test_neo4j_browser_style.py`` checks the committed file equals
:func:`render_style` (regenerate it with ``topology browser-files``). The local Neo4j
serves the file and tells Browser to load it on connect (:mod:`topology.neo4j_local.launch`).

Browser 5.24's grass, as its source reads it (``tests/support/grass.py`` reads it the
same way): one rule per selector (``node``, ``node.Label``, ``relationship``,
``relationship.TYPE``); every rule that matches an element applies, later rules over
earlier ones (so general rules come first); a caption is a template where ``{property}``
is replaced by the property's value (nothing when absent) and ``<id>`` / ``<type>`` stand
alone; a value may not contain ``:`` or ``;``. Rules match labels only, not property
values, so a status cannot pick a colour: it is in the caption.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from topology import catalogue
from topology.store.queries import cypher_dir, query

if TYPE_CHECKING:
    from topology.cliques.service import CliqueService

STYLE_NAME = "browser-style.grass"
EXAMPLES = "examples"
CLIQUE_EXAMPLE = "instance-clique.cypher"
DEMO_ENVIRONMENT = "demo"

OBJECT_CAPTION = "{name} {status}"
"""Objects: their name and their status (Sensu's OK/Warning/Error; OpenStack's own, e.g.
ACTIVE, on the Neutron objects no check has reported on yet)."""
LINK_CAPTION = "{link_type} {status}"


def style_path() -> str:
    return str(cypher_dir() / STYLE_NAME)


def examples_dir() -> str:
    return str(cypher_dir() / EXAMPLES)


def style_text() -> str:
    """The style Browser gets: ``cypher/browser-style.grass`` (a local edit included), or
    the rendered one when the file is not there."""
    try:
        with open(style_path(), encoding="utf-8") as file:
            return file.read()
    except FileNotFoundError:
        return render_style()


@dataclass(frozen=True)
class NodeStyle:
    color: str
    caption: str = OBJECT_CAPTION
    diameter: int = 55
    font_size: int = 9


# Object types on the traffic paths are large and strongly coloured; the inventory around
# them is smaller and muted; folders are small and grey. Every object type that is not a
# folder needs an entry: a new type without one fails render_style() (and its test).
_TYPE_STYLES: dict[str, NodeStyle] = {
    "instance": NodeStyle("#F79767", diameter=65),
    "vnic": NodeStyle("#57C7E3"),
    "vconnector": NodeStyle("#8DCC93"),
    "vedge": NodeStyle("#4C8EDA", diameter=65),
    "otep": NodeStyle("#C990C0"),
    "host_pnic": NodeStyle("#FFC454", diameter=60),
    "network": NodeStyle("#DA7194", diameter=65),
    "vservice": NodeStyle("#569480"),
    "switch_pnic": NodeStyle("#D9C8AE"),
    "switch": NodeStyle("#8C6D31", diameter=65),
    "server_group": NodeStyle("#ECB5C9"),
    "region": NodeStyle("#6C7A89", diameter=60),
    "availability_zone": NodeStyle("#7F8C8D"),
    "aggregate": NodeStyle("#95A5A6"),
    "host_ref": NodeStyle("#B2BABB", diameter=40),
    "host": NodeStyle("#34495E", diameter=70),
    "project": NodeStyle("#A569BD"),
    "port": NodeStyle("#AED6F1", diameter=40),
    "agent": NodeStyle("#A3E4D7", diameter=45),
    "network_agent": NodeStyle("#A3E4D7", diameter=45),
    "namespace": NodeStyle("#F5CBA7"),
}
FOLDER_STYLE = NodeStyle("#D5D8DC", caption="{name}", diameter=35, font_size=8)
OBJECT_STYLE = NodeStyle("#A5ABB6")
# Labels that are not object types: the environment root, clique definitions and the
# service's bookkeeping nodes.
_OTHER_STYLES: dict[str, NodeStyle] = {
    catalogue.ENVIRONMENT_LABEL: NodeStyle("#2A2C34", caption="{name}", diameter=80,
                                           font_size=10),
    "CliqueType": NodeStyle("#FAD7A0", caption="{name} {focal_point_type}"),
    "CliqueConstraint": NodeStyle("#FAD7A0", caption="{focal_point_type}"),
    "Tombstone": NodeStyle("#EAEDED", caption="{id}", diameter=30, font_size=7),
    "LinkTombstone": NodeStyle("#EAEDED", caption="{source_id}", diameter=30, font_size=7),
    "StatusChange": NodeStyle("#EAEDED", caption="{status}", diameter=30, font_size=7),
    "Scan": NodeStyle("#EAEDED", caption="{kind} {status}", diameter=35, font_size=7),
    "ScanSchedule": NodeStyle("#EAEDED", caption="{kind}", diameter=35, font_size=7),
    "Listener": NodeStyle("#EAEDED", caption="{environment}", diameter=35, font_size=7),
    "TopologyChange": NodeStyle("#EAEDED", caption="{source}", diameter=35, font_size=7),
}
LINK_COLOR = "#A5ABB6"
CONTAINS_COLOR = "#D5D8DC"
_HEX = re.compile(r"^#[0-9A-F]{6}$")


class StyleError(ValueError):
    """The style table and the catalogue disagree (a type without a style, say)."""


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _border(color: str) -> str:
    """A darker shade of the fill, for the node's border."""
    return "#" + "".join(f"{int(c * 0.75):02X}" for c in _rgb(color))


def _text_color(color: str) -> str:
    """Dark text on light fills, white on dark ones (relative luminance, roughly)."""
    r, g, b = _rgb(color)
    return "#2A2C34" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#FFFFFF"


def _rule(selector: str, props: dict[str, str]) -> str:
    for value in props.values():
        if ":" in value or ";" in value:  # Browser's grass parser splits on both
            raise StyleError(f"{selector}: a grass value cannot hold ':' or ';': {value!r}")
    body = "".join(f"  {key}: {value};\n" for key, value in props.items())
    return f"{selector} {{\n{body}}}\n"


def _node_rule(label: str | None, style: NodeStyle) -> str:
    if not _HEX.match(style.color):
        raise StyleError(f"{label}: colour {style.color!r} is not #RRGGBB")
    return _rule("node" + (f".{label}" if label else ""), {
        "diameter": f"{style.diameter}px",
        "color": style.color,
        "border-color": _border(style.color),
        "border-width": "2px",
        "text-color-internal": _text_color(style.color),
        "font-size": f"{style.font_size}px",
        "caption": f"'{style.caption}'",
    })


def label_styles() -> dict[str, NodeStyle]:
    """Every node label Topology writes, in the order their rules apply, with its style."""
    styles = {catalogue.OBJECT_LABEL: OBJECT_STYLE, catalogue.FOLDER_LABEL: FOLDER_STYLE}
    missing = [t.name for t in catalogue.object_types()
               if not t.folder and t.name not in _TYPE_STYLES]
    if missing:
        raise StyleError(f"object types without a Neo4j Browser style: {', '.join(missing)}; "
                         "add them to _TYPE_STYLES in topology/neo4j_browser.py")
    stale = sorted(set(_TYPE_STYLES) - {t.name for t in catalogue.object_types()})
    if stale:
        raise StyleError(f"styles for object types the catalogue lacks: {', '.join(stale)}")
    for object_type in catalogue.object_types():
        styles[object_type.label] = (FOLDER_STYLE if object_type.folder
                                     else _TYPE_STYLES[object_type.name])
    styles.update(_OTHER_STYLES)
    return styles


def render_style() -> str:
    """The grass text of ``cypher/browser-style.grass``."""
    # No comment in the file: Browser's parser would read it as part of a selector.
    parts = []
    # The bare `node` rule first: Browser applies every matching rule in order.
    parts.append(_node_rule(None, OBJECT_STYLE))
    parts += [_node_rule(label, style) for label, style in label_styles().items()]
    link = {"color": LINK_COLOR, "shaft-width": "2px", "font-size": "8px", "padding": "3px",
            "text-color-external": "#2A2C34", "text-color-internal": "#FFFFFF"}
    parts.append(_rule("relationship", {**link, "caption": f"'{LINK_CAPTION}'"}))
    parts.append(_rule(f"relationship.{catalogue.CONTAINS}",
                       {**link, "color": CONTAINS_COLOR, "shaft-width": "1px",
                        "caption": "'<type>'"}))
    return "\n".join(parts)


# -- the saved queries ---------------------------------------------------------------------

def clique_example(service: CliqueService, environment: str,
                   shown_as: str = DEMO_ENVIRONMENT) -> str:
    """``cypher/examples/instance-clique.cypher``: the compiled path form of the instance
    clique query (what ``topology clique --explain`` prints) for the first instance by name
    of ``environment``, its parameters written in as literals (the environment as
    ``shown_as``), so that it runs in Browser as it is."""
    rows = service.store.read(query("browser_example_instance"), environment=environment)
    if not rows:
        raise LookupError(f"no instance in environment {environment!r}: import the demo "
                          f"first (`topology demo --environment {environment}`)")
    focal_point, name = rows[0]["id"], rows[0]["name"]
    clique_type = service.clique_type_for(environment, focal_point_type="instance")
    text = service.compiled(environment, clique_type, output="graph", form="paths")
    # The clique type's id is the import's that wrote the definitions last (an export's
    # clique_types carry their own ids): left out, so the file is the same on any demo.
    text = text.replace(f" ({clique_type.id})", "", 1)
    from topology.cliques.service import cypher_string

    text = re.sub(r"\$environment\b", cypher_string(shown_as), text)
    text = re.sub(r"\$focal_point\b", cypher_string(focal_point), text)
    if "$" in text:
        raise ValueError(f"the clique query has parameters besides environment and "
                         f"focal_point: {sorted(set(re.findall(r'[$][a-z_]+', text)))}")
    header = (
        f"// An instance's clique: everything its traffic goes through (vNIC, bridges, vEdge,\n"
        f"// tunnel endpoint, physical NICs, networks), drawn as paths. This is the query\n"
        f"// Topology's clique compiler writes for it (the path form, topology/cliques/paths.py),\n"
        f"// for instance {name} of the {shown_as} environment (`topology demo`), its parameters\n"
        f"// written in. Another instance: `topology clique -e {shown_as} -f <id> --explain`.\n"
        f"// Generated by `topology browser-files`, and a test checks it is what the\n"
        f"// compiler writes now.\n"
    )
    return header + text + ";\n"
