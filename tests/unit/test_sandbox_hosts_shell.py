"""The simulated host's shell: command lines as bash runs them, the tools' own errors, and
``ssh`` from one host to another with the faults in force."""

from __future__ import annotations

import pytest

from topology.sandbox.faults import Faults
from topology.sandbox.hosts.result import Result
from topology.sandbox.hosts.shell import Shell
from topology.sandbox.model import Cloud, CloudShape, build


@pytest.fixture(scope="module")
def cloud() -> Cloud:
    return build(CloudShape(compute_hosts=3, network_hosts=1, instances_per_host=2))


@pytest.fixture
def faults() -> Faults:
    return Faults()


@pytest.fixture
def gateway(cloud: Cloud, faults: Faults) -> Shell:
    return Shell(cloud, faults, cloud.network_hosts[0])


def test_calipso_s_pnic_pipeline(gateway: Shell, cloud: Cloud) -> None:
    result = gateway.run('ls -l /sys/class/net | grep ^l | grep -v "/virtual/"')
    names = [line.rsplit("/", 1)[1] for line in result.stdout.splitlines()]
    assert (names, result.status) == ([p.name for p in cloud.network_hosts[0].pnics], 0)


def test_os_details_with_a_backtick_substitution(gateway: Shell) -> None:
    result = gateway.run('cat /etc/os-release && echo "ARCHITECURE=`arch`"')
    assert result.stdout.startswith('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')
    assert result.stdout.endswith("ID=debian\nHOME_URL=\"https://www.debian.org/\"\n"
                                  'SUPPORT_URL="https://www.debian.org/support"\n'
                                  'BUG_REPORT_URL="https://bugs.debian.org/"\n'
                                  "ARCHITECURE=x86_64\n")


def test_bonding_folder_missing_with_stderr_merged(gateway: Shell) -> None:
    result = gateway.run("sudo ls -1 /proc/net/bonding/ 2>&1")
    assert result == Result(
        "ls: cannot access '/proc/net/bonding/': No such file or directory\n", "", 2)
    assert gateway.run("ls -1 /proc/net/bonding/ 2>/dev/null") == Result("", "", 2)
    assert gateway.run("cat /proc/net/bonding/bond0").stderr == \
        "cat: /proc/net/bonding/bond0: No such file or directory\n"


def test_lists_and_pipelines(gateway: Shell, cloud: Cloud) -> None:
    host = cloud.network_hosts[0]
    assert gateway.run("false && echo no; echo yes").stdout == "yes\n"
    assert gateway.run("false || echo alternative").stdout == "alternative\n"
    assert gateway.run("true || echo never").stdout == ""
    first = gateway.run("ip netns list | awk '{print $1}' | head -n 1").stdout
    assert first == f"qdhcp-{host.dhcp_ports[0].network.id}\n"
    count = gateway.run("ip netns list | grep -c qrouter").stdout
    assert count == f"{len(host.routers)}\n"
    assert gateway.run("ip netns list | grep -v q").status == 1
    assert gateway.run("uname -n").stdout == f"{host.name}\n"


def test_unknown_commands_fail_as_bash_and_sudo_say(gateway: Shell) -> None:
    assert gateway.run("frobnicate --now") == Result("", "bash: frobnicate: command not found\n",
                                                     127)
    assert gateway.run("sudo frobnicate") == Result("", "sudo: frobnicate: command not found\n",
                                                    1)
    assert gateway.run('echo "open') == Result(
        "", "bash: -c: line 1: unexpected EOF while looking for matching `\"'\n", 2)
    assert gateway.run("| ls").status == 2


