"""The sandbox process (``topology sandbox run``): one cloud model and every view of it.

It builds the model, starts its daemons (a private MariaDB and RabbitMQ, in parallel with
the build), serves the OpenStack APIs and the control endpoint on one HTTP port and the
hosts on one SSH port, fills the database, starts churn, writes the clouds.yaml entry and
``state.json``, and then waits for SIGTERM or SIGINT, on which it stops everything in the
reverse order. What it does is logged on stderr (``sandbox.log`` in the background).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from starlette.applications import Starlette
from starlette.routing import Mount

from topology.config import Config
from topology.daemons.rabbitmq import VHOST, RabbitMQ
from topology.demo.shapes import check_renderable
from topology.errors import UserError
from topology.neo4j_local import LocalNeo4j
from topology.net import LOOPBACK, free_port
from topology.private_files import write_private
from topology.processes import process_tree, rss_mib
from topology.runtime import open_store
from topology.sandbox.api.app import create_app
from topology.sandbox.api.clouds_yaml import remove_cloud, write_clouds_yaml
from topology.sandbox.churn import Change, Churn
from topology.sandbox.control import create_control_app
from topology.sandbox.database.server import SandboxMariaDB
from topology.sandbox.database.view import DatabaseFaultRefused, DatabaseView
from topology.sandbox.faults import Faults
from topology.sandbox.hosts.server import SshServer
from topology.sandbox.layout import SandboxLayout
from topology.sandbox.model import Cloud, build
from topology.sandbox.monitoring import SensuMonitor
from topology.sandbox.notifications.publisher import Publisher
from topology.sandbox.notifications.site import DEFAULT_ENDPOINTS, Site
from topology.sandbox.secrets import SandboxSecrets, ensure_key_pair, load_or_create
from topology.sandbox.settings import AMQP_URL_VARIABLE, DATABASE_URL_VARIABLE, SandboxSettings
from topology.store import GraphStore
from topology.threaded_server import ThreadedServer

log = logging.getLogger("topology.sandbox")

OSLO_QUEUES = r"^(versioned_)?notifications\.[a-z]+$"  # oslo's notifications.info, ...
OSLO_QUEUE_LENGTH = 10_000

# (store, cloud, folder for export files): writes the cloud into the graph as a scan would.
ViewImporter = Callable[[GraphStore, Cloud, Path], None]


def hide_password(url: str) -> str:
    """``scheme://user:***@host/...``: a URL fit for logs and status lines."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def counts(cloud: Cloud) -> dict[str, int]:
    with cloud.lock:
        return {
            "hosts": len(cloud.hosts), "instances": len(cloud.instances),
            "networks": len(cloud.networks), "subnets": len(cloud.subnets),
            "ports": len(cloud.ports), "routers": len(cloud.routers),
            "floating IPs": len(cloud.floating_ips),
        }


