"""The bench database: dropped and recreated for every run, from a migrated template.

Migrating takes longer than a whole smoke run should, so the migrated schema is kept as a
template database named after a hash of the migration files; a run clones it in a second.
"""

import hashlib
import subprocess
import sys
import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from bench.config import DATABASE_PREFIX, ROOT, RunConfig, server_environment

TEMPLATE_PREFIX = f"{DATABASE_PREFIX}_tpl_"


def _maintenance_url(url: str) -> str:
    parts = urlsplit(url)
    scheme = "postgresql" if parts.scheme.startswith("postgres") else parts.scheme
    return urlunsplit((scheme, parts.netloc, "/postgres", parts.query, ""))


def _database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _with_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def migrations_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _drop(conn: psycopg.Connection, name: str) -> None:
    if not name.startswith(DATABASE_PREFIX):  # never anything but the bench's own
        raise ValueError(f"refusing to drop {name!r}: not a {DATABASE_PREFIX}* database")
    conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()",
        (name,),
    )
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def _exists(conn: psycopg.Connection, name: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None
    )


def database_recreate(config: RunConfig, log: Callable[[str], None] = print) -> float:
    """Drop the bench database and clone it from the migrated template. Returns seconds."""
    started = time.monotonic()
    name = _database_name(config.database_url)
    template = f"{TEMPLATE_PREFIX}{migrations_hash()}"
    with psycopg.connect(_maintenance_url(config.database_url), autocommit=True) as conn:
        if not _exists(conn, template):
            for (old,) in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s",
                (TEMPLATE_PREFIX.replace("_", r"\_") + "%",),
            ).fetchall():
                _drop(conn, old)
            building = f"{template}_build"
            _drop(conn, building)
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(building)))
            log(f"migrating a new template database {template} (once per migration set)")
            env = server_environment(config, DATABASE_URL=_with_name(config.database_url, building))
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            conn.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(building), sql.Identifier(template)
                )
            )
        _drop(conn, name)
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    return time.monotonic() - started


def server_versions(config: RunConfig) -> dict[str, str]:
    url = _maintenance_url(config.database_url)
    with psycopg.connect(url, autocommit=True) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        settings = dict(
            conn.execute(
                "SELECT name, setting || COALESCE(unit, '') FROM pg_settings WHERE name IN "
                "('shared_buffers', 'max_connections', 'synchronous_commit', 'fsync')"
            ).fetchall()
        )
    return {"postgresql": version, **{f"pg.{k}": v for k, v in settings.items()}}
