"""The lab's service configuration: what each OpenStack file must say (pure).

Only the lines that matter are set; the rest of Debian's files stay as shipped. Values
are merged into the files with crudini (:func:`topology.lab.system`), through its stdin,
so passwords are never on a command line.
"""

from __future__ import annotations

from topology.lab.layout import HOST, REGION, Layout
from topology.lab.secrets import Secrets

Settings = dict[str, dict[str, str]]  # section -> key -> value

KEYSTONE_URL = f"http://{HOST}:5000"


def _service_auth(user: str, secrets: Secrets) -> dict[str, str]:
    """Password authentication as a service user (keystone_authtoken, [nova], ...)."""
    return {"auth_url": KEYSTONE_URL, "auth_type": "password",
            "project_domain_name": "Default", "user_domain_name": "Default",
            "project_name": "service", "username": user, "password": secrets.service,
            "region_name": REGION}


def _authtoken(user: str, secrets: Secrets) -> dict[str, str]:
    return {"www_authenticate_uri": KEYSTONE_URL, **_service_auth(user, secrets)}


def keystone(layout: Layout, secrets: Secrets) -> Settings:
    return {
        "DEFAULT": {"log_dir": str(layout.logs), "log_file": "keystone.log",
                    "transport_url": secrets.transport_url, "notification_format": "cadf"},
        "database": {"connection": secrets.database_url("keystone")},
        "token": {"provider": "fernet"},
        # the other wire shape oslo.messaging sends (no {"oslo.version", "oslo.message"}
        # envelope): keystone's notifications show it, so that both are recorded and read
        "oslo_messaging_notifications": {"driver": "messaging"},
    }


def uwsgi(port: int, wsgi_file: str, name: str, chdir: str | None = None) -> Settings:
    """One process, four threads; ``Connection: close`` because uwsgi's http-socket does
    not keep connections alive and keystoneauth reuses them (the second request on a
    connection fails otherwise)."""
    settings = {"plugins": "python3", "http-socket": f"{HOST}:{port}", "master": "true",
                "processes": "1", "threads": "4", "enable-threads": "true",
                "lazy-apps": "true", "die-on-term": "true", "buffer-size": "65535",
                "add-header": "Connection: close", "wsgi-file": wsgi_file, "name": name}
    if chdir:
        settings["chdir"] = chdir
    return {"uwsgi": settings}


def placement(secrets: Secrets) -> Settings:
    return {"placement_database": {"connection": secrets.database_url("placement")},
            "api": {"auth_strategy": "keystone"},
            "keystone_authtoken": _authtoken("placement", secrets)}


def glance(layout: Layout, secrets: Secrets) -> Settings:
    return {
        "DEFAULT": {"bind_host": HOST, "bind_port": "9292", "workers": "1",
                    "log_dir": str(layout.logs), "log_file": "glance-api.log",
                    "enabled_backends": "file:file", "transport_url": secrets.transport_url},
        "oslo_messaging_notifications": {"driver": "messagingv2"},
        "database": {"connection": secrets.database_url("glance")},
        "glance_store": {"default_backend": "file"},
        "file": {"filesystem_store_datadir": "/var/lib/glance/images/"},
        "paste_deploy": {"flavor": "keystone"},
        "keystone_authtoken": _authtoken("glance", secrets),
    }


def nova(layout: Layout, secrets: Secrets) -> Settings:
    return {
        "DEFAULT": {"my_ip": HOST, "host": layout.hostname,
                    "transport_url": secrets.transport_url, "log_dir": str(layout.logs),
                    "enabled_apis": "osapi_compute", "osapi_compute_listen": HOST,
                    "osapi_compute_workers": "1", "compute_driver": "fake.FakeDriver",
                    "instances_path": "/var/lib/nova/instances",
                    "allow_resize_to_same_host": "True"},  # one compute host
        "api": {"auth_strategy": "keystone"},
        "api_database": {"connection": secrets.database_url("nova_api")},
        "database": {"connection": secrets.database_url("nova")},
        "conductor": {"workers": "1"},
        "scheduler": {"workers": "1", "discover_hosts_in_cells_interval": "30"},
        "oslo_concurrency": {"lock_path": "/var/lib/nova/tmp"},
        "oslo_messaging_notifications": {"driver": "messagingv2"},
        # one notification per state change, legacy and versioned both
        "notifications": {"notify_on_state_change": "vm_and_task_state",
                          "notification_format": "both"},
        "cinder": {"os_region_name": REGION},  # Debian ships "regionOne"
        "glance": {"api_servers": f"http://{HOST}:9292"},
        "keystone_authtoken": _authtoken("nova", secrets),
        "placement": _service_auth("placement", secrets),
        "neutron": _service_auth("neutron", secrets),
        "service_user": {"send_service_user_token": "false"},
    }


def neutron(layout: Layout, secrets: Secrets) -> Settings:
    return {
        "DEFAULT": {"host": layout.hostname,  # = nova's host: ports bind to it
                    "bind_host": HOST, "bind_port": "9696", "core_plugin": "ml2",
                    "service_plugins": "router", "transport_url": secrets.transport_url,
                    "log_dir": str(layout.logs), "api_workers": "1", "rpc_workers": "0",
                    "rpc_state_report_workers": "0", "state_path": "/var/lib/neutron"},
        "database": {"connection": secrets.database_url("neutron")},
        "oslo_concurrency": {"lock_path": "/var/lib/neutron/tmp"},
        "oslo_messaging_notifications": {"driver": "messagingv2"},
        "keystone_authtoken": _authtoken("neutron", secrets),
        "nova": _service_auth("nova", secrets),
    }


def ml2() -> Settings:
    return {
        "ml2": {"type_drivers": "flat,vlan,vxlan", "tenant_network_types": "vxlan",
                "mechanism_drivers": "openvswitch", "extension_drivers": "port_security"},
        "ml2_type_flat": {"flat_networks": "external"},
        "ml2_type_vlan": {"network_vlan_ranges": "external:100:200"},
        "ml2_type_vxlan": {"vni_ranges": "1:1000"},
    }


def openvswitch_agent() -> Settings:
    """Userspace datapath (no kernel module here), the OVS firewall (no Linux bridges)."""
    return {"ovs": {"datapath_type": "netdev", "bridge_mappings": "external:br-ex",
                    "local_ip": HOST},
            "agent": {"tunnel_types": "vxlan"},
            "securitygroup": {"firewall_driver": "openvswitch"}}


def dhcp_agent() -> Settings:
    """veth pairs: with the netdev datapath an OVS internal port cannot live in a
    namespace, a veth end can (as in OVS-DPDK deployments)."""
    return {"DEFAULT": {"interface_driver": "openvswitch", "ovs_use_veth": "True",
                        "dhcp_driver": "neutron.agent.linux.dhcp.Dnsmasq",
                        "enable_isolated_metadata": "False"}}


def l3_agent() -> Settings:
    return {"DEFAULT": {"interface_driver": "openvswitch", "ovs_use_veth": "True"}}


def as_ini(settings: Settings) -> str:
    """INI text for crudini --merge."""
    lines: list[str] = []
    for section, values in settings.items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {value}" for key, value in values.items())
        lines.append("")
    return "\n".join(lines)
