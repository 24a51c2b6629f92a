"""The lab's pure parts: configuration values, secrets kept private (no services)."""

from __future__ import annotations

import configparser
import stat

from topology.lab import configs
from topology.lab.layout import Layout
from topology.lab.secrets import load_or_create

LAYOUT = Layout()


def test_secrets_are_made_once_private_and_never_printed(tmp_path):
    path = tmp_path / "state" / "secrets.json"
    made = load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create(path) == made
    assert made.database not in repr(made) and "hidden" in repr(made)
    assert made.database_url("nova") == (
        f"mysql+pymysql://openstack:{made.database}@127.0.0.1/nova")
    assert made.amqp_url.startswith("amqp://openstack:") and made.amqp_url.endswith("//")
    assert made.transport_url.startswith("rabbit://openstack:")


def _parsed(settings: configs.Settings) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(configs.as_ini(settings))
    return parser


def test_nova_and_neutron_share_the_host_and_notify_in_both_formats(tmp_path):
    secrets = load_or_create(tmp_path / "s.json")
    nova = _parsed(configs.nova(LAYOUT, secrets))
    neutron = _parsed(configs.neutron(LAYOUT, secrets))
    assert nova["DEFAULT"]["host"] == neutron["DEFAULT"]["host"] == LAYOUT.hostname
    assert nova["DEFAULT"]["compute_driver"] == "fake.FakeDriver"
    assert nova["notifications"]["notification_format"] == "both"
    for parsed in (nova, neutron):
        assert parsed["oslo_messaging_notifications"]["driver"] == "messagingv2"
        assert parsed["DEFAULT"]["transport_url"] == secrets.transport_url
    assert nova["cinder"]["os_region_name"] == "RegionOne"  # Debian ships "regionOne"
    assert neutron["DEFAULT"]["rpc_workers"] == "0"


def test_keystone_notifies_in_the_other_wire_shape(tmp_path):
    secrets = load_or_create(tmp_path / "s.json")
    keystone = _parsed(configs.keystone(LAYOUT, secrets))
    assert keystone["oslo_messaging_notifications"]["driver"] == "messaging"


def test_userspace_open_vswitch_with_veth_ends_in_namespaces():
    agent = _parsed(configs.openvswitch_agent())
    assert agent["ovs"]["datapath_type"] == "netdev"
    for settings in (configs.dhcp_agent(), configs.l3_agent()):
        assert _parsed(settings)["DEFAULT"]["ovs_use_veth"] == "True"


def test_uwsgi_closes_connections():
    parsed = _parsed(configs.uwsgi(5000, "/usr/bin/keystone-wsgi-public", "keystone-api"))
    assert parsed["uwsgi"]["add-header"] == "Connection: close"
    assert parsed["uwsgi"]["http-socket"] == "127.0.0.1:5000"


def test_recordings_keep_no_credentials_even_inside_the_oslo_envelope():
    import json

    from topology.lab.recorder import REDACTED, redact

    inner = {"event_type": "port.create.end", "_context_auth_token": "gAAAA-secret",
             "payload": {"port": {"id": "p-1", "binding:profile": {}}},
             "_context_user_id": "u-1"}
    body = json.dumps({"oslo.version": "2.0", "oslo.message": json.dumps(inner)})
    cleaned = json.loads(json.loads(redact(body))["oslo.message"])
    assert cleaned["_context_auth_token"] == REDACTED
    assert cleaned["_context_user_id"] == "u-1"
    assert cleaned["payload"] == inner["payload"]
    assert redact({"password": "", "nested": [{"db_password": "x"}]}) == {
        "password": "", "nested": [{"db_password": REDACTED}]}


def test_one_recorded_message_per_kind_and_all_in_order(tmp_path):
    import json

    from topology.lab.recorder import write_notifications

    def wire(event_type: str, exchange: str = "nova",
             key: str = "notifications.info") -> dict:
        inner = json.dumps({"event_type": event_type, "payload": {}})
        return {"exchange": exchange, "routing_key": key, "content_type": "application/json",
                "body": json.dumps({"oslo.version": "2.0", "oslo.message": inner})}

    messages = [wire("compute.instance.update"), wire("compute.instance.update"),
                wire("instance.update", key="versioned_notifications.info"),
                wire("port.create.end", "neutron")]
    assert write_notifications(messages, tmp_path) == 3
    folder = tmp_path / "notifications"
    assert sorted(p.name for p in folder.glob("*.json")) == [
        "neutron.notifications.port.create.end.json",
        "nova.notifications.compute.instance.update.json",
        "nova.versioned_notifications.instance.update.json"]
    assert len((folder / "all.jsonl").read_text().splitlines()) == 4
