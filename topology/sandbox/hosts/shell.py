"""The command interpreter of a simulated host: what ``bash -c`` makes of a command line that
sshd hands it, as far as Calipso's command lines go.

It expands backticks, splits the line (``shlex``) into lists joined by ``;``, ``&&`` and
``||``, pipelines joined by ``|`` and simple commands with ``2>&1`` / ``>/dev/null``
redirections, drops a leading ``sudo``, and runs each command: a filter on the previous
command's output, ``ssh`` to another host of the cloud, or one of the host's programs.
A program the host does not have fails as bash (127) or sudo (1) says.

``ssh [-q] [-o Option=value] [-p port] [user@]host command...`` runs the command on the
other host (by name or management address) as Calipso's gateway does. Faults from
:class:`topology.sandbox.faults.Faults` apply: ``refuse`` is a refused connection, ``hang``
answers nothing until the caller gives up (``cancelled``) or the connection times out
(``-o ConnectTimeout=N`` seconds, else the kernel's ~2 minutes). ``-q`` silences ssh's own
error messages, as the real client does; the exit status is 255 either way.
"""

from __future__ import annotations

import re
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass

from topology.sandbox.faults import Faults
from topology.sandbox.hosts import filters, tools
from topology.sandbox.hosts.result import Context, Result, failure
from topology.sandbox.model import Cloud, Host

# True once whoever asked for the command has gone (its channel closed, the server stopping).
Cancelled = Callable[[], bool]

SSH_STATUS = 255
SSH_FLAGS = "46AaCfGgKkMNnqsTtVvXxYy"
SSH_OPTIONS_WITH_ARGUMENT = "BbcDEeFIiJLlmOoPpQRSWw"
DEFAULT_CONNECT_TIMEOUT = 127.0  # the kernel gives up a TCP connect after ~127 s
_POLL = 0.1
_OPERATORS = (";", "&&", "||", "&")
_IPV4 = re.compile(r"\d{1,3}(\.\d{1,3}){3}")
_SSH_USAGE = (
    "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface]\n"
    "           [-b bind_address] [-c cipher_spec] [-D [bind_address:]port]\n"
    "           [-E log_file] [-e escape_char] [-F configfile] [-I pkcs11]\n"
    "           [-i identity_file] [-J [user@]host[:port]] [-L address]\n"
    "           [-l login_name] [-m mac_spec] [-O ctl_cmd] [-o option] [-p port]\n"
    "           [-Q query_option] [-R address] [-S ctl_path] [-W host:port]\n"
    "           [-w local_tun[:remote_tun]] destination [command [argument ...]]\n"
)


def _never() -> bool:
    return False


@dataclass(frozen=True, slots=True)
class _Simple:
    argv: list[str]
    merge_stderr: bool = False  # 2>&1
    drop_stderr: bool = False  # 2>/dev/null
    drop_stdout: bool = False  # >/dev/null


