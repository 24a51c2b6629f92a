"""The lab tier: tests against a real OpenStack (``topology lab``), started by the session
when it is not running, and stopped at the end when the session started it.

Needs root on Debian (it installs Debian's OpenStack packages the first time). Opting out
(``TOPOLOGY_LAB_TESTS=off``, for a machine without root or Debian) leaves the tier out and
the run says so in its summary, loudly; it is never skipped silently.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from topology.lab import system
from topology.lab.lab import BRIDGES, Lab, lab_namespaces, link_names, rabbitmq_epmds
from topology.processes import is_alive, read_pid

OPT_OUT = "TOPOLOGY_LAB_TESTS"
KEEP = "TOPOLOGY_LAB_KEEP"  # leave a lab this session started running (development)


def _opted_out() -> bool:
    return os.environ.get(OPT_OUT, "").lower() in ("off", "0", "no", "false")


def pytest_configure(config: pytest.Config) -> None:
    # openstacksdk warns about its own internals (RemovedInSDK50Warning and the like, from
    # its own modules), not about our calls
    for category in ("DeprecationWarning", "PendingDeprecationWarning"):
        config.addinivalue_line("filterwarnings", f"ignore::{category}:openstack.*")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _opted_out():
        return
    skip = pytest.mark.skip(reason=f"lab tier left out ({OPT_OUT}=off)")
    for item in items:
        if "lab" in Path(str(item.fspath)).parts:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if _opted_out():
        bar = "!" * 78
        terminalreporter.write_line(bar, red=True, bold=True)
        terminalreporter.write_line(
            f"THE LAB TIER WAS LEFT OUT ({OPT_OUT}=off): nothing was tested against a real "
            "OpenStack", red=True, bold=True)
        terminalreporter.write_line(bar, red=True, bold=True)


def leftovers(lab: Lab) -> list[str]:
    """What of the lab still runs or exists on this machine."""
    found = [f"process {name} ({pid})" for name in lab.services
             if (pid := read_pid(lab.layout.pid_file(name))) and is_alive(pid)]
    found += [f"namespace {name}" for name in lab_namespaces()]
    found += [f"link {name}" for name in BRIDGES if name in link_names()]
    found += [f"epmd {pid}" for pid in rabbitmq_epmds()]
    return found


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    if not system.is_root() or not shutil.which("apt-get"):
        pytest.fail(f"the lab tier needs root on Debian (or {OPT_OUT}=off to leave it out, "
                    "which the run then reports)", pytrace=False)
    lab = Lab()
    was_running = all(state == "running" for state in lab.status().values())
    try:
        lab.start()
    except BaseException:
        if not was_running:  # a start that failed half-way leaves nothing running either
            lab.stop()
        raise
    yield lab
    if was_running or os.environ.get(KEEP):
        return
    lab.stop()
    left = leftovers(lab)
    assert not left, f"the lab left behind: {', '.join(left)}"


@pytest.fixture(scope="session")
def cloud(lab: Lab):
    connection = lab.connection()
    yield connection
    connection.close()
