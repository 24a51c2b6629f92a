"""The local Neo4j without Java: settings, prerequisites, process safety, port checks.

External tools (java, javac, mvn) are replaced by small Python scripts so these tests run
the same on machines with or without a JDK.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from topology.config import Config, LocalNeo4jConfig
from topology.neo4j_local import (
    LocalNeo4j,
    Neo4jLocalError,
    Runtime,
    check_prerequisites,
    ensure_runtime,
    launch,
    process,
    server,
)
from topology.neo4j_local.cache import (
    JARS_MARKER,
    LAUNCHER_CLASS,
    jars_cached,
    render_pom,
    runtime_needs,
    runtime_root,
    sha256,
)
from topology.neo4j_local.prereqs import javac_for, parse_java_major
from topology.net import free_port

VERSION = "5.26.29"


def make_config(tmp_path: Path, **local: object) -> Config:
    return Config(
        state_dir=tmp_path / "state",
        cache_dir=tmp_path / "cache",
        # http_port 0: the Browser port of a running `make run` must not disturb the tests.
        local_neo4j=replace(LocalNeo4jConfig(port=free_port(), http_port=0), **local),  # type: ignore[arg-type]
    )


def fake_tool(directory: Path, name: str, body: str) -> Path:
    """An executable Python script standing in for java, javac or mvn."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(f"#!{sys.executable}\nimport sys, pathlib\n{textwrap.dedent(body)}")
    path.chmod(0o755)
    return path


def fake_java(directory: Path, version: str = "17.0.15") -> Path:
    return fake_tool(
        directory, "java", f"sys.stderr.write('openjdk version \"{version}\" 2025-04-15\\n')\n"
    )


def fake_javac(directory: Path) -> Path:
    # Writes the launcher and extension classes into the directory given after -d.
    return fake_tool(directory, "javac", """
        out = pathlib.Path(sys.argv[sys.argv.index("-d") + 1])
        (out / "TopologyNeo4j.class").write_bytes(b"\\xca\\xfe\\xba\\xbe")
        (out / "topology").mkdir()
        (out / "topology" / "TopologyBrowserStyle.class").write_bytes(b"\\xca\\xfe\\xba\\xbe")
    """)


def fake_maven_ok(directory: Path) -> Path:
    # Creates <outputDirectory>/neo4j-<version>.jar like dependency:copy-dependencies.
    return fake_tool(directory, "mvn", f"""
        out = [a for a in sys.argv if a.startswith("-DoutputDirectory=")][0].split("=", 1)[1]
        pathlib.Path(out).mkdir(parents=True, exist_ok=True)
        (pathlib.Path(out) / "neo4j-{VERSION}.jar").write_bytes(b"PK")
    """)


# --- neo4j.conf and the java command line -------------------------------------------------


def test_conf_has_loopback_bolt_no_auth_and_sizes(tmp_path: Path) -> None:
    config = make_config(tmp_path, port=17999, http_port=7474, pagecache="512M")
    conf = launch.render_conf(config)
    settings = dict(line.split("=", 1) for line in conf.splitlines() if not line.startswith("#"))
    assert settings["server.bolt.listen_address"] == "127.0.0.1:17999"
    assert settings["server.bolt.advertised_address"] == "127.0.0.1:17999"
    assert settings["server.bolt.enabled"] == "true"
    assert settings["server.http.enabled"] == "true"  # Neo4j Browser, loopback only
    assert settings["server.http.listen_address"] == "127.0.0.1:7474"
    assert settings["dbms.security.auth_enabled"] == "false"
    assert settings["server.memory.pagecache.size"] == "512m"
    assert settings["dbms.usage_report.enabled"] == "false"


