"""RabbitMQ going away and coming back under a running churn (a cut TCP forwarder in
front of the session's RabbitMQ): the churn goes on changing the cloud, the notifications
of the outage are dropped, counted and logged as lost, and once RabbitMQ answers again
they flow again without anything restarted; what the consumer gets is exactly what the
log says went out."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.support.notification_consumer import listening
from tests.support.tcp_proxy import TcpProxy
from topology.sandbox.churn import Change, Churn
from topology.sandbox.model import CloudShape, build
from topology.sandbox.notifications.publisher import Publisher

RECOVERY_CHANGES = 20  # changes allowed before the first notification gets through again


def _through(url: str, port: int) -> str:
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    return urlunsplit((parts.scheme, f"{credentials}@127.0.0.1:{port}", *parts[2:]))


def _logged(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_churn_goes_on_through_a_rabbitmq_outage(amqp_url: str, tmp_path: Path) -> None:
    log_path = tmp_path / "churn.jsonl"
    target = urlsplit(amqp_url)
    with TcpProxy((target.hostname or "127.0.0.1", target.port or 5672)) as proxy, \
            listening(amqp_url, "test-sandbox-churn-outage") as listener, \
            Publisher(_through(amqp_url, proxy.port)) as publisher, \
            Churn(build(CloudShape(seed=31)), publisher, log_path=log_path) as churn:
        before = [churn.step() for _ in range(5)]
        assert publisher.stats()["failed"] == 0
        proxy.cut()
        during = [churn.step() for _ in range(5)]
        lost = publisher.stats()["failed"]
        assert lost == sum(len(c.notifications) for c in during if c)
        proxy.restore()
        after: list[Change | None] = []
        while publisher.stats()["sent"] == sum(len(c.notifications) for c in before if c):
            assert len(after) < RECOVERY_CHANGES, "notifications never got through again"
            after.append(churn.step())
        failed_after_restore = publisher.stats()["failed"]
        after += [churn.step() for _ in range(5)]
        assert publisher.stats()["failed"] == failed_after_restore
        records = _logged(log_path)
        ok = [r["message_id"] for r in records if r["kind"] == "notification" and r["ok"]]
        received = listener.take(len(ok), timeout=60)
        assert listener.left() == 0
    assert all(c is not None for c in before + during + after)
    assert [m.message["message_id"] for m in received if m.exchange == "nova"] == [
        r["message_id"] for r in records
        if r["kind"] == "notification" and r["ok"] and r["exchange"] == "nova"]
    assert {m.message["message_id"] for m in received} == set(ok)
    changes = [r for r in records if r["kind"] == "change"]
    assert len(changes) == 10 + len(after)
    lost_logged = [r for r in records if r["kind"] == "notification" and not r["ok"]]
    assert len(lost_logged) == publisher.stats()["failed"] >= lost > 0
