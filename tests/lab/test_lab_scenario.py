"""The scenario builds its known topology in the lab, as a real cloud wires it, and removes
it again."""

from __future__ import annotations

from topology.lab import system
from topology.lab.scenario import PREFIX, build, namespace_of, remove


def test_the_scenario_builds_a_wired_topology_and_removes_it(lab, cloud):
    built = build(lab, cloud)
    try:
        assert set(built.servers) == {f"{PREFIX}vm1", f"{PREFIX}vm2", f"{PREFIX}vm3"}
        for server_id in built.servers.values():
            assert cloud.compute.get_server(server_id).status == "ACTIVE"
            ports = list(cloud.network.ports(device_id=server_id))
            assert ports and all(p.status == "ACTIVE" for p in ports)  # VIFs plugged
            assert namespace_of(server_id) in system.run(["ip", "netns", "list"]).stdout
        ext = cloud.network.get_network(built.networks[f"{PREFIX}ext"])
        assert ext.is_router_external and ext.provider_network_type == "flat"
        for name in (f"{PREFIX}net1", f"{PREFIX}net2"):
            assert cloud.network.get_network(built.networks[name]).provider_network_type == (
                "vxlan")
        router_id = built.routers[f"{PREFIX}router"]
        inside = system.run(["ip", "netns", "exec", f"qrouter-{router_id}", "ip", "-o",
                             "link"]).stdout
        assert inside.count(" qr-") == 2 and " qg-" in inside  # two interfaces, a gateway
        [floating] = built.floating_ips.values()
        assert cloud.network.get_ip(floating).port_id
        assert build(lab, cloud).servers == built.servers  # built again: reused
    finally:
        removed = remove(cloud)
    assert f"server {PREFIX}vm1" in removed and f"router {PREFIX}router" in removed
    assert not [s for s in cloud.compute.servers() if s.name.startswith(PREFIX)]
    assert not [n for n in cloud.network.networks() if n.name.startswith(PREFIX)]
