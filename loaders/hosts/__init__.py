"""Discovery from the hosts' own tools (virsh, Open vSwitch, iproute2, brctl, ethtool, ...).

The parsers here turn one command's output into plain data; they are shared by the SSH
loader and by the sandbox's tests, which check that the sandbox's outputs parse exactly as
the real tools' recorded outputs (``tests/fixtures/hosts``) do.
"""
