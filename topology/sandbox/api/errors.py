"""Each service's error body, shaped as its clients parse it.

Keystone (and keystonemiddleware in front of Nova and Neutron) answers
``{"error": {"code", "title", "message"}}``; Nova wraps ``{"code", "message"}`` in a key
named after the kind of fault (``itemNotFound``, ``badRequest``, ``computeFault``...);
Neutron answers ``{"NeutronError": {"type", "message", "detail"}}``.
"""

from __future__ import annotations

from http import HTTPStatus

IDENTITY = "identity"
COMPUTE = "compute"
NETWORK = "network"

# Nova's fault names by status; any other status is a "computeFault".
_NOVA_FAULTS = {
    400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
    405: "badMethod", 409: "conflictingRequest", 413: "overLimit", 415: "badMediaType",
    429: "overLimit", 501: "notImplemented", 503: "serviceUnavailable",
}
# Neutron's exception type names for the statuses the sandbox answers with.
_NEUTRON_TYPES = {400: "BadRequest", 401: "HTTPUnauthorized", 404: "NotFound",
                  500: "HTTPInternalServerError"}

UNAUTHENTICATED = "The request you have made requires authentication."


class ServiceError(Exception):
    """An error answer: ``status`` with ``message``; ``kind`` names Neutron's exception type
    (``NetworkNotFound``...) where the status alone does not."""

    def __init__(self, status: int, message: str, kind: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind


def service_of(path: str) -> str:
    """Which service a request path belongs to (the sandbox serves all three)."""
    if path.startswith("/compute"):
        return COMPUTE
    if path.startswith("/network"):
        return NETWORK
    return IDENTITY


def error_body(service: str, status: int, message: str,
               kind: str | None = None) -> dict[str, object]:
    if service == COMPUTE and status != 401:
        return {_NOVA_FAULTS.get(status, "computeFault"): {"code": status, "message": message}}
    if service == NETWORK and status != 401:
        neutron_type = kind or _NEUTRON_TYPES.get(status, "HTTPInternalServerError")
        return {"NeutronError": {"type": neutron_type, "message": message, "detail": ""}}
    # Keystone's own errors, and keystonemiddleware's 401 in front of Nova and Neutron.
    return {"error": {"code": status, "title": HTTPStatus(status).phrase, "message": message}}


def internal_error_message(service: str) -> str:
    if service == COMPUTE:
        return "Unexpected API Error in the sandbox's compute service (injected fault)."
    if service == NETWORK:
        return "Request Failed: the sandbox's network service failed (injected fault)."
    return "The sandbox's identity service failed (injected fault)."
