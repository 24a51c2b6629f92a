"""The cyclic collector pause around bulk writes: nested and concurrent holders."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from topology.gc_pause import paused_gc


@pytest.fixture(autouse=True)
def collector_enabled() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if was:  # as it was before the test, whatever the test did
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_off_inside_and_back_on_after() -> None:
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_it_comes_back_on_after_an_error() -> None:
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("batch failed")
    assert gc.isenabled()


def test_nested_pauses_resume_only_at_the_outermost_end() -> None:
    with paused_gc():
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    with paused_gc():
        pass
    assert not gc.isenabled()


def test_overlapping_pauses_in_two_threads() -> None:
    """The first pause to end must not resume the collector under the other one."""
    inside = threading.Event()
    leave = threading.Event()

    def other_writer() -> None:
        with paused_gc():
            inside.set()
            leave.wait(5)

    thread = threading.Thread(target=other_writer)
    with paused_gc():
        thread.start()
        assert inside.wait(5)
    assert not gc.isenabled()  # the other thread's write is still running
    leave.set()
    thread.join(5)
    assert gc.isenabled()
