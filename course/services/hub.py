"""The class server: JupyterHub on 127.0.0.1 with its configurable-http-proxy, the course's own.

JupyterHub comes from PyPI (pinned in requirements.txt); its proxy from the npm registry, installed
by the course into its cache (``npm install --prefix``) with Debian's ``nodejs``. The hub keeps its
state in one private folder (``.cache/hub``, mode 0700): the sqlite database (accounts, servers),
the cookie secret, the proxy's token, the course's API token, and the accounts file: each login
with its initial password, for the instructor to hand out (mode 0600, root only). It is started
in the background and stopped only by the pid it recorded; stopping it stops the students' servers
(and with them their guards). The hub's configuration is :mod:`course.apps.hub_config`.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from course import config
from course.system import apt, process
from course.system.secret import private_token

#: The proxy's npm package, pinned like the Python ones.
PROXY_PACKAGE = "configurable-http-proxy@5.3.0"
#: The instructor's hub login: a hub admin whose server opens the course directory.
INSTRUCTOR = "instructor"
#: Where a hub listens, keeps its state and which course it serves (the hub's process gets them too).
ENV_PORT = "COURSE_HUB_PORT"
ENV_STATE = "COURSE_HUB_STATE"
ENV_COURSE_ROOT = "COURSE_HUB_COURSE_ROOT"


class HubUnavailable(RuntimeError):
    """The class server did not come up; the message carries the end of its log."""


@dataclass(frozen=True)
class Account:
    """One hub login: a student of the roster or the instructor, with the initial password."""

    name: str
    password: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""


@dataclass(frozen=True)
class Hub:
    """One JupyterHub the course runs: where it listens, keeps its state and which course it serves."""

    port: int = field(default_factory=lambda: int(os.environ.get(ENV_PORT, "8000")))
    state: Path = field(default_factory=lambda: Path(os.environ.get(ENV_STATE) or config.CACHE / "hub"))
    course_root: Path = field(default_factory=lambda: Path(os.environ.get(ENV_COURSE_ROOT) or config.ROOT))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def pidfile(self) -> Path:
        return self.state / "jupyterhub.pid"

    @property
    def log(self) -> Path:
        return self.state / "jupyterhub.log"

    @property
    def accounts_file(self) -> Path:
        """The logins and initial passwords (root only): what the authenticator creates accounts from."""
        return self.state / "accounts.csv"

    @property
    def homes(self) -> Path:
        """Each student's own folder (``homes/NAME``, theirs, mode 0700): their server's root."""
        return self.state.parent / f"{self.state.name}-homes"

    @property
    def proxy_program(self) -> Path:
        return config.CACHE / "hub-proxy" / "node_modules" / ".bin" / "configurable-http-proxy"

    def api_token(self) -> str:
        """The course's own token for the hub's REST API (an admin service; root only)."""
        return private_token(self.state / "course-api.token")

    def ports(self) -> tuple[int, int]:
        """The hub's internal API port and the proxy's API port, beside the public one."""
        return self.port + 1, self.port + 2

    # ------------------------------------------------------------------ accounts

    def accounts(self) -> list[Account]:
        try:
            with open(self.accounts_file, newline="") as f:
                return [Account(**row) for row in csv.DictReader(f)]
        except FileNotFoundError:
            return []

    def add_accounts(self, people: list[tuple[str, str, str, str]]) -> list[Account]:
        """Give each ``(id, first, last, email)`` a login with a new initial password, unless it has one.

        The running hub's authenticator reads the file at every login: no restart needed. Returns the
        accounts added.
        """
        known = {a.name: a for a in self.accounts()}
        added = [Account(name, _password(), first, last, email) for name, first, last, email in people
                 if name not in known]
        if not added and self.accounts_file.exists():
            return []
        self.state.mkdir(parents=True, exist_ok=True)
        self.state.chmod(0o700)
        rows = [*known.values(), *added]
        tmp = self.accounts_file.with_suffix(".tmp")
        tmp.touch(mode=0o600)
        with open(tmp, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=["name", "password", "first_name", "last_name", "email"])
            writer.writeheader()
            writer.writerows(vars(a) for a in rows)
        tmp.replace(self.accounts_file)
        return added

    def instructor(self) -> Account:
        """The instructor's login, made on first use."""
        self.add_accounts([(INSTRUCTOR, "", "", "")])
        return next(a for a in self.accounts() if a.name == INSTRUCTOR)

    # ------------------------------------------------------------------ REST API

    def api(self, path: str, method: str = "GET", body: object | None = None, timeout: float = 30.0,
            token: str | None = None) -> object:
        """Call ``/hub/api/<path>`` with the course's admin token (or ``token``); the JSON reply (or None)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.url}hub/api/{path}", data=data, method=method,
                                     headers={"Authorization": f"token {token or self.api_token()}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as res:
            text = res.read()
        return json.loads(text) if text else None


def _password() -> str:
    """An initial password a student can type: 12 characters of lower-case letters and digits."""
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"  # no l/1, o/0
    return "".join(secrets.choice(alphabet) for _ in range(12))


class Person(Protocol):
    """A roster entry (course.grading.roster.RosterStudent)."""

    id: str
    first_name: str
    last_name: str
    email: str


def add_students(people: Iterable[Person], hub: Hub | None = None) -> list[Account]:
    """Hub logins for the roster's students: an initial password each (the accounts file), and the hub
    user made at once where the hub runs (else at its next start). Returns the accounts that are new."""
    hub = hub or Hub()
    people = list(people)
    added = hub.add_accounts([(p.id, p.first_name, p.last_name, p.email) for p in people])
    if answers(hub):
        for p in people:
            try:
                hub.api(f"users/{p.id}", "POST")
            except urllib.error.HTTPError as exc:
                if exc.code != 409:  # 409: the hub has them already
                    raise
    return added


def answers(hub: Hub | None = None, timeout: float = 2.0) -> bool:
    """True if the hub answers its REST API through the proxy."""
    hub = hub or Hub()
    try:
        with urllib.request.urlopen(f"{hub.url}hub/api/", timeout=timeout) as res:
            return "version" in json.loads(res.read())
    except (urllib.error.URLError, OSError, ValueError):
        return False


def ensure_proxy(hub: Hub | None = None) -> Path:
    """The configurable-http-proxy program, installed from the npm registry into the cache if missing."""
    hub = hub or Hub()
    if hub.proxy_program.exists():
        return hub.proxy_program
    if not shutil.which("node"):
        apt.ensure_packages(["nodejs"])
    if not shutil.which("npm"):
        apt.ensure_packages(["npm"])  # Debian splits it from nodejs; other builds of node bring their own
    prefix = hub.proxy_program.parents[2]
    prefix.mkdir(parents=True, exist_ok=True)
    res = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(prefix), PROXY_PACKAGE],
                         capture_output=True, text=True, check=False)
    if res.returncode != 0 or not hub.proxy_program.exists():
        raise HubUnavailable(f"npm install {PROXY_PACKAGE} failed:\n{res.stderr[-2000:]}")
    return hub.proxy_program


def free_port() -> int:
    """A public port for a hub whose two neighbours (the hub's API, the proxy's API) are free too."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port < 65533 and all(_port_free(p) for p in (port, port + 1, port + 2)):
            return port


