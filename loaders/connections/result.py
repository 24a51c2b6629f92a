"""A connection check's result, its one line, and the guards every check shares: a
deadline (a hanging service must not hang the command) and secrets hidden from reasons."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, unquote, urlsplit

OK, FAILED, NOT_CONFIGURED = "ok", "failed", "not configured"
Status = Literal["ok", "failed", "not configured"]
HIDDEN = "***"


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: Status
    detail: str = ""
    """What was found (ok) or why it failed; never a secret."""
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status == FAILED

    def line(self, width: int = 16) -> str:
        label = f"{self.name}:".ljust(width)
        if self.status == OK:
            return f"{label} ok ({self.detail}, {self.seconds:.2f} s)"
        if self.status == FAILED:
            return f"{label} FAILED: {self.detail}"
        return f"{label} not configured"


def url_secrets(url: str) -> list[str]:
    """The URL and its password (as written and decoded), to hide from messages."""
    if not url:
        return []
    found = [url]
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    if password:
        found += [password, unquote(password)]
    return found


def hide(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (also URL-quoted or decoded) replaced by ``***``."""
    forms = {form for secret in secrets if secret
             for form in (secret, quote(secret, safe=""), unquote(secret)) if len(form) > 0}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, HIDDEN)
    return text


def reason(exc: BaseException) -> str:
    """An exception as one line: its type when it says nothing else."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def timed(name: str, check: Callable[[], str], secrets: Iterable[str]) -> CheckResult:
    """Run ``check`` (it returns the detail or raises): ok, or FAILED with the reason."""
    started = time.monotonic()
    try:
        detail = check()
    except Exception as exc:  # every failure is the check's answer
        return CheckResult(name, FAILED, hide(reason(exc), secrets),
                           time.monotonic() - started)
    return CheckResult(name, OK, hide(detail, secrets), time.monotonic() - started)


class Deadline:
    """Runs a check in a daemon thread: its results, or FAILED once ``seconds`` passed (the
    thread is left behind; being a daemon it does not keep the process alive)."""

    def __init__(self, names: list[str], work: Callable[[], list[CheckResult]],
                 seconds: float) -> None:
        self.names = names
        self.seconds = seconds
        self.started = time.monotonic()
        self._box: queue.Queue[list[CheckResult]] = queue.Queue(maxsize=1)
        self._thread = threading.Thread(target=self._run, args=(work,), daemon=True,
                                        name=f"env-check-{names[0]}")
        self._thread.start()

    def _run(self, work: Callable[[], list[CheckResult]]) -> None:
        try:
            found = work()
        except Exception as exc:  # a bug in a check is its answer, not a hang
            found = [CheckResult(name, FAILED, f"the check itself failed: "
                                 f"{type(exc).__name__}") for name in self.names]
        self._box.put(found)

    def results(self) -> list[CheckResult]:
        left = self.started + self.seconds - time.monotonic()
        try:
            return self._box.get(timeout=max(left, 0.0))
        except queue.Empty:
            return [CheckResult(name, FAILED, f"no answer within {self.seconds:g} s",
                                self.seconds) for name in self.names]
