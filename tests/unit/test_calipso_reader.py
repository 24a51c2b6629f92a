"""Reading mongoexport files of Calipso's collections: formats, Extended JSON, broken documents."""

import datetime as dt
import gzip
import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loaders.calipso.reader import (
    COLLECTIONS,
    BadDocument,
    CalipsoExportError,
    ExportFile,
    SourceRef,
    collection_for,
    convert_extended_json,
    read_export,
)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def datas(export: ExportFile) -> list[dict]:
    return [doc.data for doc in export.documents]


def lines_of(export: ExportFile) -> list[int]:
    return [doc.ref.line for doc in export.documents]


def bad_summary(export: ExportFile) -> list[tuple[int, int, str]]:
    return [(bad.ref.line, bad.ref.index, bad.reason) for bad in export.bad]


# --------------------------------------------------------------------------------------------
# formats


def test_collections_are_listed_in_import_order():
    assert COLLECTIONS == (
        "environments_config", "inventory", "links", "clique_types", "clique_constraints")


def test_json_array_on_one_line(tmp_path):
    path = write(tmp_path, "inventory.json", '[{"id":"a","n":1},{"id":"b","n":2}, {"id":"c"}]')
    export = read_export(path)
    assert export.collection == "inventory"
    assert export.format == "json-array"
    assert export.path == str(path)
    assert datas(export) == [{"id": "a", "n": 1}, {"id": "b", "n": 2}, {"id": "c"}]
    assert [d.ref.line for d in export.documents] == [1, 1, 1]
    assert [d.ref.index for d in export.documents] == [0, 1, 2]
    assert [d.ref.column for d in export.documents] == [2, 19, 37]
    assert export.bad == []


def test_json_array_pretty_as_mongoexport_writes_it(tmp_path):
    content = (
        '[{\n'
        '\t"_id": {\n\t\t"$oid": "5a1"\n\t},\n'
        '\t"name": "n1"\n'
        '},\n'
        '{\n'
        '\t"_id": {\n\t\t"$oid": "5a2"\n\t},\n'
        '\t"name": "n2"\n'
        '}]\n')
    export = read_export(write(tmp_path, "links.json", content))
    assert export.format == "json-array"
    assert datas(export) == [{"_id": "5a1", "name": "n1"}, {"_id": "5a2", "name": "n2"}]
    assert lines_of(export) == [1, 7]


def test_json_array_indented_like_json_dumps(tmp_path):
    docs = [{"id": i, "nested": [{"k": i}]} for i in range(3)]
    export = read_export(write(tmp_path, "links.json", json.dumps(docs, indent=2)))
    assert datas(export) == docs
    assert lines_of(export) == [2, 10, 18]


def test_json_lines_with_blank_lines_and_crlf(tmp_path):
    content = '{"a": 1}\r\n\r\n{"b": 2}\r\n   {"c": 3}\r\n'
    export = read_export(write(tmp_path, "inventory.jsonl", content))
    assert export.format == "json-lines"
    assert datas(export) == [{"a": 1}, {"b": 2}, {"c": 3}]
    assert lines_of(export) == [1, 3, 4]
    assert [d.ref.index for d in export.documents] == [0, 1, 2]
    assert export.documents[2].ref.column == 4


def test_concatenated_pretty_documents(tmp_path):
    content = (
        '{\n\t"id": "x",\n\t"l": [\n\t\t{\n\t\t\t"k": 1\n\t\t}\n\t]\n}\n'
        '{\n\t"id": "y"\n}\n')
    export = read_export(write(tmp_path, "inventory.json", content))
    assert export.format == "pretty"
    assert datas(export) == [{"id": "x", "l": [{"k": 1}]}, {"id": "y"}]
    assert lines_of(export) == [1, 9]


@pytest.mark.parametrize("name", ["inventory.json.gz", "inventory.gz", "inventory.json"])
def test_gzip_is_read_transparently(tmp_path, name):
    # Detected from the gzip magic bytes, whatever the name says.
    data = gzip.compress(b'{"a": 1}\n{"b": 2}\n')
    export = read_export(write(tmp_path, name, data))
    assert export.collection == "inventory"
    assert datas(export) == [{"a": 1}, {"b": 2}]
    assert lines_of(export) == [1, 2]


