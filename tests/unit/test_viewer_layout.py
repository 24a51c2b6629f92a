"""The viewer's layout rules (``topology/api/viewer/layout.js``), run under node: stage
columns, status classes, collapsed columns. Skipped loudly without node (``make setup``
installs it with npm for GraphiQL's files); failed under CI."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support import daemons

LAYOUT = Path(__file__).resolve().parents[2] / "topology" / "api" / "viewer" / "layout.js"

INSTANCE_TYPES = ["instance-vnic", "vnic-vconnector", "vconnector-vedge", "vedge-otep",
                  "otep-vconnector", "vconnector-host_pnic", "host_pnic-network"]


def run(script: str) -> Any:
    """``script`` as an ES module under node, with layout.js's exports in scope; its
    ``out`` printed as JSON."""
    node = shutil.which("node")
    if node is None:
        reason = "node is not installed (make setup installs nodejs and npm)"
        if daemons.under_ci():
            pytest.fail(f"{reason}: under CI=true this is a failure", pytrace=False)
        daemons.SKIPPED_PACKAGES.add("nodejs")
        pytest.skip(reason)
    source = (f"import * as L from {json.dumps(LAYOUT.as_uri())};\n{script}\n"
              "process.stdout.write(JSON.stringify(out));\n")
    done = subprocess.run([node, "--input-type=module", "-e", source], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def node(id_: str, type_: str, name: str | None = None) -> dict[str, Any]:
    return {"id": id_, "type": type_, "name": name or id_}


def link(source: str, target: str, link_type: str) -> dict[str, Any]:
    return {"sourceId": source, "targetId": target, "linkType": link_type}


def test_status_classes_come_from_sensu_values_then_names():
    out = run("const out = [[null, 2], ['OK', 0], ['Warning', null], ['error', null], "
              "['ACTIVE', null], [null, null], ['Error', 7]].map(([s, v]) => "
              "L.statusClass(s, v));")
    assert out == ["error", "ok", "warning", "error", "unknown", "unknown", "error"]


def test_columns_are_stages_whichever_way_links_are_stored():
    """An instance's clique: a chain of 8 stages, the vconnector type in two of them (the
    instance's bridge, then br-mesh after the otep); the vNIC link stored vnic -> instance."""
    nodes = [node("vm", "instance"), node("tap", "vnic"), node("qbr", "vconnector"),
             node("ovs", "vedge"), node("otep", "otep"), node("mesh", "vconnector"),
             node("eth1", "host_pnic"), node("net", "network")]
    links = [link("tap", "vm", "vnic-instance"), link("tap", "qbr", "vnic-vconnector"),
             link("qbr", "ovs", "vconnector-vedge"), link("ovs", "otep", "vedge-otep"),
             link("otep", "mesh", "otep-vconnector"),
             link("mesh", "eth1", "vconnector-host_pnic"),
             link("eth1", "net", "host_pnic-network")]
    out = run(f"const c = L.assignColumns('vm', {json.dumps(nodes)}, {json.dumps(links)}, "
              f"{json.dumps(INSTANCE_TYPES)}); const out = Object.fromEntries(c);")
    assert out == {"vm": 0, "tap": 1, "qbr": 2, "ovs": 3, "otep": 4, "mesh": 5, "eth1": 6,
                   "net": 7}


def test_links_from_one_stage_land_in_one_column_and_strays_go_next_to_a_neighbour():
    nodes = [node("ovs", "vedge"), node("otep", "otep"), node("eth0", "host_pnic"),
             node("p1", "switch_pnic"), node("p2", "switch_pnic"), node("odd", "port")]
    links = [link("ovs", "otep", "vedge-otep"), link("ovs", "eth0", "vedge-host_pnic"),
             link("eth0", "p1", "host_pnic-switch_pnic"),
             link("p1", "p2", "switch_pnic-switch_pnic"), link("odd", "eth0", "port-x")]
    types = ["vedge-otep", "vedge-host_pnic", "host_pnic-switch_pnic",
             "switch_pnic-switch_pnic"]
    out = run(f"const out = Object.fromEntries(L.assignColumns('ovs', {json.dumps(nodes)}, "
              f"{json.dumps(links)}, {json.dumps(types)}));")
    assert out == {"ovs": 0, "otep": 1, "eth0": 1, "p1": 2, "p2": 3, "odd": 2}


def test_a_column_past_the_limit_shows_the_first_ones_and_a_count():
    """A network with 15 ports: 11 drawn and "+4 more" (their links drawn once, to it),
    all 15 when the column is expanded; names in order within the column."""
    nodes = [node("net", "network")] + [node(f"v{i:02d}", "vnic", f"tap{i:02d}")
                                        for i in range(15)]
    links = [link("net", f"v{i:02d}", "network-vnic") for i in range(15)]
    clique = {"nodes": nodes, "links": links, "cliqueType": {"linkTypes": ["network-vnic"]}}
    out = run(f"const clique = {json.dumps(clique)};\n"
              "const shape = (p) => ({ columns: p.columns.map((c) => ({ names: "
              "c.nodes.map((n) => n.name), more: c.more && c.more.count, types: c.types, "
              "total: c.total })), links: p.links.map((d) => [d.from, d.to, d.count, "
              "Boolean(d.link)]), counts: p.counts });\n"
              "const out = [shape(L.layoutClique(clique, 'net')), "
              "shape(L.layoutClique(clique, 'net', { expanded: new Set([1]) }))];")
    collapsed, expanded = out
    assert collapsed["columns"][1]["names"] == [f"tap{i:02d}" for i in range(11)]
    assert collapsed["columns"][1]["more"] == 4
    assert collapsed["columns"][1]["types"] == ["vnic"]
    assert ["net", "more:1", 4, False] in collapsed["links"]
    assert len(collapsed["links"]) == 12
    assert collapsed["counts"] == {"nodes": 16, "links": 15, "visibleNodes": 12,
                                   "visibleLinks": 11, "hiddenNodes": 4, "hiddenLinks": 4}
    assert expanded["columns"][1]["more"] is None
    assert expanded["counts"]["visibleNodes"] == 16 and expanded["counts"]["visibleLinks"] == 15


def test_link_types_split_at_their_first_dash():
    out = run("const out = [L.linkEnds('host_pnic-network'), L.linkEnds('vedge-otep')];")
    assert out == [["host_pnic", "network"], ["vedge", "otep"]]
