"""The second engine: a separate Docker Engine the course runs, standing in for "another machine".

It is the course's own dockerd (``bootstrap.second_daemon()``): its own
socket, data root and bridge, standing in for "another machine".

Two ways in:

- As root (the instructor's lab, tests), ``second_engine()`` starts or joins the daemon
  itself. Several users may share it (kernels, parallel graders, tests), so each holds a
  *lease*: a file named by its pid and a token, listing its session. Leaving
  (``release()``, also at interpreter exit) removes that session's containers and images
  there; the last lease out wipes the engine and stops the daemon by its recorded pid,
  if a lease started it. Leases of processes that died are dropped.
- A sandboxed kernel (an unprivileged grader user, whose engine is a guard) must never
  hold a dockerd socket. The root side calls ``serve(owner, uid, gid)``: it holds a lease
  and puts a guard for ``owner`` in front of the second engine; the kernel finds that
  guard in ``COURSE_SECOND_DOCKER_HOST`` and ``second_engine()`` simply connects to it.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors

from course import config
from course.engine import bootstrap
from course.engine.cleanup import remove_labelled
from course.engine.connect import ping
from course.engine.labelled import LabelledClient, default_session

#: Where a sandboxed kernel finds the guard in front of the second engine (set by the sandbox).
SECOND_HOST_ENV = "COURSE_SECOND_DOCKER_HOST"
#: Marker file: a lease started the running daemon, so the last lease may stop it.
_STARTED = "started-by-lease"
_atexit_registered = False


def daemon() -> bootstrap.Daemon:
    """The second engine's definition (socket, data root, bridge), from the bootstrap module."""
    return bootstrap.second_daemon()


def _lease_dir() -> Path:
    return daemon().state / "leases"


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """Serialize starting, joining and stopping the second engine across processes."""
    path = config.CACHE / "dockerd-second.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has already exited
    except (OSError, IndexError):
        return False


def _leases() -> dict[str, tuple[int, str]]:
    """Lease file name -> (pid, session), for every lease (live or not)."""
    found = {}
    for path in _lease_dir().glob("*-*") if _lease_dir().is_dir() else []:
        pid = path.name.split("-", 1)[0]
        if pid.isdigit():
            with contextlib.suppress(OSError):
                found[path.name] = (int(pid), path.read_text().strip())
    return found


def _plain(url: str) -> docker.DockerClient:
    return docker.DockerClient(base_url=url, version="auto", timeout=120)


def _wipe(api: docker.DockerClient) -> None:
    """Remove every container, course network and volume, and every image, from the second engine.

    The engine is the course's private one (its data root is in the course's cache), so
    nothing on it belongs to anyone else; a fresh start must not show an earlier run's images.
    """
    for container in api.containers.list(all=True):
        with contextlib.suppress(docker.errors.APIError):
            container.remove(force=True)
    remove_labelled(api)
    for image in api.images.list(all=True):
        with contextlib.suppress(docker.errors.APIError):
            api.images.remove(image.id, force=True)


def _leave(api: docker.DockerClient | None, session: str) -> None:
    """Remove a session's containers, networks, volumes and images from the second engine."""
    if api is not None and session:
        with contextlib.suppress(docker.errors.APIError):
            remove_labelled(api, session=session, images=True)


def _drop_dead(api: docker.DockerClient | None) -> None:
    """Forget leases of processes that no longer run, removing what their sessions left."""
    for name, (pid, session) in _leases().items():
        if not _alive(pid):
            _leave(api, session)
            (_lease_dir() / name).unlink(missing_ok=True)


def _client(url: str, session: str, lease: str | None) -> LabelledClient:
    api = LabelledClient(base_url=url, version="auto", timeout=120)
    api.course_labels = config.course_labels(session)
    api.course_lease = lease  # type: ignore[attr-defined]
    return api