def test_utf8_bom_is_tolerated(tmp_path):
    export = read_export(write(tmp_path, "inventory.json", '\ufeff[{"name": "caf\u00e9"}]'))
    assert datas(export) == [{"name": "café"}]
    assert export.documents[0].ref.line == 1


@pytest.mark.parametrize("content", ["", "  \n\n\t", "\ufeff", "\ufeff\n"])
def test_empty_file_has_no_documents(tmp_path, content):
    export = read_export(write(tmp_path, "inventory.json", content))
    assert (export.documents, export.bad, export.format) == ([], [], "empty")


@pytest.mark.parametrize("content", ["[]", "[ ]\n", "\n[\n]\n"])
def test_empty_array_has_no_documents(tmp_path, content):
    export = read_export(write(tmp_path, "inventory.json", content))
    assert (export.documents, export.bad, export.format) == ([], [], "json-array")


def test_missing_comma_between_array_documents_loses_nothing(tmp_path):
    export = read_export(write(tmp_path, "inventory.json", '[{"a": 1}{"b": 2},,{"c": 3},]'))
    assert datas(export) == [{"a": 1}, {"b": 2}, {"c": 3}]
    assert export.bad == []


def test_documents_crossing_the_decoder_window_and_a_huge_document(tmp_path):
    # The decoder reads through 64 KiB windows: documents straddling them, and one far larger
    # than a window, must come out whole and with the right lines.
    docs = [{"i": i, "pad": "x" * (i % 97)} for i in range(3000)]
    docs.insert(1500, {"i": "big", "blob": "y" * 300_000, "list": list(range(20_000))})
    lines = "\n".join(json.dumps(doc) for doc in docs) + "\n"
    export = read_export(write(tmp_path, "inventory.json", lines))
    assert datas(export) == docs
    assert lines_of(export) == list(range(1, len(docs) + 1))

    export = read_export(write(tmp_path, "links.json", json.dumps(docs)))
    assert datas(export) == docs
    assert export.bad == []


# --------------------------------------------------------------------------------------------
# Extended JSON and Calipso's [dot] keys


def test_extended_json_canonical_and_relaxed_forms(tmp_path):
    doc = {
        "oid": {"$oid": "5aa1b2c3d4e5f60718293a4b"},
        "date_iso": {"$date": "2017-06-21T10:29:48.123Z"},
        "date_offset": {"$date": "2017-06-21T12:29:48.123+02:00"},
        "date_long": {"$date": {"$numberLong": "1498040988123"}},
        "date_int": {"$date": 1498040988123},
        "date_before_epoch": {"$date": {"$numberLong": "-86400000"}},
        "long": {"$numberLong": "9007199254740993"},
        "int": {"$numberInt": "42"},
        "double": {"$numberDouble": "1.5"},
        "nan": {"$numberDouble": "NaN"},
        "inf": {"$numberDouble": "-Infinity"},
        "decimal": {"$numberDecimal": "1.10"},
        "binary": {"$binary": {"base64": "AQID", "subType": "00"}},
        "binary_legacy": {"$binary": "AQID", "$type": "00"},
        "uuid_binary": {"$binary": {"base64": "EjRWeJASNFZ4kBI0VniQEg==", "subType": "04"}},
        "uuid": {"$uuid": "12345678-9012-3456-7890-123456789012"},
        "regex": {"$regularExpression": {"pattern": "^node-", "options": "i"}},
        "regex_legacy": {"$regex": "^node-", "$options": "i"},
        "timestamp": {"$timestamp": {"t": 1565545664, "i": 1}},
        "min": {"$minKey": 1},
        "max": {"$maxKey": 1},
        "in_list": [{"$numberInt": "1"}, {"$oid": "ab"}],
    }
    export = read_export(write(tmp_path, "inventory.json", json.dumps(doc)))
    assert export.bad == []
    data = export.documents[0].data
    when = dt.datetime(2017, 6, 21, 10, 29, 48, 123000, tzinfo=dt.UTC)
    assert data["oid"] == "5aa1b2c3d4e5f60718293a4b"
    assert data["date_iso"] == when
    assert data["date_iso"].tzinfo == dt.UTC
    assert data["date_offset"] == when
    assert data["date_offset"].utcoffset() == dt.timedelta(0)
    assert data["date_long"] == when
    assert data["date_int"] == when
    assert data["date_before_epoch"] == dt.datetime(1969, 12, 31, tzinfo=dt.UTC)
    assert data["long"] == 9007199254740993
    assert data["int"] == 42
    assert data["double"] == 1.5
    assert math.isnan(data["nan"])
    assert data["inf"] == float("-inf")
    assert data["decimal"] == "1.10"
    assert data["binary"] == "AQID"
    assert data["binary_legacy"] == "AQID"
    assert data["uuid_binary"] == "12345678-9012-3456-7890-123456789012"
    assert data["uuid"] == "12345678-9012-3456-7890-123456789012"
    assert data["regex"] == "/^node-/i"
    assert data["regex_legacy"] == "/^node-/i"
    assert data["timestamp"] == "Timestamp(1565545664, 1)"
    assert (data["min"], data["max"]) == ("MinKey", "MaxKey")
    assert data["in_list"] == [1, "ab"]


