"""Where an instance stands in one of nova's flows when a notification is sent.

The model holds an instance as flows leave it (running, stopped, resized); on the way nova
notifies intermediate states (building, powering-off, resize_migrating...), with the host
not chosen yet, no address yet, an older flavor. A :class:`Moment` says which.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from topology.sandbox.model import Flavor, Instance, Port

POWER_STATES = {0: "pending", 1: "running", 4: "shutdown"}  # nova's names of the codes
PENDING, RUNNING, SHUTDOWN = 0, 1, 4


@dataclass(frozen=True, slots=True)
class Moment:
    """``state`` is nova's vm_state, ``task`` its task_state, ``power`` its power state
    code; ``placed`` once the compute host claimed the instance (host and node known);
    ``ports`` the addresses nova knows then; ``flavor`` the flavor it runs with then."""

    state: str
    flavor: Flavor
    ports: tuple[Port, ...] = ()
    task: str | None = None
    power: int = RUNNING
    placed: bool = True
    launched_at: datetime | None = None
    updated_at: datetime | None = None
    terminated_at: datetime | None = None
    deleted_at: datetime | None = None

    def but(self, **changes: object) -> Moment:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def power_name(self) -> str:
        return POWER_STATES[self.power]

    @property
    def status_text(self) -> str:
        """Nova's legacy ``state_description``: the task under way, or nothing."""
        return self.task or ""


def settled(instance: Instance) -> Moment:
    """The instance as the model holds it (no task under way)."""
    return Moment(state=instance.vm_state, flavor=instance.flavor, ports=tuple(instance.ports),
                  power=instance.power_state, launched_at=instance.launched_at,
                  updated_at=instance.updated_at)
