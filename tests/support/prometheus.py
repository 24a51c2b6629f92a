"""Reading values out of Prometheus text (what /metrics answers)."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the one sample ``name`` with (at least) these labels; 0 when absent."""
    found = [s.value for family in text_string_to_metric_families(text)
             for s in family.samples
             if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(found) <= 1, f"{name} {labels} matches {len(found)} samples"
    return found[0] if found else 0.0
