"""``topology env list``: each environment, where it was read and which of its sources are
configured (where secrets come from, never their values)."""

from __future__ import annotations

from topology.config import ConfigError
from topology.environments import Catalog, EnvironmentConfig, SshSettings


def describe_catalog(catalog: Catalog) -> tuple[list[str], bool]:
    """The listing's lines, and whether every environment could be read whole (a written
    file that could not be read is listed, and is not the configuration's fault)."""
    lines: list[str] = []
    ok = True
    for name in sorted(catalog.sections):
        section = catalog.sections[name]
        written = f", written by {section.written_by}" if section.written_by else ""
        lines.append(f"{name}  ({section.path}{written})")
        try:
            lines += [f"  {line}" for line in describe(catalog.load(name))]
        except ConfigError as exc:
            ok = False
            lines.append(f"  not usable: {exc}")
    for path, reason in catalog.skipped:
        lines.append(f"(skipped {path}: {reason})")
    if not catalog.sections:
        lines.append("no environments: add an [environments.NAME] section to the "
                     "configuration file (see README.md, Environments), or start the sandbox "
                     "(topology sandbox start)")
    return lines, ok


def describe(env: EnvironmentConfig) -> list[str]:
    what = ", ".join(part for part in (
        " ".join(p for p in (env.distribution, env.distribution_version) if p),
        "/".join(env.mechanism_drivers), "/".join(env.type_drivers)) if part)
    lines = [f"{what}; listen: {'yes' if env.listen else 'no'}"]
    if env.cloud or env.clouds_yaml:
        where = env.clouds_yaml or "openstacksdk's own clouds.yaml lookup"
        lines.append(f"OpenStack API: cloud {env.cloud or '(default)'!r} in {where}")
    else:
        lines.append("OpenStack API: not configured")
    lines.append(_secret_line("database", env, "database_url"))
    if env.ssh is not None:
        lines.append(f"SSH gateway: {_ssh(env.ssh, env.origins.get('ssh_password'))}")
    else:
        lines.append("SSH gateway: not configured")
    for host, settings in sorted(env.host_ssh.items()):
        lines.append(f"  host {host}: "
                     f"{_ssh(settings, env.origins.get(f'ssh_password of {host}'))}")
    lines.append("hosts: " + (", ".join(env.hosts) if env.hosts else
                              "every host the API shows"))
    lines.append(_secret_line("AMQP", env, "amqp_url"))
    return lines


def _secret_line(label: str, env: EnvironmentConfig, key: str) -> str:
    origin = env.origins.get(key)
    return f"{label}: URL from {origin}" if origin else f"{label}: not configured"


def _ssh(ssh: SshSettings, password_origin: str | None) -> str:
    auth = [f"key {ssh.key_file}"] if ssh.key_file else []
    if ssh.password:
        auth.append(f"password from {password_origin or 'the gateway settings'}")
    host = f", host {ssh.gateway_host}" if ssh.gateway_host else ""
    return (f"{ssh.user}@{ssh.gateway} port {ssh.port}{host} ({'; '.join(auth)}; "
            f"{'sudo' if ssh.sudo else 'no sudo'}, timeouts {ssh.connect_timeout:g} s "
            f"connect / {ssh.command_timeout:g} s command, {ssh.max_sessions} sessions)")
