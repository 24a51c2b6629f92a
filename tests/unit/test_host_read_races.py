"""A host read while the cloud changes: a domain or a namespace that went away between
being listed and being read is simply not there any more, not a problem of the scan."""

from loaders.hosts.collect import _domain_gone, _namespace_gone
from loaders.hosts.ssh import CommandError


def error(command: str, stderr: str) -> CommandError:
    return CommandError("node-1", command, 1, stderr)


def test_a_domain_gone_since_virsh_list_is_quiet() -> None:
    assert _domain_gone(error("virsh dumpxml 9", "error: failed to get domain '9'\n"))
    assert _domain_gone(error("virsh dumpxml 9", "error: Domain not found: no domain with "
                                                 "matching id 9\n"))
    assert not _domain_gone(error("virsh dumpxml 9", "error: failed to connect to the "
                                                     "hypervisor\n"))


def test_a_namespace_gone_since_ip_netns_list_is_quiet() -> None:
    assert _namespace_gone(error("ip netns exec qdhcp-x ip address show",
                                 'Cannot open network namespace "qdhcp-x": No such file or '
                                 "directory\n"))
    assert not _namespace_gone(error("ip netns exec qdhcp-x ip address show",
                                     "sudo: a password is required\n"))