def test_conf_makes_browser_apply_our_style_and_stay_local(tmp_path: Path) -> None:
    """Browser loads our style on connect from its own origin, may fetch from nowhere else,
    and reports nothing (no consent banner, no analytics, no crash reports)."""
    config = make_config(tmp_path, port=17999, http_port=17474)
    settings = launch.read_conf_text(launch.render_conf(config))
    style_url = "http://127.0.0.1:17474/topology/browser-style.grass"
    assert launch.browser_style_url("127.0.0.1", 17474) == style_url
    assert settings["browser.post_connect_cmd"] == f"style {style_url}"  # Browser adds ':'
    assert settings["server.unmanaged_extension_classes"] == "topology=/topology"
    assert settings["browser.remote_content_hostname_whitelist"] == "127.0.0.1"
    assert settings["client.allow_telemetry"] == "false"
    assert settings["dbms.usage_report.enabled"] == "false"
    csp = dict(directive.strip().split(" ", 1) for directive in
               settings["dbms.security.http_static_content_security_policy_header"].split(";"))
    assert csp["default-src"] == csp["script-src"] == csp["font-src"] == "'self'"
    assert csp["connect-src"] == ("'self' http://127.0.0.1:17474 ws://127.0.0.1:17999 "
                                  "http://127.0.0.1:17999")
    # Enterprise-only in Neo4j 5: unknown to Community, whose strict validation refuses it.
    assert "browser.allow_outgoing_connections" not in settings
    command = launch.java_command(config, Runtime(VERSION, tmp_path / "rt", "java"),
                                  tmp_path / "home")
    assert f"-Dtopology.browser_style={tmp_path / 'home' / 'browser-style.grass'}" in command


def test_conf_browser_settings_bracket_ipv6(tmp_path: Path) -> None:
    settings = launch.read_conf_text(launch.render_conf(
        make_config(tmp_path, host="::1", port=7688, http_port=7475)))
    assert settings["browser.post_connect_cmd"] == (
        "style http://[::1]:7475/topology/browser-style.grass")
    assert settings["browser.remote_content_hostname_whitelist"] == "[::1]"


def test_http_port_zero_turns_browser_and_http_off(tmp_path: Path) -> None:
    conf = launch.render_conf(make_config(tmp_path, port=17999, http_port=0))
    assert "server.http.enabled=false" in conf
    assert "server.http.listen_address" not in conf
    assert "browser.post_connect_cmd" not in conf
    assert make_config(tmp_path, http_port=0).browser_url is None


def test_taken_http_port_is_refused_with_a_way_out(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        config = make_config(tmp_path, port=free_port(), http_port=busy.getsockname()[1])
        with pytest.raises(Neo4jLocalError, match="http_port"):
            LocalNeo4j(config).start()


def test_conf_reads_back(tmp_path: Path) -> None:
    config = make_config(tmp_path, port=17999)
    path = tmp_path / "neo4j.conf"
    path.write_text(launch.render_conf(config))
    settings = launch.read_conf(path)
    assert settings["server.bolt.listen_address"] == "127.0.0.1:17999"
    assert launch.read_conf(tmp_path / "missing.conf") == {}


def test_conf_brackets_ipv6_loopback(tmp_path: Path) -> None:
    conf = launch.render_conf(make_config(tmp_path, host="::1", port=7688))
    assert "server.bolt.listen_address=[::1]:7688" in conf


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "example.org", "::"])  # noqa: S104
def test_conf_refuses_non_loopback_hosts(tmp_path: Path, host: str) -> None:
    with pytest.raises(Neo4jLocalError, match="loopback"):
        launch.render_conf(make_config(tmp_path, host=host))


@pytest.mark.parametrize(("setting", "value"), [("pagecache", "lots"), ("pagecache", "0m"),
                                                ("port", 0), ("port", 70000)])
def test_conf_refuses_bad_values(tmp_path: Path, setting: str, value: object) -> None:
    with pytest.raises(Neo4jLocalError, match=setting):
        launch.render_conf(make_config(tmp_path, **{setting: value}))


@pytest.mark.parametrize(("heap", "flags"), [
    ("1g", ["-Xms256m", "-Xmx1g"]),
    ("128m", ["-Xms128m", "-Xmx128m"]),
    ("2048M", ["-Xms256m", "-Xmx2g"]),
    ("1536m", ["-Xms256m", "-Xmx1536m"]),
])
def test_heap_flags_start_small(heap: str, flags: list[str]) -> None:
    assert launch.heap_flags(heap) == flags


def test_heap_must_be_a_size() -> None:
    with pytest.raises(Neo4jLocalError, match="heap"):
        launch.heap_flags("1 GB")


