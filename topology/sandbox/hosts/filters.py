"""The text filters a pipeline may end in: ``grep``, ``head``, ``tail``, ``awk '{print $N}'``,
``wc -l``, ``sort`` and ``cat`` reading its input, as far as Calipso's command lines use them.
Each takes its argument vector and standard input and answers like GNU grep/coreutils/mawk.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from topology.sandbox.hosts.result import Result, failure

Filter = Callable[[list[str], str], Result]

_BRE_SPECIAL = {"+", "?", "|", "(", ")", "{", "}"}
_AWK_PRINT = re.compile(r"\{\s*print\s+((?:\$(?:\d+|NF))(?:\s*,\s*\$(?:\d+|NF))*)\s*;?\s*\}")


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _joined(lines: list[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


def bre_to_python(pattern: str) -> str:
    """A POSIX basic regular expression as Python's: ``+ ? | ( ) { }`` are literal unless
    escaped (GNU's extension), the rest reads the same."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            following = pattern[i + 1]
            out.append(following if following in _BRE_SPECIAL else "\\" + following)
            i += 2
            continue
        out.append("\\" + char if char in _BRE_SPECIAL else char)
        i += 1
    return "".join(out)


def grep(argv: list[str], stdin: str) -> Result:
    invert = ignore_case = count = False
    mode = "basic"
    patterns: list[str] = []
    args = argv[1:]
    files: list[str] = []
    while args:
        arg = args.pop(0)
        if arg == "-e" and args:
            patterns.append(args.pop(0))
        elif arg.startswith("-") and len(arg) > 1 and arg != "--":
            for letter in arg[1:]:
                if letter not in "viEFc":
                    return failure(f"grep: invalid option -- '{letter}'\n"
                                   "Usage: grep [OPTION]... PATTERNS [FILE]...\n"
                                   "Try 'grep --help' for more information.", 2)
                invert |= letter == "v"
                ignore_case |= letter == "i"
                count |= letter == "c"
                mode = {"E": "extended", "F": "fixed"}.get(letter, mode)
        elif not patterns:
            patterns.append(arg)
        else:
            files.append(arg)
    if not patterns:
        return failure("Usage: grep [OPTION]... PATTERNS [FILE]...\n"
                       "Try 'grep --help' for more information.", 2)
    if files:
        return failure(f"grep: {files[0]}: No such file or directory", 2)
    expressions = [re.escape(p) if mode == "fixed" else p if mode == "extended"
                   else bre_to_python(p) for p in patterns]
    try:
        regex = re.compile("|".join(f"(?:{e})" for e in expressions),
                           re.IGNORECASE if ignore_case else 0)
    except re.error:
        return failure("grep: Unmatched ( or \\(", 2)
    selected = [line for line in _lines(stdin) if bool(regex.search(line)) != invert]
    status = 0 if selected else 1
    if count:
        return Result(f"{len(selected)}\n", status=status)
    return Result(_joined(selected), status=status)


def _count_option(argv: list[str], name: str) -> int | Result:
    args = argv[1:]
    count = 10
    while args:
        arg = args.pop(0)
        if arg == "-n" and args:
            arg = "-" + args.pop(0)
        elif arg.startswith("-n"):
            arg = "-" + arg[2:]
        elif arg.startswith("--lines="):
            arg = "-" + arg.split("=", 1)[1]
        if arg.startswith("-") and arg[1:].isdigit():
            count = int(arg[1:])
        else:
            return failure(f"{name}: cannot open '{arg}' for reading: No such file or directory",
                           1)
    return count


def head(argv: list[str], stdin: str) -> Result:
    count = _count_option(argv, "head")
    if isinstance(count, Result):
        return count
    return Result(_joined(_lines(stdin)[:count]))


def tail(argv: list[str], stdin: str) -> Result:
    count = _count_option(argv, "tail")
    if isinstance(count, Result):
        return count
    lines = _lines(stdin)
    return Result(_joined(lines[len(lines) - count:] if count else []))


def awk(argv: list[str], stdin: str) -> Result:
    """``awk [-F sep] '{print $N, ...}'``: the one kind of program the fetchers use."""
    args = argv[1:]
    separator: str | None = None
    if args and args[0].startswith("-F"):
        option = args.pop(0)
        separator = option[2:] if len(option) > 2 else (args.pop(0) if args else " ")
    match = _AWK_PRINT.fullmatch(args[0].strip()) if len(args) == 1 else None
    if match is None:
        return failure("awk: the sandbox's awk runs '{print $N, ...}' programs only", 2)
    fields = [field.strip()[1:] for field in match.group(1).split(",")]
    out = []
    for line in _lines(stdin):
        words = line.split(separator) if separator not in (None, " ") else line.split()
        record = []
        for field in fields:
            number = len(words) if field == "NF" else int(field)
            record.append(line if number == 0 else
                          words[number - 1] if 0 < number <= len(words) else "")
        out.append(" ".join(record))
    return Result(_joined(out))


def wc(argv: list[str], stdin: str) -> Result:
    if argv[1:] != ["-l"]:
        return failure("wc: the sandbox's wc counts lines only (wc -l)", 1)
    return Result(f"{len(_lines(stdin))}\n")


def sort(argv: list[str], stdin: str) -> Result:
    lines = sorted(_lines(stdin))
    return Result(_joined(lines[::-1] if "-r" in argv[1:] else lines))


def cat(argv: list[str], stdin: str) -> Result:
    return Result(stdin)


FILTERS: dict[str, Filter] = {"grep": grep, "head": head, "tail": tail, "awk": awk, "wc": wc,
                              "sort": sort}
