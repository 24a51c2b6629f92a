"""Read MongoDB exports of Calipso's collections into plain Python documents.

This module knows nothing about Neo4j.  It turns a ``mongoexport`` file into a list of
:class:`Document` (each with the file, line and position it came from) and a list of
:class:`BadDocument` for whatever could not be read, and it always carries on after a broken
document.  Only file-level problems (unreadable file, not UTF-8, corrupt gzip, unknown
collection) raise :class:`CalipsoExportError`.

Supported layouts, told apart by the first non-blank character of the file:

* a JSON array (``mongoexport --jsonArray``, one line or ``--pretty``);
* JSON lines (mongoexport's default: one document per line);
* concatenated pretty-printed documents (``mongoexport --pretty``).

Files may be gzip-compressed (detected from the magic bytes or a ``.gz`` name) and may start
with a UTF-8 byte-order mark.  MongoDB Extended JSON (relaxed and canonical) becomes plain
Python values, and Calipso's ``[dot]`` key encoding is undone.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import re
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from topology.errors import UserError
from topology.gc_pause import paused_gc

__all__ = [
    "COLLECTIONS",
    "BadDocument",
    "CalipsoExportError",
    "Document",
    "ExportFile",
    "SourceRef",
    "collection_for",
    "convert_extended_json",
    "read_export",
]

#: The supported collections, in the order they must be imported (environments first, since
#: everything else belongs to one; links refer to inventory; clique constraints to clique types).
COLLECTIONS: tuple[str, ...] = (
    "environments_config",
    "inventory",
    "links",
    "clique_types",
    "clique_constraints",
)

# Longest first, so a ``<name>_<suffix>`` stem is attributed to the most specific name.
_BY_LENGTH = tuple(sorted(COLLECTIONS, key=len, reverse=True))
_EXTENSIONS = (".json", ".jsonl", ".ndjson", ".gz")


class CalipsoExportError(UserError):
    """A whole export file cannot be used (unreadable, not UTF-8, corrupt, unknown collection)."""


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a document came from."""

    path: str
    line: int  #: 1-based line where the document starts
    index: int  #: 0-based position of the document in the file
    column: int = 1  #: 1-based column where it starts (tells documents of a one-line array apart)

    def __str__(self) -> str:
        return f"{self.path}:{self.line} (document #{self.index + 1})"


@dataclass(frozen=True, slots=True)
class Document:
    """One document read from an export, Extended JSON converted and keys decoded."""

    ref: SourceRef
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BadDocument:
    """A document (or a stretch of the file) that could not be read, and why."""

    ref: SourceRef
    reason: str


@dataclass
class ExportFile:
    """Everything read from one export file."""

    path: str
    collection: str
    documents: list[Document]
    bad: list[BadDocument]
    #: "json-array", "json-lines", "pretty" (concatenated pretty documents) or "empty"
    format: str = "empty"


# --------------------------------------------------------------------------------------------
# Collection detection


def _strip_extensions(name: str) -> str:
    stem = name.lower()
    stripped = True
    while stripped:
        stripped = False
        for ext in _EXTENSIONS:
            if stem.endswith(ext) and len(stem) > len(ext):
                stem = stem[: -len(ext)]
                stripped = True
    return stem


def _match_collection(stem: str) -> str | None:
    # The whole stem, then its last dotted part (mongoexport names files "<db>.<collection>").
    candidates = [stem]
    if "." in stem:
        candidates.append(stem.rsplit(".", 1)[1])
    for candidate in candidates:
        if candidate in COLLECTIONS:
            return candidate
    # Calipso's renamed collections: "inventory_<x>", "links_<x>", ...
    for candidate in candidates:
        for name in _BY_LENGTH:
            if candidate.startswith(name + "_") and len(candidate) > len(name) + 1:
                return name
    return None


def collection_for(path: str | Path, explicit: str | None = None) -> str:
    """The Calipso collection an export file holds.

    ``explicit`` (the user's ``--collection``) wins over the file name; it must be one of
    :data:`COLLECTIONS`.  Otherwise the name, without ``.json``/``.jsonl``/``.ndjson``/``.gz``
    extensions, must be a collection name, end with ``.<name>`` (``calipso.inventory.json``) or
    be ``<name>_<suffix>`` (Calipso's renamed collections, e.g. ``inventory_old``).
    """
    valid = ", ".join(COLLECTIONS)
    if explicit is not None:
        name = explicit.strip().lower()
        if name not in COLLECTIONS:
            raise CalipsoExportError(
                f"unknown Calipso collection {explicit!r}; valid collections are: {valid}")
        return name
    found = _match_collection(_strip_extensions(Path(path).name))
    if found is None:
        raise CalipsoExportError(
            f"{path}: cannot tell which Calipso collection this file holds from its name; "
            f"pass --collection with one of: {valid}")
    return found