def test_java_command_names_launcher_home_and_conf(tmp_path: Path) -> None:
    config = make_config(tmp_path, heap="512m")
    runtime = Runtime(version=VERSION, root=tmp_path / "rt", java="/opt/jdk/bin/java")
    home = tmp_path / "home"
    command = launch.java_command(config, runtime, home)
    assert command[0] == "/opt/jdk/bin/java"
    assert "-Xmx512m" in command
    assert command[-3:] == [LAUNCHER_CLASS, str(home), str(home / "neo4j.conf")]
    assert command[command.index("-cp") + 1] == f"{runtime.classes_dir}:{tmp_path}/rt/lib/*"
    assert runtime.classes_dir.parent == tmp_path / "rt"


# --- prerequisites ----------------------------------------------------------------------


@pytest.mark.parametrize(("output", "major"), [
    ('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment', 17),
    ('openjdk version "21" 2023-09-19', 21),
    ('java version "1.8.0_392"', 8),
    ('Picked up JAVA_TOOL_OPTIONS: -Xss2m\nopenjdk version "11.0.2" 2019-01-15', 11),
    ("something else", None),
])
def test_parse_java_major(output: str, major: int | None) -> None:
    assert parse_java_major(output) == major


def test_javac_is_next_to_an_explicit_java() -> None:
    assert javac_for("/opt/jdk-21/bin/java") == "/opt/jdk-21/bin/javac"
    assert javac_for("java") == "javac"


def assert_actionable(message: str) -> None:
    assert "apt-get install openjdk-17-jdk-headless maven" in message
    assert "NEO4J_URI" in message
    assert "docker compose up" in message


def test_missing_java_says_what_to_install(tmp_path: Path) -> None:
    config = make_config(tmp_path, java="no-such-java-for-topology")
    with pytest.raises(Neo4jLocalError) as caught:
        check_prerequisites(config)
    assert "`no-such-java-for-topology` (Java 17+) was not found" in str(caught.value)
    assert_actionable(str(caught.value))


def test_old_java_is_refused(tmp_path: Path) -> None:
    java = fake_java(tmp_path / "jdk8" / "bin", version="1.8.0_392")
    with pytest.raises(Neo4jLocalError) as caught:
        check_prerequisites(make_config(tmp_path, java=str(java)))
    assert "is Java 8; Neo4j 5 needs Java 17 or newer" in str(caught.value)
    assert_actionable(str(caught.value))


def test_missing_javac_is_named(tmp_path: Path) -> None:
    java = fake_java(tmp_path / "jre" / "bin")  # a JRE: no javac next to java
    with pytest.raises(Neo4jLocalError) as caught:
        check_prerequisites(make_config(tmp_path, java=str(java)))
    assert f"`{tmp_path}/jre/bin/javac` (the Java compiler" in str(caught.value)
    assert_actionable(str(caught.value))


def test_missing_maven_matters_only_before_the_jars_are_cached(tmp_path: Path) -> None:
    bin_dir = tmp_path / "jdk" / "bin"
    java = fake_java(bin_dir)
    fake_javac(bin_dir)
    config = make_config(tmp_path, java=str(java), maven="no-such-mvn-for-topology")
    with pytest.raises(Neo4jLocalError) as caught:
        check_prerequisites(config)
    assert "`no-such-mvn-for-topology` (Maven) was not found" in str(caught.value)
    assert_actionable(str(caught.value))

    root = runtime_root(config)
    root.mkdir(parents=True)
    (root / JARS_MARKER).write_text(sha256(render_pom(VERSION).encode()))
    assert not runtime_needs(config).fetch_jars
    check_prerequisites(config)  # jars cached: Maven is not needed any more


# --- the runtime cache ---------------------------------------------------------------------


def test_pom_depends_on_exactly_that_neo4j() -> None:
    pom = render_pom(VERSION)
    assert f"<artifactId>neo4j</artifactId>\n      <version>{VERSION}</version>" in pom


@pytest.mark.parametrize("version", ["5.26", "5.26.29</version>", "../5.26.29", ""])
def test_version_must_be_plain(tmp_path: Path, version: str) -> None:
    with pytest.raises(Neo4jLocalError, match="version"):
        runtime_root(make_config(tmp_path, version=version))


