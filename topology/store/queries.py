"""Named Cypher queries, loaded from the ``cypher/`` folder by name.

Query text may hold placeholders such as ``__REL_TYPE__``; they are filled only with labels and
relationship types the catalogue knows, so input never becomes query text. Values always
travel as parameters.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import LiteralString, cast

from topology import catalogue

_PLACEHOLDER = re.compile(r"__[A-Z_]+__")
_PROPERTY_NAME = re.compile(r"[a-z][a-z0-9_]*")
"""A property a query names in its text (a lookup's indexed key): a plain lower-case name."""


class QueryNotFoundError(LookupError):
    pass


def cypher_dir() -> Path:
    """The ``cypher/`` folder: ``TOPOLOGY_CYPHER_DIR`` or the one beside the package."""
    override = os.environ.get("TOPOLOGY_CYPHER_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "cypher"


@cache
def _read(relative: str) -> str:
    path = cypher_dir() / relative
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QueryNotFoundError(f"no Cypher file {path}") from None


def _check_token_value(placeholder: str, value: str) -> None:
    if placeholder.endswith("LABEL__"):
        if value not in catalogue.all_labels():
            raise ValueError(f"{value!r} is not a catalogue label")
    elif placeholder == "__REL_TYPE__":
        if value not in catalogue.relationship_types():
            raise ValueError(f"{value!r} is not a catalogue relationship type")
    elif placeholder == "__PROPERTY__":
        if not _PROPERTY_NAME.fullmatch(value):
            raise ValueError(f"{value!r} is not a plain property name")
    else:
        raise ValueError(f"unknown query placeholder {placeholder}")


def query(name: str, **placeholders: str) -> LiteralString:
    """The text of ``cypher/queries/<name>.cypher`` with its placeholders filled from the catalogue.

    ``query("upsert_links", SOURCE_LABEL="Instance", ...)`` fills ``__SOURCE_LABEL__``.
    """
    text = _read(f"queries/{name}.cypher")
    wanted = set(_PLACEHOLDER.findall(text))
    given = {f"__{key}__": value for key, value in placeholders.items()}
    if wanted != set(given):
        raise ValueError(f"query {name} needs placeholders {sorted(wanted)}, got {sorted(given)}")
    for placeholder, value in given.items():
        _check_token_value(placeholder, value)
        text = text.replace(placeholder, value)
    return cast(LiteralString, text)


def statements(name: str) -> list[LiteralString]:
    """The statements of ``cypher/<name>.cypher`` (split on ``;``, comments dropped)."""
    text = _read(f"{name}.cypher")
    lines = [line for line in text.splitlines() if not line.strip().startswith("//")]
    parts = (part.strip() for part in "\n".join(lines).split(";"))
    return [cast(LiteralString, part) for part in parts if part]
