"""The ``topology`` command: the composition root of the service.

Subcommands grow with the product; each one builds what it needs from the configuration
and nothing else.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from topology.config import Config, ConfigError, load_config
from topology.errors import UserError
from topology.net import port_taken
from topology.private_files import write_private
from topology.progress import ProgressPrinter

if TYPE_CHECKING:
    from topology.sandbox.model import Cloud
    from topology.sandbox.settings import SandboxSettings
    from topology.store import GraphStore

log = logging.getLogger("topology")

EXIT_OK = 0
EXIT_PARTIAL = 1  # the command ran but some input was bad or some batch failed
EXIT_ERROR = 2  # the command could not run


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # The driver is chatty at INFO about routine notifications.
    logging.getLogger("neo4j").setLevel(logging.WARNING)


# -- neo4j --------------------------------------------------------------------------------

def cmd_neo4j(config: Config, args: argparse.Namespace) -> int:
    from topology.neo4j_local import LocalNeo4j

    local = LocalNeo4j(config)
    if args.action == "start":
        uri = local.start()
        print(f"Neo4j is running: {uri}  (data: {config.neo4j_home / 'data'})")
        if config.browser_url:
            print(f"Neo4j Browser: {config.browser_url}")
        return EXIT_OK
    if args.action == "stop":
        stopped = local.stop()
        print("Neo4j stopped." if stopped else "Neo4j was not running.")
        return EXIT_OK
    status = local.status()
    state = "running" if status.running else "stopped"
    reach = "reachable" if status.bolt_reachable else "not reachable"
    print(f"Neo4j {status.version}: {state}"
          + (f" (pid {status.pid})" if status.pid else "")
          + f", Bolt {status.bolt_uri} {reach}")
    print(f"  home: {status.home}\n  log:  {status.log_file}")
    if status.running and config.browser_url:
        print(f"  Neo4j Browser: {config.browser_url}")
    return EXIT_OK if status.running and status.bolt_reachable else EXIT_PARTIAL


# -- import-calipso -----------------------------------------------------------------------

def cmd_import_calipso(config: Config, args: argparse.Namespace) -> int:
    missing = [path for path in args.paths if not Path(path).is_file()]
    if missing:
        print(f"error: no such file: {', '.join(missing)}", file=sys.stderr)
        return EXIT_ERROR
    loaded = _import_exports(config, args.environment, args.paths, collection=args.collection,
                             quiet=args.quiet, max_listed=args.max_listed, prune=args.prune)
    return EXIT_OK if loaded else EXIT_PARTIAL


def _import_exports(config: Config, environment: str, paths: Iterable[str | Path], *,
                    max_listed: int, collection: str | None = None,
                    quiet: bool = False, prune: bool = False) -> bool:
    """Import Calipso export files and print the report; True when every document loaded."""
    from loaders.calipso.importer import CalipsoImporter, format_summary
    from topology.runtime import open_store

    with open_store(config) as store:
        importer = CalipsoImporter(store, environment,
                                   progress=None if quiet else ProgressPrinter())
        report = importer.run(paths, collection=collection, prune=prune)
    print(format_summary(report, max_listed=max_listed))
    return report.ok


# -- demo ---------------------------------------------------------------------------------

def cmd_demo(config: Config, args: argparse.Namespace) -> int:
    """Generate a demo environment in Calipso's export format and import it."""
    from topology.demo import generate, shape_for_objects, write_export

    shape = shape_for_objects(args.objects, environment=args.environment)
    out = Path(args.out) if args.out else config.state_dir / "demo-export" / args.environment
    paths = write_export(out, generate(shape))
    print(f"demo export written to {out}")
    # The demo replaces the environment: what an earlier, larger demo wrote goes.
    loaded = _import_exports(config, args.environment, paths.values(),
                             max_listed=args.max_listed, prune=True)
    print(_try_this(config, args.environment))
    return EXIT_OK if loaded else EXIT_PARTIAL


def _try_this(config: Config, environment: str) -> str:
    """What to do next: where Neo4j is and a query that shows an instance's path."""
    browser = (f"Neo4j Browser:  {config.browser_url}\n" if config.browser_url else "")
    auth = ("(no password on the local instance)" if config.uses_local_neo4j
            else f"(user {config.neo4j.user})")
    return f"""
Neo4j Bolt URI: {config.bolt_uri}   {auth}
{browser}Try this in Neo4j Browser or cypher-shell: one instance's path down to the physical NICs
and networks:

  MATCH p = (i:Instance {{environment: '{environment}'}})
            -[:INSTANCE_VNIC|VNIC_VCONNECTOR|VCONNECTOR_VEDGE|VEDGE_OTEP|OTEP_HOST_PNIC
              |HOST_PNIC_NETWORK*1..6]->()
  WITH i, p LIMIT 25
  RETURN p

Saved queries to paste into Neo4j Browser (an instance's clique, what sits behind a pNIC,
hosts with an Error, links down): cypher/examples/*.cypher

Cliques, computed live from the graph:

  .venv/bin/topology clique -e {environment} --focal-points
  .venv/bin/topology clique -e {environment} -f <instance id> [--explain]
"""


# -- clique -------------------------------------------------------------------------------

def cmd_clique(config: Config, args: argparse.Namespace) -> int:
    """A focal point's clique, or (with --explain) the path query that computes it."""
    from topology.cliques.service import CliqueService
    from topology.runtime import open_store

    with open_store(config) as store:
        service = CliqueService(store)
        if args.focal_points:
            for focal_type, ids in service.focal_points(args.environment).items():
                print(f"{focal_type}: {len(ids)} focal point(s) with a clique")
                for focal in ids[:args.limit]:
                    print(f"  {focal}")
            return EXIT_OK
        if not args.focal_point:
            print("error: give --focal-point ID (or --focal-points)", file=sys.stderr)
            return EXIT_ERROR
        if args.explain:
            print(service.explain(args.environment, args.focal_point))
            return EXIT_OK
        started = time.perf_counter()
        clique = service.clique(args.environment, args.focal_point)
        elapsed = (time.perf_counter() - started) * 1000
    print(f"clique of {args.focal_point} ({clique.focal_point.get('type')}) by clique type "
          f"{clique.clique_type.name!r} ({clique.clique_type.id}): {len(clique.nodes)} nodes, "
          f"{len(clique.links)} links, {elapsed:.1f} ms")
    for link in clique.links:
        network = f"  network={link['network']}" if link.get("network") else ""
        print(f"  {link['source_id']} -[{link['link_type']}]-> {link['target_id']}"
              f"  state={link.get('state')}{network}")
    return EXIT_OK if not clique.empty else EXIT_PARTIAL


# -- implicit-links -----------------------------------------------------------------------