def test_ensure_runtime_fetches_compiles_and_then_reuses(tmp_path: Path) -> None:
    bin_dir = tmp_path / "jdk" / "bin"
    java = fake_java(bin_dir)
    fake_javac(bin_dir)
    maven = fake_maven_ok(tmp_path / "maven")
    config = make_config(tmp_path, java=str(java), maven=str(maven))

    runtime = ensure_runtime(config)
    assert runtime.root == tmp_path / "cache" / f"neo4j-{VERSION}"
    assert (runtime.lib_dir / f"neo4j-{VERSION}.jar").is_file()
    assert (runtime.classes_dir / f"{LAUNCHER_CLASS}.class").is_file()
    assert jars_cached(runtime.root, VERSION)
    needs = runtime_needs(config)
    assert not needs.fetch_jars and not needs.compile_launcher

    # Cached: neither Maven nor javac runs again (they are gone now).
    (bin_dir / "javac").unlink()
    ensure_runtime(replace(config, local_neo4j=replace(config.local_neo4j, maven="gone")))

    # A changed launcher source means a recompile.
    (runtime.classes_dir / ".source-sha256").write_text("stale")
    assert runtime_needs(config).compile_launcher


def test_maven_failure_shows_its_last_lines_and_leaves_no_marker(tmp_path: Path) -> None:
    bin_dir = tmp_path / "jdk" / "bin"
    java = fake_java(bin_dir)
    fake_javac(bin_dir)
    maven = fake_tool(tmp_path / "maven", "mvn", """
        for i in range(100):
            print(f"[INFO] noise {i}")
        print("[ERROR] Could not resolve dependencies: org.neo4j:neo4j:jar:5.26.29")
        sys.exit(1)
    """)
    config = make_config(tmp_path, java=str(java), maven=str(maven))
    with pytest.raises(Neo4jLocalError) as caught:
        ensure_runtime(config)
    message = str(caught.value)
    assert "Maven failed to fetch the Neo4j 5.26.29 jars" in message
    assert "Could not resolve dependencies" in message
    assert "noise 99" in message and "noise 10\n" not in message
    assert not (runtime_root(config) / JARS_MARKER).exists()
    assert runtime_needs(config).fetch_jars


# --- pid file and process identity -----------------------------------------------------------


