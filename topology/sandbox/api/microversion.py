"""Nova's microversions: which one a request asks for, and the headers that say which one
answered.

A request names its version in ``OpenStack-API-Version: compute 2.60`` (or the older
``X-OpenStack-Nova-API-Version: 2.60``); ``latest`` is the newest; none means 2.1. The
sandbox answers 2.1 up to 2.93, the newest of Nova Zed (the release the lab runs).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from topology.sandbox.api.errors import ServiceError

HEADER = "OpenStack-API-Version"
LEGACY_HEADER = "X-OpenStack-Nova-API-Version"
SERVICE = "compute"
_FORMAT = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")


@dataclass(frozen=True, order=True, slots=True)
class Version:
    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> Version:
        match = _FORMAT.match(text.strip())
        if match is None:
            raise ServiceError(400, f"Microversion {text!r} is not of the form "
                                    "<major>.<minor>.")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


MIN_VERSION = Version(2, 1)
MAX_VERSION = Version(2, 93)


def requested(headers: Mapping[str, str]) -> Version:
    """The version a request asks for (400 when malformed, 406 when not served)."""
    text = _from_headers(headers)
    if text is None:
        return MIN_VERSION
    if text.strip().lower() == "latest":
        return MAX_VERSION
    version = Version.parse(text)
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise ServiceError(406, f"Microversion {version} is not served: this API answers "
                                f"{MIN_VERSION} to {MAX_VERSION}.")
    return version


def response_headers(version: Version) -> dict[str, str]:
    return {HEADER: f"{SERVICE} {version}", LEGACY_HEADER: str(version),
            "Vary": f"{HEADER}, {LEGACY_HEADER}"}


def _from_headers(headers: Mapping[str, str]) -> str | None:
    """The compute version named by the headers; the new header wins over the old one."""
    value = headers.get(HEADER.lower())
    if value:
        # "compute 2.60, volume 3.0": a header may name several services
        for part in value.split(","):
            service, _, version = part.strip().partition(" ")
            if service.lower() == SERVICE and version.strip():
                return version
    return headers.get(LEGACY_HEADER.lower()) or None
