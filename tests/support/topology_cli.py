"""Run the ``topology`` command in a subprocess, pointed at the test session's Neo4j."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from topology.config import Config


class TopologyCli:
    def __init__(self, config: Config, state_dir: Path) -> None:
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("NEO4J_", "TOPOLOGY_"))}
        self.env.update({"NEO4J_URI": config.bolt_uri, "NEO4J_USER": config.neo4j.user,
                         "NEO4J_PASSWORD": config.neo4j.password,
                         "TOPOLOGY_STATE_DIR": str(state_dir)})

    def __call__(self, *args: str, stdin: str | None = None
                 ) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "topology.cli", *args], env=self.env,
                              input=stdin, capture_output=True, text=True, timeout=300,
                              check=False)

    def handle(self, events: Any, *args: str) -> subprocess.CompletedProcess[str]:
        """``topology sensu-handler`` with ``events`` (one, or a list) as JSON on stdin."""
        return self("sensu-handler", *args, stdin=json.dumps(events))
