"""libvirt 9.0 on a compute host: ``virsh list`` and ``virsh dumpxml`` of nova's domains.

A domain is an instance of the model: name ``instance-<db id as 8 hex digits>``, uuid the
instance's id, nova's metadata, and one ``<interface type='bridge'>`` per port, plugged as
nova plugs it (the OVS hybrid plug's ``qbr`` bridge, or the linuxbridge agent's ``brq``).
A stopped instance is a defined, shut-off domain: ``list --all`` shows it without an id and
its XML is the inactive one (no runtime ids, aliases or labels).
"""

from __future__ import annotations

import hashlib
from xml.sax.saxutils import escape

from topology.sandbox.hosts.layout import linux_bridge_name
from topology.sandbox.model import Cloud, Host, Instance, Port

NOVA_VERSION = "26.2.1"  # Zed
NOVA_NAMESPACE = "http://openstack.org/xmlns/libvirt/nova/1.1"
_SLOT = 3  # the first PCI slot libvirt gives to network interfaces on i440fx


def virsh_list(host: Host, *, active: bool = True, inactive: bool = False) -> str:
    """The domain table: running domains by id, then shut-off ones by name; columns as wide
    as their widest cell, three spaces apart, a dashed rule, a blank line at the end."""
    running = sorted((i for i in host.instances if i.running and active),
                     key=lambda i: i.domain_id or 0)
    stopped = sorted((i for i in host.instances if not i.running and inactive),
                     key=lambda i: i.local_name)
    rows = [(str(i.domain_id), i.local_name, "running") for i in running]
    rows += [("-", i.local_name, "shut off") for i in stopped]
    table = [("Id", "Name", "State"), *rows]
    widths = [max(len(row[col]) for row in table) for col in range(3)]
    lines = [_row(table[0], widths), "-" * (sum(widths) + 3 * (len(widths) - 1) + 3)]
    lines += [_row(row, widths) for row in rows]
    return "".join(f"{line}\n" for line in lines) + "\n"


def _row(cells: tuple[str, str, str], widths: list[int]) -> str:
    padded = [cell.ljust(width) for cell, width in zip(cells[:-1], widths, strict=False)]
    return " " + "   ".join([*padded, cells[-1]])


def virsh_names(host: Host, *, active: bool, inactive: bool, uuids: bool) -> str:
    listed = [i for i in host.instances if (i.running and active) or (not i.running and inactive)]
    listed.sort(key=lambda i: (not i.running, i.domain_id or 0, i.local_name))
    return "".join(f"{i.id if uuids else i.local_name}\n" for i in listed) + "\n"


def find_domain(host: Host, reference: str) -> Instance | None:
    """virsh's lookup: a running domain's id, then a uuid, then a name."""
    if reference.isdigit():
        found = next((i for i in host.instances if i.running and i.domain_id == int(reference)),
                     None)
        if found is not None:
            return found
    return next((i for i in host.instances if reference in (i.id, i.local_name)), None)


def dumpxml(cloud: Cloud, instance: Instance) -> str:
    running = instance.running
    flavor = instance.flavor
    head = f"<domain type='kvm' id='{instance.domain_id}'>" if running else "<domain type='kvm'>"
    lines = [
        head,
        f"  <name>{instance.local_name}</name>",
        f"  <uuid>{instance.id}</uuid>",
        *_metadata(cloud, instance),
        f"  <memory unit='KiB'>{flavor.ram * 1024}</memory>",
        f"  <currentMemory unit='KiB'>{flavor.ram * 1024}</currentMemory>",
        f"  <vcpu placement='static'>{flavor.vcpus}</vcpu>",
        "  <cputune>",
        f"    <shares>{flavor.vcpus * 1024}</shares>",
        "  </cputune>",
    ]
    if running:
        lines += ["  <resource>", "    <partition>/machine</partition>", "  </resource>"]
    lines += _sysinfo(instance)
    lines += [
        "  <os>",
        "    <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>",
        "    <boot dev='hd'/>",
        "    <smbios mode='sysinfo'/>",
        "  </os>",
        "  <features>", "    <acpi/>", "    <apic/>", "  </features>",
        "  <cpu mode='host-model' check='partial'>",
        "    <topology sockets='1' dies='1' cores='1' threads='1'/>",
        "  </cpu>",
        "  <clock offset='utc'>",
        "    <timer name='pit' tickpolicy='delay'/>",
        "    <timer name='rtc' tickpolicy='catchup'/>",
        "    <timer name='hpet' present='no'/>",
        "  </clock>",
        "  <on_poweroff>destroy</on_poweroff>",
        "  <on_reboot>restart</on_reboot>",
        "  <on_crash>destroy</on_crash>",
        *_devices(cloud, instance),
    ]
    if running:
        lines += _seclabels(instance)
    lines.append("</domain>")
    return "".join(f"{line}\n" for line in lines) + "\n"


