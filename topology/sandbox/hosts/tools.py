"""The programs installed on a simulated host, each taking its argument vector like the real
one and answering with its output, error text and exit status.

Which programs a host has follows its role: libvirt's ``virsh`` only on compute hosts,
Open vSwitch's tools only where the mechanism driver is OVS; ``brctl`` everywhere (nova's
hybrid plug and the linuxbridge agent both need it).
"""

from __future__ import annotations

from collections.abc import Callable

from topology.sandbox.hosts import ip_command, libvirt, ovs, system
from topology.sandbox.hosts.ip_command import visible_links
from topology.sandbox.hosts.layout import host_layout
from topology.sandbox.hosts.result import Context, Result, failure

Tool = Callable[[Context, list[str]], Result]

_VIRSH_CONNECT = ("-c", "--connect")
_VIRSH_FLAGS = ("-q", "--quiet", "-r", "--readonly")
_LIST_OPTIONS = ("--all", "--inactive", "--name", "--uuid", "--table")
_SYS_NET = ("/sys/class/net", "/sys/class/net/")


def run(ctx: Context, argv: list[str]) -> Result | None:
    """Run ``argv`` on the context's host; None when the host has no such program."""
    tool = _available(ctx).get(argv[0])
    return None if tool is None else tool(ctx, argv)


def _available(ctx: Context) -> dict[str, Tool]:
    tools = dict(_COMMON)
    if ctx.host.kind == "compute":
        tools["virsh"] = _virsh
    if ctx.cloud.shape.mechanism_driver == "OVS":
        tools["ovs-vsctl"] = _ovs_vsctl
        tools["ovs-dpctl"] = _ovs_dpctl
        tools["ovs-appctl"] = _ovs_appctl
    return tools


def _in_namespace(ctx: Context, argv: list[str]) -> Result:
    """``ip netns exec`` runs the program itself (no shell): a missing one fails so."""
    found = run(ctx, argv)
    if found is None:
        return failure(f'exec of "{argv[0]}" failed: No such file or directory', 1)
    return found


def _ip(ctx: Context, argv: list[str]) -> Result:
    return ip_command.ip(ctx, argv, _in_namespace)


def _brctl(ctx: Context, argv: list[str]) -> Result:
    args = argv[1:]
    if not args or args[0] != "show":
        usage = Result(_BRCTL_USAGE, status=1)
        if args:
            return Result(usage.stdout, f"never heard of command [{args[0]}]\n", 1)
        return usage
    with ctx.cloud.lock:
        layout = host_layout(ctx.cloud, ctx.host)
        links = visible_links(ctx, layout) or []
        bridges = [(link, layout.bridge_ports(link.name, links))
                   for link in links if link.kind == "bridge"]
    wanted = args[1:]
    missing = [name for name in wanted if all(b.name != name for b, _ in bridges)]
    if missing:
        return failure(f"bridge {missing[0]} does not exist!", 1)
    if wanted:
        bridges = [(b, ports) for b, ports in bridges if b.name in wanted]
    return Result(system.brctl_show(bridges))


def _ethtool(ctx: Context, argv: list[str]) -> Result:
    args = argv[1:]
    if len(args) != 1 or args[0].startswith("-"):
        return failure("ethtool: bad command line argument(s)\n"
                       "For more information run ethtool -h", 1)
    with ctx.cloud.lock:
        layout = host_layout(ctx.cloud, ctx.host)
        links = visible_links(ctx, layout) or []
        link = next((link for link in links if link.name == args[0]), None)
        if link is None:
            return Result(system.ETHTOOL_MISSING_STDOUT, system.ETHTOOL_MISSING_STDERR,
                          system.ETHTOOL_MISSING_STATUS)
        has_ports = bool(layout.bridge_ports(link.name, links))
        lower = next((other for other in links if other.name == link.lower), None)
        return Result(system.ethtool(link, has_ports, lower))


