"""The AMQP check: kombu connects to the URL and closes."""

from __future__ import annotations

from loaders.connections.result import NOT_CONFIGURED, CheckResult, timed, url_secrets
from topology.environments import EnvironmentConfig

NAME = "AMQP"


def check_amqp(env: EnvironmentConfig, timeout: float) -> CheckResult:
    if not env.amqp_url:
        return CheckResult(NAME, NOT_CONFIGURED)
    return timed(NAME, lambda: _connect(env.amqp_url, timeout), url_secrets(env.amqp_url))


def _connect(url: str, timeout: float) -> str:
    from kombu import Connection

    conn = Connection(url, connect_timeout=timeout)
    try:
        shown = conn.as_uri()  # the password masked
        try:
            conn.ensure_connection(max_retries=0, timeout=timeout)
        except Exception as exc:
            raise RuntimeError(f"{shown}: {exc}") from None
        properties = getattr(conn.connection, "server_properties", None) or {}
        product = " ".join(str(properties.get(key, "")) for key in ("product", "version"))
    finally:
        conn.release()
    return f"{shown}" + (f", {product.strip()}" if product.strip() else "")
