"""bench/sandbox_db runs: a small fill timed per writer count, and the follower timed per
change of the churn, every change written."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import URL, Engine

from bench import sandbox_db
from tests.support.sandbox_db import emptied_engine
from topology.sandbox.model import scaled_shape


@pytest.fixture
def engine(mariadb_url: URL) -> Iterator[Engine]:
    yield from emptied_engine(mariadb_url)


def test_the_benchmark_times_fills_and_changes(mariadb_url: URL, engine: Engine) -> None:
    shape = scaled_shape(12, 60)
    filled = sandbox_db.time_fill(mariadb_url, shape, writers=[1, 3])
    assert [r["writers"] for r in filled["rounds"]] == [1, 3]
    assert len({r["rows"] for r in filled["rounds"]}) == 1
    assert filled["instances"] == 60 and filled["hosts"] == 12
    followed = sandbox_db.time_follow(mariadb_url, shape, changes=20)
    assert followed["changes"] == followed["written"] == 20
    assert followed["p95_ms"] >= followed["median_ms"] > 0
