"""The uvicorn entry point: ``topology.api.server:app`` builds the app in each worker."""

from __future__ import annotations

from starlette.types import ASGIApp

from topology.api.app import create_app
from topology.api.auth import load_tokens
from topology.config import load_config
from topology.runtime import open_store


def app() -> ASGIApp:
    """A factory (uvicorn ``--factory``): configuration from ``TOPOLOGY_CONFIG`` and the
    environment, one store (driver pool) per worker process."""
    config = load_config()
    store = open_store(config, apply_schema=False)
    return create_app(store, config.api, load_tokens(config.admin_token, config.tokens))
