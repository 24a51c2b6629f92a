"""The check scripts' pure parts, on recorded real outputs of ip, ping, virsh, ovs-vsctl."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from topology.sensu.checks import (
    check_instance,
    check_otep_ping,
    check_pnic,
    check_vconnector,
    check_vedge,
    check_vnic_vconnector,
    check_vservice,
    iplink,
    plugin,
)

RECORDED = Path(__file__).parents[1] / "fixtures" / "sensu_checks"
CHECKS = Path(check_pnic.__file__).parent


def recorded(name: str) -> str:
    return (RECORDED / name).read_text(encoding="utf-8")


def link(name: str) -> iplink.Link | None:
    links = iplink.parse_links(recorded(name))
    return next(iter(links.values()), None)


# -- ip link -------------------------------------------------------------------------------

def test_ip_link_lines_are_read_with_flags_state_and_master():
    tap = link("ip_tap_on_bridge_up.txt")
    assert tap == iplink.Link("tap0", tap.flags, "UP", "br-test")
    assert tap.admin_up and tap.carrier
    down = link("ip_tap_on_bridge_down.txt")
    assert down.master == "br-test" and down.admin_up and not down.carrier
    assert down.state == "LOWERLAYERDOWN"
    off = link("ip_admin_down.txt")
    assert off.name == "vx0" and not off.admin_up and off.master is None
    assert iplink.parse_links(recorded("ip_missing.txt")) == {}
    every = iplink.parse_links(recorded("netns_exec_links.txt"))
    assert sorted(every) == ["br-test", "lo", "tap0", "tap0p"]


def test_pnic():
    assert check_pnic.evaluate("tap0", link("ip_tap_on_bridge_up.txt")).status == plugin.OK
    assert check_pnic.evaluate("tap0", link("ip_tap_on_bridge_down.txt")).status == 2
    result = check_pnic.evaluate("vx0", link("ip_admin_down.txt"))
    assert result == plugin.Result(2, "vx0 is administratively down")
    result = check_pnic.evaluate("nosuch", None, 'Device "nosuch" does not exist.')
    assert result.status == 2 and "no such interface" in result.text


def test_vconnector():
    bridge = link("ip_bridge_up.txt")
    ports = iplink.parse_links(recorded("netns_exec_links.txt"))
    result = check_vconnector.evaluate("br-test", bridge, ports)
    assert result == plugin.Result(0, "br-test state UP, 1 of 1 interfaces up: tap0")
    down_port = {"tap0": link("ip_tap_on_bridge_down.txt")}
    result = check_vconnector.evaluate("br-test", link("ip_bridge_up_nocarrier.txt"),
                                       down_port)
    assert result.status == plugin.WARNING and "down: tap0" in result.text
    assert check_vconnector.evaluate("br-test", bridge, {}).status == plugin.WARNING
    assert check_vconnector.evaluate("br-x", None, {}).status == plugin.CRITICAL


def test_vnic_vconnector():
    up, down = link("ip_tap_on_bridge_up.txt"), link("ip_tap_on_bridge_down.txt")
    assert check_vnic_vconnector.evaluate("br-test", "tap0", up).status == plugin.OK
    assert check_vnic_vconnector.evaluate("br-test", "tap0", down).status == plugin.WARNING
    wrong = check_vnic_vconnector.evaluate("qbr1", "tap0", up)
    assert wrong == plugin.Result(2, "tap0 is on br-test, not on qbr1")
    loose = check_vnic_vconnector.evaluate("br-test", "vx0", link("ip_admin_down.txt"))
    assert loose.text == "vx0 is on no bridge, not on br-test"
    assert check_vnic_vconnector.evaluate("br-test", "tap9", None).status == 2


def test_vservice():
    assert check_vservice.namespaces(recorded("netns_list.txt")) == {
        "qdhcp-4f2c", "qrouter-77ab", "toporec"}
    links = iplink.parse_links(recorded("netns_exec_links.txt"))
    assert check_vservice.evaluate("ns", links, ["tap0"]).status == plugin.OK
    assert check_vservice.evaluate("ns", links).status == plugin.OK  # all but lo
    missing = check_vservice.evaluate("ns", links, ["tap0", "qr-1"])
    assert missing == plugin.Result(2, "ns: missing qr-1")
    down = iplink.parse_links(recorded("netns_exec_down.txt"))
    assert check_vservice.evaluate("ns", down).status == plugin.CRITICAL  # its one is down
    mixed = {**links, "tap0p": down["tap0p"]}
    assert check_vservice.evaluate("ns", mixed, ["tap0", "tap0p"]).status == plugin.WARNING
    only_lo = {"lo": links["lo"]}
    assert check_vservice.evaluate("ns", only_lo).status == plugin.CRITICAL


def test_ping_summaries():
    ok = check_otep_ping.parse_ping(recorded("ping_ok.txt"))
    assert ok == check_otep_ping.PingStats(3, 3, 0.0, 0.129, 0.313)
    lost = check_otep_ping.parse_ping(recorded("ping_lost.txt"))
    assert lost == check_otep_ping.PingStats(6, 0, 100.0, None, None)
    partial = check_otep_ping.parse_ping(recorded("ping_partial.txt"))
    assert (partial.transmitted, partial.received, partial.loss) == (20, 5, 75.0)
    assert check_otep_ping.parse_ping(recorded("ping_badsrc.txt")) is None
    assert check_otep_ping.parse_ping(recorded("ping_unreach.txt")) is None


def test_ping_thresholds():
    warning, critical = (check_otep_ping.thresholds("0/300/600"),
                         check_otep_ping.thresholds("20%/1000/2000"))
    status = {name: check_otep_ping.evaluate(
        "10.0.0.2", check_otep_ping.parse_ping(recorded(name)), warning, critical).status
        for name in ("ping_ok.txt", "ping_lost.txt", "ping_partial.txt")}
    assert status == {"ping_ok.txt": 0, "ping_lost.txt": 2, "ping_partial.txt": 2}
    some_loss = check_otep_ping.PingStats(10, 9, 10.0, 1.0, 2.0)
    assert check_otep_ping.evaluate("x", some_loss, warning, critical).status == 1
    slow = check_otep_ping.PingStats(10, 10, 0.0, 400.0, 500.0)
    result = check_otep_ping.evaluate("x", slow, warning, critical)
    assert result.status == 1 and "avg 400 ms > 300 ms" in result.text
    with pytest.raises(plugin.ArgumentError):
        check_otep_ping.thresholds("1/2")


def test_instance_states():
    assert check_instance.parse_domstate(recorded("virsh_running.txt")) == ("running", "")
    assert check_instance.parse_domstate(recorded("virsh_paused_reason.txt")) == (
        "paused", "user")
    state = check_instance.parse_domstate(recorded("virsh_shutoff_reason.txt"))
    assert state == ("shut off", "destroyed")
    assert check_instance.evaluate("d", "running").status == plugin.OK
    assert check_instance.evaluate("d", "paused", "user").status == plugin.WARNING
    assert check_instance.evaluate("d", *state) == plugin.Result(
        2, "domain d is shut off (destroyed)")


def test_vedge():
    assert check_vedge.ovs_bridges(recorded("ovs_vsctl_show.txt")) == ["br-tun", "br-int"]
    commands = [["ovsdb-server", "/etc/openvswitch/conf.db", "-vconsole:emer"],
                ["ovs-vswitchd: monitoring pid 812 (healthy)"],
                ["/usr/bin/python3", "/usr/bin/neutron-linuxbridge-agent", "--config-file",
                 "/etc/neutron/neutron.conf"], ["bash"]]
    found = check_vedge.running(commands, ["ovsdb-server", "ovs-vswitchd",
                                           "neutron-linuxbridge-agent", "vpp"])
    assert found == {"ovsdb-server", "ovs-vswitchd", "neutron-linuxbridge-agent"}
    bridges = check_vedge.ovs_bridges(recorded("ovs_vsctl_show.txt"))
    assert check_vedge.evaluate("ovs", found, bridges, ["br-int"]).status == plugin.OK
    missing = check_vedge.evaluate("ovs", found, bridges, ["br-int", "br-ex"])
    assert missing.status == plugin.WARNING and "br-ex" in missing.text
    down = check_vedge.evaluate("ovs", {"ovsdb-server"})
    assert down == plugin.Result(2, "not running: ovs-vswitchd")
    assert check_vedge.evaluate("linuxbridge", found).status == plugin.OK
    assert check_vedge.evaluate("vpp", found).status == plugin.CRITICAL


def test_processes_are_read_from_proc():
    mine = list(check_vedge.process_commands())
    assert any(argv[0] == sys.executable or "python" in argv[0] for argv in mine)


def test_the_contract_one_line_and_never_3():
    def crashing(argv):
        raise RuntimeError("boom\nsecond line")

    result = plugin.evaluate(crashing, [])
    assert result.status == 2 and result.text.startswith("UNKNOWN: RuntimeError")
    assert "\n" not in plugin.line(result)
    assert plugin.evaluate(lambda argv: plugin.Result(3, "eh"), []).status == 2
    bad = plugin.evaluate(check_pnic.check, [])
    assert bad.status == 2 and bad.text.startswith("UNKNOWN: bad arguments")
    assert plugin.line(plugin.Result(1, "x" * 1000)).endswith("...")
    assert plugin.run(["no-such-command-here"]).returncode == 127


@pytest.mark.parametrize("script", sorted(p.name for p in CHECKS.glob("check_*.py")))
def test_each_script_runs_on_its_own_from_a_plugins_folder(script, tmp_path):
    """Deployed as plain files (no package): one line, status 0, 1 or 2."""
    for path in CHECKS.glob("*.py"):
        if path.name != "__init__.py":
            (tmp_path / path.name).write_bytes(path.read_bytes())
    args = {"check_pnic.py": ["lo"], "check_vconnector.py": ["lo"],
            "check_vnic_vconnector.py": ["br0", "lo"], "check_vservice.py": ["no-such-ns"],
            "check_instance.py": ["no-such-domain"], "check_vedge.py": ["--kind", "vpp"],
            "check_otep_ping.py": ["-c", "1", "-w", "1", "-I", "192.0.2.250", "127.0.0.1"]}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, str(tmp_path / script), *args[script]],
                          capture_output=True, text=True, timeout=30, env=env,
                          cwd=tmp_path, check=False)
    assert done.returncode in (0, 1, 2), done.stderr
    assert done.stdout.count("\n") == 1 and done.stderr == ""
    assert done.stdout.split(":")[0] in ("OK", "WARNING", "CRITICAL")
    if script == "check_pnic.py":
        assert done.stdout.startswith("OK: lo")  # the loopback is always there


@pytest.mark.parametrize("module", sorted(p.name for p in CHECKS.glob("*.py")))
def test_scripts_keep_to_python_37_syntax(module):
    """They run on the monitored hosts, whose Python may be as old as 3.7."""
    ast.parse((CHECKS / module).read_text(encoding="utf-8"), feature_version=(3, 7))
