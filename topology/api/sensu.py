"""Sensu events over the API: ``POST /sensu/events`` and the ``applySensuEvents`` mutation.

Both take one event or a list, in either Sensu shape (:mod:`topology.sensu.events`), and
apply them with the same code, :func:`apply_events`: each event is read, its environment
must be one the caller's token may ``edit`` (checked before the graph is asked anything,
so a refusal says nothing about whether the environment exists), and the permitted ones go
to :meth:`topology.sensu.handler.SensuHandler.apply_many`. Each event gets an outcome, in
order: ``changed`` (its status was written), ``unchanged`` (a repeated status: only the
time of the latest result was kept) or ``refused`` with a one-line reason.

HTTP status of ``POST /sensu/events`` (see :func:`sensu_events_route`):

- 200: every event applied (changed or unchanged);
- 207: some applied, some refused;
- 422: none applied, at least one refused for what it says (unknown check or object, no
  environment, a malformed event);
- 403: none applied, every event refused for lack of ``edit`` on its environment;
- 400: the body is not JSON, or an empty list; 413: larger than ``[api] sensu_max_body``
  bytes or more than ``sensu_max_events`` events; 401: no token or a wrong one;
  503: Neo4j cannot be reached (sending a result again is harmless: a repeat).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from topology.api import metrics
from topology.api.auth import Principal
from topology.api.errors import INTERNAL_MESSAGE, UNAVAILABLE_CODE, UNAVAILABLE_MESSAGE
from topology.config import ApiConfig
from topology.sensu.events import CheckResult, SensuEventError, load_events, parse_event
from topology.sensu.handler import Applied, SensuHandler
from topology.store import UNAVAILABLE_ERRORS, GraphStore

log = logging.getLogger(__name__)

ROUTE = "/sensu/events"
FORBIDDEN_REASON = "forbidden: the token may not edit this event's environment"
CHANGED, UNCHANGED, REFUSED = "changed", "unchanged", "refused"


@dataclass(frozen=True)
class Outcome:
    """What became of one event (``index``: its place in the request)."""

    index: int
    outcome: str  # CHANGED, UNCHANGED or REFUSED
    environment: str | None = None
    check: str | None = None
    target: str | None = None
    status: str | None = None
    changed: list[str] = field(default_factory=list)
    """What changed status: the target and what rolled up from it."""
    reason: str | None = None
    forbidden: bool = False

    @classmethod
    def applied(cls, index: int, applied: Applied) -> Outcome:
        return cls(index, CHANGED if applied.changed else UNCHANGED, applied.environment,
                   applied.check_name, applied.target, applied.status, list(applied.changed))

    def as_json(self) -> dict[str, Any]:
        shown = asdict(self)
        del shown["forbidden"]
        return shown


@dataclass(frozen=True)
class Report:
    """The outcomes of one request's events, in order."""

    outcomes: list[Outcome]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys((CHANGED, UNCHANGED, REFUSED), 0)
        for outcome in self.outcomes:
            counts[outcome.outcome] += 1
        return counts

    @property
    def forbidden_only(self) -> bool:
        """Nothing applied, and every event for lack of ``edit``."""
        return all(o.forbidden for o in self.outcomes)

    @property
    def http_status(self) -> int:
        refused = self.counts()[REFUSED]
        if not refused:
            return 200
        if refused < len(self.outcomes):
            return 207
        return 403 if self.forbidden_only else 422

    def as_json(self) -> dict[str, Any]:
        return {"events": len(self.outcomes), **self.counts(),
                "results": [o.as_json() for o in self.outcomes]}


def apply_events(store: GraphStore, principal: Principal, events: Sequence[Any],
                 default_environment: str | None = None) -> Report:
    """Apply what ``principal`` may of ``events`` (blocking: call it in a thread)."""
    outcomes: dict[int, Outcome] = {}
    permitted: list[tuple[int, CheckResult]] = []
    for index, event in enumerate(events):
        try:
            result = parse_event(event, default_environment)
        except SensuEventError as exc:
            outcomes[index] = Outcome(index, REFUSED, reason=str(exc))
            continue
        if principal.can(result.environment, "edit"):
            permitted.append((index, result))
        else:
            outcomes[index] = Outcome(index, REFUSED, result.environment, result.check_name,
                                      reason=FORBIDDEN_REASON, forbidden=True)
    if permitted:  # each event read once: the handler takes the parsed results
        handled = SensuHandler(store).apply_many([result for _, result in permitted])
        for (index, result), done in zip(permitted, handled, strict=True):
            if isinstance(done, Applied):
                outcomes[index] = Outcome.applied(index, done)
            else:
                outcomes[index] = Outcome(index, REFUSED, result.environment,
                                          result.check_name, reason=str(done))
    report = Report([outcomes[index] for index in range(len(events))])
    metrics.sensu_events(report.counts())
    return report


def _errors(message: str, status: int, **extensions: str) -> JSONResponse:
    error: dict[str, Any] = {"message": message}
    if extensions:
        error["extensions"] = extensions
    return JSONResponse({"errors": [error]}, status_code=status)


async def _body(request: Request, limit: int) -> bytes | None:
    """The request's body, or None when it is longer than ``limit`` bytes (read no
    further than that)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def sensu_events_route(store: GraphStore, limits: ApiConfig
                       ) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    """The ``POST /sensu/events`` endpoint (the token is checked before it runs)."""

    async def sensu_events(request: Request) -> Response:
        """Apply one Sensu event or a JSON list of them; ``?environment=NAME`` is the
        environment of events that name none. Answers each event's outcome, in order, with
        counts: 200 all applied, 207 some refused, 422 all refused, 403 all refused for
        lack of ``edit``; 400 not JSON, 413 too large, 503 Neo4j unavailable."""
        body = await _body(request, limits.sensu_max_body)
        if body is None:
            return _errors(f"request body larger than {limits.sensu_max_body} bytes "
                           "([api] sensu_max_body): send fewer events per request", 413)
        try:
            events = load_events(body)
        except SensuEventError as exc:
            return _errors(str(exc), 400)
        if len(events) > limits.sensu_max_events:
            return _errors(f"{len(events)} events: at most {limits.sensu_max_events} per "
                           "request ([api] sensu_max_events)", 413)
        principal: Principal = request.scope["topology.principal"]
        default = request.query_params.get("environment") or None
        try:
            report = await run_in_threadpool(apply_events, store, principal, events, default)
        except UNAVAILABLE_ERRORS as exc:
            log.warning("%s: Neo4j unavailable (%s)", ROUTE, type(exc).__name__)
            return _errors(UNAVAILABLE_MESSAGE, 503, code=UNAVAILABLE_CODE)
        except Exception:
            log.exception("%s: internal error", ROUTE)
            return _errors(INTERNAL_MESSAGE, 500)
        return JSONResponse(report.as_json(), status_code=report.http_status)

    return sensu_events