def _ovs_vsctl(ctx: Context, argv: list[str]) -> Result:
    args = [arg for arg in argv[1:] if not arg.startswith("--timeout") and arg != "--"]
    if not args:
        return failure("ovs-vsctl: missing command name (use --help for help)", 1)
    command, rest = args[0], args[1:]
    with ctx.cloud.lock:
        layout = host_layout(ctx.cloud, ctx.host)
        if command in ("show", "list-br"):
            if rest:
                return failure(f"ovs-vsctl: '{command}' command takes at most 0 arguments", 1)
            return Result(ovs.vsctl_show(layout) if command == "show" else ovs.list_br(layout))
        if command in ("list-ifaces", "list-ports"):
            if len(rest) != 1:
                word = "at least" if not rest else "at most"
                return failure(f"ovs-vsctl: '{command}' command requires {word} 1 arguments", 1)
            found = ovs.bridge(layout, rest[0])
            if found is None:
                return failure(f"ovs-vsctl: no bridge named {rest[0]}", 1)
            return Result(ovs.list_ifaces(found))
    return failure(f"ovs-vsctl: unknown command '{command}'; use --help for help", 1)


def _ovs_dpctl(ctx: Context, argv: list[str]) -> Result:
    args = argv[1:]
    if args and args[0] != "show":
        return failure(f"ovs-dpctl: unknown command '{args[0]}'; use --help for help", 1)
    with ctx.cloud.lock:
        return Result(ovs.dpctl_show(host_layout(ctx.cloud, ctx.host)))


def _ovs_appctl(ctx: Context, argv: list[str]) -> Result:
    """``ovs-appctl [-t TARGET] dpctl/show``: ovs-vswitchd's view of the same datapath;
    another command is refused by the daemon, as ovs-appctl reports it."""
    args, target = argv[1:], "ovs-vswitchd"
    while args and args[0].startswith("-"):
        option = args.pop(0)
        if option in ("-t", "--target") and args:
            target = args.pop(0)
        elif option.startswith("--target="):
            target = option.split("=", 1)[1]
        elif option in ("-T", "--timeout") and args:
            args.pop(0)
    if not args:
        return failure("ovs-appctl: at least one non-option argument is required "
                       "(use --help for help)", 1)
    if args[0] != "dpctl/show":
        return failure(f'"{args[0]}" is not a valid command (use "list-commands" to see a '
                       f"list of valid commands)\novs-appctl: {target}: server returned an "
                       "error", 2)
    with ctx.cloud.lock:
        return Result(ovs.dpctl_show(host_layout(ctx.cloud, ctx.host)))


def _virsh(ctx: Context, argv: list[str]) -> Result:
    args = argv[1:]
    while args and (args[0] in _VIRSH_FLAGS or args[0] in _VIRSH_CONNECT
                    or args[0].startswith("--connect=")):
        option = args.pop(0)
        if option in _VIRSH_CONNECT and args:
            args.pop(0)
    if not args:
        return Result()
    command, rest = args[0], args[1:]
    with ctx.cloud.lock:
        if command == "list":
            return _virsh_list(ctx, rest)
        if command == "dumpxml":
            names = [arg for arg in rest if not arg.startswith("--")]
            if not names:
                return failure("error: command 'dumpxml' requires <domain> option", 1)
            instance = libvirt.find_domain(ctx.host, names[0])
            if instance is None:
                return Result("\n", f"error: failed to get domain '{names[0]}'\n", 1)
            return Result(libvirt.dumpxml(ctx.cloud, instance))
    return failure(f"error: unknown command: '{command}'", 1)


def _virsh_list(ctx: Context, rest: list[str]) -> Result:
    unknown = [option for option in rest if option not in _LIST_OPTIONS]
    if unknown:
        return failure(f"error: command 'list' doesn't support option {unknown[0]}", 1)
    everything, inactive = "--all" in rest, "--inactive" in rest
    active, stopped = not inactive or everything, inactive or everything
    if "--name" in rest or "--uuid" in rest:
        return Result(libvirt.virsh_names(ctx.host, active=active, inactive=stopped,
                                          uuids="--uuid" in rest and "--name" not in rest))
    return Result(libvirt.virsh_list(ctx.host, active=active, inactive=stopped))


