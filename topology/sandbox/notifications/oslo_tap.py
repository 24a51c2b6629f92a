"""Reading back what oslo.messaging's notification drivers log while a notification is
published, in the publishing thread: the message ids oslo's ``log`` driver logs (the
whole message, as JSON, under ``oslo.messaging.notification.<event type>``) and the
messaging driver's failures (``Could not send notification``, whose arguments hold the
message). The log driver's records stop here (they are not the application's log); the
failures' records too (the publisher logs failures in a line of its own).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

LOG_DRIVER_LOGGER = "oslo.messaging.notification"  # oslo's log driver logs under it
MESSAGING_DRIVER_LOGGER = "oslo_messaging.notify.messaging"


@dataclass
class Capture:
    message_ids: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class Captures(threading.local):
    """What the oslo drivers logged in this thread while it publishes one notification."""

    current: Capture | None = None

    def start(self) -> Capture:
        self.current = Capture()
        return self.current

    def stop(self) -> None:
        self.current = None


class _MessageIds(logging.Handler):
    """Reads each message's id from what oslo's log driver logs (the message, as JSON)."""

    def __init__(self, captures: Captures) -> None:
        super().__init__(logging.INFO)
        self.captures = captures

    def emit(self, record: logging.LogRecord) -> None:
        if self.captures.current is not None:
            self.captures.current.message_ids.append(
                json.loads(record.getMessage())["message_id"])


class _Failures(logging.Filter):
    """Catches the messaging driver's "could not send" (its arguments hold the message)
    and drops the record: the publisher logs failures in a line of its own."""

    def __init__(self, captures: Captures) -> None:
        super().__init__()
        self.captures = captures

    def filter(self, record: logging.LogRecord) -> bool:
        capture = self.captures.current
        message = record.args.get("message") if isinstance(record.args, dict) else None
        if capture is None or not isinstance(message, dict):
            return True
        capture.failed.append(str(message.get("message_id")))
        return False


_CAPTURES = Captures()
_MESSAGE_IDS = _MessageIds(_CAPTURES)
_FAILURES = _Failures(_CAPTURES)
_tap_lock = threading.Lock()
_tap_users = 0


def attach() -> None:
    """Start reading what the drivers log (once for every publisher open)."""
    global _tap_users
    with _tap_lock:
        if _tap_users == 0:
            driver_log = logging.getLogger(LOG_DRIVER_LOGGER)
            driver_log.addHandler(_MESSAGE_IDS)
            driver_log.setLevel(logging.INFO)
            driver_log.propagate = False  # the messages are not the application's log
            logging.getLogger(MESSAGING_DRIVER_LOGGER).addFilter(_FAILURES)
        _tap_users += 1


def detach() -> None:
    """Stop reading when the last publisher closed."""
    global _tap_users
    with _tap_lock:
        _tap_users -= 1
        if _tap_users == 0:
            driver_log = logging.getLogger(LOG_DRIVER_LOGGER)
            driver_log.removeHandler(_MESSAGE_IDS)
            driver_log.propagate = True
            logging.getLogger(MESSAGING_DRIVER_LOGGER).removeFilter(_FAILURES)


@contextmanager
def capturing() -> Iterator[Capture]:
    """What the drivers log in this thread until the block ends."""
    capture = _CAPTURES.start()
    try:
        yield capture
    finally:
        _CAPTURES.stop()
