"""``topology sandbox start|stop|status|fault``: the sandbox as a background process.

``start`` writes the settings to the sandbox's folder, starts ``topology sandbox run`` in
its own session (output to ``sandbox.log``) and waits until the process says it serves (its
``state.json``), or exits (then the log's last lines say why). ``stop`` asks it to stop
(SIGTERM: it stops its SSH server, churn, API and daemons) and kills what is left.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from topology.errors import UserError
from topology.process_control import log_tail, start_detached, stop_pids
from topology.processes import is_alive, process_tree, read_pid, rss_mib
from topology.sandbox.layout import SandboxLayout
from topology.sandbox.secrets import load_or_create
from topology.sandbox.settings import SandboxSettings

START_TIMEOUT = 300.0


@dataclass(frozen=True)
class SandboxStatus:
    running: bool
    pid: int | None
    state: dict[str, Any] | None  # what the process wrote once it served
    live: dict[str, Any] | None  # what its control endpoint answers now
    memory_mib: float
    problem: str = ""


class Sandbox:
    def __init__(self, layout: SandboxLayout) -> None:
        self.layout = layout

    def running_pid(self) -> int | None:
        pid = read_pid(self.layout.pid_file)
        return pid if pid is not None and is_alive(pid) else None

    def start(self, settings: SandboxSettings, *, timeout: float = START_TIMEOUT) -> dict[str, Any]:
        """Start the sandbox and return its state; one that runs already is left alone
        (its state is returned; stop it first to change its settings)."""
        pid = self.running_pid()
        if pid is not None:
            state = self._read_state()
            if state is not None:
                return {**state, "already_running": True}
            raise UserError(f"a sandbox process (pid {pid}) is starting or stuck; "
                            f"see {self.layout.log_file} or run: topology sandbox stop")
        self.layout.root.mkdir(parents=True, exist_ok=True)
        self.layout.state_file.unlink(missing_ok=True)
        self.layout.settings_file.write_text(settings.to_json(), encoding="utf-8")
        load_or_create(self.layout.secrets_file)
        with self.layout.log_file.open("a", encoding="utf-8") as log:
            log.write(f"\n--- sandbox start at {time.strftime('%Y-%m-%d %H:%M:%S')} ---\n")
            offset = log.tell()  # this start's part of the log
        pid = start_detached(
            [sys.executable, "-m", "topology.cli", "sandbox", "run",
             "--folder", str(self.layout.root)],
            user=None, pid_file=self.layout.pid_file, log_file=self.layout.log_file,
            env={"PYTHONUNBUFFERED": "1"}, cwd=Path.cwd())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self._read_state()
            if state is not None and state.get("pid") == pid:
                return state
            if not is_alive(pid):
                raise UserError("the sandbox exited while starting; the end of its log "
                                f"({self.layout.log_file}):\n"
                                f"{log_tail(self.layout.log_file, 25, offset)}")
            time.sleep(0.2)
        stop_pids(process_tree(pid))
        raise UserError(f"the sandbox did not come up in {timeout:g} s (stopped it); the end "
                        f"of its log ({self.layout.log_file}):\n"
                        f"{log_tail(self.layout.log_file, 25, offset)}")

    def stop(self, grace: float = 60.0) -> bool:
        """Stop the sandbox and everything it started; False when it was not running."""
        pid = self.running_pid()
        if pid is None:
            self.layout.state_file.unlink(missing_ok=True)
            return False
        tree = process_tree(pid)
        stop_pids([pid], grace=grace)
        stop_pids([p for p in tree if is_alive(p)], grace=10.0)  # daemons it left behind
        self.layout.pid_file.unlink(missing_ok=True)
        self.layout.state_file.unlink(missing_ok=True)
        return True

    def status(self) -> SandboxStatus:
        pid = self.running_pid()
        state = self._read_state() if pid is not None else None
        if pid is None:
            return SandboxStatus(False, None, None, None, 0.0)
        memory = rss_mib(process_tree(pid))
        if state is None:
            return SandboxStatus(True, pid, None, None, memory, "starting (or stuck): see "
                                 f"{self.layout.log_file}")
        try:
            live = self.control("GET", "/status")
        except UserError as exc:
            return SandboxStatus(True, pid, state, None, memory, str(exc))
        return SandboxStatus(True, pid, state, live, memory)

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the running sandbox's control endpoint (``/control<path>``)."""
        state = self._read_state()
        if state is None or self.running_pid() is None:
            raise UserError("no sandbox is running (start one: topology sandbox start)")
        token = load_or_create(self.layout.secrets_file).control_token
        # The address is the sandbox's own (its state file), always http://127.0.0.1:<port>.
        request = urllib.request.Request(  # noqa: S310
            f"{state['api_url']}/control{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")
            with contextlib.suppress(ValueError, AttributeError):
                detail = json.loads(detail).get("error", detail)
            raise UserError(f"the sandbox refused: {detail}") from None
        except OSError as exc:
            raise UserError(f"the sandbox's control endpoint does not answer: {exc}") from None

    def _read_state(self) -> dict[str, Any] | None:
        try:
            state = json.loads(self.layout.state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return state if isinstance(state, dict) else None


def default_layout(state_dir: Path) -> SandboxLayout:
    return SandboxLayout(Path(os.environ.get("TOPOLOGY_SANDBOX_DIR", state_dir / "sandbox")))
