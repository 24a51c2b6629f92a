"""The README written into a sensu-config folder: what is there and how to install it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from topology.sensu.settings import FILTER, HANDLER, TOKEN_VARIABLE, Settings


def readme(settings: Settings, counts: Mapping[str, int], hosts: Sequence[str],
           formats: Sequence[str]) -> str:
    env = settings.environment
    plugins = settings.plugins_dir.rstrip("/")
    total = sum(counts.values())
    lines = [
        f"# Sensu checks of environment {env}",
        "",
        f"Written by `topology sensu-config --env {env}`: {total} checks on {len(hosts)} "
        "hosts (" + ", ".join(f"{kind} {n}" for kind, n in counts.items() if n) + ").",
        "Run it again after the environment changes; it rewrites its own files and removes "
        "those of hosts that are gone.",
        "",
        "Every check is named as Topology's handler reads it back (`<type>_<id>`,",
        "`otep_<id>_<port>`, `link_<link type>_<source id>_<target id>`, with `:` and `/`",
        "in ids written `---..58..---` and `---..47..---`): do not rename them.",
        "",
        "## The check scripts (every host)",
        "",
        f"Copy `plugins/` to `{plugins}/` on every monitored host (keep the files",
        "together and executable). They need Python 3.7+ and `ip`; the vEdge check reads",
        "`ovs-vsctl`, the instance check `virsh` (the Sensu user in the `libvirt` group),",
        "the otep check `ping`. Two commands need root: when the checks do not run as",
        "root they use `sudo -n`, so give the Sensu user (here `sensu`) these in sudoers:",
        "",
        "```",
        "sensu ALL=(root) NOPASSWD: /usr/bin/ovs-vsctl --timeout=5 show",
        "sensu ALL=(root) NOPASSWD: /usr/sbin/ip netns exec * ip -o link show, \\",
        "                           /bin/ip netns exec * ip -o link show",
        "```",
        "",
        "A check prints one line and exits 0 (OK), 1 (Warning) or 2 (Error); it never",
        "exits 3: a check that cannot tell reports 2 with `UNKNOWN:` in its text (the",
        "handler writes 3 or more, such as a command that could not run, as Error).",
        "",
        f"The handler `{HANDLER}` runs `{settings.handler_command()}` on the Sensu server.",
        f"The filter `{FILTER}` lets a result through when its status changed, and an",
        f"unchanged one once every {settings.refresh} s (checks run every "
        f"{settings.interval} s).",
    ]
    if settings.api_url:
        lines += [
            "It posts each event to Topology's API with `plugins/post_events.py` (copy the",
            "plugins folder to the Sensu server too): set the API token in the environment",
            f"of the Sensu server process as `{TOKEN_VARIABLE}` (a token with `edit` on",
            f"`{env}`, see `topology token`); it is not in any of these files.",
        ]
    else:
        lines += ["It needs `topology` installed on the Sensu server, configured to reach "
                  "the graph (`NEO4J_URI`...)."]
    if "sensu1" in formats:
        lines += [
            "",
            "## Sensu 1.x",
            "",
            "- On each host `<host>`: copy `sensu1/clients/<host>/conf.d/*.json` to",
            "  `/etc/sensu/conf.d/` and restart `sensu-client`. `topology-client.json` sets",
            f"  the client's `environment` ({env}); the checks are standalone.",
            "- On the Sensu server: copy `sensu1/server/conf.d/topology-handler.json` to",
            "  `/etc/sensu/conf.d/` and restart `sensu-server`.",
        ]
    if "sensu-go" in formats:
        lines += [
            "",
            "## Sensu Go",
            "",
            "- On each host `<host>`: merge `sensu-go/agents/<host>.yml` into",
            "  `/etc/sensu/agent.yml` (the agent's name is the host's, its label",
            f"  `environment` is {env}) and restart `sensu-agent`. Checks are published to",
            "  the agent's own subscription `entity:<host>`.",
            "- Then, with sensuctl configured for the namespace to use:",
            "",
            "```",
            "sensuctl create -f sensu-go/topology-server.yml   # handler and filter",
            "sensuctl create -r -f sensu-go/checks/            # every host's checks",
            "```",
        ]
    return "\n".join(lines) + "\n"