def test_dollar_keys_that_are_not_extended_json_are_untouched(tmp_path):
    doc = {
        "oid_and_more": {"$oid": "x", "other": 1},
        "type_only": {"$type": "string"},
        "regex_query": {"$regex": "^a"},
        "binary_alone": {"$binary": "AQID"},
        "oid_not_string": {"$oid": 5},
        "dbref": {"$ref": "inventory", "$id": {"$oid": "y"}},
        "date_with_more": {"$date": "2017-06-21T10:29:48Z", "note": "kept"},
        "empty": {},
    }
    export = read_export(write(tmp_path, "inventory.json", json.dumps(doc)))
    data = export.documents[0].data
    assert data["oid_and_more"] == {"$oid": "x", "other": 1}
    assert data["type_only"] == {"$type": "string"}
    assert data["regex_query"] == {"$regex": "^a"}
    assert data["binary_alone"] == {"$binary": "AQID"}
    assert data["oid_not_string"] == {"$oid": 5}
    assert data["dbref"] == {"$ref": "inventory", "$id": "y"}
    assert data["date_with_more"] == {"$date": "2017-06-21T10:29:48Z", "note": "kept"}
    assert data["empty"] == {}


def test_dot_keys_are_decoded_everywhere_but_values_are_kept(tmp_path):
    doc = {
        "_id": {"$oid": "1"},
        "config[dot]json": {"a[dot]b[dot]c": 1, "plain": "v[dot]alue"},
        "ports": [{"ip[dot]address": "10.0.0.1"}, [{"deep[dot]er": True}]],
        "single": {"only[dot]key": 2},
    }
    export = read_export(write(tmp_path, "inventory.json", json.dumps(doc)))
    assert export.documents[0].data == {
        "_id": "1",
        "config.json": {"a.b.c": 1, "plain": "v[dot]alue"},
        "ports": [{"ip.address": "10.0.0.1"}, [{"deep.er": True}]],
        "single": {"only.key": 2},
    }


def test_dot_keys_without_extended_json(tmp_path):
    export = read_export(write(tmp_path, "inventory.json", '{"a[dot]b": {"c[dot]d": 1}}'))
    assert datas(export) == [{"a.b": {"c.d": 1}}]


def test_convert_extended_json_on_parsed_values():
    value = {"x[dot]y": [{"$date": {"$numberLong": "0"}}, {"$oid": "z"}], "n": 1}
    assert convert_extended_json(value) == {
        "x.y": [dt.datetime(1970, 1, 1, tzinfo=dt.UTC), "z"], "n": 1}
    with pytest.raises(ValueError, match="not an ISO-8601 date"):
        convert_extended_json({"d": {"$date": "yesterday"}})


@pytest.mark.parametrize(("value", "reason"), [
    ('{"$date": "yesterday"}', "$date 'yesterday' is not an ISO-8601 date"),
    ('{"$numberLong": "12x"}', "$numberLong '12x' is not an integer"),
    ('{"$numberDouble": "one"}', "$numberDouble 'one' is not a number"),
    ('{"$date": {"$numberLong": "99999999999999999"}}', "$date 99999999999999999 is out of range"),
])
def test_unconvertible_extended_json_is_a_bad_document(tmp_path, value, reason):
    for name, content in [
        ("inventory.json", f'{{"a": 1}}\n{{"x": {value}}}\n{{"b": 2}}\n'),
        ("links.json", f'[{{"a": 1}}, {{"x": {value}}}, {{"b": 2}}]'),
    ]:
        export = read_export(write(tmp_path, name, content))
        assert datas(export) == [{"a": 1}, {"b": 2}]
        assert [(b.ref.index, b.reason) for b in export.bad] == [
            (1, f"invalid extended JSON: {reason}")]


