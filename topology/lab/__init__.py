"""The lab: a real, minimal OpenStack (Zed, from Debian's own packages) on this machine.

Keystone, Placement, Glance, Nova (compute with ``fake.FakeDriver``) and Neutron (ML2/Open
vSwitch in userspace mode, with its OVS, DHCP and L3 agents), MariaDB and RabbitMQ, all on
127.0.0.1 and started by hand (no systemd): what the loaders and the listener are tested
against. ``topology lab start|stop|status``; :class:`topology.lab.lab.Lab` does the work.
"""
