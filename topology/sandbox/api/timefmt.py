"""The time formats the services write (each service has its own habits)."""

from __future__ import annotations

from datetime import datetime


def seconds_z(moment: datetime) -> str:
    """``2026-11-24T12:00:00Z``: Nova's created/updated, Neutron's standard attributes."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def micro(moment: datetime) -> str:
    """``2026-11-24T12:00:00.000000``: Nova's launched_at, services and aggregates."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")


def micro_z(moment: datetime) -> str:
    """``2026-11-24T12:00:00.000000Z``: Keystone's issued_at and expires_at."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def spaced(moment: datetime) -> str:
    """``2026-11-24 12:00:00``: Neutron's agents."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")