# --------------------------------------------------------------------------------------------
# collections


@pytest.mark.parametrize(("name", "collection"), [
    ("inventory.json", "inventory"),
    ("inventory", "inventory"),
    ("INVENTORY.JSON", "inventory"),
    ("links.jsonl", "links"),
    ("links.ndjson.gz", "links"),
    ("clique_types.json", "clique_types"),
    ("clique_constraints.json", "clique_constraints"),
    ("environments_config.json.gz", "environments_config"),
    ("calipso.inventory.json", "inventory"),
    ("calipso.clique_constraints.jsonl.gz", "clique_constraints"),
    ("inventory.links.json", "links"),
    ("inventory_mirantis.json", "inventory"),
    ("links_mirantis.json", "links"),
    ("clique_types_old.json", "clique_types"),
    ("clique_constraints_2019.json", "clique_constraints"),
    ("environments_config_backup.json", "environments_config"),
    ("calipso.inventory_old.json", "inventory"),
])
def test_collection_from_file_name(name, collection):
    assert collection_for(name) == collection
    assert collection_for(Path("/some/dir") / name) == collection


@pytest.mark.parametrize("name", [
    "link_types.json", "calipso.link_types.json", "cliques.json", "clique.json",
    "environments.json", "inventory_.json", "data.json", "inventoryx.json", "my-links.json",
])
def test_unrecognised_file_names_ask_for_collection(name):
    with pytest.raises(CalipsoExportError, match="--collection") as info:
        collection_for(name)
    assert name in str(info.value)
    assert "clique_constraints" in str(info.value)


def test_explicit_collection_wins_over_file_name(tmp_path):
    assert collection_for("links.json", "inventory") == "inventory"
    assert collection_for("link_types.json", "links") == "links"
    export = read_export(write(tmp_path, "dump.json", '{"a": 1}'), "clique_types")
    assert export.collection == "clique_types"
    assert datas(export) == [{"a": 1}]


@pytest.mark.parametrize("explicit", ["link_types", "", "inventories"])
def test_unknown_explicit_collection_lists_valid_ones(explicit):
    with pytest.raises(CalipsoExportError) as info:
        collection_for("inventory.json", explicit)
    message = str(info.value)
    assert repr(explicit) in message
    assert all(name in message for name in COLLECTIONS)


# --------------------------------------------------------------------------------------------
# broken documents


def test_broken_documents_in_json_lines(tmp_path):
    content = (
        '{"a": 1}\n'           # 1
        '{"b": }\n'            # 2 broken
        '\n'                   # 3
        '{"c": 3}\n'           # 4
        '{"d": [1, 2\n'        # 5 broken: the list never closes
        '{"e": 5}\n'           # 6
        'not json at all\n'    # 7 broken
        '{"f": 6} trailing\n'  # 8: document fine, then garbage
        '{"g": 7}\n')          # 9
    export = read_export(write(tmp_path, "inventory.json", content))
    assert datas(export) == [{"a": 1}, {"c": 3}, {"e": 5}, {"f": 6}, {"g": 7}]
    assert lines_of(export) == [1, 4, 6, 8, 9]
    assert bad_summary(export) == [
        (2, 1, "invalid JSON: Expecting value at column 7"),
        (5, 3, "invalid JSON: Expecting ',' delimiter at line 6 column 1"),
        (7, 5, "invalid JSON: Expecting value at column 1"),
        (8, 7, "invalid JSON: Expecting value at column 10"),
    ]


def test_broken_document_in_one_line_array_reports_column(tmp_path):
    content = '[{"a":1},{"b" 2, "l": [{"x": 1},{"y": 2}]},{"c":3}, {"d":4}]'
    export = read_export(write(tmp_path, "inventory.json", content))
    assert export.bad[0] == BadDocument(
        SourceRef(str(tmp_path / "inventory.json"), 1, 1, 10),
        "invalid JSON: Expecting ':' delimiter at column 15")
    # Recovery may pick up a nested fragment ({"y": 2}); the documents after it must load.
    assert datas(export)[0] == {"a": 1}
    assert datas(export)[-2:] == [{"c": 3}, {"d": 4}]


