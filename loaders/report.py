"""What a load did, for every loader alike: read / written / bad (with reasons), per part.

A *part* is what a loader reads as one kind of thing (a Calipso collection, the API's
servers, one host's pNICs...). A *scope* is what one source read as a whole (a region of
the API, one host over SSH): a scope that failed is named with its reason, and a scan
cleans up only the scopes that were read completely.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from topology.store import CleanupReport


@dataclass(frozen=True, slots=True)
class Problem:
    """One input that did not make it, where it came from and why. ``where`` is anything
    that names a place when printed (a file and line, a host and command...)."""

    where: object
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass
class PartReport:
    """One part's counts: inputs read, rows written, and the bad ones with reasons."""

    name: str
    read: int = 0
    written: int = 0
    outdated: int = 0
    """Inputs older than what the graph holds: not bad, just not newer."""
    bad: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class LoadReport:
    """The outcome of one load (an import, a scan) into one environment."""

    source: str
    environment: str
    parts: dict[str, PartReport] = field(default_factory=dict)
    scopes_complete: list[str] = field(default_factory=list)
    scopes_failed: dict[str, str] = field(default_factory=dict)
    """Scope -> why it could not be read; what it wrote before is kept."""
    failures: list[str] = field(default_factory=list)
    """Batches that rolled back (their rows are not written)."""
    notes: list[str] = field(default_factory=list)
    """Things worth saying that are not problems (secrets left out, ...)."""
    cleanup: CleanupReport | None = None
    seconds: float = 0.0

    def part(self, name: str) -> PartReport:
        return self.parts.setdefault(name, PartReport(name))

    @property
    def bad_count(self) -> int:
        return sum(len(part.bad) for part in self.parts.values())

    @property
    def ok(self) -> bool:
        """Everything read was written: no bad input, no failed batch or scope."""
        return not (self.failures or self.bad_count or self.scopes_failed)

    def format(self, *, max_listed: int = 50, order: tuple[str, ...] = ()) -> str:
        """A human-readable report: counts per part, then each problem with its place."""
        lines = [f"{self.source} into environment {self.environment!r} "
                 f"({self.seconds:.1f} s):"]
        names = [name for name in order if name in self.parts]
        names += [name for name in self.parts if name not in names]
        for name in names:
            part = self.parts[name]
            outdated = f"  outdated {part.outdated:>5}" if part.outdated else ""
            lines.append(f"  {name:<20} read {part.read:>7}  written {part.written:>7}  "
                         f"bad {len(part.bad):>5}  warnings {len(part.warnings)}{outdated}")
        for scope, reason in sorted(self.scopes_failed.items()):
            lines.append(f"  scope {scope} FAILED (its objects are kept): {reason}")
        if self.cleanup is not None and self.cleanup.scopes:
            lines.append(f"  cleanup of {', '.join(self.cleanup.scopes)}: "
                         f"{self.cleanup.objects} objects, {self.cleanup.links} links removed")
        lines.extend(f"  {note}" for note in self.notes)
        problems = [f"  BAD {problem}" for part in self.parts.values()
                    for problem in part.bad]
        warnings = [f"  warning {text}" for part in self.parts.values()
                    for text in part.warnings]
        failures = [f"  FAILED {text}" for text in self.failures]
        for group in (failures, problems, warnings):
            lines.extend(group[:max_listed])
            if len(group) > max_listed:
                lines.append(f"  ... and {len(group) - max_listed} more")
        return "\n".join(lines)