class Shell:
    """Runs command lines on one host of ``cloud``; ``faults`` decide which hosts answer."""

    def __init__(self, cloud: Cloud, faults: Faults, host: Host, *,
                 connect_timeout: float = DEFAULT_CONNECT_TIMEOUT) -> None:
        self.cloud = cloud
        self.faults = faults
        self.host = host
        self.connect_timeout = connect_timeout

    def run(self, line: str, cancelled: Cancelled = _never) -> Result:
        try:
            expanded = self._substitute(line, cancelled)
            tokens = _tokens(expanded)
        except ValueError as error:
            return failure(f"bash: -c: line 1: {error}", 2)
        syntax = _syntax_error(tokens)
        if syntax is not None:
            return failure(f"bash: -c: line 1: syntax error near unexpected token `{syntax}'\n"
                           f"bash: -c: line 1: `{line}'", 2)
        return self._run_list(tokens, cancelled)

    # -- parsing helpers ---------------------------------------------------------------------

    def _substitute(self, line: str, cancelled: Cancelled) -> str:
        """Backticks outside single quotes become their command's output, as bash does
        before it splits the line (trailing newlines removed)."""
        out: list[str] = []
        i, quote = 0, ""
        while i < len(line):
            char = line[i]
            if char == "'" and quote != '"':
                quote = "" if quote == "'" else "'"
            elif char == '"' and quote != "'":
                quote = "" if quote == '"' else '"'
            elif char == "`" and quote != "'":
                end = line.find("`", i + 1)
                if end < 0:
                    raise ValueError("unexpected EOF while looking for matching ``'")
                inner = self.run(line[i + 1:end], cancelled)
                out.append(inner.stdout.rstrip("\n"))
                i = end + 1
                continue
            out.append(char)
            i += 1
        return "".join(out)

    # -- running -----------------------------------------------------------------------------

    def _run_list(self, tokens: list[str], cancelled: Cancelled) -> Result:
        stdout: list[str] = []
        stderr: list[str] = []
        status, skip = 0, False
        pipeline: list[str] = []
        for word in [*tokens, ";"]:
            if word not in _OPERATORS:
                pipeline.append(word)
                continue
            if pipeline and not skip:
                result = self._run_pipeline(pipeline, cancelled)
                stdout.append(result.stdout)
                stderr.append(result.stderr)
                status = result.status
            pipeline = []
            skip = (word == "&&" and status != 0) or (word == "||" and status == 0)
        return Result("".join(stdout), "".join(stderr), status)

    def _run_pipeline(self, tokens: list[str], cancelled: Cancelled) -> Result:
        stdin, stderr = "", []
        result = Result()
        for part in _split(tokens, "|"):
            command = _simple(part)
            result = self._run_simple(command, stdin, cancelled)
            out, err = result.stdout, result.stderr
            if command.merge_stderr:
                out, err = out + err, ""
            if command.drop_stderr:
                err = ""
            if command.drop_stdout:
                out = ""
            stderr.append(err)
            stdin = out
        return Result(stdin, "".join(stderr), result.status)

    def _run_simple(self, command: _Simple, stdin: str, cancelled: Cancelled) -> Result:
        argv = command.argv
        sudo = bool(argv) and argv[0] == "sudo"
        if sudo:
            argv = _without_sudo_options(argv[1:])
            if not argv:
                return failure("usage: sudo -h | -K | -k | -V", 1)
        if not argv:
            return Result()
        name = argv[0]
        if name == "ssh":
            return self._ssh(argv, cancelled)
        if name in filters.FILTERS or (name == "cat" and len(argv) == 1):
            return filters.FILTERS.get(name, filters.cat)(argv, stdin)
        found = tools.run(Context(self.cloud, self.host), argv)
        if found is not None:
            return found
        if sudo:
            return failure(f"sudo: {name}: command not found", 1)
        return failure(f"bash: {name}: command not found", 127)

    # -- ssh ---------------------------------------------------------------------------------

    def _ssh(self, argv: list[str], cancelled: Cancelled) -> Result:
        quiet, timeout, rest = False, self.connect_timeout, argv[1:]
        while rest and rest[0].startswith("-") and len(rest[0]) > 1:
            option = rest.pop(0)
            letter, attached = option[1], option[2:]
            if letter in SSH_OPTIONS_WITH_ARGUMENT:
                value = attached or (rest.pop(0) if rest else None)
                if value is None:
                    return _ssh_error(f"option requires an argument -- {letter}\n"
                                      + _SSH_USAGE, quiet=False)
                if letter == "o" and value.lower().startswith("connecttimeout="):
                    seconds = value.split("=", 1)[1]
                    timeout = float(seconds) if seconds.isdigit() else timeout
                continue
            if any(flag not in SSH_FLAGS for flag in option[1:]):
                return _ssh_error(f"unknown option -- {option[1]}\n" + _SSH_USAGE, quiet=False)
            quiet |= "q" in option[1:]
        if not rest:
            return Result(stderr=_SSH_USAGE, status=SSH_STATUS)
        destination, command = rest[0].rsplit("@", 1)[-1], rest[1:]
        target = self._resolve(destination)
        if target is None:
            reason = ("connect to host {d} port 22: No route to host" if _IPV4.fullmatch(
                destination) else "Could not resolve hostname {d}: Name or service not known")
            return _ssh_error(reason.format(d=destination), quiet=quiet)
        fault = self.faults.ssh_fault(target.name)
        if fault == "refuse":
            return _ssh_error(f"connect to host {destination} port 22: Connection refused",
                              quiet=quiet)
        if fault == "hang":
            if _wait(timeout, cancelled):
                return Result(status=SSH_STATUS)
            return _ssh_error(f"connect to host {destination} port 22: Connection timed out",
                              quiet=quiet)
        if not command:
            warning = "" if quiet else \
                "Pseudo-terminal will not be allocated because stdin is not a terminal.\r\n"
            return Result(stderr=warning)
        remote = Shell(self.cloud, self.faults, target, connect_timeout=self.connect_timeout)
        return remote.run(" ".join(command), cancelled)

    def _resolve(self, destination: str) -> Host | None:
        with self.cloud.lock:
            found = self.cloud.hosts_by_name.get(destination)
            if found is None:
                found = next((h for h in self.cloud.hosts if h.mgmt_ip == destination), None)
            return found