def second_engine(session: str | None = None) -> LabelledClient:
    """A client on the course's second engine, labelling with ``session`` like ``lab.client()``.

    In a sandboxed kernel it goes through the guard the course put in front of that engine
    (``COURSE_SECOND_DOCKER_HOST``); as root it starts or joins the daemon under a lease.
    """
    global _atexit_registered
    session = session or default_session()
    guarded = os.environ.get(SECOND_HOST_ENV)
    if guarded:
        if not ping(guarded):
            raise RuntimeError(f"the second engine's guard at {guarded} does not answer")
        return _client(guarded, session, None)
    if os.geteuid() != 0:
        raise PermissionError("only root can start the second engine, and no guard to it was given "
                              f"({SECOND_HOST_ENV} is not set)")
    d = daemon()
    token = secrets.token_hex(4)
    with _locked():
        running = ping(d.socket)
        _drop_dead(_plain(d.socket) if running else None)
        url = bootstrap.start_daemon(d)
        _lease_dir().mkdir(parents=True, exist_ok=True)
        if not running:
            (_lease_dir() / _STARTED).touch()
            _wipe(_plain(url))
        (_lease_dir() / f"{os.getpid()}-{token}").write_text(session + "\n")
    if not _atexit_registered:
        atexit.register(release)
        _atexit_registered = True
    return _client(url, session, f"{os.getpid()}-{token}")


def release(api: LabelledClient | None = None) -> bool:
    """Leave the second engine: remove what the session(s) left there; the last one out stops it.

    ``api`` is a client from ``second_engine()``; without it, every lease of this process is
    released (as at exit). Returns True if this call stopped the daemon. Safe to call twice.
    """
    guarded = os.environ.get(SECOND_HOST_ENV)
    if guarded or (api is not None and getattr(api, "course_lease", None) is None):
        if api is not None:
            _leave(api, api.course_labels.get(config.LABEL_SESSION, ""))
        elif guarded and ping(guarded):
            _leave(_plain(guarded), default_session())
        return False
    d = daemon()
    with _locked():
        engine = _plain(d.socket) if ping(d.socket) else None
        mine = [api.course_lease] if api is not None else [
            name for name, (pid, _) in _leases().items() if pid == os.getpid()]
        leases = _leases()
        for name in mine:
            if name in leases:
                _leave(engine, leases[name][1])
            (_lease_dir() / name).unlink(missing_ok=True)
        _drop_dead(engine)
        started = _lease_dir() / _STARTED
        if _leases() or not started.exists():
            return False  # others still use it, or the course's leases did not start it
        if engine is not None:
            _wipe(engine)
        started.unlink(missing_ok=True)
        return bootstrap.stop_daemon(d)


def in_use() -> bool:
    """True while some live process holds a lease on the second engine."""
    return any(_alive(pid) for pid, _ in _leases().values())


@dataclass
class Served:
    """A guard in front of the second engine for one owner, and the lease that keeps the engine up."""

    guard: object  # course.guard.runner.GuardProcess
    lease: LabelledClient

    @property
    def env(self) -> dict[str, str]:
        """What the sandboxed kernel's environment needs to find the second engine."""
        return {SECOND_HOST_ENV: self.guard.url}

    def close(self) -> None:
        """Stop the guard (by its recorded pid), remove the owner's objects, release the lease."""
        self.guard.stop()
        with contextlib.suppress(docker.errors.APIError):
            remove_labelled(self.lease, owner=self.guard.owner, images=True)
        release(self.lease)


def serve(owner: str, uid: int | None = None, gid: int | None = None) -> Served:
    """For a sandbox (as root): join the second engine and start ``owner``'s guard in front of it.

    Same owner as the kernel's main guard, so images it saves there load here. The socket
    is handed to ``uid``/``gid`` (the grader user), like the main guard's.
    """
    from course.guard.runner import GUARDS, start_guard

    lease = second_engine(session=f"serve-{owner}")
    try:
        guard = start_guard(owner, GUARDS / f"{owner}-second.sock", upstream=daemon().socket, mode=0o600)
    except BaseException:
        release(lease)
        raise
    if uid is not None:
        os.chown(guard.socket, uid, gid if gid is not None else -1)
    return Served(guard, lease)