# --------------------------------------------------------------------------------------------
# Extended JSON


class _ExtendedJSONError(Exception):
    """A value has the exact shape of an Extended JSON type but cannot be converted."""


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_Converter = Callable[[dict[str, Any], Any], Any]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _from_millis(millis: float) -> datetime:
    try:
        return _EPOCH + timedelta(milliseconds=millis)
    except (OverflowError, ValueError) as exc:
        raise _ExtendedJSONError(f"$date {millis!r} is out of range") from exc


def _from_iso(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise _ExtendedJSONError(f"$date {text!r} is not an ISO-8601 date") from exc


def _date(original: dict[str, Any], value: Any) -> Any:
    # {"$date": {"$numberLong": "..."}} arrives here with the inner value already an int.
    if isinstance(value, str):
        return _from_iso(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_millis(value)
    return original


def _oid(original: dict[str, Any], value: Any) -> Any:
    return value if isinstance(value, str) else original


def _integer(original: dict[str, Any], value: Any) -> Any:
    if _is_int(value):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            key = next(iter(original))
            raise _ExtendedJSONError(f"{key} {value!r} is not an integer") from None
    return original


def _double(original: dict[str, Any], value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)  # also "NaN", "Infinity", "-Infinity"
        except ValueError:
            raise _ExtendedJSONError(f"$numberDouble {value!r} is not a number") from None
    return original


def _decimal(original: dict[str, Any], value: Any) -> Any:
    return value if isinstance(value, str) else original


def _binary_text(payload: str, subtype: Any) -> str:
    """UUID binaries (subtype 4) as a UUID, anything else as its base64 text."""
    if _is_int(subtype):
        subtype = f"{subtype:02x}"
    if isinstance(subtype, str) and subtype.lower().lstrip("0") == "4":
        try:
            raw = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            return payload
        if len(raw) == 16:
            return str(uuid.UUID(bytes=raw))
    return payload


def _binary(original: dict[str, Any], value: Any) -> Any:
    if (isinstance(value, dict) and set(value) == {"base64", "subType"}
            and isinstance(value["base64"], str)):
        return _binary_text(value["base64"], value["subType"])
    return original


def _uuid(original: dict[str, Any], value: Any) -> Any:
    if not isinstance(value, str):
        return original
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value


def _regex_text(pattern: Any, options: Any) -> str:
    return f"/{pattern}/{options or ''}"


def _regular_expression(original: dict[str, Any], value: Any) -> Any:
    if isinstance(value, dict) and set(value) <= {"pattern", "options"} and "pattern" in value:
        return _regex_text(value["pattern"], value.get("options"))
    return original


def _timestamp(original: dict[str, Any], value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"t", "i"}:
        return f"Timestamp({value['t']}, {value['i']})"
    return original


def _min_key(original: dict[str, Any], value: Any) -> Any:
    return "MinKey"


def _max_key(original: dict[str, Any], value: Any) -> Any:
    return "MaxKey"


# Single-key Extended JSON forms: {"$oid": ...}, {"$date": ...}, ...
_SINGLE_KEY: dict[str, _Converter] = {
    "$oid": _oid,
    "$date": _date,
    "$numberLong": _integer,
    "$numberInt": _integer,
    "$numberDouble": _double,
    "$numberDecimal": _decimal,
    "$binary": _binary,
    "$uuid": _uuid,
    "$regularExpression": _regular_expression,
    "$timestamp": _timestamp,
    "$minKey": _min_key,
    "$maxKey": _max_key,
}


def _convert_pair(obj: dict[str, Any]) -> Any:
    if "$binary" in obj and "$type" in obj and isinstance(obj["$binary"], str):
        return _binary_text(obj["$binary"], obj["$type"])  # legacy binary form
    if "$regex" in obj and "$options" in obj and isinstance(obj["$regex"], str):
        return _regex_text(obj["$regex"], obj["$options"])  # legacy regex form
    return obj


def _convert(obj: dict[str, Any]) -> Any:
    """Convert ``obj`` if its keys are exactly those of an Extended JSON type, else return it.

    This is the JSON decoder's object hook, so it runs for every object in the file: keep it
    cheap.  Children are converted first (bottom-up), so ``{"$date": {"$numberLong": "1"}}``
    arrives as ``{"$date": 1}``.
    """
    size = len(obj)
    if size == 1:
        ((key, value),) = obj.items()
        converter = _SINGLE_KEY.get(key)
        return obj if converter is None else converter(obj, value)
    return _convert_pair(obj) if size == 2 else obj


def _decode_keys(obj: dict[str, Any]) -> dict[str, Any]:
    """Undo Calipso's key encoding: MongoDB keys cannot hold '.', Calipso wrote '[dot]'."""
    # One C-level join and search instead of a Python loop over the keys (a false positive
    # across two keys only costs a rebuild that changes nothing).
    if "[dot]" in "".join(obj):
        return {key.replace("[dot]", "."): value for key, value in obj.items()}
    return obj


def _convert_and_decode_keys(obj: dict[str, Any]) -> Any:
    """:func:`_convert` then :func:`_decode_keys`, flattened: this runs for every object."""
    size = len(obj)
    if size == 1:
        ((key, value),) = obj.items()
        converter = _SINGLE_KEY.get(key)
        if converter is not None:
            converted = converter(obj, value)
            if converted is not obj:
                return converted
        return {key.replace("[dot]", "."): value} if "[dot]" in key else obj
    if size == 2:
        converted = _convert_pair(obj)
        if converted is not obj:
            return converted
    if "[dot]" in "".join(obj):
        return {key.replace("[dot]", "."): value for key, value in obj.items()}
    return obj


def convert_extended_json(value: Any) -> Any:
    """Convert Extended JSON and ``[dot]`` keys in an already-parsed value (recursively).

    The reader does this while parsing; this is for values that come from elsewhere.
    Raises ``ValueError`` for a value shaped like an Extended JSON type that cannot be converted.
    """
    if isinstance(value, list):
        return [convert_extended_json(item) for item in value]
    if isinstance(value, dict):
        try:
            return _convert_and_decode_keys(
                {k: convert_extended_json(v) for k, v in value.items()})
        except _ExtendedJSONError as exc:
            raise ValueError(str(exc)) from None
    return value


# --------------------------------------------------------------------------------------------
# Reading files


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CalipsoExportError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CalipsoExportError(f"{path}: is a directory, not an export file") from None
    except OSError as exc:
        raise CalipsoExportError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if raw[:2] == b"\x1f\x8b" or path.name.lower().endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise CalipsoExportError(f"{path}: corrupt or truncated gzip file: {exc}") from None
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise CalipsoExportError(
            f"{path}: file is UTF-16 encoded; convert it to UTF-8 (e.g. with iconv)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise CalipsoExportError(
            f"{path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at line {line})") from None


def read_export(path: str | Path, collection: str | None = None) -> ExportFile:
    """Read one export file: every readable document, and every broken one with its reason.

    ``collection`` overrides the collection guessed from the file name (see
    :func:`collection_for`).  Raises :class:`CalipsoExportError` for file-level problems only.
    """
    file_path = Path(path)
    name = file_path.name.lower().removesuffix(".gz")
    if name.endswith(".bson"):
        raise CalipsoExportError(
            f"{path}: BSON dumps (mongodump) are not supported; export with mongoexport")
    coll = collection_for(file_path, collection)
    text = _read_text(file_path)
    parser = _Parser(text, str(path))
    # JSON yields no reference cycles, but the cyclic collector would keep re-scanning the
    # millions of containers being created: pausing it makes big files about twice as fast.
    with paused_gc():
        fmt = parser.parse()
    return ExportFile(str(path), coll, parser.documents, parser.bad, fmt)


# --------------------------------------------------------------------------------------------
# Parsing

_WHITESPACE = re.compile(r"[ \t\n\r]*")
# A top-level document boundary inside an array: "},{", "}, {" or "},\n  {".
_ARRAY_BOUNDARY = re.compile(r"\}[ \t]*,[ \t\r\n]*\{")
# Documents in JSON-lines files: a line starting (after blanks) with "{".
_LINE_START = re.compile(r"^[ \t]*\{", re.MULTILINE)
_SHELL_SYNTAX = re.compile(
    r"(?:new\s+)?(?:ObjectId|ISODate|NumberLong|NumberInt|NumberDecimal|Timestamp|BinData"
    r"|UUID|Date|DBRef|MinKey|MaxKey)\s*\(")

# The decoder works on windows of the text rather than the whole of it, because
# json.JSONDecodeError counts the newlines from the start of the string it was given: on a
# 50 MB file with many broken documents that would be quadratic.
_WINDOW = 64 * 1024
# A decoding error this close to the end of a window may only mean the window cut a document.
_MARGIN = 16
_MAX_INDENT = 256


class _JSONError(Exception):
    def __init__(self, msg: str, pos: int) -> None:
        super().__init__(msg)
        self.msg = msg
        self.pos = pos


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, datetime):
        return "a date"
    return f"a {type(value).__name__}"


class _Lines:
    """Line numbers of increasing positions, counted incrementally (each newline once)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.line_start = 0

    def advance(self, pos: int) -> int:
        """Move to ``pos`` (never backwards) and return its line."""
        if pos > self.pos:
            text = self.text
            newlines = text.count("\n", self.pos, pos)
            if newlines:
                self.line += newlines
                self.line_start = text.rfind("\n", self.pos, pos) + 1
            self.pos = pos
        return self.line

    def locate(self, pos: int) -> tuple[int, int]:
        """Line and 1-based column of ``pos`` (at or after the current one), without moving."""
        text = self.text
        if pos < self.pos:
            return text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)
        newlines = text.count("\n", self.pos, pos)
        if not newlines:
            return self.line, pos - self.line_start + 1
        return self.line + newlines, pos - text.rfind("\n", self.pos, pos)


class _Parser:
    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.documents: list[Document] = []
        self.bad: list[BadDocument] = []
        self.index = 0
        self.lines = _Lines(text)
        self.view = ""
        self.view_start = 0
        self.view_end = 0
        # Hooks cost a Python call per JSON object: only install the ones this file needs.
        extended, dots = '"$' in text, "[dot]" in text
        hook = (_convert_and_decode_keys if extended else _decode_keys) if dots else (
            _convert if extended else None)
        self.decoder = json.JSONDecoder(object_hook=hook)
        self.plain = json.JSONDecoder()

    # -- positions ---------------------------------------------------------------------------

    def _ref(self, pos: int) -> SourceRef:
        line = self.lines.advance(pos)
        ref = SourceRef(self.path, line, self.index, pos - self.lines.line_start + 1)
        self.index += 1
        return ref

    def _indent_at(self, pos: int) -> str | None:
        """The blanks before ``pos`` if it is the first non-blank of its line (after advance)."""
        start = self.lines.line_start
        if pos - start > _MAX_INDENT:
            return None
        prefix = self.text[start:pos]
        return prefix if not prefix.strip(" \t") else None

    def _skip_ws(self, pos: int) -> int:
        match = _WHITESPACE.match(self.text, pos)
        return match.end() if match else pos

    # -- decoding ----------------------------------------------------------------------------

    def _window(self, pos: int, size: int) -> None:
        self.view_start = pos
        self.view_end = min(len(self.text), pos + size)
        self.view = self.text[pos : self.view_end]

    def _raw_decode(self, pos: int, decoder: json.JSONDecoder) -> tuple[Any, int]:
        """Decode the JSON value at ``pos``; raises _JSONError with a position in the text."""
        total = len(self.text)
        if (pos >= self.view_end - _MARGIN or pos < self.view_start
                or (self.view_end - self.view_start > 4 * _WINDOW
                    and pos - self.view_start > _WINDOW)):
            self._window(pos, _WINDOW)
        while True:
            view, start = self.view, self.view_start
            try:
                obj, end = decoder.raw_decode(view, pos - start)
            except json.JSONDecodeError as exc:
                if self.view_end < total and (exc.pos >= len(view) - _MARGIN
                                              or exc.msg.startswith("Unterminated string")):
                    self._window(pos, 2 * (self.view_end - pos) + _WINDOW)
                    continue
                raise _JSONError(exc.msg, exc.pos + start) from None
            if end == len(view) and self.view_end < total and view[-1] not in '}]"':
                # A top-level number cut by the window: read it again whole.
                self._window(pos, 2 * (self.view_end - pos) + _WINDOW)
                continue
            return obj, end + start

    def _json_reason(self, ref: SourceRef, error: _JSONError) -> str:
        line, column = self.lines.locate(error.pos)
        where = f"column {column}" if line == ref.line else f"line {line} column {column}"
        # Some messages already end with "at" ("Unterminated string starting at").
        reason = f"invalid JSON: {error.msg.removesuffix(' at')} at {where}"
        if _SHELL_SYNTAX.match(self.text, error.pos):
            reason += " (mongo shell syntax such as ObjectId(...) is not JSON: use mongoexport)"
        return reason

    def _decode_or_reject(self, ref: SourceRef, pos: int,
                          decoder: json.JSONDecoder) -> tuple[Any, int] | None:
        """The value at ``pos`` and where it ends, or None after recording a broken document
        (invalid JSON, or nested too deeply). Extended JSON errors are the caller's."""
        try:
            return self._raw_decode(pos, decoder)
        except _JSONError as error:
            reason = self._json_reason(ref, error)
        except RecursionError:
            reason = "document is nested too deeply"
        self.bad.append(BadDocument(ref, reason))
        return None

    def _read_document(self, pos: int) -> int | None:
        """Read the document starting at ``pos`` and record it, good or bad.

        Returns where the document ends, or None when it is broken JSON and the caller must
        look for the next document boundary.
        """
        ref = self._ref(pos)
        try:
            decoded = self._decode_or_reject(ref, pos, self.decoder)
        except _ExtendedJSONError as exc:
            # Well-formed JSON with an unconvertible value: find where it ends and move on.
            plain = self._decode_or_reject(ref, pos, self.plain)
            if plain is None:
                return None
            self.bad.append(BadDocument(ref, f"invalid extended JSON: {exc}"))
            return plain[1]
        if decoded is None:
            return None
        obj, end = decoded
        if type(obj) is dict:
            self.documents.append(Document(ref, obj))
        else:
            self.bad.append(BadDocument(ref, f"document is {_kind(obj)}, expected an object"))
        return end

    # -- layouts -----------------------------------------------------------------------------

    def parse(self) -> str:
        text = self.text
        pos = self._skip_ws(0)
        if pos >= len(text):
            return "empty"
        if text[pos] == "[":
            self._parse_array(pos)
            return "json-array"
        self.lines.advance(pos)
        line_end = text.find("\n", pos)
        pretty = text[pos : line_end if line_end >= 0 else len(text)].strip() == "{"
        self._parse_stream(pos, pretty)
        return "pretty" if pretty else "json-lines"

    def _parse_stream(self, pos: int, pretty: bool) -> None:
        """JSON lines, or concatenated pretty documents (each opening at the same indentation).

        After a broken document, resume at the next line starting with "{": in pretty files
        only at the documents' own indentation, as nested objects are indented deeper.
        """
        text, total = self.text, len(self.text)
        boundary = _LINE_START
        if pretty:
            indent = self._indent_at(pos) or ""
            boundary = re.compile("^" + re.escape(indent) + r"\{", re.MULTILINE)
        while True:
            pos = self._skip_ws(pos)
            if pos >= total:
                return
            end = self._read_document(pos)
            if end is not None:
                pos = end
                continue
            line_end = text.find("\n", pos)
            if line_end < 0:
                return
            match = boundary.search(text, line_end + 1)
            if match is None:
                return
            pos = match.end() - 1

    def _parse_array(self, open_pos: int) -> None:
        """A JSON array of documents, on one line or pretty-printed."""
        text, total = self.text, len(self.text)
        # Indentation of top-level documents that start a line: learnt from the documents,
        # guessed as none ("[{" then "},\n{", as mongoexport --jsonArray --pretty writes).
        indent, learnt = "", False
        pos = open_pos + 1
        while True:
            pos = self._skip_ws(pos)
            if pos >= total:
                self._bad_at(pos, "unexpected end of file: the JSON array is not closed by ']' "
                                  "(truncated file?)")
                return
            if text[pos] == "]":
                # The end, unless something follows (e.g. we closed a nested list by mistake).
                pos = self._skip_ws(pos + 1)
                if pos >= total:
                    return
                self._bad_at(pos, "unexpected content after the end of the JSON array")
            elif text[pos] == ",":
                pos += 1  # stray comma (",," or "[,"): not JSON, but skipping it loses nothing
                continue
            else:
                self.lines.advance(pos)
                doc_indent = self._indent_at(pos)
                if doc_indent is not None:
                    indent, learnt = doc_indent, True
                end = self._read_document(pos)
                if end is not None:
                    pos = self._skip_ws(end)
                    if pos < total and text[pos] == ",":
                        pos += 1
                        continue
                    if pos >= total or text[pos] in "]{":
                        continue  # "]" and EOF handled above; "}{" (missing comma) tolerated
                    self._bad_at(pos, "invalid JSON: Expecting ',' delimiter at "
                                      f"column {self.lines.locate(pos)[1]}")
            found = self._array_boundary(pos, indent, learnt)
            if found is None:
                return
            pos = found

    def _bad_at(self, pos: int, reason: str) -> None:
        self.bad.append(BadDocument(self._ref(pos), reason))

    def _array_boundary(self, start: int, indent: str, learnt: bool) -> int | None:
        """Position of the "{" of the next plausible top-level document in an array."""
        text = self.text
        first_any: int | None = None
        for match in _ARRAY_BOUNDARY.finditer(text, start):
            brace = match.end() - 1
            newline = text.rfind("\n", match.start(), brace)
            if newline < 0 or text[newline + 1 : brace] == indent:
                return brace
            if first_any is None:
                first_any = brace
        return None if learnt else first_any
