"""``topology env check``: each configured connection of an environment tried as
Calipso's connection tests did (OpenStack API, database, SSH gateway and hosts, AMQP),
all at once, each bounded in time; one :class:`CheckResult` per check, in that order."""

from __future__ import annotations

from loaders.connections.amqp import NAME as AMQP
from loaders.connections.amqp import check_amqp
from loaders.connections.database import NAME as DATABASE
from loaders.connections.database import check_database
from loaders.connections.openstack_api import NAME as OPENSTACK_API
from loaders.connections.openstack_api import check_openstack_api
from loaders.connections.result import FAILED, NOT_CONFIGURED, OK, CheckResult, Deadline
from loaders.connections.ssh import check_ssh, ssh_budget, ssh_check_names
from topology.environments import EnvironmentConfig

__all__ = ["FAILED", "NOT_CONFIGURED", "OK", "CheckResult", "check_environment"]

DEFAULT_TIMEOUT = 15.0
GRACE = 5.0
"""Seconds a check gets beyond its own timeouts before it is reported as hanging."""


def check_environment(env: EnvironmentConfig,
                      timeout: float = DEFAULT_TIMEOUT) -> list[CheckResult]:
    """Every check of ``env``, run at once: OpenStack API, database and AMQP each within
    ``timeout`` seconds, SSH within its settings' own timeouts."""
    running = [
        Deadline([OPENSTACK_API], lambda: [check_openstack_api(env, timeout)],
                 timeout * 2 + GRACE),  # authenticate, then read the catalog
        Deadline([DATABASE], lambda: [check_database(env, timeout)], timeout * 2 + GRACE),
        Deadline(ssh_check_names(env), lambda: check_ssh(env), ssh_budget(env)),
        Deadline([AMQP], lambda: [check_amqp(env, timeout)], timeout + GRACE),
    ]
    return [result for deadline in running for result in deadline.results()]
