"""``topology listen --all``: one child per wanted environment, restarted when it dies,
stopped when its environment stops listening (real child processes, no broker)."""

from __future__ import annotations

import sys
import time

from topology.events import supervisor as supervised
from topology.events.supervisor import Supervisor


def test_children_are_started_restarted_and_stopped(monkeypatch) -> None:
    monkeypatch.setattr(supervised, "FIRST_PAUSE", 0.1)
    wanted = ["dies", "lives"]
    commands = {"dies": [sys.executable, "-c", "raise SystemExit(3)"],
                "lives": [sys.executable, "-c", "import time; time.sleep(60)"]}
    boss = Supervisor(lambda: wanted, lambda env: commands[env])
    try:
        boss.tick(wanted)
        assert set(boss.children) == {"dies", "lives"}
        deadline = time.monotonic() + 30
        while boss.restarts < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
            boss.tick(wanted)
        assert boss.restarts >= 2  # the dying one came back, again and again
        lives = boss.children["lives"].process
        assert lives.poll() is None  # the other one was left alone
        boss.tick(["dies"])  # "lives" stopped listening
        assert "lives" not in boss.children and lives.wait(15) is not None
    finally:
        for environment in list(boss.children):
            boss._stop(environment)
