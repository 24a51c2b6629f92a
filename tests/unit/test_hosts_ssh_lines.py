"""The gateway client's command lines and error texts (no connection needed)."""

from __future__ import annotations

from loaders.hosts.ssh import CommandError, SshGateway
from topology.environments import SshSettings


def test_command_lines_as_calipso_ran_them() -> None:
    named = SshGateway(SshSettings("10.0.0.5", gateway_host="node-1"))
    assert named.command_line("node-1", "brctl show") == "sudo brctl show"
    assert named.command_line("node-7", "brctl show") == \
        "ssh -q -o StrictHostKeyChecking=no node-7 sudo brctl show"
    unnamed = SshGateway(SshSettings("node-1", sudo=False))
    assert unnamed.command_line("node-1", "ip netns list") == "ip netns list"
    assert unnamed.command_line("node-2", "ip netns list") == \
        "ssh -q -o StrictHostKeyChecking=no node-2 ip netns list"
    assert unnamed.command_line("odd host", "uname -n").startswith(
        "ssh -q -o StrictHostKeyChecking=no 'odd host' ")


def test_a_command_error_quotes_the_first_stderr_line_only() -> None:
    error = CommandError("node-2", "virsh list", 1, "\nerror: failed to connect\nmore\n")
    assert str(error) == ("node-2: 'virsh list' failed (exit status 1): "
                          "'error: failed to connect'")
    assert str(CommandError("node-2", "x", 3, "")) == "node-2: 'x' failed (exit status 3)"


def test_settings_never_show_the_password() -> None:
    settings = SshSettings("gw", password="s3cret-value")
    assert "s3cret-value" not in repr(settings)
    assert "s3cret-value" not in repr(SshGateway(settings).settings)