def _ls(ctx: Context, argv: list[str]) -> Result:
    options = [arg for arg in argv[1:] if arg.startswith("-")]
    paths = [arg for arg in argv[1:] if not arg.startswith("-")] or ["."]
    long = any("l" in option for option in options)
    path = paths[0]
    if path in _SYS_NET:
        with ctx.cloud.lock:
            links = visible_links(ctx, host_layout(ctx.cloud, ctx.host)) or []
            return Result(system.sys_class_net(links, long=long))
    if path == ".":
        return Result()
    return failure(f"ls: cannot access '{path}': No such file or directory", 2)


def _cat(ctx: Context, argv: list[str]) -> Result:
    out, errors = [], []
    for path in argv[1:]:
        if path == "/etc/os-release":
            out.append(system.OS_RELEASE)
        elif path == "/etc/hostname":
            out.append(f"{ctx.host.name}\n")
        else:
            errors.append(f"cat: {path}: No such file or directory\n")
    return Result("".join(out), "".join(errors), 1 if errors else 0)


def _uname(ctx: Context, argv: list[str]) -> Result:
    flags = ""
    for arg in argv[1:]:
        letters = arg[1:] if arg.startswith("-") and not arg.startswith("--") else ""
        bad = next((c for c in letters if c not in "snrvma"), None) if letters else arg
        if bad is not None:
            return failure(f"uname: invalid option -- '{bad}'\n"
                           "Try 'uname --help' for more information.", 1)
        flags += letters
    return Result(system.uname(ctx.host.name, flags))


def _arch(ctx: Context, argv: list[str]) -> Result:
    if len(argv) > 1:
        return failure(f"arch: extra operand \u2018{argv[1]}\u2019\n"
                       "Try 'arch --help' for more information.", 1)
    return Result(f"{system.MACHINE}\n")


def _hostname(ctx: Context, argv: list[str]) -> Result:
    return Result(f"{ctx.host.name}\n")


def _echo(ctx: Context, argv: list[str]) -> Result:
    return Result(" ".join(argv[1:]) + "\n")


def _true(ctx: Context, argv: list[str]) -> Result:
    return Result()


def _false(ctx: Context, argv: list[str]) -> Result:
    return Result(status=1)


_COMMON: dict[str, Tool] = {
    "ip": _ip, "bridge": ip_command.bridge, "brctl": _brctl, "ethtool": _ethtool, "ls": _ls,
    "cat": _cat, "uname": _uname, "arch": _arch, "hostname": _hostname, "echo": _echo,
    "true": _true, "false": _false,
}

_BRCTL_USAGE = (
    "Usage: brctl [commands]\n"
    "commands:\n"
    "\taddbr     \t<bridge>\t\tadd bridge\n"
    "\tdelbr     \t<bridge>\t\tdelete bridge\n"
    "\taddif     \t<bridge> <device>\tadd interface to bridge\n"
    "\tdelif     \t<bridge> <device>\tdelete interface from bridge\n"
    "\thairpin   \t<bridge> <port> {on|off}\tturn hairpin on/off\n"
    "\tsetageing \t<bridge> <time>\t\tset ageing time\n"
    "\tsetbridgeprio\t<bridge> <prio>\t\tset bridge priority\n"
    "\tsetfd     \t<bridge> <time>\t\tset bridge forward delay\n"
    "\tsethello  \t<bridge> <time>\t\tset hello time\n"
    "\tsetmaxage \t<bridge> <time>\t\tset max message age\n"
    "\tsetpathcost\t<bridge> <port> <cost>\tset path cost\n"
    "\tsetportprio\t<bridge> <port> <prio>\tset port priority\n"
    "\tshow      \t[ <bridge> ]\t\tshow a list of bridges\n"
    "\tshowmacs  \t<bridge>\t\tshow a list of mac addrs\n"
    "\tshowstp   \t<bridge>\t\tshow bridge stp info\n"
    "\tstp       \t<bridge> {on|off}\tturn stp on/off\n"
)
