"""Neo4j Browser 5.24's grass parser, in Python: what Browser reads from a style file."""

from __future__ import annotations


def parse_grass(text: str) -> dict[str, dict[str, str]]:
    """Browser 5.24's grass parser, in Python (``GraphStyleModel.parse``): what Browser
    reads from the file."""
    rules: dict[str, str] = {}
    in_string = in_rule = False
    selector = body = ""
    for char in text:
        consumed = True
        if char == "{":
            if in_string:
                consumed = False
            else:
                in_rule = True
        elif char == "}":
            if in_string:
                consumed = False
            else:
                in_rule = False
                rules[selector] = body
                selector = body = ""
        elif char == "'":
            in_string = not in_string
        else:
            consumed = False
        if not consumed:
            if in_rule:
                body += char
            elif not char.isspace():
                selector += char
    parsed: dict[str, dict[str, str]] = {}
    for selector, text_body in rules.items():
        props: dict[str, str] = {}
        for declaration in text_body.split(";"):
            pieces = declaration.split(":")  # as Browser does: `a: b: c` keeps `b`
            if len(pieces) > 1 and pieces[0] and pieces[1]:
                props[pieces[0].strip()] = pieces[1].strip()
        parsed[selector] = props
    return parsed

