#!/usr/bin/env python3
"""Sensu pipe handler: post the event on stdin to Topology's ``POST /sensu/events``.

    post_events.py URL [--environment NAME] [--timeout SECONDS]

The bearer token comes from ``$TOPOLOGY_SENSU_TOKEN`` in the Sensu server's environment,
so it is on no command line (``ps``) and in no file. Exit status 0 when Topology applied
the event, 1 when it answered otherwise (its reason on stderr), 2 when it could not be
reached or the handler is not set up. Standard library of Python 3.7 or later only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Sequence

TOKEN_VARIABLE = "TOPOLOGY_SENSU_TOKEN"  # noqa: S105 (a variable's name)
EVENTS_PATH = "/sensu/events"


def events_url(base: str, environment: str | None) -> str:
    """The endpoint's URL from the API's (http or https only)."""
    if urllib.parse.urlsplit(base).scheme not in ("http", "https"):
        raise ValueError(f"the API URL must be http:// or https://, not {base!r}")
    url = base.rstrip("/")
    if not url.endswith(EVENTS_PATH):
        url += EVENTS_PATH
    if environment:
        url += "?" + urllib.parse.urlencode({"environment": environment})
    return url


def reason(body: bytes) -> str:
    """The first refusal's reason in an answer, else its first line."""
    try:
        answer = json.loads(body)
        for result in answer.get("results", []):
            if result.get("reason"):
                return str(result["reason"])
        for error in answer.get("errors", []):
            return str(error.get("message", error))
        if answer.get("error"):
            return str(answer["error"])
    except (ValueError, AttributeError):
        pass
    text = body.decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else "no answer text"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="Topology's API, e.g. https://topology.example:8080")
    parser.add_argument("--environment", help="environment of events that name none")
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args(argv)
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        print(f"error: {TOKEN_VARIABLE} is not set in the Sensu server's environment",
              file=sys.stderr)
        return 2
    try:
        url = events_url(args.url, args.environment)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    body = sys.stdin.buffer.read()
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        url, data=body, method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=args.timeout) as answer:  # noqa: S310
            status, text = answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        print(f"error: Topology at {args.url} did not answer: "
              f"{getattr(exc, 'reason', exc)}", file=sys.stderr)
        return 2
    if status == 200:
        return 0
    print(f"error: Topology answered {status}: {reason(text)}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