def spawn_ready(home: Path, ignore_sigterm: bool = False) -> subprocess.Popen[bytes]:
    """A sleeping Python whose arguments include the launcher class and ``home``.

    Waits for its first output: right after fork/exec, /proc/<pid>/cmdline can still be empty.
    """
    code = "import signal, time\n"
    if ignore_sigterm:
        code += "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    code += "print('ready', flush=True)\ntime.sleep(60)\n"
    proc = subprocess.Popen([sys.executable, "-c", code, LAUNCHER_CLASS, str(home)],
                            stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    return proc


@pytest.fixture
def impostor(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """A harmless process whose command line looks like our launcher for ``home``."""
    home = tmp_path / "state" / "neo4j"
    home.mkdir(parents=True)
    proc = spawn_ready(home)
    yield proc, home
    proc.kill()
    proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


def test_pid_file_round_trip_and_garbage(tmp_path: Path) -> None:
    pid_file = tmp_path / "neo4j.pid"
    assert process.read_pid(pid_file) is None
    process.write_pid(pid_file, 4242)
    assert process.read_pid(pid_file) == 4242
    for garbage in ("", "abc", "-5", "0", "12 13"):
        pid_file.write_text(garbage)
        assert process.read_pid(pid_file) is None


def test_identity_needs_launcher_and_exact_home(
    impostor: tuple[subprocess.Popen[bytes], Path], tmp_path: Path
) -> None:
    proc, home = impostor
    assert process.is_neo4j_of(proc.pid, home)
    assert not process.is_neo4j_of(proc.pid, home.parent)
    assert not process.is_neo4j_of(proc.pid, Path(f"{home}-other"))
    assert not process.is_neo4j_of(proc.pid, Path(str(home)[:-1]))
    assert not process.is_neo4j_of(os.getpid(), home)  # pytest itself: not ours
    assert process.find_instances(home) == [proc.pid]


def test_terminate_never_signals_a_stranger(
    impostor: tuple[subprocess.Popen[bytes], Path], tmp_path: Path
) -> None:
    proc, home = impostor
    assert not process.terminate(proc.pid, tmp_path / "other-home", timeout=1)
    assert proc.poll() is None
    assert process.terminate(proc.pid, home, timeout=60)
    assert not process.is_alive(proc.pid)  # it returns once the process is gone
    assert proc.wait(timeout=5) == -signal.SIGTERM


def test_terminate_kills_what_ignores_sigterm(tmp_path: Path,
                                             caplog: pytest.LogCaptureFixture) -> None:
    home = tmp_path / "home"
    proc = spawn_ready(home, ignore_sigterm=True)  # so SIGTERM cannot stop it: a kill
    try:
        with caplog.at_level(logging.WARNING, logger="topology.neo4j_local"):
            assert process.terminate(proc.pid, home, timeout=0.5)
        assert not process.is_alive(proc.pid)  # it returns once the process is gone
        assert f"(pid {proc.pid}) did not stop" in caplog.text
        assert proc.wait(timeout=5) == -signal.SIGKILL
    finally:
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def test_stale_pid_file_is_ignored_and_removed(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    local = LocalNeo4j(config)
    local.home.mkdir(parents=True)
    process.write_pid(local.pid_file, os.getpid())  # a live pid that is not our Neo4j
    status = local.status()
    assert not status.running and status.pid is None and not status.bolt_reachable
    assert status.home == tmp_path / "state" / "neo4j"
    assert not local.stop(timeout=1)  # and pytest is still alive to tell
    assert not local.pid_file.exists()


def test_status_finds_our_process_without_pid_file(
    impostor: tuple[subprocess.Popen[bytes], Path], tmp_path: Path
) -> None:
    proc, _ = impostor
    local = LocalNeo4j(make_config(tmp_path))
    status = local.status()
    assert status.running and status.pid == proc.pid
    assert not status.bolt_reachable
    assert local.stop(timeout=60)
    assert not process.is_alive(proc.pid)
    assert proc.wait(timeout=5) == -signal.SIGTERM


def test_running_instance_on_another_port_is_not_reused(
    impostor: tuple[subprocess.Popen[bytes], Path], tmp_path: Path
) -> None:
    proc, home = impostor
    (home / "neo4j.conf").write_text(launch.render_conf(make_config(tmp_path, port=7001)))
    local = LocalNeo4j(make_config(tmp_path, port=7002))
    with pytest.raises(Neo4jLocalError) as caught:
        local.start()
    assert f"already running (pid {proc.pid}) but listens on 127.0.0.1:7001" in str(caught.value)
    assert "`topology neo4j stop`" in str(caught.value)
    assert proc.poll() is None  # left alone


# --- starting -------------------------------------------------------------------------------


def test_port_taken_by_another_program(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        local = LocalNeo4j(make_config(tmp_path, port=port, java="no-such-java"))
        with pytest.raises(Neo4jLocalError) as caught:
            local.start()
    message = str(caught.value)
    assert f"port {port} on 127.0.0.1 is already in use" in message
    assert "[local_neo4j]" in message and f"TOPOLOGY_NEO4J_PORT={port + 1}" in message


def test_early_exit_reports_the_console_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(tmp_path)
    runtime = Runtime(version=VERSION, root=tmp_path / "rt", java=sys.executable)
    monkeypatch.setattr(server, "ensure_runtime", lambda _config: runtime)
    code = "print('Exception: the store is locked by another process'); raise SystemExit(1)"
    monkeypatch.setattr(
        launch, "java_command",
        lambda _c, _r, home: [sys.executable, "-c", code, LAUNCHER_CLASS, str(home)],
    )
    local = LocalNeo4j(config)
    with pytest.raises(Neo4jLocalError) as caught:
        local.start()
    message = str(caught.value)
    assert "exited while starting" in message
    assert "the store is locked by another process" in message
    assert not local.pid_file.exists()
    assert (local.home / "neo4j.conf").is_file()
