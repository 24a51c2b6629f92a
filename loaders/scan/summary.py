"""A scan's outcome as people read it: status, what was written per type, where the time
went, what failed and why."""

from __future__ import annotations

from loaders.scan.scanner import ScanOutcome


def format_outcome(outcome: ScanOutcome, *, max_listed: int = 30) -> str:
    report = outcome.report
    lines = [f"scan of {report.environment}: {outcome.status.upper()} "
             f"({outcome.timings.get('total', 0.0):.1f} s)"
             + (f", scan id {outcome.scan_id}" if outcome.scan_id else "")]
    lines.append(f"  objects written {outcome.objects:,}, links written {outcome.links:,}"
                 + (f", implicit links {outcome.implicit_links:,}"
                    if outcome.implicit_links is not None else ""))
    if report.cleanup is not None and report.cleanup.scopes:
        lines.append(f"  removed (not seen again): {report.cleanup.objects:,} objects, "
                     f"{report.cleanup.links:,} links")
    if outcome.counts:
        width = max(len(name) for name in outcome.counts)
        lines.append("  per type:")
        lines += [f"    {name:<{width}} {count:>8,}"
                  for name, count in sorted(outcome.counts.items())]
    phases = {k: v for k, v in outcome.timings.items() if k != "total"}
    if phases:
        lines.append("  time: " + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()))
    if outcome.errors:
        lines.append("  errors (what these scopes had is kept):")
        lines += [f"    {error}" for error in outcome.errors[:max_listed]]
        if len(outcome.errors) > max_listed:
            lines.append(f"    ... and {len(outcome.errors) - max_listed} more")
    lines += [f"  note: {note}" for note in report.notes[:max_listed]]
    problems = [f"    {problem}" for part in report.parts.values() for problem in part.bad]
    warnings = [f"    {text}" for part in report.parts.values() for text in part.warnings]
    for title, group in (("bad input (left out)", problems), ("warnings", warnings)):
        if group:
            lines.append(f"  {title}: {len(group)}")
            lines += group[:max_listed]
            if len(group) > max_listed:
                lines.append(f"    ... and {len(group) - max_listed} more")
    return "\n".join(lines)
