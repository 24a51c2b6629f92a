"""Record, from a running lab, what the loaders, the listener and the sandbox must
understand: API responses, database rows and notifications, as test data.

    topology lab record --out tests/fixtures/lab [--churn 2]

- ``api/<service>/<name>.json``: the raw JSON bodies of the API calls the loaders make
  (Keystone, Nova, Neutron), as the services answered them;
- ``db/<database>.<table>.json``: the rows of the tables the loaders read (values as
  text, as a driver returns them once encoded to JSON);
- ``notifications/<exchange>.<topic>.<event type>.json``: one wire message per kind, the
  AMQP body exactly as it came (the messagingv2 envelope ``{"oslo.version",
  "oslo.message"}``, or the bare message of the ``messaging`` driver, which the lab's
  keystone uses) with its delivery information, recorded while the scenario was built,
  churned and removed; and ``notifications/all.jsonl``, every message in arrival order.

Anything that looks like a credential (keys with ``token``, ``password`` or ``secret`` in
their name) is replaced by ``"<redacted>"`` before it is written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kombu

from topology.lab.lab import Lab

log = logging.getLogger(__name__)

EXCHANGES = ("nova", "neutron", "glance", "keystone")
TOPICS = ("notifications.#", "versioned_notifications.#")
API_CALLS = {
    "identity": ["/projects", "/regions"],
    "compute": ["/servers/detail?all_tenants=1", "/os-hypervisors/detail",
                "/os-availability-zone/detail", "/os-aggregates", "/os-services",
                "/flavors/detail"],
    "network": ["/networks", "/subnets", "/ports", "/routers",
                "/agents", "/floatingips"],
}
TABLES = {
    "nova": ["instances", "instance_info_caches", "compute_nodes", "services"],
    "nova_api": ["aggregates", "aggregate_hosts", "aggregate_metadata", "host_mappings",
                 "instance_mappings", "cell_mappings"],
    "neutron": ["networks", "subnets", "ports", "ipallocations", "ml2_port_bindings",
                "networksegments", "agents", "routers", "routerports", "floatingips"],
}
SECRET_KEY = re.compile(r"token|password|secret|transport_url|database_connection", re.I)
REDACTED = "<redacted>"


def redact(value: Any) -> Any:
    """``value`` with every credential-like entry replaced (nested, and inside JSON text)."""
    if isinstance(value, dict):
        return {k: REDACTED if SECRET_KEY.search(str(k)) and v not in (None, "", [], {})
                else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.dumps(redact(json.loads(value)))
        except ValueError:
            return value
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n",
                    encoding="utf-8")


def record_api(cloud: Any, out: Path) -> int:
    count = 0
    for service, paths in API_CALLS.items():
        proxy = getattr(cloud, service)
        for path in paths:
            response = proxy.get(path)
            response.raise_for_status()
            name = path.strip("/").split("?")[0].replace("/", "-")
            _write(out / "api" / service / f"{name}.json", redact(response.json()))
            count += 1
    return count


def record_db(lab: Lab, out: Path) -> int:
    import pymysql

    count = 0
    for database, tables in TABLES.items():
        connection = pymysql.connect(host="127.0.0.1", user="openstack",
                                     password=lab.secrets.database, database=database,
                                     cursorclass=pymysql.cursors.DictCursor)
        try:
            with connection.cursor() as cursor:
                for table in tables:  # names from the list above, not from input
                    cursor.execute(f"SELECT * FROM `{table}`")  # noqa: S608
                    rows = [{k: _plain(v) for k, v in row.items()} for row in cursor]
                    _write(out / "db" / f"{database}.{table}.json", redact(rows))
                    count += 1
        finally:
            connection.close()
    return count


class NotificationTap:
    """Queues of our own bound to each service's exchange (declared as oslo.messaging
    declares them: topic, not durable), recording every message while it runs."""

    def __init__(self, amqp_url: str) -> None:
        self.amqp_url = amqp_url
        self.messages: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="notification-tap",
                                        daemon=True)
        self._error: BaseException | None = None

    def __enter__(self) -> NotificationTap:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError(f"the notification tap did not start: {self._error}")
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        try:
            with kombu.Connection(self.amqp_url) as connection:
                queues = []
                for name in EXCHANGES:
                    exchange = kombu.Exchange(name, type="topic", durable=False,
                                              auto_delete=False)
                    queues.append(kombu.Queue(
                        f"topology-lab-recorder-{name}", exchange, exclusive=True,
                        auto_delete=True, durable=False,
                        bindings=[kombu.binding(exchange, routing_key=t) for t in TOPICS]))
                with connection.Consumer(queues, callbacks=[self._on_message],
                                         accept=["json", "application/json", "text/plain"]):
                    self._ready.set()
                    while not self._stop.is_set():
                        with contextlib.suppress(TimeoutError):
                            connection.drain_events(timeout=1)
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            raise

    def _on_message(self, body: Any, message: Any) -> None:
        info = message.delivery_info
        raw = message.body if isinstance(message.body, str) else message.body.decode(
            "utf-8", "replace")
        self.messages.append({"exchange": info.get("exchange"),
                              "routing_key": info.get("routing_key"),
                              "content_type": message.content_type, "body": raw})
        message.ack()


def _event_type(record: dict[str, Any]) -> str:
    outer = json.loads(record["body"])
    inner = json.loads(outer["oslo.message"]) if "oslo.message" in outer else outer
    return str(inner.get("event_type", "unknown"))


def write_notifications(messages: list[dict[str, Any]], out: Path) -> int:
    folder = out / "notifications"
    folder.mkdir(parents=True, exist_ok=True)
    kinds: dict[str, dict[str, Any]] = {}
    lines = []
    for record in messages:
        safe = {**record, "body": redact(record["body"])}
        lines.append(json.dumps(safe, sort_keys=True))
        topic = record["routing_key"].split(".")[0]
        kinds.setdefault(f"{record['exchange']}.{topic}.{_event_type(record)}", safe)
    (folder / "all.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for name, record in kinds.items():
        _write(folder / f"{name}.json", record)
    return len(kinds)


def record(lab: Lab, out: Path, churn_rounds: int,
           progress: Callable[[str], None] = log.info) -> dict[str, int]:
    """The scenario and its churn under a notification tap; the API and the database
    while the scenario stands; then its removal, still under the tap (the deletes)."""
    from topology.lab.scenario import build, churn, remove

    cloud = lab.connection()
    removed = remove(cloud)  # so that the creations are recorded too
    if removed:
        progress(f"removed the scenario's earlier objects: {len(removed)}")
    amqp_url = (lab.layout.state / "amqp-url").read_text().strip()
    counts: dict[str, int] = {}
    with NotificationTap(amqp_url) as tap:
        build(lab, cloud)
        progress("scenario built")
        # keystone sends with the "messaging" driver: the wire shape without the envelope
        project = cloud.identity.create_project(name="lab-recorded-project",
                                                domain_id="default")
        cloud.identity.delete_project(project)
        image = cloud.image.create_image(name="lab-recorded-image", disk_format="raw",
                                         container_format="bare", data=b"\0" * 1024)
        cloud.image.delete_image(image)
        if churn_rounds:
            churn(lab, cloud, churn_rounds, progress=progress)
        counts["api responses"] = record_api(cloud, out)
        counts["tables"] = record_db(lab, out)
        progress("API and database recorded; removing the scenario")
        remove(cloud)
        progress("waiting for the last notifications")
        time.sleep(5)
    counts["notification kinds"] = write_notifications(tap.messages, out)
    counts["notifications"] = len(tap.messages)
    return counts