def test_broken_document_in_pretty_array(tmp_path):
    content = (
        '[{\n'                   # 1
        '\t"a": 1\n'             # 2
        '},\n'                   # 3
        '{\n'                    # 4 broken document starts
        '\t"l": [\n'             # 5
        '\t\t{\n'                # 6
        '\t\t\t"x": 1\n'         # 7
        '\t\t},\n'               # 8
        '\t\t{\n'                # 9
        '\t\t\t"y" 2\n'          # 10 the error
        '\t\t}\n'                # 11
        '\t]\n'                  # 12
        '},\n'                   # 13
        '{\n'                    # 14
        '\t"b": 2\n'             # 15
        '}]\n')                  # 16
    export = read_export(write(tmp_path, "inventory.json", content))
    # No fragment: nested objects are indented deeper than documents.
    assert datas(export) == [{"a": 1}, {"b": 2}]
    assert lines_of(export) == [1, 14]
    assert bad_summary(export) == [
        (4, 1, "invalid JSON: Expecting ':' delimiter at line 10 column 8")]


def test_broken_document_in_indented_array(tmp_path):
    good = json.dumps([{"a": 1}, {"l": [{"x": 1}, {"y": 2}]}, {"b": 2}], indent=2)
    content = good.replace('"x": 1', '"x" 1')
    export = read_export(write(tmp_path, "inventory.json", content))
    assert datas(export) == [{"a": 1}, {"b": 2}]
    assert [bad.ref.line for bad in export.bad] == [5]


def test_broken_first_document_in_pretty_array(tmp_path):
    content = (
        '[{\n\t"a": ,\n\t"l": [\n\t\t{\n\t\t\t"x": 1\n\t\t},\n\t\t{}\n\t]\n},\n'
        '{\n\t"b": 2\n}]')
    export = read_export(write(tmp_path, "inventory.json", content))
    assert datas(export) == [{"b": 2}]
    assert bad_summary(export) == [(1, 0, "invalid JSON: Expecting value at line 2 column 7")]


def test_broken_documents_in_concatenated_pretty(tmp_path):
    content = (
        '{\n\t"a": 1\n}\n'                                   # 1-3
        '{\n\t"b": {\n\t\t"x" 1\n\t},\n\t"l": [\n\t\t{\n'    # 4-9: broken at line 6
        '\t\t\t"q": 1\n\t\t}\n\t]\n}\n'                      # 10-13
        '{\n\t"c": 3\n}\n')                                  # 14-16
    export = read_export(write(tmp_path, "inventory.json", content))
    assert datas(export) == [{"a": 1}, {"c": 3}]
    assert lines_of(export) == [1, 14]
    assert bad_summary(export) == [
        (4, 1, "invalid JSON: Expecting ':' delimiter at line 6 column 7")]


def test_broken_document_in_gzip_file(tmp_path):
    data = gzip.compress(b'{"a": 1}\n{"b": 2,}\n{"c": 3}\n')
    export = read_export(write(tmp_path, "inventory.json.gz", data))
    assert datas(export) == [{"a": 1}, {"c": 3}]
    assert bad_summary(export) == [
        (2, 1, "invalid JSON: Expecting property name enclosed in double quotes at column 9")]


def test_truncated_array_keeps_complete_documents(tmp_path):
    export = read_export(write(tmp_path, "inventory.json", '[{"a": 1},\n{"b": 2},\n{"c": '))
    assert datas(export) == [{"a": 1}, {"b": 2}]
    assert bad_summary(export) == [(3, 2, "invalid JSON: Expecting value at column 7")]

    export = read_export(write(tmp_path, "links.json", '[{"a": 1},\n{"b": 2},\n'))
    assert datas(export) == [{"a": 1}, {"b": 2}]
    assert len(export.bad) == 1
    assert export.bad[0].reason.startswith("unexpected end of file")
    assert export.bad[0].ref.line == 3


