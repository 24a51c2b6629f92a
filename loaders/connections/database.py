"""The database check, as Calipso's: connect, and ``SHOW DATABASES`` finds nova, nova_api
and the one neutron schema."""

from __future__ import annotations

from loaders.connections.result import NOT_CONFIGURED, CheckResult, timed, url_secrets
from topology.environments import EnvironmentConfig

NAME = "database"
REQUIRED = ("nova", "nova_api")


def check_database(env: EnvironmentConfig, timeout: float) -> CheckResult:
    if not env.database_url:
        return CheckResult(NAME, NOT_CONFIGURED)
    return timed(NAME, lambda: _connect(env.database_url, timeout),
                 url_secrets(env.database_url))


def _connect(text: str, timeout: float) -> str:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, DBAPIError
    from sqlalchemy.pool import NullPool

    try:
        url = make_url(text)
    except ArgumentError:  # its message holds the URL
        raise ValueError("the database URL is not one SQLAlchemy can read "
                         "(mysql+pymysql://USER:PASSWORD@HOST:PORT/)") from None
    if url.get_backend_name() not in ("mysql", "mariadb"):
        raise ValueError(f"{url.render_as_string(hide_password=True)} is not a MySQL or "
                         "MariaDB URL")
    if "+" not in url.drivername:
        url = url.set(drivername=f"{url.drivername}+pymysql")
    shown = url.render_as_string(hide_password=True)
    limits = {"connect_timeout": max(1, round(timeout))}
    if url.get_driver_name() == "pymysql":
        limits |= {"read_timeout": max(1, round(timeout)),
                   "write_timeout": max(1, round(timeout))}
    engine = create_engine(url, poolclass=NullPool, connect_args=limits)
    try:
        with engine.connect() as conn:
            version = conn.exec_driver_sql("SELECT VERSION()").scalar()
            names = sorted(str(row[0]) for row in conn.exec_driver_sql("SHOW DATABASES"))
    except DBAPIError as exc:  # the driver's own message, without SQLAlchemy's links
        raise RuntimeError(f"{shown}: {exc.orig}") from None
    finally:
        engine.dispose()
    missing = [name for name in REQUIRED if name not in names]
    neutron = [name for name in names if "neutron" in name]
    if missing:
        raise RuntimeError(f"{shown}: no {' or '.join(missing)} schema "
                           f"(SHOW DATABASES: {', '.join(names)})")
    if len(neutron) != 1:
        found = f"several ({', '.join(neutron)})" if neutron else "none"
        raise RuntimeError(f"{shown}: one schema named like neutron is needed, found {found}")
    return f"{shown}, {version}: schemas {', '.join(REQUIRED)}, {neutron[0]}"