def _port_free(port: int) -> bool:
    """Nothing listens on ``port`` (closed connections waiting out their time do not count, as for the hub)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def start_hub(hub: Hub | None = None, wait: float = 90.0) -> str:
    """The hub's URL, starting JupyterHub (and its proxy) first if it does not answer. Idempotent.

    The course directory must be prepared for its students' users first (``course.apps.classhub.serve``).
    """
    hub = hub or Hub()
    if process.recorded_pid(hub.pidfile) is not None and answers(hub):
        return hub.url
    if process.recorded_pid(hub.pidfile) is None:
        busy = [p for p in (hub.port, *hub.ports()) if not _port_free(p)]
        if busy:
            raise HubUnavailable(f"port {busy[0]} on 127.0.0.1 is in use; stop what listens there or set "
                                 "COURSE_HUB_PORT to another port")
        proxy = ensure_proxy(hub)
        hub.state.mkdir(parents=True, exist_ok=True)
        hub.state.chmod(0o700)
        hub.instructor()
        hub.api_token()
        private_token(hub.state / "proxy.token")
        env = {**os.environ, ENV_STATE: str(hub.state), ENV_COURSE_ROOT: str(Path(hub.course_root).resolve()),
               ENV_PORT: str(hub.port), "COURSE_HUB_PROXY": str(proxy)}
        env.pop("COURSE_SESSION", None)  # each student's kernels label their own sessions
        argv = [process.python(), "-m", "jupyterhub", "-f", str(config.ROOT / "course" / "apps" / "hub_config.py")]
        hub.log.parent.mkdir(parents=True, exist_ok=True)
        with open(hub.log, "ab") as out:
            proc = subprocess.Popen(argv, cwd=hub.state, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        hub.pidfile.write_text(f"{proc.pid}\n{argv[0]}\n")
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if answers(hub):
            return hub.url
        if process.recorded_pid(hub.pidfile) is None:
            break
        time.sleep(0.3)
    stop_hub(hub)
    raise HubUnavailable(f"JupyterHub did not answer at {hub.url} within {wait:.0f} s. "
                         f"Last lines of {hub.log}:\n" + process.log_tail(hub.log, 30))


def stop_hub(hub: Hub | None = None, timeout: float = 60.0) -> bool:
    """Stop the hub the course started (by its recorded pid): it stops the students' servers and its proxy."""
    hub = hub or Hub()
    stopped = process.stop_recorded(hub.pidfile, timeout=timeout)
    process.stop_recorded(hub.state / "proxy.pid", timeout=10)  # the hub stops it; never leave it behind
    return stopped