def test_tools_answer_bad_arguments_with_their_own_errors(gateway: Shell, cloud: Cloud) -> None:
    assert gateway.run("ip address show nosuch") == Result(
        "", 'Device "nosuch" does not exist.\n', 1)
    assert gateway.run("ip frob") == Result("", 'Object "frob" is unknown, try "ip help".\n', 1)
    assert gateway.run("ip netns exec qdhcp-nosuch ip a") == Result(
        "", 'Cannot open network namespace "qdhcp-nosuch": No such file or directory\n', 255)
    namespace = f"qdhcp-{cloud.network_hosts[0].dhcp_ports[0].network.id}"
    assert gateway.run(f"ip netns exec {namespace} frob") == Result(
        "", 'exec of "frob" failed: No such file or directory\n', 1)
    assert gateway.run("ovs-vsctl list-ifaces br-nosuch") == Result(
        "", "ovs-vsctl: no bridge named br-nosuch\n", 1)
    assert gateway.run("brctl show nosuch") == Result("", "bridge nosuch does not exist!\n", 1)
    assert gateway.run("ovs-appctl") == Result(
        "", "ovs-appctl: at least one non-option argument is required (use --help for help)\n",
        1)
    assert gateway.run("ovs-appctl -t ovs-vswitchd frob") == Result(
        "", '"frob" is not a valid command (use "list-commands" to see a list of valid '
            'commands)\novs-appctl: ovs-vswitchd: server returned an error\n', 2)
    missing = gateway.run("ethtool nosuch")
    assert (missing.stdout, missing.status) == ("No data available\n", 75)
    compute = Shell(cloud, Faults(), cloud.computes[0])
    assert compute.run("virsh dumpxml 999") == Result(
        "\n", "error: failed to get domain '999'\n", 1)
    assert compute.run("virsh frob") == Result("", "error: unknown command: 'frob'\n", 1)


def test_ssh_runs_the_command_on_the_other_host(gateway: Shell, cloud: Cloud) -> None:
    target = cloud.computes[1]
    for destination in (target.name, target.mgmt_ip, f"root@{target.name}"):
        result = gateway.run(f"ssh -q -o StrictHostKeyChecking=no {destination} sudo uname -n")
        assert result == Result(f"{target.name}\n", "", 0)
    listed = gateway.run(f"ssh -q -o StrictHostKeyChecking=no {target.name} sudo virsh list")
    assert all(i.local_name in listed.stdout for i in target.instances)
    piped = gateway.run(f"ssh {target.name} sudo ls -l /sys/class/net | grep ^l | "
                        'grep -v "/virtual/" | wc -l')
    assert piped.stdout == f"{len(target.pnics)}\n"
    assert gateway.run(f"ssh {target.name} frob") == Result(
        "", "bash: frob: command not found\n", 127)


def test_ssh_failures_are_255_and_quiet_with_q(gateway: Shell, faults: Faults,
                                               cloud: Cloud) -> None:
    assert gateway.run("ssh nowhere ls") == Result(
        "", "ssh: Could not resolve hostname nowhere: Name or service not known\n", 255)
    assert gateway.run("ssh -q -o StrictHostKeyChecking=no nowhere ls") == Result("", "", 255)
    target = cloud.computes[0]
    faults.set_ssh(target.name, "refuse")
    assert gateway.run(f"ssh {target.name} ls") == Result(
        "", f"ssh: connect to host {target.name} port 22: Connection refused\n", 255)
    assert gateway.run(f"ssh -q {target.mgmt_ip} ls") == Result("", "", 255)
    faults.set_ssh(target.name, None)
    assert gateway.run(f"ssh -q {target.name} uname -n").status == 0


def test_a_hanging_host_answers_nothing_until_the_caller_gives_up(
        gateway: Shell, faults: Faults, cloud: Cloud) -> None:
    target = cloud.computes[2]
    faults.set_ssh(target.name, "hang")
    asked: list[bool] = []

    def cancelled() -> bool:
        asked.append(True)
        return len(asked) > 2

    assert gateway.run(f"ssh -q {target.name} virsh list", cancelled) == Result("", "", 255)
    assert len(asked) == 3
    timed_out = gateway.run(f"ssh -o ConnectTimeout=0 {target.name} virsh list")
    assert timed_out == Result(
        "", f"ssh: connect to host {target.name} port 22: Connection timed out\n", 255)
