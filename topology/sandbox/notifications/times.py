"""The ways nova and neutron write a moment in their notifications (all in UTC)."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC without a zone (a naive time is taken as UTC already)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None)


def zulu(moment: datetime) -> str:
    """Neutron's resources and nova's versioned payloads: ``2026-12-05T01:46:44Z``."""
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_micro(moment: datetime) -> str:
    """Nova's legacy payloads and contexts: ``2026-12-05T01:46:54.059694``."""
    return utc(moment).isoformat(timespec="microseconds")


def stored(moment: datetime) -> datetime:
    """A time as nova's database keeps it: to the second."""
    return utc(moment).replace(microsecond=0)


def python_str(moment: datetime) -> str:
    """``str()`` of a naive time, as neutron's context and nova's audit periods print it
    (``2026-12-05 01:46:44.097745``; no fraction when it is zero)."""
    return str(utc(moment))


def with_zone(moment: datetime) -> str:
    """Nova's legacy ``created_at``: ``2026-12-05 01:46:50+00:00``."""
    return str(stored(moment).replace(tzinfo=UTC))


def month_start(moment: datetime) -> datetime:
    """The beginning of nova's audit period (monthly, the default)."""
    return utc(moment).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
