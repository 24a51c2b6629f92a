"""The ``ip`` and ``bridge`` commands' argument handling, with iproute2's own error texts and
exit statuses (1 for a missing device, 255 for a command line it does not understand)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from topology.sandbox.hosts import iproute
from topology.sandbox.hosts.layout import HostLayout, Link, host_layout
from topology.sandbox.hosts.result import Context, Result, failure

# ``ip netns exec`` runs another command in the namespace: the dispatcher passes itself in.
Runner = Callable[[Context, list[str]], Result]

_SHOW_WORDS = ("show", "list", "lst")
_IGNORED_OPTIONS = ("-4", "-6", "-s", "-stats", "-statistics")


def _matches(word: str, full: str) -> bool:
    """iproute2 accepts any prefix of a keyword."""
    return bool(word) and full.startswith(word)


def _object(word: str) -> str | None:
    for full in ("address", "route", "link", "netns"):
        if _matches(word, full):
            return full
    return None


def ip(ctx: Context, argv: list[str], run: Runner) -> Result:
    args = argv[1:]
    details = oneline = False
    while args and args[0].startswith("-"):
        option = args.pop(0)
        if option == "-d" or (len(option) > 2 and "-details".startswith(option)):
            details = True
        elif option == "-o" or (len(option) > 2 and "-oneline".startswith(option)):
            oneline = True
        elif option not in _IGNORED_OPTIONS:
            return failure(f'Option "{option}" is unknown, try "ip -help".', 255)
    if not args:
        return failure('Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }', 255)
    obj = _object(args[0])
    if obj is None:
        return failure(f'Object "{args[0]}" is unknown, try "ip help".', 1)
    rest = args[1:]
    if obj == "netns":
        return _netns(ctx, rest, run)
    with ctx.cloud.lock:
        layout = host_layout(ctx.cloud, ctx.host)
        links = visible_links(ctx, layout)
        if links is None:
            return failure(f'Cannot open network namespace "{ctx.netns}": '
                           "No such file or directory", 255)
        if obj == "route":
            return _route(links, rest)
        return _show(obj, links, rest, details, oneline)


def visible_links(ctx: Context, layout: HostLayout) -> list[Link] | None:
    return layout.links if ctx.netns is None else layout.namespace(ctx.netns)


def _show(obj: str, links: list[Link], rest: list[str], details: bool,
          oneline: bool) -> Result:
    if rest:
        if not any(_matches(rest[0], word) for word in _SHOW_WORDS):
            return failure(f'Command "{rest[0]}" is unknown, try "ip {obj} help".', 255)
        rest = rest[1:]
    selected: Sequence[Link] = links
    if rest:
        if rest[0] == "dev":
            rest = rest[1:]
            if not rest:
                return failure('Command line is not complete. Try option "help"', 255)
        name, extra = rest[0], rest[1:]
        if extra:
            return failure(f'Error: either "dev" is duplicate, or "{extra[0]}" is a garbage.',
                           255)
        found = [link for link in links if link.name == name]
        if not found:
            return failure(f'Device "{name}" does not exist.', 1)
        selected = found
    if obj == "link":
        text = _only(iproute.ip_link(links, details=details), selected, links)
    else:
        text = _only(iproute.ip_address(links), selected, links)
    return Result(_one_line(text) if oneline else text)


def _one_line(text: str) -> str:
    """``-o``: each entry's continuation lines joined to it with a backslash."""
    return text.replace("\n    ", "\\    ")


def _only(text: str, selected: Sequence[Link], links: Sequence[Link]) -> str:
    """The entries of ``selected`` out of a listing of ``links`` (an entry starts with its
    ``<index>: `` line), so that a single device's entry is rendered exactly as in the list."""
    if len(selected) == len(links):
        return text
    wanted = {f"{link.index}: {link.name}" for link in selected}
    out: list[str] = []
    keep = False
    for line in text.splitlines(keepends=True):
        if not line.startswith(" "):
            head = line.split(":", 2)
            keep = f"{head[0]}:{head[1].split('@')[0]}" in wanted if len(head) > 1 else False
        if keep:
            out.append(line)
    return "".join(out)


def _route(links: list[Link], rest: list[str]) -> Result:
    if rest and not any(_matches(rest[0], word) for word in _SHOW_WORDS):
        return failure(f'Command "{rest[0]}" is unknown, try "ip route help".', 255)
    return Result(iproute.ip_route(links, _default_route(links)))


def _default_route(links: list[Link]) -> tuple[str, str] | None:
    """Via the first address of the uplink's network: ``eth0`` on the host, the gateway port
    in a router's namespace, the network's port in a DHCP namespace."""
    candidates = [link for link in links if link.kind != "loopback" and link.addresses]
    uplink = next((link for link in candidates if link.name in ("eth0",)
                   or link.name.startswith("qg-")), None)
    if uplink is None and candidates and not any(
            link.name.startswith("qr-") for link in candidates):
        uplink = candidates[0]
    if uplink is None:
        return None
    address = uplink.addresses[0]
    octets = [int(part) for part in address.ip.split(".")]
    number = sum(octet << (24 - 8 * i) for i, octet in enumerate(octets))
    gateway = (number & ~((1 << (32 - address.prefix)) - 1)) + 1
    text = ".".join(str((gateway >> shift) & 255) for shift in (24, 16, 8, 0))
    return text, uplink.name


def _netns(ctx: Context, rest: list[str], run: Runner) -> Result:
    if not rest or _matches(rest[0], "list") or rest[0] == "show":
        with ctx.cloud.lock:
            layout = host_layout(ctx.cloud, ctx.host)
            return Result(iproute.ip_netns_list(layout.namespaces))
    if rest[0] != "exec":
        return failure(f'Command "{rest[0]}" is unknown, try "ip netns help".', 255)
    if len(rest) < 2:
        return failure("No netns name specified", 1)
    name, command = rest[1], rest[2:]
    with ctx.cloud.lock:
        known = any(ns.name == name for ns in host_layout(ctx.cloud, ctx.host).namespaces)
    if not known:
        return failure(f'Cannot open network namespace "{name}": No such file or directory',
                       255)
    if not command:
        return failure("No command specified", 1)
    return run(Context(ctx.cloud, ctx.host, name), command)


def bridge(ctx: Context, argv: list[str]) -> Result:
    args = argv[1:]
    if not args:
        return failure("Usage: bridge [ OPTIONS ] OBJECT { COMMAND | help }\n"
                       "       bridge [ -force ] -batch filename", 255)
    if not _matches(args[0], "fdb"):
        return failure(f'Object "{args[0]}" is unknown, try "bridge help".', 255)
    rest = args[1:]
    if rest and not _matches(rest[0], "show"):
        return failure(f'Command "{rest[0]}" is unknown, try "bridge fdb help".', 255)
    rest = rest[1:]
    device = None
    if rest[:1] == ["dev"] and len(rest) == 2:
        device = rest[1]
    elif rest:
        return failure(f'Error: either "dev" is duplicate, or "{rest[0]}" is a garbage.', 255)
    with ctx.cloud.lock:
        layout = host_layout(ctx.cloud, ctx.host)
        links = visible_links(ctx, layout)
        if links is None:
            return failure(f'Cannot open network namespace "{ctx.netns}"', 255)
        if ctx.netns is not None:
            layout = HostLayout(layout.host, links, [], None, [], {})
        if device is not None and all(link.name != device for link in links):
            return failure(f'Cannot find device "{device}"', 255)
        text = iproute.bridge_fdb(layout)
    if device is not None:
        text = "".join(line for line in text.splitlines(keepends=True)
                       if f" dev {device} " in line)
    return Result(text)