def cmd_implicit_links(config: Config, args: argparse.Namespace) -> int:
    """Recompute an environment's implicit links (Calipso's transitive closure)."""
    from loaders.links.implicit import derive_implicit_links
    from topology.cliques.service import CliqueService
    from topology.runtime import open_store

    with open_store(config) as store:
        service = CliqueService(store)
        service.environment(args.environment)  # an unknown environment is an error
        names = sorted({name for c in service.clique_constraints() for name in c.constraints}
                       or {"network"})
        started = time.perf_counter()
        report = derive_implicit_links(store, args.environment, names, force=True)
    print(f"implicit links of {args.environment}: {report.total:,} derived in "
          f"{report.passes} pass(es): {report.created:,} written, {report.removed:,} "
          f"removed, {report.unchanged:,} unchanged ({time.perf_counter() - started:.1f} s; "
          f"constraints: {', '.join(names)})")
    return EXIT_OK


# -- sensu-handler ------------------------------------------------------------------------

def cmd_sensu_handler(config: Config, args: argparse.Namespace) -> int:
    """Apply Sensu check results read from stdin (or --input) to the graph."""
    from topology.runtime import open_store
    from topology.sensu.events import SensuEventError, load_events
    from topology.sensu.handler import SensuHandler

    try:
        text = Path(args.input).read_bytes() if args.input else sys.stdin.buffer.read()
        events = load_events(text)
    except OSError as exc:
        print(f"error: cannot read {args.input}: {exc.strerror}", file=sys.stderr)
        return EXIT_ERROR
    except SensuEventError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    with open_store(config, apply_schema=False) as store:
        outcomes = SensuHandler(store, args.environment).handle_many(events)
    refused = [o for o in outcomes if isinstance(o, SensuEventError)]
    for outcome in outcomes:
        if isinstance(outcome, SensuEventError):
            print(f"error: {outcome}", file=sys.stderr)
        else:
            state = "changed" if outcome.changed else "unchanged"
            print(f"{outcome.environment}: {outcome.target} {outcome.status} ({state})")
    if not refused:
        return EXIT_OK
    return EXIT_ERROR if len(refused) == len(outcomes) else EXIT_PARTIAL


# -- sensu-config -------------------------------------------------------------------------

def cmd_sensu_config(config: Config, args: argparse.Namespace) -> int:
    """Write an environment's Sensu checks, handler and filter to a folder."""
    from topology.runtime import open_store
    from topology.sensu.provision import FORMATS, ensure_writable, provision, summary
    from topology.sensu.settings import Settings

    try:
        settings = Settings(args.environment, interval=args.interval, refresh=args.refresh,
                            plugins_dir=args.plugins_dir,
                            topology_command=args.topology_command, api_url=args.api_url)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    formats = FORMATS if args.format == "both" else (args.format,)
    ensure_writable(Path(args.out))  # before connecting: a wrong folder fails at once
    with open_store(config, apply_schema=False) as store:
        result = provision(store, settings, Path(args.out), formats)
    print(summary(result))
    return EXIT_PARTIAL if result.skipped else EXIT_OK


# -- lab ----------------------------------------------------------------------------------

