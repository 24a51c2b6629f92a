"""A private MariaDB (Debian's mariadb-server) on 127.0.0.1 and a free port.

Its files, all in the daemon's folder::

    data/          the datadir (made by mariadb-install-db on the first start)
    mysqld.sock    the socket the administrator's client uses
    mariadb.log    the server's error log (its standard error)
    install.log    mariadb-install-db's output
    password       the ``topology`` user's password (0600)

Nothing of the machine's MariaDB is read or touched: every program runs with
``--no-defaults`` (no /etc/mysql), its own socket, datadir and port. The administrator is
the operating-system user running this code, authenticated by the socket (unix_socket),
so no administrator password exists; the ``topology`` user has a generated password and
may do everything, over TCP on 127.0.0.1.
"""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL

from topology.daemons.base import Daemon
from topology.net import LOOPBACK, free_port
from topology.process_control import run

INSTALL_DB = Path("/usr/bin/mariadb-install-db")
SERVER = Path("/usr/sbin/mariadbd")
CLIENT = Path("/usr/bin/mariadb")
USER = "topology"
SOCKET_PATH_MAX = 108  # sun_path, with its closing NUL
# As Debian's own /etc/mysql/mariadb.conf.d/50-server.cnf sets them (with --no-defaults
# the server would fall back to latin1).
CHARSET = ("--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci")


class MariaDB(Daemon):
    """``with MariaDB(folder) as db: create_engine(db.url("nova"))``."""

    name = "mariadb"
    package = "mariadb-server"
    programs = (INSTALL_DB, SERVER, CLIENT)

    def __init__(self, folder: Path, *, startup_timeout: float = 60.0) -> None:
        super().__init__(folder, startup_timeout=startup_timeout)
        self.admin = getpass.getuser()
        """The operating-system user, also the server's socket-authenticated administrator."""

    @property
    def port(self) -> int | None:
        """The TCP port on 127.0.0.1, while it runs."""
        return self.ports.get("mysql")

    @property
    def datadir(self) -> Path:
        return self.folder / "data"

    @property
    def socket_path(self) -> Path:
        return self.folder / "mysqld.sock"

    def url(self, database: str | None = None) -> URL:
        """SQLAlchemy's URL of the ``topology`` user (PyMySQL, TCP on 127.0.0.1). Its
        ``str()`` and ``repr()`` hide the password; ``create_engine`` takes it as it is,
        ``url.render_as_string(hide_password=False)`` spells it out for another program."""
        if self.port is None:
            raise self.failure("not started: no URL yet")
        return URL.create("mysql+pymysql", username=USER, password=self.password,
                          host=LOOPBACK, port=self.port, database=database,
                          query={"charset": "utf8mb4"})

    def admin_sql(self, sql: str, database: str | None = None,
                  timeout: float = 120) -> str:
        """Run statements as the administrator (the ``mariadb`` client over the socket,
        statements on standard input); returns the rows tab-separated, raw, without
        headers."""
        argv = [str(CLIENT), "--no-defaults", f"--socket={self.socket_path}",
                f"--user={self.admin}", "--batch", "--raw", "--skip-column-names"]
        done = run([*argv, *([database] if database else [])], input_text=sql,
                   timeout=timeout, check=False, quiet=True)
        if done.returncode != 0:
            detail = done.stderr.strip() or done.stdout.strip() or "no output"
            raise self.failure(f"the administrator's statements failed: {detail}", logs=[])
        return done.stdout

    # -- the daemon's part ------------------------------------------------------------

    def _prepare(self) -> None:
        if len(os.fsencode(self.socket_path)) >= SOCKET_PATH_MAX:
            raise self.failure(f"the socket path {self.socket_path} is longer than a Unix "
                               f"socket's {SOCKET_PATH_MAX - 1} bytes: use a shorter folder",
                               logs=[])
        self.ports = {"mysql": free_port()}
        if not (self.datadir / "mysql").is_dir():
            self._install_db()

    def _install_db(self) -> None:
        install_log = self.folder / "install.log"
        argv = [str(INSTALL_DB), "--no-defaults", f"--datadir={self.datadir}",
                "--auth-root-authentication-method=socket",
                f"--auth-root-socket-user={self.admin}", "--skip-test-db",
                "--skip-name-resolve", *self._as_user()]
        with open(install_log, "wb") as output:
            done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=output,
                                  stderr=subprocess.STDOUT, cwd=self.folder, check=False,
                                  timeout=300)
        if done.returncode != 0:
            raise self.failure(f"{INSTALL_DB.name} failed (exit {done.returncode})",
                               logs=[install_log])

    def _command(self) -> list[str]:
        return [str(SERVER), "--no-defaults", *self._as_user(), f"--datadir={self.datadir}",
                f"--bind-address={LOOPBACK}", f"--port={self.port}",
                f"--socket={self.socket_path}", f"--pid-file={self.folder / 'mysqld.pid'}",
                "--skip-name-resolve", *CHARSET, "--max-connections=500"]

    def _answers(self) -> bool:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(2)
            try:
                probe.connect(str(self.socket_path))
            except OSError:
                return False
        return True

    def _provision(self) -> None:
        password = self.password  # hex: nothing to escape
        statements = []
        for host in (LOOPBACK, "localhost"):
            statements += [
                f"CREATE USER IF NOT EXISTS '{USER}'@'{host}' IDENTIFIED BY '{password}';",
                f"ALTER USER '{USER}'@'{host}' IDENTIFIED BY '{password}';",
                f"GRANT ALL PRIVILEGES ON *.* TO '{USER}'@'{host}' WITH GRANT OPTION;"]
        self.admin_sql("\n".join(statements))

    def _shutdown(self) -> None:
        """Nothing to ask: SIGTERM is mariadbd's own clean shutdown."""

    def _as_user(self) -> list[str]:
        """mariadbd refuses to run as root unless told to; as anyone else it runs as that
        user and takes no ``--user``."""
        return ["--user=root"] if os.geteuid() == 0 else []
