"""Commands, packages and processes of the lab (root on Debian, no systemd)."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

# The lab's modules call these through this module (system.run, system.stop_pids, ...).
from topology.process_control import ProcessError
from topology.process_control import run as run
from topology.process_control import start_detached as start_detached
from topology.process_control import stop_pids as stop_pids
from topology.process_control import wait_until as wait_until

log = logging.getLogger(__name__)

POLICY_RC = Path("/usr/sbin/policy-rc.d")


class LabError(ProcessError):
    """The lab cannot do what was asked; the message says why and where to look."""


def is_root() -> bool:
    return os.geteuid() == 0


def missing_packages(packages: Sequence[str]) -> list[str]:
    done = run(["dpkg-query", "-W", "-f", "${Package} ${db:Status-Status}\n", *packages],
               check=False, quiet=True)
    installed = {line.split()[0] for line in done.stdout.splitlines()
                 if line.endswith(" installed")}
    return [p for p in packages if p not in installed]


def install_packages(packages: Sequence[str]) -> None:
    """apt-get install what is missing, with service starts denied (no systemd here: a
    package's postinst must not start anything; the lab starts what it needs itself)."""
    missing = missing_packages(packages)
    if not missing:
        return
    if not shutil.which("apt-get"):
        raise LabError("the lab needs Debian's packages (apt-get not found): "
                       f"{' '.join(missing)}")
    if not POLICY_RC.exists():
        POLICY_RC.write_text("#!/bin/sh\nexit 101\n", encoding="utf-8")
        POLICY_RC.chmod(0o755)
    log.info("installing %d packages from Debian (a few minutes the first time): %s",
             len(missing), " ".join(missing))
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-q"], env=env, timeout=600)
    run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing], env=env,
        timeout=1800)