def test_content_after_the_array_is_reported(tmp_path):
    export = read_export(write(tmp_path, "inventory.json", '[{"a": 1}]\nextra\n'))
    assert datas(export) == [{"a": 1}]
    assert bad_summary(export) == [
        (2, 1, "unexpected content after the end of the JSON array")]


def test_non_object_documents_are_bad(tmp_path):
    export = read_export(write(
        tmp_path, "inventory.json", '{"a": 1}\n[1, 2]\n5\n"s"\nnull\ntrue\n{"b": 2}\n'))
    assert datas(export) == [{"a": 1}, {"b": 2}]
    assert bad_summary(export) == [
        (2, 1, "document is a list, expected an object"),
        (3, 2, "document is a number, expected an object"),
        (4, 3, "document is a string, expected an object"),
        (5, 4, "document is null, expected an object"),
        (6, 5, "document is a boolean, expected an object"),
    ]
    export = read_export(write(tmp_path, "links.json", '[{"a": 1}, [], 3.5, {"b": 2}]'))
    assert datas(export) == [{"a": 1}, {"b": 2}]
    assert [bad.reason for bad in export.bad] == [
        "document is a list, expected an object", "document is a number, expected an object"]


def test_mongo_shell_syntax_gets_a_hint(tmp_path):
    content = '{"_id": ObjectId("5a"), "a": 1}\n{"b": 2}\n'
    export = read_export(write(tmp_path, "inventory.json", content))
    assert datas(export) == [{"b": 2}]
    assert "mongo shell syntax" in export.bad[0].reason
    assert export.bad[0].reason.startswith("invalid JSON: Expecting value at column 9")


def test_every_document_broken_is_every_document_reported(tmp_path):
    content = "".join(f'{{"i": {i}, "x": ISODate("2017")}}\n' for i in range(3000))
    content += '{"ok": true}\n'
    export = read_export(write(tmp_path, "inventory.json", content))
    assert datas(export) == [{"ok": True}]
    assert [bad.ref.line for bad in export.bad] == list(range(1, 3001))
    assert export.documents[0].ref == SourceRef(str(tmp_path / "inventory.json"), 3001, 3000)


def test_broken_document_beyond_the_first_decoder_window(tmp_path):
    docs = [json.dumps({"i": i, "pad": "p" * 50}) for i in range(5000)]
    docs[4000] = '{"i": 4000, "pad": "oops}'
    export = read_export(write(tmp_path, "inventory.json", "\n".join(docs)))
    assert len(export.documents) == 4999
    assert export.documents[-1].data["i"] == 4999
    assert bad_summary(export) == [
        (4001, 4000, "invalid JSON: Invalid control character at column 26")]


# --------------------------------------------------------------------------------------------
# file-level problems and references


def test_source_ref_text():
    assert str(SourceRef("dump/inventory.json", 12, 0)) == "dump/inventory.json:12 (document #1)"
    assert str(SourceRef("x.json", 1, 41, 300)) == "x.json:1 (document #42)"


def test_missing_file_is_an_export_error(tmp_path):
    with pytest.raises(CalipsoExportError, match="no such file"):
        read_export(tmp_path / "inventory.json")


def test_directory_is_an_export_error(tmp_path):
    (tmp_path / "inventory.json").mkdir()
    with pytest.raises(CalipsoExportError, match="directory"):
        read_export(tmp_path / "inventory.json")


def test_not_utf8_is_an_export_error(tmp_path):
    path = write(tmp_path, "inventory.json", b'{"a": 1}\n{"b": "caf\xe9"}\n')
    with pytest.raises(CalipsoExportError, match=r"not UTF-8 text \(byte 0xe9 at line 2\)"):
        read_export(path)


def test_utf16_is_an_export_error(tmp_path):
    path = write(tmp_path, "inventory.json", '{"a": 1}'.encode("utf-16"))
    with pytest.raises(CalipsoExportError, match="UTF-16"):
        read_export(path)


@pytest.mark.parametrize("data", [
    b"not gzip at all",
    gzip.compress(b'{"a": 1}\n' * 100)[:-30],
])
def test_corrupt_gzip_is_an_export_error(tmp_path, data):
    with pytest.raises(CalipsoExportError, match="gzip"):
        read_export(write(tmp_path, "inventory.json.gz", data))