def cmd_lab(config: Config, args: argparse.Namespace) -> int:
    """Start, stop or inspect the lab (a real OpenStack from Debian's packages)."""
    from topology.lab.lab import Lab

    lab = Lab()
    if args.action == "start":
        started = time.monotonic()
        timings = lab.start(install=not args.no_install)
        steps = ", ".join(f"{step} {seconds:g} s" for step, seconds in timings.steps.items())
        print(f"lab ready in {time.monotonic() - started:.0f} s ({steps})")
        print(f"clouds.yaml: {lab.layout.clouds_yaml} (cloud {lab.layout.cloud!r}; "
              f"OS_CLIENT_CONFIG_FILE={lab.layout.clouds_yaml} OS_CLOUD={lab.layout.cloud})")
        print(f"environment: {lab.layout.environment_file}; logs: {lab.layout.logs}")
        return EXIT_OK
    if args.action == "record":
        from topology.lab.recorder import record

        if not args.out:
            raise UserError("lab record needs --out DIR (tests/fixtures/lab in the repository)")
        counts = record(lab, Path(args.out), args.churn,
                        progress=lambda line: print(line, file=sys.stderr))
        print(f"recorded into {args.out}: " + ", ".join(f"{n} {what}"
                                                          for what, n in counts.items()))
        return EXIT_OK
    if args.action == "scenario":
        from topology.lab.scenario import build, churn, remove

        cloud = lab.connection()
        if args.remove:
            removed = remove(cloud)
            print("removed: " + (", ".join(removed) if removed else "nothing"))
        elif args.churn:
            done = churn(lab, cloud, args.churn, progress=lambda line: print(line,
                                                                            file=sys.stderr))
            print("churn: " + ", ".join(f"{action} x{count}" for action, count in done.items()))
        else:
            built = build(lab, cloud)
            for kind, named in vars(built).items():
                print(f"{kind}: " + ", ".join(f"{name} ({id_})" for name, id_ in named.items()))
        return EXIT_OK
    if args.action == "purge":
        removed = lab.purge()
        print("lab purged: " + (", ".join(removed) if removed else "nothing was there"))
        return EXIT_OK
    if args.action == "stop":
        stopped = lab.stop()
        print("lab stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
        return EXIT_OK
    states = lab.status()
    memory = lab.memory_mib()
    width = max(len(name) for name in states)
    for name, state in states.items():
        used = f"{memory[name]:>7,.0f} MiB" if name in memory else ""
        print(f"{name:<{width}}  {state:<13} {used}")
    if memory:
        print(f"{'memory in all':<{width}}  {'':<13} {sum(memory.values()):>7,.0f} MiB "
              f"(agent helpers {memory['agent helpers']:,.0f} MiB)")
    running = sum(state == "running" for state in states.values())
    if running == len(states):
        return EXIT_OK
    return EXIT_ERROR if running == 0 else EXIT_PARTIAL


# -- sandbox ------------------------------------------------------------------------------

def _sandbox_settings(args: argparse.Namespace) -> SandboxSettings:
    from topology.sandbox.model import scaled_shape
    from topology.sandbox.settings import SandboxSettings

    knobs = {"mechanism_driver": args.mechanism_driver, "type_driver": args.type_driver,
             "zones_per_region": args.zones}
    try:
        shape = scaled_shape(args.hosts, args.instances, environment=args.environment,
                             seed=args.seed, **knobs)
        clouds_yaml = (None if args.clouds_yaml == "none" else
                       Path(args.clouds_yaml).expanduser() if args.clouds_yaml else
                       Path.home() / ".config" / "openstack" / "clouds.yaml")
        return SandboxSettings(
            shape=shape, churn=args.churn, database=args.database, amqp=args.amqp,
            driver=args.driver, notification_format=args.notification_format,
            api_port=args.api_port, ssh_port=args.ssh_port, user_clouds_yaml=clouds_yaml,
            graph=args.graph or args.sensu, graph_import=args.graph,
            sensu_interval=args.sensu_interval)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _print_sandbox_state(state: dict[str, Any]) -> None:
    counts = state.get("counts", {})
    print(f"sandbox {state['environment']!r}: " + ", ".join(
        f"{count:,} {what}" for what, count in counts.items()))
    print(f"  OpenStack API:  {state['auth_url']}  (cloud {state['cloud_name']!r} in "
          f"{state['clouds_yaml']}; OS_CLIENT_CONFIG_FILE={state['clouds_yaml']} "
          f"OS_CLOUD={state['cloud_name']})")
    ssh = state.get("ssh")
    if ssh:
        print(f"  SSH gateway:    {ssh['user']}@{ssh['host']} port {ssh['port']} (host "
              f"{ssh['gateway']}; key {ssh['key_file']}; password in {state['secrets_file']})")
    for name, label in (("database", "database"), ("amqp", "RabbitMQ")):
        where = state.get(name)
        if where:
            print(f"  {label + ':':<15} {where['shown']}  (URL in {where['url_file']})")
    churn = state.get("churn")
    if churn:
        print(f"  churn:          {churn['rate']:g} changes/s, notifications "
              f"{churn['driver']} ({churn['format']}); log {churn['changes_log']}")
    sensu = state.get("sensu")
    if sensu:
        print(f"  graph:          environment {sensu['environment']!r}, Sensu results every "
              f"{sensu['interval']:g} s")
    print(f"  log:            {state['log_file']}")


def cmd_sandbox(config: Config, args: argparse.Namespace) -> int:
    """Start, stop or inspect the sandbox cloud (or run it in the foreground)."""
    from topology.sandbox.manager import Sandbox, default_layout

    layout = default_layout(config.state_dir)
    if args.action == "run":
        from topology.sandbox.layout import SandboxLayout
        from topology.sandbox.runner import run_sandbox

        return run_sandbox(SandboxLayout(Path(args.folder)) if args.folder else layout, config,
                           _import_sandbox_view)
    sandbox = Sandbox(layout)
    if args.action == "start":
        started = time.monotonic()
        state = sandbox.start(_sandbox_settings(args))
        if state.get("already_running"):
            print(f"the sandbox is already running (pid {state['pid']}); stop it first to "
                  "change its settings")
        else:
            print(f"sandbox ready in {time.monotonic() - started:.1f} s")
        _print_sandbox_state(state)
        return EXIT_OK
    if args.action == "stop":
        print("sandbox stopped." if sandbox.stop() else "the sandbox was not running.")
        return EXIT_OK
    if args.action == "churn":
        if args.pause and args.resume:
            raise UserError("--pause or --resume, not both")
        if args.pause or args.resume:
            figures = sandbox.control("POST", "/churn", {"paused": bool(args.pause)})
        else:
            figures = sandbox.control("GET", "/churn")
        print(json.dumps(figures, indent=2, sort_keys=True))
        return EXIT_OK
    if args.action == "export":
        print(json.dumps(sandbox.control("POST", "/export"), indent=2, sort_keys=True))
        return EXIT_OK
    if args.action == "fault":
        change = _fault_change(args)
        if change:
            faults = sandbox.control("POST", "/faults", change)
        else:
            faults = sandbox.control("GET", "/faults")
        print(json.dumps(faults, indent=2, sort_keys=True))
        return EXIT_OK
    status = sandbox.status()
    if not status.running:
        print("sandbox: stopped")
        return EXIT_ERROR
    print(f"sandbox: running (pid {status.pid}), {status.memory_mib:,.0f} MiB resident "
          "(with its MariaDB and RabbitMQ)")
    if status.state:
        _print_sandbox_state(status.state)
    if status.live:
        live = status.live
        print("  now:            " + ", ".join(f"{count:,} {what}"
                                               for what, count in live["counts"].items()))
        if live.get("churn"):
            print(f"  churn so far:   {live['churn']}")
        if live.get("sensu"):
            sensu = live["sensu"]
            print(f"  sensu:          {sensu['checks']:,} checks of {sensu['environment']!r}, "
                  f"{sensu['rounds']:,} rounds, {sensu['results sent']:,} results sent, "
                  f"{sensu['refused']:,} refused, {sensu['failed rounds']:,} rounds failed")
        print(f"  faults:         {json.dumps(live['faults'], sort_keys=True)}")
    if status.problem:
        print(f"  problem: {status.problem}")
        return EXIT_PARTIAL
    return EXIT_OK


def _import_sandbox_view(store: GraphStore, cloud: Cloud, folder: Path) -> None:
    """Put the sandbox's cloud in the graph as Calipso's scan would have stored it (its
    Calipso view, imported), replacing what an earlier import of it wrote."""
    from loaders.calipso.importer import CalipsoImporter
    from topology.demo import write_export
    from topology.demo.generator import generate_cloud

    paths = write_export(folder, generate_cloud(cloud))
    # The cloud only: clique types and constraints are global, and stay as they are.
    wanted = ("environments_config", "inventory", "links")
    report = CalipsoImporter(store, cloud.shape.environment).run(
        [paths[name] for name in wanted], prune=True)
    if not report.ok:
        raise UserError(f"the sandbox's cloud did not import whole into the graph "
                        f"(environment {cloud.shape.environment!r})")
    log.info("the sandbox's cloud is in the graph as environment %r",
             cloud.shape.environment)


def _fault_change(args: argparse.Namespace) -> dict[str, Any]:
    change: dict[str, Any] = {}
    if args.clear:
        change["clear"] = True
    if args.api_delay is not None:
        change["api_delay"] = args.api_delay
    if args.api_error is not None:
        change["api_error"] = args.api_error == "on"
    if args.database_fault is not None:
        change["database_down"] = args.database_fault == "down"
    ssh: dict[str, str | None] = {}
    for item in args.ssh or []:
        host, _, fault = item.partition("=")
        if not host or fault not in ("refuse", "hang", "ok"):
            raise UserError(f"--ssh takes HOST=refuse|hang|ok, not {item!r}")
        ssh[host] = None if fault == "ok" else fault
    if ssh:
        change["ssh"] = ssh
    checks: dict[str, str | None] = {}
    for item in args.check or []:
        name, _, status = item.rpartition("=")
        if not name or status not in ("ok", "warning", "critical", "clear"):
            raise UserError(f"--check takes NAME=ok|warning|critical|clear, not {item!r}")
        checks[name] = None if status == "clear" else status
    if checks:
        change["checks"] = checks
    return change


# -- env ----------------------------------------------------------------------------------

def cmd_env(config: Config, args: argparse.Namespace) -> int:
    """List the environments, or check one's connections as Calipso's connection tests."""
    from topology.environments import read_catalog

    catalog = read_catalog(config)
    if args.action == "list":
        from topology.environment_listing import describe_catalog

        lines, ok = describe_catalog(catalog)
        print("\n".join(lines))
        return EXIT_OK if ok else EXIT_PARTIAL
    if not args.name:
        raise UserError("env check needs an environment's name: topology env check NAME")
    from loaders.connections import check_environment

    environment = catalog.load(args.name)
    print(f"environment {args.name} ({environment.source})")
    results = check_environment(environment, timeout=args.timeout)
    for result in results:
        print(f"  {result.line()}")
    return EXIT_PARTIAL if any(result.failed for result in results) else EXIT_OK


# -- check --------------------------------------------------------------------------------

def _environment_config(config: Config, name: str) -> Any:
    """One configured environment, or a UserError saying which ones there are."""
    from topology.environments import load_environment

    return load_environment(config, name)


def cmd_scan(config: Config, args: argparse.Namespace) -> int:
    """Scan an environment now, or queue, schedule or list scans."""
    from loaders.scan.scanner import Scanner
    from loaders.scan.summary import format_outcome
    from topology.runtime import open_store
    from topology.store.scans import ScanLog

    kind = "object" if args.object else (args.only or "full")
    with open_store(config) as store:
        scans = ScanLog(store)
        if args.list:
            for record in scans.list(args.environment, limit=args.limit):
                seconds = record.total_seconds
                took = f" {seconds:.1f} s" if seconds is not None else ""
                print(f"{record.id}  {record.environment}  {record.kind:<9} "
                      f"{record.status:<21} requested {record.requested_at}{took}"
                      + (f"  ({len(record.errors)} error(s))" if record.errors else ""))
            for schedule in scans.schedules(args.environment):
                print(f"schedule: {schedule['environment']} {schedule['kind']} "
                      f"{schedule['frequency']}, next at {schedule['next_at']}")
            return EXIT_OK
        if args.environment is None:
            raise ConfigError("--env NAME is required")
        if args.schedule:
            if args.schedule == "off":
                removed = scans.unschedule(args.environment, kind)
                print("schedule removed" if removed else "there was no schedule")
            else:
                schedule = scans.schedule(args.environment, args.schedule, kind)
                print(f"{kind} scan of {args.environment} scheduled {args.schedule}; first "
                      f"at {schedule['next_at']} (run `topology scan-manager`)")
            return EXIT_OK
        if args.request:
            record = scans.create(args.environment, kind, object_id=args.object,
                                  requested_by="cli")
            print(f"scan {record.id} requested (pending until `topology scan-manager` "
                  "runs it)")
            return EXIT_OK
        environment = _environment_config(config, args.environment)
        from topology.processes import runner_name

        record = scans.create(args.environment, kind, object_id=args.object,
                              status="running", requested_by="cli", runner=runner_name())
        progress = None if args.quiet else ProgressPrinter()
        say = None if args.quiet else progress.say if progress is not None else None
        outcome = Scanner(store, environment, progress=progress, say=say,
                          scans=scans).run(kind, args.object, scan_id=record.id)
    print(format_outcome(outcome, max_listed=args.max_listed))
    return {"completed": EXIT_OK, "completed_with_errors": EXIT_PARTIAL}.get(
        outcome.status, EXIT_ERROR)


def cmd_scan_manager(config: Config, args: argparse.Namespace) -> int:
    """Run requested and scheduled scans until stopped (or once, with --once)."""
    import signal

    from loaders.scan.manager import ScanManager
    from topology.environments import load_environment
    from topology.runtime import open_store

    if args.detach or args.stop:
        from topology import background

        print(background.stop(config, "scan-manager") if args.stop
              else background.detach(config, "scan-manager", args.argv))
        return EXIT_OK
    with open_store(config) as store:
        manager = ScanManager(store, lambda name: load_environment(config, name),
                              interval=args.interval)
        if args.once:
            outcomes = manager.tick()
            for outcome in outcomes:
                print(f"scan {outcome.scan_id} of {outcome.report.environment}: "
                      f"{outcome.status}")
            return EXIT_OK if all(o.status == "completed" for o in outcomes) else EXIT_PARTIAL

        def stop(signum: int, _frame: Any) -> None:
            log.info("signal %d: stopping after the current scan", signum)
            manager.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        manager.serve()
    return EXIT_OK


def cmd_listen(config: Config, args: argparse.Namespace) -> int:
    """Apply an environment's OpenStack notifications to the graph as they come (or every
    listening environment's, with --all), or print the listeners' figures (--status)."""
    import signal
    import threading

    from topology.events import status as listener_status
    from topology.runtime import open_store
    from topology.store.transactions import RetryPolicy

    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("signal %d: stopping after the current batch", signum)
        stop.set()

    if args.detach or args.stop:
        from topology import background

        name = f"listen-{args.environment}" if args.environment else "listen-all"
        if not (args.environment or args.all):
            raise ConfigError("--env NAME or --all is required")
        print(background.stop(config, name) if args.stop
              else background.detach(config, name, args.argv))
        return EXIT_OK
    # The listener keeps a batch through an outage itself: the store need not retry long.
    with open_store(config, retry_policy=RetryPolicy(max_time=3.0)) as store:
        if args.status:
            statuses = listener_status.read_statuses(store, args.environment)
            if not statuses:
                print("no listener has reported" + (f" for {args.environment}"
                                                    if args.environment else ""))
                return EXIT_PARTIAL
            for one in statuses:
                print("\n".join(listener_status.format_status(one)))
            return EXIT_OK if all(one["up"] for one in statuses) else EXIT_PARTIAL
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        if args.all:
            from topology.events.supervisor import (
                Supervisor,
                listen_command,
                listening_environments,
            )

            supervisor = Supervisor(lambda: listening_environments(config, store),
                                    listen_command, stop)
            supervisor.serve()
            return EXIT_OK
        if not args.environment:
            raise ConfigError("--env NAME or --all is required")
        from topology.events.listener import Listener
        from topology.events.supervisor import amqp_url_for

        url = amqp_url_for(config, args.environment)
        Listener(store, args.environment, url, config.events, stop=stop).run()
    return EXIT_OK


def cmd_check(config: Config, args: argparse.Namespace) -> int:
    """Is the graph reachable? Print the server, the schema and the environments."""
    from topology.runtime import open_store

    with open_store(config) as store:
        server = store.read("CALL dbms.components() YIELD name, versions, edition "
                            "RETURN versions[0] AS version, edition")[0]
        environments = store.read(
            "MATCH (e:Environment) OPTIONAL MATCH (n:Object {environment: e.name}) "
            "RETURN e.name AS name, count(n) AS objects ORDER BY name")
    print(f"Neo4j {server['version']} ({server['edition']}) at {config.bolt_uri}: reachable, "
          "schema applied")
    for env in environments:
        print(f"  environment {env['name']}: {env['objects']:,} objects")
    if not environments:
        print("  no environments yet: try 'topology demo' or 'topology import-calipso'")
    return EXIT_OK


# -- serve ----------------------------------------------------------------------------

def _local_admin_token(config: Config) -> str:
    """The admin token kept in the state directory (created once, mode 0600)."""
    from topology.api.auth import new_token

    path = config.state_dir / "api-admin-token"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    token = new_token()
    write_private(path, token + "\n")
    return token


def cmd_serve(config: Config, args: argparse.Namespace) -> int:
    """Serve the GraphQL API with uvicorn."""
    import dataclasses

    import uvicorn

    from topology.api.auth import load_tokens

    api = dataclasses.replace(config.api, **{k: v for k, v in {
        "host": args.host, "port": args.port, "workers": args.workers}.items() if v})
    if args.generate_token and not config.admin_token:
        config = dataclasses.replace(config, admin_token=_local_admin_token(config))
        os.environ["TOPOLOGY_ADMIN_TOKEN"] = config.admin_token  # for the workers
        print(f"API token (admin): {config.admin_token}")
    tokens = load_tokens(config.admin_token, config.tokens)
    if not tokens.by_hash:
        print("error: no API token configured: set TOPOLOGY_ADMIN_TOKEN (or admin_token / "
              "[[tokens]] in the config file)", file=sys.stderr)
        return EXIT_ERROR
    if port_taken(api.host, api.port):
        print(f"error: port {api.port} on {api.host} is taken: choose another with --port "
              "or [api] port in the config", file=sys.stderr)
        return EXIT_ERROR
    from topology.runtime import open_store

    if config.source != "defaults":
        os.environ["TOPOLOGY_CONFIG"] = config.source  # the workers read the same file
    open_store(config).close()  # Neo4j up (local one started), schema and seeds in place
    base = f"http://{api.host}:{api.port}"
    print(f"Viewer:      {base}/   (open it in a browser; it asks for the API token)",
          flush=True)
    print(f"GraphQL API: {base}/graphql   health: {base}/healthz   metrics: {base}/metrics",
          flush=True)
    if args.generate_token:
        print("Try:  curl -s -H 'Authorization: Bearer '\"$TOKEN\" -H 'Content-Type: "
              f"application/json' -d '{{\"query\": \"{{ environments {{ name objectCount }} "
              f"}}\"}}' {base}/graphql", flush=True)
    metrics_dir = _fresh_metrics_dir(config.state_dir)
    # prometheus_client's multiprocess mode, for every worker: set before the app (and
    # so prometheus_client) is imported in this process, where one worker runs.
    os.environ[PROMETHEUS_MULTIPROC_DIR] = str(metrics_dir)
    try:
        uvicorn.run("topology.api.server:app", factory=True, host=api.host, port=api.port,
                    workers=api.workers, log_level=args.log_level.lower(),
                    access_log=args.access_log)
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
    return EXIT_OK


# topology.api.metrics.MULTIPROCESS_DIR_VARIABLE, not imported from there: importing that
# module imports prometheus_client, which must see the variable already set.
PROMETHEUS_MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"


def _fresh_metrics_dir(state_dir: Path) -> Path:
    """``<state>/api-metrics/<pid>``, empty: where this server's workers keep their
    metrics. Folders of servers that are no longer running are removed."""
    from topology.processes import is_alive

    root = state_dir / "api-metrics"
    root.mkdir(parents=True, exist_ok=True)
    for folder in root.iterdir():
        if folder.name.isdigit() and not is_alive(int(folder.name)):
            shutil.rmtree(folder, ignore_errors=True)
    mine = root / str(os.getpid())
    shutil.rmtree(mine, ignore_errors=True)
    mine.mkdir()
    return mine


def cmd_export_schema(config: Config, args: argparse.Namespace) -> int:
    from topology.api.app import build_schema

    text = build_schema(config.api).as_str() + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    return EXIT_OK


def cmd_browser_files(config: Config, args: argparse.Namespace) -> int:
    """Write Neo4j Browser's style and the generated saved query into cypher/."""
    from topology import neo4j_browser

    style = Path(neo4j_browser.style_path())
    style.write_text(neo4j_browser.render_style(), encoding="utf-8")
    print(f"wrote {style}")
    if args.style_only:
        return EXIT_OK
    from topology.cliques.service import CliqueService
    from topology.runtime import open_store

    with open_store(config) as store:
        try:
            text = neo4j_browser.clique_example(CliqueService(store), args.environment)
        except LookupError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_ERROR
    example = Path(neo4j_browser.examples_dir()) / neo4j_browser.CLIQUE_EXAMPLE
    example.write_text(text, encoding="utf-8")
    print(f"wrote {example}")
    return EXIT_OK


def cmd_token(config: Config, args: argparse.Namespace) -> int:
    from topology.api.auth import hash_token, new_token

    token = args.hash or new_token()
    if not args.hash:
        print(f"token:  {token}")
    print(f"sha256: {hash_token(token)}")
    return EXIT_OK


# -- parser -------------------------------------------------------------------------------

Handler = Callable[[Config, argparse.Namespace], int]


def _add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str,
                 handler: Handler, summary: str, description: str) -> argparse.ArgumentParser:
    """A subcommand: ``summary`` in ``topology --help``, ``description`` in its own help."""
    command = sub.add_parser(name, help=summary, description=description)
    command.set_defaults(handler=handler)
    return command


