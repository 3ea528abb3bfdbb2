"""The course's own PostgreSQL cluster (Debian's postgresql) on 127.0.0.1:5439, for a shared gradebook.

``initdb`` into the course's cache, a superuser ``course`` with a generated password
(scram-sha-256, loopback only, no unix socket), started in the background as the
``postgres`` user when run as root (PostgreSQL refuses root) and stopped only by the pid
it recorded, with a fast shutdown (SIGINT: clients are disconnected, nothing is lost).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from course import config
from course.system import apt, process
from course.system.secret import private_token

PACKAGES = ["postgresql"]
USER = "course"


class DatabaseUnavailable(RuntimeError):
    """The course's PostgreSQL does not answer and could not be started."""


def bindir() -> Path:
    """Debian's PostgreSQL programs (the newest major version installed), installing it if missing."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
    if not found:
        apt.ensure_packages(PACKAGES)
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise DatabaseUnavailable("no PostgreSQL server under /usr/lib/postgresql: apt-get install postgresql")
    return Path(found[-1]).parent


@dataclass(frozen=True)
class Cluster:
    """One PostgreSQL cluster the course runs: its port and its state directory."""

    port: int = 5439
    state: Path = config.CACHE / "postgres"

    @property
    def data(self) -> Path:
        return self.state / "data"

    @property
    def pidfile(self) -> Path:
        return self.state / "course.pid"

    @property
    def log(self) -> Path:
        return self.state / "postgres.log"

    def password(self) -> str:
        """The ``course`` role's password, made once (a private file)."""
        return private_token(self.state / "password")

    def url(self, database: str = "gradebook") -> str:
        return f"postgresql://{USER}:{self.password()}@127.0.0.1:{self.port}/{database}"


DEFAULT = Cluster()


def _owner() -> str | None:
    """The user PostgreSQL runs as: ``postgres`` when we are root, else ourselves."""
    return "postgres" if os.geteuid() == 0 else None


def _initdb(cluster: Cluster) -> None:
    owner = _owner()
    cluster.state.mkdir(parents=True, exist_ok=True)
    pwfile = cluster.state / "pwfile"
    pwfile.write_text(cluster.password() + "\n")
    cluster.data.mkdir(mode=0o700, exist_ok=True)
    if owner:
        entry = pwd.getpwnam(owner)
        for path in (cluster.data, pwfile):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        os.chmod(cluster.state, 0o711)  # postgres passes through to its data directory, lists nothing
    res = subprocess.run([str(bindir() / "initdb"), "-D", str(cluster.data), "-U", USER, f"--pwfile={pwfile}",
                          "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"],
                         capture_output=True, text=True, check=False, user=owner)
    pwfile.unlink()
    if res.returncode != 0:
        raise DatabaseUnavailable(f"initdb failed:\n{res.stderr[-2000:]}")
    with open(cluster.data / "postgresql.conf", "a") as conf:
        conf.write(f"\n# the course's cluster\nlisten_addresses = '127.0.0.1'\nport = {cluster.port}\n"
                   "unix_socket_directories = ''\nmax_connections = 100\n")


def answers(cluster: Cluster = DEFAULT) -> bool:
    """True if the server accepts a connection and a query."""
    try:
        with socket.create_connection(("127.0.0.1", cluster.port), timeout=1.0):
            pass
    except OSError:
        return False
    import psycopg

    try:
        psycopg.connect(cluster.url("postgres"), connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


def start_database(cluster: Cluster = DEFAULT, wait: float = 60.0) -> str:
    """The URL of the course's gradebook database, starting (and creating) the cluster first if needed."""
    if not answers(cluster):
        if process.recorded_pid(cluster.pidfile) is None:
            if not (cluster.data / "PG_VERSION").exists():
                shutil.rmtree(cluster.data, ignore_errors=True)
                _initdb(cluster)
            process.start_background([str(bindir() / "postgres"), "-D", str(cluster.data)], cluster.log,
                                     cluster.pidfile, user=_owner())
        deadline = time.monotonic() + wait
        while not answers(cluster):
            if time.monotonic() > deadline or process.recorded_pid(cluster.pidfile) is None:
                raise DatabaseUnavailable(f"PostgreSQL did not answer on 127.0.0.1:{cluster.port}. Last lines "
                                          f"of {cluster.log}:\n" + process.log_tail(cluster.log))
            time.sleep(0.2)
    ensure_database(cluster, "gradebook")
    return cluster.url()


def ensure_database(cluster: Cluster, name: str) -> None:
    """Create database ``name`` unless it exists."""
    import psycopg

    conn = psycopg.connect(cluster.url("postgres"), connect_timeout=5)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


def stop_database(cluster: Cluster = DEFAULT) -> bool:
    """Stop the cluster the course started (by its recorded pid, fast shutdown); False if none ran."""
    return process.stop_recorded(cluster.pidfile, timeout=30.0, sig=signal.SIGINT)
