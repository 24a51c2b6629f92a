"""bench/api's check of the #5 target: p50 <= 15 ms and >= 200 requests/s at concurrency 16."""

from __future__ import annotations

from bench.api import target_check


def _round(connections: int, p50: float, rate: float) -> dict:
    return {"connections": connections, "requests_per_second": rate,
            "latency_ms": {"p50": p50}}


def test_both_conditions_must_hold_in_the_same_round():
    checked = target_check({
        "concurrency_1": _round(1, 3.0, 300.0),
        "concurrency_16": _round(16, 30.0, 500.0),
        "offered_250_concurrency_16": _round(16, 4.6, 249.6),
        "offered_150_concurrency_16": _round(16, 4.0, 150.0),
    })
    assert set(checked) == {"concurrency_16", "offered_250_concurrency_16",
                            "offered_150_concurrency_16"}
    assert checked["offered_250_concurrency_16"]["met"] is True
    assert checked["concurrency_16"]["met"] is False   # fast enough, but p50 too high
    assert checked["offered_150_concurrency_16"]["met"] is False  # p50 fine, too few


def test_the_bounds_are_inclusive():
    assert target_check({"r": _round(16, 15.0, 200.0)})["r"]["met"] is True