class SandboxRun:
    """Everything one sandbox process runs; ``serve()`` returns when asked to stop."""

    def __init__(self, layout: SandboxLayout, config: Config,
                 import_view: ViewImporter | None = None) -> None:
        self.layout = layout
        self.config = config
        self.import_view = import_view
        try:
            self.settings = SandboxSettings.from_json(
                layout.settings_file.read_text(encoding="utf-8"))
        except (OSError, ValueError, TypeError) as exc:
            raise UserError(f"cannot read the sandbox's settings {layout.settings_file}: "
                            f"{exc}") from None
        self.secrets: SandboxSecrets = load_or_create(layout.secrets_file)
        self.faults = Faults()
        self.stopping = threading.Event()
        self.timings: dict[str, float] = {}
        self._stack = contextlib.ExitStack()
        self.cloud: Cloud | None = None
        self.mariadb: SandboxMariaDB | None = None
        self.database: DatabaseView | None = None
        self.rabbitmq: RabbitMQ | None = None
        self.churn: Churn | None = None
        self.monitor: SensuMonitor | None = None
        self.followers: list[Callable[[Change], None]] = []
        self.built_counts: dict[str, int] = {}

    # -- the steps ----------------------------------------------------------------------

    def _timed(self, step: str, work: Callable[[], Any]) -> Any:
        started = time.monotonic()
        result = work()
        self.timings[step] = round(time.monotonic() - started, 2)
        log.info("%s: %.2f s", step, self.timings[step])
        return result

    def serve(self) -> int:
        started = time.monotonic()
        with self._stack, ThreadPoolExecutor(2, thread_name_prefix="daemon") as pool:
            database = pool.submit(self._start_database)
            amqp = pool.submit(self._start_amqp)
            shape = self.settings.shape
            log.info("building the cloud %r (%d hosts, %d instances, seed %d)",
                     shape.environment, shape.compute_hosts + shape.network_hosts,
                     shape.instance_count, shape.seed)
            self.cloud = cloud = self._timed("model", lambda: build(shape))
            # Filled before serving: a request would otherwise wait on the model's lock
            # for the whole fill.
            database_url = self._wait("database", database)
            if database_url:
                self._timed("database fill", lambda: self._fill_database(cloud, database_url))
            api_url = self._timed("api", lambda: self._serve_http(cloud))
            ssh = self._timed("ssh", lambda: self._serve_ssh(cloud))
            amqp_url = self._wait("amqp", amqp)
            self.built_counts = counts(cloud)  # before churn changes them
            churn = self._start_churn(cloud, api_url, amqp_url)
            sensu = self._start_monitoring(cloud)
            clouds_yaml = self._write_clouds_yaml(api_url)
            self.timings["ready"] = round(time.monotonic() - started, 2)
            state = self._state(api_url, ssh, database_url, amqp_url, churn, clouds_yaml)
            state["sensu"] = sensu
            self._write_environment(state)
            write_private(self.layout.state_file, json.dumps(state, indent=2))
            log.info("sandbox ready in %.1f s: %s; %.0f MiB resident", self.timings["ready"],
                     ", ".join(f"{n:,} {what}" for what, n in state["counts"].items()),
                     state["memory_mib"])
            self.stopping.wait()
            log.info("stopping the sandbox")
        self.layout.state_file.unlink(missing_ok=True)
        log.info("sandbox stopped")
        return 0

    def _wait(self, what: str, future: Future[str | None]) -> str | None:
        started = time.monotonic()
        url = future.result()
        self.timings[f"{what} wait"] = round(time.monotonic() - started, 2)
        return url

    def _start_database(self) -> str | None:
        mode = self.settings.database
        if mode == "none":
            return None
        if mode == "url":
            return _url_from(DATABASE_URL_VARIABLE)
        self.mariadb = SandboxMariaDB(self.layout.mariadb_dir).start()
        self._stack.callback(self.mariadb.stop)
        self.timings["mariadb start"] = round(self.mariadb.start_seconds, 2)
        return self.mariadb.url().render_as_string(hide_password=False)

    def _start_amqp(self) -> str | None:
        mode = self.settings.amqp
        if mode == "none":
            return None
        if mode == "url":
            return _url_from(AMQP_URL_VARIABLE)
        self.rabbitmq = RabbitMQ(self.layout.rabbitmq_dir).start()
        self._stack.callback(self.rabbitmq.stop)
        # oslo.messaging declares and binds its own notifications.* queues, which nobody
        # reads here: capped, so that a long churn does not fill the disk. Consumers'
        # own queues (the listener's) are left alone.
        self.rabbitmq.ctl("set_policy", "-p", VHOST, "sandbox-oslo-queues",
                          OSLO_QUEUES, json.dumps({"max-length": OSLO_QUEUE_LENGTH}),
                          "--apply-to", "queues")
        self.timings["rabbitmq start"] = round(self.rabbitmq.start_seconds, 2)
        return self.rabbitmq.amqp_url

    def _serve_http(self, cloud: Cloud) -> str:
        port = self.settings.api_port or free_port()
        url = f"http://{LOOPBACK}:{port}"
        control = create_control_app(self.faults, self._live_status,
                                     self.secrets.control_token, self._on_faults,
                                     churn=self._switch_churn, export=self._export)
        openstack = create_app(cloud, self.faults, password=self.secrets.admin_password,
                               public_url=url)
        app = Starlette(routes=[Mount("/control", control), Mount("/", openstack)])
        server = ThreadedServer(app, port=port, name="sandbox-api")
        server.start()
        self._stack.callback(server.stop)
        return url

    def _serve_ssh(self, cloud: Cloud) -> dict[str, Any]:
        settings = self.settings
        public_key = ensure_key_pair(self.layout.client_key)
        server = SshServer(cloud, self.faults, self.layout.ssh_dir / "host-keys",
                           users={settings.ssh_user: self.secrets.ssh_password},
                           authorized_keys=[public_key])
        port = server.start(settings.ssh_port)
        self._stack.callback(server.stop)
        return {"host": LOOPBACK, "port": port, "user": settings.ssh_user,
                "gateway": server.gateway.name, "key_file": str(self.layout.client_key),
                "host_key": f"{server.host_key.get_name()} {server.host_key.get_base64()}"}

    def _fill_database(self, cloud: Cloud, url: str) -> None:
        database = DatabaseView(cloud, url, server=self.mariadb)  # fill creates the schema
        database.fill()
        self.followers.append(database.follower)
        database.start_heartbeats()
        self._stack.callback(database.close)
        self.database = database

    def _start_churn(self, cloud: Cloud, api_url: str,
                     amqp_url: str | None) -> dict[str, Any] | None:
        settings = self.settings
        if not settings.churn:
            return None
        publisher = None
        if amqp_url:
            publisher = Publisher(amqp_url, driver=settings.driver,
                                  notification_format=settings.notification_format)
            self._stack.callback(publisher.close)
        churn = Churn(cloud, publisher, settings.churn, log_path=self.layout.changes_log,
                      site=Site.of(cloud, self.endpoints(api_url)))
        for follower in self.followers:
            churn.on_change.append(follower)
        churn.start()
        self.churn = churn
        self._stack.callback(churn.close)
        log.info("churn: %g changes per second%s", settings.churn,
                 f", notifications {settings.driver} ({settings.notification_format})"
                 if publisher else ", publishing nothing (no AMQP)")
        return {"rate": settings.churn, "driver": settings.driver,
                "format": settings.notification_format, "publishing": publisher is not None,
                "changes_log": str(self.layout.changes_log)}

    def _start_monitoring(self, cloud: Cloud) -> dict[str, Any] | None:
        """With ``graph``: Sensu results for the environment's provisioned checks."""
        if not self.settings.graph:
            return None
        try:
            check_renderable(cloud.shape)
        except ValueError as exc:
            raise UserError(f"--graph: {exc}") from None
        importer = self.import_view if self.settings.graph_import else None

        def prepare(store: GraphStore) -> None:
            if importer is not None:
                importer(store, cloud, self.layout.root / "calipso-view")

        monitor = SensuMonitor(cloud, self.faults, self.settings.shape.environment,
                               self._graph_store, self.settings.sensu_interval,
                               prepare=prepare)
        monitor.start()
        self._stack.callback(monitor.stop)
        self.monitor = monitor
        return {"environment": monitor.environment, "interval": monitor.interval}

    def _graph_store(self) -> GraphStore:
        """The configured graph; a local Neo4j must be running already (the sandbox never
        starts one: it would become the sandbox's child and stop with it)."""
        config = self.config
        if config.uses_local_neo4j and not LocalNeo4j(config).status().bolt_reachable:
            raise UserError("the local Neo4j does not answer (start it: topology neo4j start)")
        return open_store(config, apply_schema=False)

    def endpoints(self, api_url: str) -> dict[str, str]:
        """The service URLs nova's payloads name: the sandbox's own network API; image
        and placement, which the sandbox does not serve, keep their usual addresses."""
        return {**DEFAULT_ENDPOINTS, "network": f"{api_url}/network"}

    def _write_clouds_yaml(self, api_url: str) -> str:
        """The cloud's entry in the sandbox's own clouds.yaml, and merged into the user's
        (where openstacksdk looks) unless told not to; returns the file to point at."""
        settings, cloud = self.settings, self.cloud
        assert cloud is not None
        entry = {"cloud_name": settings.cloud_name, "auth_url": f"{api_url}/v3",
                 "password": self.secrets.admin_password,
                 "region_name": cloud.regions[0].name}
        write_clouds_yaml(self.layout.clouds_yaml, **entry)
        if settings.user_clouds_yaml is None:
            return str(self.layout.clouds_yaml)
        try:
            write_clouds_yaml(settings.user_clouds_yaml, **entry)
        except (OSError, ValueError) as exc:
            log.warning("could not write the cloud %r into %s (%s); use %s",
                        settings.cloud_name, settings.user_clouds_yaml, exc,
                        self.layout.clouds_yaml)
            return str(self.layout.clouds_yaml)
        # Taken out again when the sandbox stops: a dead cloud left in the user's file
        # would be openstacksdk's default for every later connection without a cloud name.
        self._stack.callback(self._remove_user_cloud, settings.user_clouds_yaml,
                             settings.cloud_name, entry["auth_url"])
        return str(settings.user_clouds_yaml)

    @staticmethod
    def _remove_user_cloud(path: Path, cloud_name: str, auth_url: str) -> None:
        try:
            if remove_cloud(path, cloud_name, auth_url):
                log.info("took the cloud %r out of %s", cloud_name, path)
        except (OSError, ValueError) as exc:
            log.warning("could not take the cloud %r out of %s (%s)", cloud_name, path, exc)

    def _switch_churn(self, paused: bool | None) -> dict[str, Any]:
        """Pause (True) or resume (False) the churn, or leave it; its figures after."""
        churn = self.churn
        if churn is None:
            raise ValueError("this sandbox runs without churn")  # the endpoint says 409
        if paused is True:
            churn.pause()
        elif paused is False:
            churn.resume()
        figures: dict[str, Any] = {"paused": churn.paused, "changes": churn.seq}
        if churn.publisher is not None:
            figures["notifications"] = churn.publisher.stats()
        return figures

    def _export(self) -> dict[str, Any]:
        """Write the cloud's Calipso view as it is now (what Calipso's scan of it would
        have stored) to ``calipso-export/`` in the sandbox's folder."""
        from topology.demo import write_export
        from topology.demo.generator import generate_cloud

        cloud = self.cloud
        assert cloud is not None
        folder = self.layout.root / "calipso-export"
        with cloud.lock:  # the change count and the view, of the same moment
            changes = self.churn.seq if self.churn is not None else 0
            collections = generate_cloud(cloud)
        paths = write_export(folder, collections)
        return {"folder": str(folder), "changes": changes,
                "files": {name: str(path) for name, path in paths.items()}}

    def _on_faults(self) -> None:
        """Faults the views do not read per request: the database going away or back."""
        if self.database is None:
            if self.faults.database_down:
                self.faults.database_down = False
                raise ValueError("this sandbox runs without a database")
            return
        try:
            self.database.apply_faults(self.faults)
        except DatabaseFaultRefused as exc:
            self.faults.database_down = False
            raise ValueError(str(exc)) from None

    def _write_environment(self, state: dict[str, Any]) -> None:
        """The environment's section for Topology's configuration (what a scan of the
        sandbox reads); credentials stay in the files it names."""
        shape, ssh = self.settings.shape, state["ssh"]
        password_file = self.layout.root / "ssh-password"
        write_private(password_file, self.secrets.ssh_password + "\n")
        lines = [
            "# the Topology environment of the sandbox (topology sandbox start); credentials",
            "# are in the files named here, never in this one",
            f"[environments.{json.dumps(shape.environment)}]",
            'distribution = "Sandbox"',
            f"mechanism_drivers = [{json.dumps(shape.mechanism_driver)}]",
            f"type_drivers = [{json.dumps(shape.type_driver)}]",
            f"cloud = {json.dumps(self.settings.cloud_name)}",
            f"clouds_yaml = {json.dumps(state['clouds_yaml'])}",
        ]
        for name in ("database", "amqp"):
            if name in state:
                lines.append(f"{name}_url_file = {json.dumps(state[name]['url_file'])}")
        lines += [
            f"ssh_gateway = {json.dumps(ssh['host'])}",
            f"ssh_port = {ssh['port']}",
            f"ssh_user = {json.dumps(ssh['user'])}",
            f"ssh_key_file = {json.dumps(ssh['key_file'])}",
            f"ssh_password_file = {json.dumps(str(password_file))}",
            f"ssh_gateway_host = {json.dumps(ssh['gateway'])}",
            f"listen = {'true' if 'amqp' in state else 'false'}",
        ]
        write_private(self.layout.environment_file, "\n".join(lines) + "\n")
        state["environment_file"] = str(self.layout.environment_file)

    # -- status -------------------------------------------------------------------------

    def _live_status(self) -> dict[str, Any]:
        cloud, churn = self.cloud, self.churn
        status: dict[str, Any] = {
            "counts": counts(cloud) if cloud is not None else {},
            "memory_mib": round(rss_mib(process_tree(os.getpid())), 1)}
        if self.monitor is not None:
            status["sensu"] = self.monitor.stats()
        if churn is not None:
            status["churn"] = {"changes": sum(churn.applied.values()),
                               "skipped": sum(churn.skipped.values()),
                               "by operation": dict(churn.applied)}
            if churn.publisher is not None:
                status["churn"]["notifications"] = churn.publisher.stats()
        return status

    def _state(self, api_url: str, ssh: dict[str, Any], database_url: str | None,
               amqp_url: str | None, churn: dict[str, Any] | None,
               clouds_yaml: str) -> dict[str, Any]:
        assert self.cloud is not None
        state: dict[str, Any] = {
            "pid": os.getpid(), "environment": self.settings.shape.environment,
            "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "api_url": api_url, "auth_url": f"{api_url}/v3",
            "cloud_name": self.settings.cloud_name, "clouds_yaml": clouds_yaml,
            "ssh": ssh, "churn": churn, "counts": self.built_counts,
            "timings": self.timings, "log_file": str(self.layout.log_file),
            "secrets_file": str(self.layout.secrets_file),
            "memory_mib": round(rss_mib(process_tree(os.getpid())), 1),
        }
        for name, url in (("database", database_url), ("amqp", amqp_url)):
            if url:
                url_file = self.layout.root / f"{name}-url"
                write_private(url_file, url + "\n")
                state[name] = {"shown": hide_password(url), "url_file": str(url_file)}
        return state


def _url_from(variable: str) -> str:
    url = os.environ.get(variable, "").strip()
    if not url:
        raise UserError(f"${variable} is not set (needed with 'url')")
    return url


def run_sandbox(layout: SandboxLayout, config: Config,
                import_view: ViewImporter | None = None) -> int:
    """Run the sandbox in the foreground until SIGTERM or SIGINT. ``import_view`` puts the
    cloud in the graph (given by the composition root: it is a loader's job)."""
    run = SandboxRun(layout, config, import_view)
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: run.stopping.set())
    ensure_key_pair(layout.client_key)
    return run.serve()
