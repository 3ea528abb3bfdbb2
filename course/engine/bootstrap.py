"""Make sure an engine runs: install Debian's docker.io and start dockerd if needed."""

from __future__ import annotations

import shutil
import time

from course import config
from course.engine.connect import DEFAULT_SOCKET, EngineUnavailable, engine_url, ping
from course.system import apt, process

STATE = config.CACHE / "dockerd"
PIDFILE = STATE / "dockerd.pid"
LOG = STATE / "dockerd.log"


def ensure_engine(wait: float = 60.0) -> str:
    """Return the URL of a running engine, starting Debian's dockerd if none answers.

    Only the default socket is ever started by the course: a ``DOCKER_HOST`` that
    does not answer is someone else's engine, and that is reported, not replaced.
    """
    url = engine_url()
    if ping(url):
        return url
    if url != DEFAULT_SOCKET:
        raise EngineUnavailable(f"DOCKER_HOST={url} does not answer /_ping; start that engine or unset DOCKER_HOST")
    if not apt.is_debian_root():
        raise EngineUnavailable(
            "no Docker Engine answers at /var/run/docker.sock and this is not Debian as root, "
            "so the course cannot start one: start Docker and retry"
        )
    apt.ensure_packages(["docker.io"])
    if process.recorded_pid(PIDFILE) is None:
        STATE.mkdir(parents=True, exist_ok=True)
        # dockerd's own --pidfile would collide with a stale /var/run/docker.pid; keep ours.
        process.start_background(
            [shutil.which("dockerd") or "/usr/sbin/dockerd", "--pidfile", str(STATE / "dockerd.own.pid")],
            LOG, PIDFILE,
        )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if ping(url, timeout=1.0):
            return url
        if process.recorded_pid(PIDFILE) is None:
            break
        time.sleep(0.3)
    raise EngineUnavailable(
        f"dockerd did not answer /_ping within {wait:.0f} s. Last lines of {LOG}:\n"
        + process.log_tail(LOG)
    )


def started_by_course() -> bool:
    """True if the running engine is the dockerd this course started."""
    return process.recorded_pid(PIDFILE) is not None


def stop_engine() -> bool:
    """Stop the dockerd the course started (by its recorded pid); False if none."""
    return process.stop_recorded(PIDFILE, timeout=30.0)