def _metadata(cloud: Cloud, instance: Instance) -> list[str]:
    flavor, project = instance.flavor, instance.project
    user = hashlib.sha256(f"{cloud.shape.environment}\0admin".encode()).hexdigest()[:32]
    lines = [
        "  <metadata>",
        f'    <nova:instance xmlns:nova="{NOVA_NAMESPACE}">',
        f'      <nova:package version="{NOVA_VERSION}"/>',
        f"      <nova:name>{escape(instance.name)}</nova:name>",
        f"      <nova:creationTime>{instance.created_at:%Y-%m-%d %H:%M:%S}</nova:creationTime>",
        f'      <nova:flavor name="{escape(flavor.name)}">',
        f"        <nova:memory>{flavor.ram}</nova:memory>",
        f"        <nova:disk>{flavor.disk}</nova:disk>",
        "        <nova:swap>0</nova:swap>",
        "        <nova:ephemeral>0</nova:ephemeral>",
        f"        <nova:vcpus>{flavor.vcpus}</nova:vcpus>",
        "      </nova:flavor>",
        "      <nova:owner>",
        f'        <nova:user uuid="{user}">admin</nova:user>',
        f'        <nova:project uuid="{project.id}">{escape(project.name)}</nova:project>',
        "      </nova:owner>",
        f'      <nova:root type="image" uuid="{cloud.image_id}"/>',
        "      <nova:ports>",
    ]
    for port in instance.ports:
        lines += [f'        <nova:port uuid="{port.id}">',
                  f'          <nova:ip type="fixed" address="{port.ip}" ipVersion="4"/>',
                  "        </nova:port>"]
    lines += ["      </nova:ports>", "    </nova:instance>", "  </metadata>"]
    return lines


def _sysinfo(instance: Instance) -> list[str]:
    entries = (("manufacturer", "OpenStack Foundation"), ("product", "OpenStack Nova"),
               ("version", NOVA_VERSION), ("serial", instance.id), ("uuid", instance.id),
               ("family", "Virtual Machine"))
    return ["  <sysinfo type='smbios'>", "    <system>",
            *(f"      <entry name='{name}'>{value}</entry>" for name, value in entries),
            "    </system>", "  </sysinfo>"]


def interface_bridge(cloud: Cloud, port: Port) -> str:
    if cloud.shape.mechanism_driver == "OVS":
        return f"qbr{port.short}"
    return linux_bridge_name(port.network)


def _pci(slot: int) -> str:
    return f"<address type='pci' domain='0x0000' bus='0x00' slot='0x{slot:02x}' function='0x0'/>"


def _devices(cloud: Cloud, instance: Instance) -> list[str]:
    running = instance.running
    path = f"/var/lib/nova/instances/{instance.id}"
    alias = (lambda name: [f"      <alias name='{name}'/>"]) if running else (lambda name: [])
    disk_slot = _SLOT + len(instance.ports)
    lines = ["  <devices>", "    <emulator>/usr/bin/qemu-system-x86_64</emulator>",
             "    <disk type='file' device='disk'>",
             "      <driver name='qemu' type='qcow2' cache='none'/>",
             f"      <source file='{path}/disk'/>",
             "      <target dev='vda' bus='virtio'/>",
             *alias("virtio-disk0"), f"      {_pci(disk_slot)}", "    </disk>"]
    for number, port in enumerate(instance.ports):
        lines += ["    <interface type='bridge'>",
                  f"      <mac address='{port.mac}'/>",
                  f"      <source bridge='{interface_bridge(cloud, port)}'/>",
                  f"      <target dev='tap{port.short}'/>",
                  "      <model type='virtio'/>",
                  f"      <mtu size='{port.network.mtu}'/>",
                  *alias(f"net{number}"),
                  f"      {_pci(_SLOT + number)}",
                  "    </interface>"]
    pty = ["      <source path='/dev/pts/1'/>"] if running else []
    log = f"      <log file='{path}/console.log' append='off'/>"
    lines += ["    <serial type='pty'>", *pty, log,
              "      <target type='isa-serial' port='0'>",
              "        <model name='isa-serial'/>", "      </target>", *alias("serial0"),
              "    </serial>",
              "    <console type='pty'" + (" tty='/dev/pts/1'>" if running else ">"), *pty, log,
              "      <target type='serial' port='0'/>", *alias("serial0"), "    </console>",
              "    <input type='tablet' bus='usb'>", *alias("input0"),
              "      <address type='usb' bus='0' port='1'/>", "    </input>",
              f"    <graphics type='vnc' port='{5900 if running else -1}' autoport='yes' "
              "listen='0.0.0.0'>",
              "      <listen type='address' address='0.0.0.0'/>", "    </graphics>",
              "    <video>", "      <model type='cirrus' vram='16384' heads='1' primary='yes'/>",
              *alias("video0"), f"      {_pci(2)}", "    </video>",
              "    <memballoon model='virtio'>", "      <stats period='10'/>",
              *alias("balloon0"), f"      {_pci(disk_slot + 1)}", "    </memballoon>",
              "  </devices>"]
    return lines


def _seclabels(instance: Instance) -> list[str]:
    label = f"libvirt-{instance.id}"
    return ["  <seclabel type='dynamic' model='apparmor' relabel='yes'>",
            f"    <label>{label}</label>", f"    <imagelabel>{label}</imagelabel>",
            "  </seclabel>",
            "  <seclabel type='dynamic' model='dac' relabel='yes'>",
            "    <label>+64055:+64055</label>", "    <imagelabel>+64055:+64055</imagelabel>",
            "  </seclabel>"]