def test_bson_dump_is_an_export_error(tmp_path):
    with pytest.raises(CalipsoExportError, match="mongoexport"):
        read_export(write(tmp_path, "inventory.bson", b"\x05\x00\x00\x00\x00"))


def test_unknown_collection_is_an_export_error_before_reading(tmp_path):
    with pytest.raises(CalipsoExportError, match="--collection"):
        read_export(tmp_path / "link_types.json")


def test_tokens_cut_by_the_decoder_window_are_read_whole(tmp_path):
    # Slide a document full of numbers and literals across the 64 KiB window boundary.
    tail = '{"n": 1234567890123, "t": true, "z": null, "f": -1.5e10, "i": -Infinity}\n'
    expected = {"n": 1234567890123, "t": True, "z": None, "f": -1.5e10, "i": float("-inf")}
    number = "1" * 40 + "\n"
    for shift in range(len(tail) + len(number)):
        # The padding document is 12 + P characters with its newline: the boundary (65536)
        # falls at every character of the tail and of the top-level number after it.
        pad = json.dumps({"pad": "x" * (65536 - 12 - len(tail) - len(number) + shift)})
        export = read_export(write(tmp_path, "inventory.json", f"{pad}\n{tail}{number}"))
        assert [d.data for d in export.documents][1:] == [expected], shift
        assert bad_summary(export) == [(3, 2, "document is a number, expected an object")], shift


def test_broken_last_document_of_pretty_array_yields_no_fragment(tmp_path):
    content = (
        '[{\n\t"a": 1\n},\n'
        '{\n\t"b" 1,\n\t"l": [\n\t\t{\n\t\t\t"x": 1\n\t\t},\n\t\t{\n\t\t\t"y": 2\n\t\t}\n\t]\n}]\n')
    export = read_export(write(tmp_path, "inventory.json", content))
    assert datas(export) == [{"a": 1}]
    assert bad_summary(export) == [
        (4, 1, "invalid JSON: Expecting ':' delimiter at line 5 column 6")]


def test_recovery_when_documents_indentation_is_not_known_yet(tmp_path):
    # pprint-like layout: the first document follows "[", the next ones are indented.
    content = '[{"a": , "x": {}},\n  {"b": 2},\n  {"c": 3}]'
    export = read_export(write(tmp_path, "inventory.json", content))
    assert datas(export) == [{"b": 2}, {"c": 3}]
    assert lines_of(export) == [2, 3]
    assert [bad.ref.index for bad in export.bad] == [0]


def test_deeply_nested_document_is_bad_not_fatal(tmp_path):
    content = '{"a": ' + "[" * 100_000 + '\n{"b": 1}\n'
    export = read_export(write(tmp_path, "inventory.json", content))
    assert datas(export) == [{"b": 1}]
    assert bad_summary(export) == [(1, 0, "document is nested too deeply")]


_SAMPLES = [
    json.dumps([{"_id": {"$oid": "a"}, "k[dot]y": [1, {"q": None}]}, {"b": "s"}, {"c": 3}]),
    json.dumps([{"a": {"l": [{"x": 1}, {"y": 2}]}}, {"b": 2}, {"c": 3}], indent="\t"),
    '{"a": 1}\n{"b": [1, 2]}\n{"c": {"$numberLong": "5"}}\n',
    '{\n\t"a": 1\n}\n{\n\t"b": {\n\t\t"c": 1\n\t}\n}\n{\n\t"d": 4\n}\n',
]


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sample=st.sampled_from(_SAMPLES),
    # Overwrite a character with a JSON-significant one, or delete it ("").
    edits=st.lists(st.tuples(st.floats(0, 1), st.sampled_from(["", *'{}[],:"\n x'])),
                   min_size=1, max_size=4),
)
def test_damaged_files_never_raise_and_references_point_at_documents(tmp_path, sample, edits):
    text = sample
    for where, char in edits:
        at = int(where * len(text))
        text = text[:at] + char + text[at + 1 :]
    export = read_export(write(tmp_path, "inventory.json", text))
    indexes = sorted([d.ref.index for d in export.documents] + [b.ref.index for b in export.bad])
    assert indexes == list(range(len(indexes)))
    lines = text.split("\n")
    for doc in export.documents:
        assert type(doc.data) is dict
        assert lines[doc.ref.line - 1][doc.ref.column - 1] == "{"
