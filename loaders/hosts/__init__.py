"""Discovery from the hosts' own tools (virsh, Open vSwitch, iproute2, brctl, ethtool, ...).

The parsers here turn one command's output into plain data; they are shared by the SSH
loader and by the sandbox's tests, which check that the sandbox's outputs parse exactly as
the real tools' recorded outputs (``tests/fixtures/hosts``) do.

The hosts loader: :mod:`loaders.hosts.ssh` (the gateway client: commands run the way
Calipso ran them), :mod:`loaders.hosts.collect` (get: what to run on one host, parsed),
:mod:`loaders.hosts.transform` (pure: one host's outputs into the scan tree, with
:mod:`~loaders.hosts.vedges`, :mod:`~loaders.hosts.vservices`, :mod:`~loaders.hosts.lxb`
and :mod:`~loaders.hosts.bonds`).
"""