def _ssh_error(message: str, *, quiet: bool) -> Result:
    return Result(stderr="" if quiet else f"ssh: {message}\n", status=SSH_STATUS)


def _wait(seconds: float, cancelled: Cancelled) -> bool:
    """Sleep up to ``seconds``; True when the caller went away meanwhile."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if cancelled():
            return True
        time.sleep(min(_POLL, left))
    return cancelled()


def _tokens(line: str) -> list[str]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|<>")
    lexer.whitespace_split = True
    try:
        return list(lexer)
    except ValueError as error:
        if "quotation" in str(error):
            quote = '"' if line.count('"') % 2 else "'"
            raise ValueError(f"unexpected EOF while looking for matching `{quote}'") from error
        raise


def _syntax_error(tokens: list[str]) -> str | None:
    """The first misplaced operator: at the start, after another, or a dangling pipe."""
    previous = None
    for word in tokens:
        if word in (*_OPERATORS, "|") and (previous is None or previous in (*_OPERATORS, "|")):
            return word
        previous = word
    if previous in ("|", "&&", "||"):
        return "newline"
    return None


def _split(tokens: list[str], separator: str) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    for word in tokens:
        if word == separator:
            parts.append([])
        else:
            parts[-1].append(word)
    return parts


def _simple(tokens: list[str]) -> _Simple:
    """Words and redirections: ``2>&1`` (tokens ``2 >& 1``), ``2>/dev/null``, ``>/dev/null``."""
    argv: list[str] = []
    merge = drop_err = drop_out = False
    i = 0
    while i < len(tokens):
        word = tokens[i]
        following = tokens[i + 1:i + 3]
        if word == "2" and following == [">&", "1"]:
            merge, i = True, i + 3
        elif word == "2" and following[:1] == [">"] and following[1:] == ["/dev/null"]:
            drop_err, i = True, i + 3
        elif word == ">" and tokens[i + 1:i + 2] == ["/dev/null"]:
            drop_out, i = True, i + 2
        else:
            argv.append(word)
            i += 1
    return _Simple(argv, merge, drop_err, drop_out)


def _without_sudo_options(argv: list[str]) -> list[str]:
    """The command after sudo's options (``-u root`` and flags such as ``-n``)."""
    while argv and argv[0].startswith("-"):
        argv = argv[2:] if argv[0] in ("-u", "-g") else argv[1:]
    return argv