def _add_environment(command: argparse.ArgumentParser, default: str | None = None,
                     help_text: str | None = None) -> None:
    """``--environment`` / ``--env`` / ``-e``: required unless it has a default."""
    command.add_argument("--environment", "--env", "-e", required=default is None,
                         default=default, help=help_text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="topology",
        description="Topology: OpenStack virtual networking as a live Neo4j graph.",
    )
    parser.add_argument("--config", metavar="FILE",
                        help="TOML configuration file (default: $TOPOLOGY_CONFIG)")
    parser.add_argument("--log-level", default="INFO",
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="logging level on stderr (default: INFO)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    neo = _add_command(sub, "neo4j", cmd_neo4j, "start, stop or inspect the local Neo4j",
                       "Manage the local Neo4j Community (from Maven Central jars, Bolt on "
                       "loopback). Not used when NEO4J_URI is set.")
    neo.add_argument("action", choices=["start", "stop", "status"])

    imp = _add_command(sub, "import-calipso", cmd_import_calipso,
                       "import Calipso MongoDB exports",
                       "Import mongoexport files of Calipso's inventory, links, clique_types, "
                       "clique_constraints and environments_config collections. The "
                       "collection is recognised from the file name unless --collection is "
                       "given. Secrets in environments_config are never written. Exit status: "
                       "0 all loaded, 1 some documents were bad (the rest loaded), 2 error.")
    imp.add_argument("paths", nargs="+", metavar="PATH", help="export files (.json, .gz)")
    _add_environment(imp, help_text="environment to import into")
    imp.add_argument("--collection", help="collection of every PATH (overrides file names)")
    imp.add_argument("--max-listed", type=int, default=50,
                     help="problems listed per kind in the summary (default: 50)")
    imp.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    imp.add_argument("--prune", action="store_true",
                     help="also remove what earlier imports of the inventory or links wrote "
                          "and these files no longer hold (only for a collection read whole)")

    implicit = _add_command(sub, "implicit-links", cmd_implicit_links,
                            "recompute implicit (derived) links",
                            "Derive an environment's implicit links from its discovered "
                            "links, as Calipso's transitive closure does; previous implicit "
                            "links are replaced.")
    _add_environment(implicit)

    sensu = _add_command(sub, "sensu-handler", cmd_sensu_handler,
                         "apply Sensu check results (a pipe handler)",
                         "Read one Sensu event (or a JSON list of them) on stdin, in Sensu 1.x "
                         "shape (client.environment, check.name) or Sensu Go shape (entity "
                         "label 'environment', check.metadata.name), and write the result as "
                         "the status of the object, port or link the check name gives. Exit "
                         "status: 0 applied, 1 some events refused, 2 refused (the reason on "
                         "stderr, one line each): malformed JSON, no environment, unknown "
                         "check name or object.")
    _add_environment(sensu, default="", help_text="environment of events that name none")
    sensu.add_argument("--input", "-i", metavar="FILE", help="read the event(s) from FILE")

    sensu_config = _add_command(
        sub, "sensu-config", cmd_sensu_config, "write an environment's Sensu checks",
        "Write, for every host of an environment, the Sensu client checks Calipso's "
        "templates describe (otep ping per tunnel port, vEdge, vConnector, host pNIC, "
        "vService, vNIC-vConnector link, instance) with the check scripts they run, plus "
        "the server's handler (topology sensu-handler) and a state-change filter: Sensu 1.x "
        "JSON under DIR/sensu1/, Sensu Go YAML for sensuctl create under DIR/sensu-go/, the "
        "scripts under DIR/plugins/ and how to install them in DIR/README.md. Every check "
        "name maps back to its object, port or link through the handler; what would not is "
        "skipped with a warning. Exit status: 0 written, 1 written but some objects "
        "skipped, 2 error (unknown environment, DIR not writable).")
    _add_environment(sensu_config, help_text="environment to provision")
    sensu_config.add_argument("--out", "-o", required=True, metavar="DIR",
                              help="folder to write (created; our files in it are replaced)")
    sensu_config.add_argument("--format", choices=["sensu1", "sensu-go", "both"],
                              default="both", help="Sensu version(s) to write (default: both)")
    sensu_config.add_argument("--interval", type=int, default=30,
                              help="seconds between two runs of a check (default: 30)")
    sensu_config.add_argument("--refresh", type=int, default=3600,
                              help="seconds between two unchanged results that still reach "
                                   "the handler (default: 3600)")
    sensu_config.add_argument("--plugins-dir", default="/etc/sensu/plugins/topology",
                              help="where the check scripts are on the hosts "
                                   "(default: /etc/sensu/plugins/topology)")
    sensu_config.add_argument("--topology-command", default="topology",
                              help="the topology command on the Sensu server (default: "
                                   "topology)")
    sensu_config.add_argument("--api-url", metavar="URL",
                              help="post results to URL/sensu/events with the bearer token "
                                   "in $TOPOLOGY_SENSU_TOKEN, instead of running "
                                   "topology sensu-handler")

    lab = _add_command(sub, "lab", cmd_lab, "start, stop or inspect the OpenStack lab",
                       "A real, minimal OpenStack (Zed, from Debian's own packages: Keystone, "
                       "Placement, Glance, Nova with fake.FakeDriver, Neutron with ML2/Open "
                       "vSwitch in userspace and its OVS, DHCP and L3 agents, MariaDB, "
                       "RabbitMQ) on 127.0.0.1, started by hand (no systemd); needs root. "
                       "start installs what is missing (a few minutes the first time), "
                       "starts what is not running and waits until every service and agent "
                       "answers (idempotent); stop stops every process it started by process "
                       "id and removes its namespaces, veth pairs and bridges; status exits 0 "
                       "when everything answers, 1 when part does, 2 when nothing runs.")
    lab.add_argument("action",
                     choices=("start", "stop", "status", "scenario", "record", "purge"),
                     help="scenario builds a small known topology in a running lab (networks, "
                          "subnets, a router, ports, servers with their VIFs plugged, a "
                          "floating IP); with --churn N it then runs N rounds of lifecycle "
                          "actions so that nova and neutron notify; record runs the scenario "
                          "(and --churn) under a notification tap and writes API responses, "
                          "database rows and notifications to --out as test data; purge stops "
                          "the lab and drops its databases, keys, passwords and state, so that "
                          "the next start sets it up anew (packages stay)")
    lab.add_argument("--out", metavar="DIR", help="where record writes (tests/fixtures/lab)")
    lab.add_argument("--remove", action="store_true",
                     help="scenario: delete what the scenario built (names starting lab-)")
    lab.add_argument("--churn", type=int, default=0, metavar="N",
                     help="rounds of create, stop, start, resize and delete (scenario)")
    lab.add_argument("--no-install", action="store_true",
                     help="do not install missing packages (fail instead)")

    sandbox = _add_command(
        sub, "sandbox", cmd_sandbox, "start, stop or inspect the sandbox cloud",
        "A simulated OpenStack on loopback, built from a seed: Keystone, Nova and Neutron "
        "REST APIs (a clouds.yaml entry is written), its hosts over SSH through a gateway "
        "answering virsh, ovs-vsctl, ip, brctl, ethtool... in the real tools' formats, the "
        "nova and neutron tables in a private MariaDB, and with --churn a cloud that keeps "
        "changing and publishes OpenStack's notifications to a private RabbitMQ through "
        "oslo.messaging. start runs it in the background (state, keys, logs and daemons' "
        "data in <state dir>/sandbox); run runs it in the foreground; fault switches faults "
        "on and off in the running sandbox; churn pauses (--pause) or resumes (--resume) its "
        "churn, the cloud going on serving as it is, and prints the churn's figures; export "
        "writes the cloud's Calipso view as it is now (what Calipso's scan of it would have "
        "stored) to calipso-export/ in the sandbox's folder and prints where. status exits 0 "
        "when it runs and answers, 1 when it runs with a problem, 2 when it is stopped.")
    sandbox.add_argument("action", choices=("start", "stop", "status", "run", "fault", "churn",
                                            "export"))
    _add_environment(sandbox, default="sandbox", help_text="the cloud's environment name")
    sandbox.add_argument("--hosts", type=int, default=4,
                         help="hosts in all: 1 network host per 50 (at most 8), the rest "
                              "compute (default: 4)")
    sandbox.add_argument("--instances", type=int, default=8,
                         help="instances, spread evenly on the compute hosts (default: 8)")
    sandbox.add_argument("--seed", type=int, default=42, help="the same seed, the same cloud")
    sandbox.add_argument("--mechanism-driver", choices=("OVS", "LXB"), default="OVS")
    sandbox.add_argument("--type-driver", choices=("vxlan", "vlan"), default="vxlan")
    sandbox.add_argument("--zones", type=int, default=1,
                         help="compute availability zones per region (default: 1)")
    sandbox.add_argument("--churn", type=float, default=0.0, metavar="RATE",
                         help="changes per second, each published as OpenStack's "
                              "notifications (default: 0, a still cloud)")
    sandbox.add_argument("--driver", choices=("messagingv2", "messaging"),
                         default="messagingv2",
                         help="oslo.messaging notification driver (wire shape)")
    sandbox.add_argument("--notification-format", choices=("both", "unversioned", "versioned"),
                         default="both", help="nova's notification_format (default: both)")
    sandbox.add_argument("--database", choices=("auto", "none", "url"), default="auto",
                         help="auto: a private MariaDB; url: the one in "
                              "$TOPOLOGY_SANDBOX_DATABASE_URL; none: no database view")
    sandbox.add_argument("--amqp", choices=("auto", "none", "url"), default="auto",
                         help="auto: a private RabbitMQ; url: $TOPOLOGY_SANDBOX_AMQP_URL; "
                              "none: churn publishes nothing")
    sandbox.add_argument("--api-port", type=int, default=0, help="default: a free port")
    sandbox.add_argument("--ssh-port", type=int, default=0, help="default: a free port")
    sandbox.add_argument("--clouds-yaml", metavar="FILE",
                         help="also merge the cloud's entry into FILE (default: "
                              "~/.config/openstack/clouds.yaml; 'none': do not)")
    sandbox.add_argument("--graph", action="store_true",
                         help="put the cloud in the graph (its Calipso view, as a scan "
                              "would store it) and report Sensu results for its provisioned "
                              "checks (the same plan as sensu-config) through the Sensu "
                              "handler, from the cloud's state and faults; OVS/VXLAN only; "
                              "the local Neo4j must be running")
    sandbox.add_argument("--sensu", action="store_true",
                         help="report Sensu results for the checks of the cloud as the graph "
                              "holds it (after `topology scan --env <its environment>`; make "
                              "run does this), without importing its Calipso view")
    sandbox.add_argument("--sensu-interval", type=float, default=10.0, metavar="SECONDS",
                         help="seconds between two rounds of Sensu results (default: 10)")
    sandbox.add_argument("--folder", help=argparse.SUPPRESS)  # run: the sandbox's folder
    churn = sandbox.add_argument_group("churn (in a running sandbox)")
    churn.add_argument("--pause", action="store_true",
                       help="make no more changes (returns once the change in progress is "
                            "made and published)")
    churn.add_argument("--resume", action="store_true", help="make changes again")
    fault = sandbox.add_argument_group("fault (in a running sandbox)")
    fault.add_argument("--api-delay", type=float, metavar="SECONDS",
                       help="answer every API request this much later (0: normal)")
    fault.add_argument("--api-error", choices=("on", "off"),
                       help="answer every API request with a 500")
    fault.add_argument("--ssh", action="append", metavar="HOST=refuse|hang|ok",
                       help="a host refuses SSH, hangs, or answers again (repeatable)")
    fault.add_argument("--check", action="append", metavar="NAME=ok|warning|critical|clear",
                       help="force a Sensu check's result in the sandbox's monitoring "
                            "(clear: back to what the cloud says; repeatable)")
    fault.add_argument("--db", dest="database_fault", choices=("down", "up"),
                       help="the database stops answering, or answers again")
    fault.add_argument("--clear", action="store_true", help="end every fault")

    env = _add_command(
        sub, "env", cmd_env, "list the environments, or check one's connections",
        "list: every [environments.NAME] section of the configuration file and of the "
        "files the sandbox and the lab write, where each was read and which sources are "
        "configured (where secrets come from, never their values); exit status 1 when one "
        "cannot be used. check NAME: try each configured connection as Calipso's connection "
        "tests (OpenStack API: authenticate and read the catalog; database: SHOW DATABASES "
        "finds nova, nova_api and neutron; SSH: uname -n on the gateway and through it on "
        "each listed host; AMQP: connect), one line each: ok, FAILED and why, or not "
        "configured; exit status 0 when every configured one works, 1 otherwise, 2 when "
        "the environment is unknown or its settings are refused.")
    env.add_argument("action", choices=("list", "check"))
    env.add_argument("name", nargs="?", metavar="NAME", help="the environment to check")
    env.add_argument("--timeout", type=float, default=15.0, metavar="SECONDS",
                     help="check: seconds the API, database and AMQP checks may wait for an "
                          "answer (SSH uses ssh_connect_timeout and ssh_command_timeout; "
                          "default: 15)")

    _add_command(sub, "check", cmd_check, "check that the graph is reachable",
                 "Connect to Neo4j (starting the local one when NEO4J_URI is unset), apply "
                 "the schema and list the environments. Exit status 0 when healthy.")

    clique = _add_command(sub, "clique", cmd_clique,
                          "show a focal point's clique (or its Cypher)",
                          "Compute a focal point's clique from the live graph with the clique "
                          "type chosen for its environment. --explain prints its path form "
                          "(with :param lines) to paste into Neo4j Browser, which draws the "
                          "paths it returns as a graph. Exit status 1 when the "
                          "focal point has no clique.")
    _add_environment(clique)
    clique.add_argument("--focal-point", "-f", metavar="ID", help="object id of the focal point")
    clique.add_argument("--explain", action="store_true",
                        help="print the clique's path query (for Neo4j Browser) "
                             "instead of running it")
    clique.add_argument("--focal-points", action="store_true",
                        help="list the objects whose clique is not empty")
    clique.add_argument("--limit", type=int, default=20,
                        help="ids listed per type with --focal-points (default: 20)")

    serve = _add_command(sub, "serve", cmd_serve, "serve the GraphQL API and the viewer",
                         "Serve the viewer at /, GraphQL at /graphql (GraphiQL in a "
                         "browser), GET /healthz and GET /metrics (Prometheus). Every route "
                         "but /healthz and the pages' own files needs a bearer token: "
                         "TOPOLOGY_ADMIN_TOKEN or [[tokens]] in the config.")
    serve.add_argument("--host", help="address to listen on (default: [api] host, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: [api] port, 8080)")
    serve.add_argument("--workers", type=int, help="uvicorn worker processes (default: 1)")
    serve.add_argument("--generate-token", action="store_true",
                       help="without a configured admin token, use (and print) one kept in "
                            "the state directory; for local use (make run)")
    serve.add_argument("--access-log", action="store_true", help="log every request")

    listen = _add_command(
        sub, "listen", cmd_listen, "apply OpenStack notifications to the graph as they come",
        "Consume an environment's OpenStack notifications (nova, neutron, dhcp_agent and "
        "info exchanges; both oslo.messaging driver shapes; nova's legacy and versioned "
        "ones) from its own durable queue and apply each as one change set. A message is "
        "acknowledged only after its change set committed; one whose objects are not in "
        "the graph yet is retried ([events] retry_delay, max_attempts), one that cannot be "
        "processed goes to the dead-letter queue <prefix>.<env>.dead with the reason in its "
        "x-topology-reason header. The AMQP URL comes from the environment's section "
        "(amqp_url_file / amqp_url_env) or TOPOLOGY_AMQP_URL. Stop with SIGTERM or Ctrl-C. "
        "Exit status: 0 stopped, 2 error; with --status 0 all up, 1 some down or none.")
    listen.add_argument("--environment", "--env", "-e", help="the environment to listen to")
    listen.add_argument("--all", action="store_true",
                        help="every environment with listen = true (configured, or an "
                             ":Environment node when TOPOLOGY_AMQP_URL is set), each in a "
                             "child process restarted when it dies")
    listen.add_argument("--status", action="store_true",
                        help="print the listeners' figures (all, or --env's) and exit")
    listen.add_argument("--detach", action="store_true",
                        help="run in the background (pid and log under <state dir>/"
                             "background/), e.g. for make run")
    listen.add_argument("--stop", action="store_true",
                        help="stop the one started with --detach")

    scan = _add_command(
        sub, "scan", cmd_scan, "scan an OpenStack environment into the graph",
        "Read an environment's OpenStack API, database and hosts (over SSH) and write its "
        "objects and links, as Calipso's scan did: --only inventory or links, or --object "
        "ID for one object's subtree. What a source that fails had is kept, and the scan "
        "ends completed_with_errors naming it. --request queues the scan for `topology "
        "scan-manager`, --schedule makes it recur, --list shows the latest scans. Exit "
        "status: 0 completed, 1 completed with errors, 2 failed.")
    scan.add_argument("--environment", "--env", "-e",
                      help="the environment (an [environments.NAME] section; required but "
                           "with --list)")
    what = scan.add_mutually_exclusive_group()
    what.add_argument("--only", choices=["inventory", "links"],
                      help="the objects alone, or the links alone (from the graph's objects)")
    what.add_argument("--object", metavar="ID", help="scan one object's subtree")
    scan.add_argument("--request", action="store_true",
                      help="queue the scan for the scan manager instead of running it here")
    scan.add_argument("--schedule", choices=["hourly", "daily", "weekly", "monthly", "yearly",
                                             "off"],
                      help="scan the environment regularly (run by the scan manager)")
    scan.add_argument("--list", action="store_true", help="show the latest scans and schedules")
    scan.add_argument("--limit", type=int, default=20, help="scans --list shows (default 20)")
    scan.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    scan.add_argument("--max-listed", type=int, default=30,
                      help="problems listed per kind in the summary (default 30)")

    manager = _add_command(
        sub, "scan-manager", cmd_scan_manager, "run requested and scheduled scans",
        "Poll the graph for scans requested (`topology scan --request`, the API's "
        "requestScan) and schedules that are due, and run them one at a time; scans left "
        "running by a process that stopped are marked failed. Several managers may share "
        "one graph. Stops on SIGTERM or Ctrl-C after the current scan.")
    manager.add_argument("--interval", type=float, default=5.0,
                         help="seconds between two looks at the graph (default 5)")
    manager.add_argument("--once", action="store_true",
                         help="run what is pending now, then exit (status 1 unless all "
                              "completed)")
    manager.add_argument("--detach", action="store_true",
                         help="run in the background (pid and log under <state dir>/"
                              "background/)")
    manager.add_argument("--stop", action="store_true",
                         help="stop the one started with --detach")

    export = _add_command(sub, "export-schema", cmd_export_schema, "print the GraphQL SDL",
                          "Write the GraphQL schema (SDL) of the API; the copy in "
                          "graphql/schema.graphql is checked by a test.")
    export.add_argument("--output", "-o", default="-", help="file to write (default: stdout)")

    files = _add_command(sub, "browser-files", cmd_browser_files,
                         "write Neo4j Browser's style and clique example into cypher/",
                         "Write cypher/browser-style.grass (rendered from the type catalogue) "
                         "and cypher/examples/instance-clique.cypher (the compiled clique "
                         "query of the environment's first instance, as the demo has it); "
                         "tests check both are current.")
    _add_environment(files, default="demo",
                     help_text="environment holding the demo (default: demo)")
    files.add_argument("--style-only", action="store_true",
                       help="write the style only (no Neo4j needed)")

    token = _add_command(sub, "token", cmd_token, "make an API token and its hash",
                         "Print a new random token and the SHA-256 to put in a [[tokens]] "
                         "entry, or with --hash the SHA-256 of a token you have.")
    token.add_argument("--hash", metavar="TOKEN", help="hash this token instead")

    demo = _add_command(sub, "demo", cmd_demo, "generate and import a demo environment",
                        "Generate a synthetic OpenStack environment in Calipso's export "
                        "format and import it.")
    _add_environment(demo, default="demo")
    demo.add_argument("--objects", type=int, default=150,
                      help="approximate number of inventory objects (default: 150)")
    demo.add_argument("--out", help="folder for the export files "
                                    "(default: <state dir>/demo-export/<environment>)")
    demo.add_argument("--max-listed", type=int, default=20)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    args.argv = argv  # what --detach runs again
    _setup_logging(args.log_level)
    try:
        return int(args.handler(load_config(args.config), args))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
