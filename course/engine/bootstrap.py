"""Make sure an engine runs: install Debian's docker.io and start dockerd if needed.

The same code starts the course's *second* engine (the portability lesson's "other
machine"): its own socket, data root, exec root and pid file, and no bridge.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from course import config
from course.engine.connect import DEFAULT_SOCKET, EngineUnavailable, engine_url, ping
from course.system import apt, process


@dataclass(frozen=True)
class Daemon:
    """One dockerd the course may start: where it listens and keeps its state."""

    name: str
    socket: str = DEFAULT_SOCKET
    extra_args: tuple[str, ...] = ()
    #: (name, address) of a bridge the course creates for this daemon, if any.
    bridge: tuple[str, str] | None = None

    @property
    def state(self) -> Path:
        return config.CACHE / self.name

    @property
    def pidfile(self) -> Path:
        return self.state / "course.pid"

    @property
    def log(self) -> Path:
        return self.state / "dockerd.log"

    def argv(self) -> list[str]:
        dockerd = shutil.which("dockerd") or "/usr/sbin/dockerd"
        # dockerd's own --pidfile is kept apart from ours: a stale /var/run/docker.pid must not block it.
        return [dockerd, "--pidfile", str(self.state / "dockerd.pid"), *self.extra_args]


MAIN = Daemon("dockerd")


#: The second engine's own bridge. Not `--bridge none`: that makes dockerd delete the
#: host's `docker0`, breaking the main engine's networking (seen here).
SECOND_BRIDGE = "vmdocker2"
SECOND_BRIDGE_CIDR = "10.231.0.1/24"


def extra_daemon(name: str, bridge: str, cidr: str) -> Daemon:
    """A separate engine beside the main one: own socket, data and exec roots, own bridge, no NAT."""
    state = config.CACHE / name
    return Daemon(
        name,
        socket=f"unix://{state / 'docker.sock'}",
        extra_args=("--host", f"unix://{state / 'docker.sock'}", "--data-root", str(state / "data"),
                    "--exec-root", str(state / "exec"), "--bridge", bridge,
                    "--iptables=false", "--ip-masq=false"),
        bridge=(bridge, cidr),
    )


#: ``NAME=CIDR``: another bridge for the second engine, where two course caches share one machine
#: (a second grader host's own second engine): two dockerds must never share a bridge.
SECOND_BRIDGE_ENV = "COURSE_SECOND_BRIDGE"


def second_daemon() -> Daemon:
    """The course's second engine (the portability lesson's "other machine")."""
    bridge, _, cidr = os.environ.get(SECOND_BRIDGE_ENV, "").partition("=")
    return extra_daemon("dockerd-second", bridge or SECOND_BRIDGE, cidr or SECOND_BRIDGE_CIDR)


def _ensure_bridge(name: str, cidr: str) -> None:
    """Create the host bridge ``name`` with address ``cidr`` unless it exists."""
    if Path(f"/sys/class/net/{name}").exists():
        return
    for argv in (["ip", "link", "add", name, "type", "bridge"], ["ip", "addr", "add", cidr, "dev", name],
                 ["ip", "link", "set", name, "up"]):
        subprocess.run(argv, check=True, capture_output=True)


def _remove_bridge(name: str) -> None:
    if Path(f"/sys/class/net/{name}").exists():
        subprocess.run(["ip", "link", "delete", name], check=False, capture_output=True)


def start_daemon(daemon: Daemon, wait: float = 60.0) -> str:
    """Start ``daemon`` unless it already answers; wait for ``/_ping``; return its URL."""
    if ping(daemon.socket):
        return daemon.socket
    if not apt.is_debian_root():
        raise EngineUnavailable(
            f"no Docker Engine answers at {daemon.socket} and this is not Debian as root, "
            "so the course cannot start one: start Docker and retry"
        )
    apt.ensure_packages([config.ENGINE_PACKAGE])
    if process.recorded_pid(daemon.pidfile) is None:
        daemon.state.mkdir(parents=True, exist_ok=True)
        if daemon.bridge:
            _ensure_bridge(*daemon.bridge)
        process.start_background(daemon.argv(), daemon.log, daemon.pidfile)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if ping(daemon.socket, timeout=1.0):
            return daemon.socket
        if process.recorded_pid(daemon.pidfile) is None:
            break  # it died: no point waiting
        time.sleep(0.3)
    raise EngineUnavailable(
        f"dockerd ({daemon.name}) did not answer /_ping at {daemon.socket} within {wait:.0f} s. "
        f"Last lines of {daemon.log}:\n" + process.log_tail(daemon.log)
    )


def ensure_engine(wait: float = 60.0) -> str:
    """Return the URL of a running engine, starting Debian's dockerd if none answers.

    Only the default socket is ever started by the course: a ``DOCKER_HOST`` that
    does not answer is someone else's engine, and that is reported, not replaced.
    """
    url = engine_url()
    if ping(url):
        return url
    if url != DEFAULT_SOCKET:
        raise EngineUnavailable(
            f"DOCKER_HOST={url} does not answer /_ping; start that engine or unset DOCKER_HOST"
        )
    return start_daemon(MAIN, wait)


def started_by_course(daemon: Daemon = MAIN) -> bool:
    """True if ``daemon`` is running and the course started it."""
    return process.recorded_pid(daemon.pidfile) is not None


def stop_daemon(daemon: Daemon = MAIN) -> bool:
    """Stop a dockerd the course started (by its recorded pid); False if none."""
    stopped = process.stop_recorded(daemon.pidfile, timeout=30.0)
    if daemon.bridge:
        _remove_bridge(daemon.bridge[0])
    return stopped
