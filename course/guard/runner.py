"""Start and stop guards: a background process per owner (pidfile), or a thread in this process.

A guard runs as a separate process in deployment, so that a learner's kernel never
holds the engine socket; the thread form is for tools and tests that want one
quickly and in-process.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import docker

from course import config
from course.engine.connect import DEFAULT_SOCKET, MIN_API, ping
from course.guard.proxy import Guard
from course.guard.settings import Limits, Settings
from course.system import process

GUARDS = config.CACHE / "guard"


def default_socket(owner: str) -> Path:
    """Where an owner's guard listens unless told otherwise."""
    return GUARDS / f"{owner}.sock"


@dataclass
class GuardProcess:
    """A guard running as a background process."""

    owner: str
    socket: Path
    pidfile: Path
    log: Path

    @property
    def url(self) -> str:
        """The ``DOCKER_HOST`` for this owner."""
        return f"unix://{self.socket}"

    @property
    def pid(self) -> int | None:
        return process.recorded_pid(self.pidfile)

    def client(self, timeout: float = 120.0) -> docker.DockerClient:
        """A docker-py client that goes through the guard."""
        return docker.DockerClient(base_url=self.url, version=MIN_API, timeout=timeout)

    def stop(self) -> bool:
        """Stop the guard by its recorded pid; True if one was running."""
        return process.stop_recorded(self.pidfile, timeout=10.0)


def start_guard(owner: str, socket: str | Path | None = None, *, session: str | None = None,
                limits: Limits | None = None, upstream: str = DEFAULT_SOCKET,
                registry: str | None = config.REGISTRY, registry_user: str | None = None, mode: int = 0o600,
                wait: float = 15.0) -> GuardProcess:
    """Start ``owner``'s guard in the background; return once it answers ``/_ping``.

    ``registry_user``: the unix user the owner's kernels run as, whose registry namespace the guard's
    pushes and pulls use (default: the guard's own user).
    """
    Settings(owner=owner)  # validate the owner id before starting anything
    socket = Path(socket) if socket else default_socket(owner)
    socket.parent.mkdir(parents=True, exist_ok=True)
    lim = limits or Limits()
    guard = GuardProcess(owner, socket, socket.with_suffix(".pid"), socket.with_suffix(".log"))
    if guard.pid is not None:
        raise RuntimeError(f"a guard already runs on {socket} (pid {guard.pid}); stop it first")
    argv = [process.python(), "-m", "course.guard", "--owner", owner, "--socket", str(socket),
            "--upstream", upstream, "--memory", str(lim.memory), "--pids", str(lim.pids),
            "--nano-cpus", str(lim.nano_cpus), "--mode", oct(mode), "--registry", registry or ""]
    if registry_user:
        argv += ["--registry-user", registry_user]
    if session:
        argv += ["--session", session]
    process.start_background(argv, guard.log, guard.pidfile)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if socket.exists() and ping(guard.url, timeout=2.0):
            return guard
        if guard.pid is None:
            break
        time.sleep(0.05)
    guard.stop()
    raise RuntimeError(f"the guard for {owner} did not start. Last lines of {guard.log}:\n"
                       + process.log_tail(guard.log))


def stop_guard(owner_or_socket: str | Path) -> bool:
    """Stop the guard of an owner (or on a socket path) started by :func:`start_guard`."""
    text = str(owner_or_socket)
    socket = Path(text) if "/" in text else default_socket(text)
    return process.stop_recorded(socket.with_suffix(".pid"), timeout=10.0)


class GuardThread:
    """A guard served by an event loop in a daemon thread of this process."""

    def __init__(self, settings: Settings, socket: str | Path, upstream: str = DEFAULT_SOCKET,
                 mode: int = 0o600) -> None:
        self.socket = Path(socket)
        self.guard = Guard(settings, str(socket), upstream, mode)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=f"guard-{settings.owner}", daemon=True)

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> GuardThread:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.guard.start(), self.loop).result(15)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop).result(15)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(15)
        self.loop.close()

    async def _shutdown(self) -> None:
        await self.guard.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
