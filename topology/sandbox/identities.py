"""Ids OpenStack draws at random that the sandbox's model derives instead: the users,
the cell, each project's default security group, each network's segment, the Keystone
roles, services and endpoints, and Nova's reservation ids.

The model's generators draw the ids of what it builds in a fixed order, so that a shape
always gives the same cloud; drawing more from them would change every later id. These
are hashed from the cloud's environment and seed (and what they belong to), so they are
the same each build, differ between seeds, and change nothing else. The model holds the
values (:class:`~topology.sandbox.model.Cloud`, its projects, networks and instances);
every view reads them there.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

RESERVATION_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True, slots=True)
class StableIds:
    """The ids of one cloud (an environment and a seed)."""

    environment: str
    seed: int

    def hex(self, *parts: str) -> str:
        """A Keystone-style id (32 hex digits) for ``parts``, the same each build."""
        name = ":".join(("topology-sandbox", self.environment, str(self.seed), *parts))
        return uuid.uuid5(uuid.NAMESPACE_URL, name).hex

    def uuid(self, *parts: str) -> str:
        """The same as :meth:`hex`, written as a dashed uuid (Neutron's and Nova's ids)."""
        return str(uuid.UUID(self.hex(*parts)))


def reservation_id(instance_id: str) -> str:
    """Nova's ``r-`` and eight letters or digits of the request that booted an instance
    (``r-ufp21osk`` in the lab), stable per instance id."""
    number = int(instance_id.replace("-", ""), 16)
    letters = []
    for _ in range(8):
        number, digit = divmod(number, len(RESERVATION_ALPHABET))
        letters.append(RESERVATION_ALPHABET[digit])
    return "r-" + "".join(letters)
