"""The course's own image registry: Debian's docker-registry, behind its front on 127.0.0.1:5000.

There is no internet here, so Docker Hub is out of reach; the `images` lesson pushes
to and pulls from a real registry (the same distribution server Docker Hub grew from)
that the course runs itself: its own config and storage in the cache, started in
the background and stopped only by the pid it recorded, never as a system service.
The registry listens on a root-only unix socket; learners and the engine reach it through
the course's front (:mod:`course.services.registry_front`), which shows each user only their
own repositories. The engine treats registries on 127.0.0.0/8 as insecure-allowed, so plain
HTTP works.
"""

from __future__ import annotations

import contextlib
import fcntl
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from course import config
from course.guard import registry_auth
from course.services import registry_front
from course.system import apt, process

#: Where the registry's front listens: loopback only (the course guard allows exactly this registry).
ADDRESS = config.REGISTRY
PROGRAM = Path("/usr/bin/docker-registry")
PACKAGE = config.REGISTRY_PACKAGE
STATE = config.CACHE / "registry"
CONFIG = STATE / "config.yml"
PIDFILE = STATE / "registry.pid"
LOG = STATE / "registry.log"
#: The real registry's socket: root only (its directory is 0700), so only the front reaches it.
BACKEND = config.REGISTRY_PRIVATE / "registry.sock"
FRONT_PIDFILE = STATE / "front.pid"
FRONT_LOG = STATE / "front.log"
#: Manifest media types the registry may answer with (the engine pushes schema 2).
MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json"
)


class RegistryUnavailable(RuntimeError):
    """The course registry does not answer and could not be started."""


def config_text(socket: Path = BACKEND, storage: Path | None = None) -> str:
    """The registry's configuration: a unix socket, filesystem storage in the cache, deletes allowed.

    No auth of its own (the front decides who sees what) and no blob descriptor cache: a user's
    repositories are removed from the storage (:func:`forget`) while the registry runs.
    """
    storage = storage or STATE / "data"
    return (
        "version: 0.1\n"
        "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
        "storage:\n"
        f"  filesystem:\n    rootdirectory: {storage}\n"
        "  delete:\n    enabled: true\n"
        f"http:\n  net: unix\n  addr: {socket}\n  secret: {secrets.token_hex(16)}\n"
        "  headers:\n    X-Content-Type-Options: [nosniff]\n"
    )


def storage() -> Path:
    """Where the registry keeps its repositories (one folder per repository name)."""
    return STATE / "data" / "docker" / "registry" / "v2" / "repositories"


def url(path: str = "/v2/", address: str = ADDRESS) -> str:
    """The registry's HTTP URL for ``path``."""
    return f"http://{address}{path}"


def answers(address: str = ADDRESS, timeout: float = 2.0) -> bool:
    """True if the course's registry front (before a Docker registry, API v2) answers at ``address``."""
    try:
        res = requests.get(url("/v2/", address), timeout=timeout)
    except requests.RequestException:
        return False
    return (res.status_code == 200 and res.headers.get(registry_front.FRONT_HEADER) == "1"
            and res.headers.get("Docker-Distribution-Api-Version", "").startswith("registry/2"))


def bare(address: str = ADDRESS, timeout: float = 2.0) -> bool:
    """True if a Docker registry answers at ``address`` without the course's front."""
    try:
        res = requests.get(url("/v2/", address), timeout=timeout)
    except requests.RequestException:
        return False
    return registry_front.FRONT_HEADER not in res.headers and \
        res.headers.get("Docker-Distribution-Api-Version", "").startswith("registry/2")


def _port_taken(address: str) -> bool:
    try:
        requests.get(url("/", address), timeout=2.0)
    except requests.ConnectionError:
        return False
    except requests.RequestException:
        pass
    return True


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """One starter at a time: parallel graders must not start two registries."""
    STATE.mkdir(parents=True, exist_ok=True)
    with open(STATE / "start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def start_registry(wait: float = 30.0) -> str:
    """Return the registry's address, starting the course's registry and its front first if none answers.

    Only the course's front is used: a bare registry there (the course's own from before the
    front, stopped by its recorded pid; anything else is an error) would show everyone everything.
    """
    if answers():
        return ADDRESS
    if not apt.is_debian_root():
        raise RegistryUnavailable(f"the course registry does not answer at {url()}, and only root can start it: "
                                  "ask your teacher (the course starts it with `course setup`)")
    with _locked():
        if answers():
            return ADDRESS
        if process.recorded_pid(FRONT_PIDFILE) is None:
            if process.recorded_pid(PIDFILE) is not None and not BACKEND.exists():
                stop_registry()  # the course's registry from before the front, on the front's port
            if _port_taken(ADDRESS):
                raise RegistryUnavailable(f"something that is not the course's registry front listens on {ADDRESS}; "
                                          "stop it so the course can run its registry there")
        _start_backend(wait)
        if process.recorded_pid(FRONT_PIDFILE) is None:
            process.start_background([process.python(), "-m", "course.services.registry_front", "--listen", ADDRESS,
                                      "--backend", str(BACKEND)], FRONT_LOG, FRONT_PIDFILE)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if answers(timeout=1.0):
                return ADDRESS
            if process.recorded_pid(FRONT_PIDFILE) is None:
                break  # it died: no point waiting
            time.sleep(0.1)
    raise RegistryUnavailable(f"the course registry's front did not answer at {url()} within {wait:.0f} s. "
                              f"Last lines of {FRONT_LOG}:\n" + process.log_tail(FRONT_LOG))


def _start_backend(wait: float) -> None:
    """The real registry on its root-only socket (started if the course's is not running)."""
    if process.recorded_pid(PIDFILE) is not None and BACKEND.exists():
        return
    config.REGISTRY_PRIVATE.mkdir(parents=True, exist_ok=True, mode=0o700)  # root-only: the socket lives in it
    config.REGISTRY_PRIVATE.chmod(0o700)
    registry_auth.secret()
    apt.ensure_packages([PACKAGE])
    CONFIG.write_text(config_text())
    BACKEND.unlink(missing_ok=True)
    process.start_background([str(PROGRAM), "serve", str(CONFIG)], LOG, PIDFILE)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and not BACKEND.exists():
        if process.recorded_pid(PIDFILE) is None:
            raise RegistryUnavailable(f"the course registry did not start. Last lines of {LOG}:\n"
                                      + process.log_tail(LOG))
        time.sleep(0.05)


def started_by_course() -> bool:
    """True if the registry the course started is running, with its front."""
    return process.recorded_pid(PIDFILE) is not None and process.recorded_pid(FRONT_PIDFILE) is not None


def stop_registry() -> bool:
    """Stop the front and the registry the course started (by their recorded pids); False if neither ran."""
    front = process.stop_recorded(FRONT_PIDFILE, timeout=10.0)
    return process.stop_recorded(PIDFILE, timeout=10.0) or front


def forget(user: str) -> bool:
    """Remove every repository ``user`` pushed (a grader slot's, before its next submission); True if any.

    Straight from the storage, as root: the registry keeps no cache of it (see :func:`config_text`).
    """
    folder = storage() / registry_auth.prefix(user)
    if not folder.exists():
        return False
    shutil.rmtree(folder)
    return True


def split(reference: str) -> tuple[str, str]:
    """``127.0.0.1:5000/team/app:1`` -> (``team/app``, ``1``): the registry's name for it, and its tag."""
    if reference.startswith(ADDRESS + "/"):
        reference = reference[len(ADDRESS) + 1:]
    name, sep, tag = reference.rpartition(":")
    if not sep or "/" in tag:
        return reference, "latest"
    return name, tag


def catalog() -> list[str]:
    """Repository names the registry holds (``GET /v2/_catalog``)."""
    res = requests.get(url("/v2/_catalog?n=1000"), timeout=10)
    res.raise_for_status()
    return res.json().get("repositories") or []


def tags(name: str) -> list[str]:
    """Tags of repository ``name`` (``GET /v2/<name>/tags/list``); [] if it has none."""
    res = requests.get(url(f"/v2/{name}/tags/list"), timeout=10)
    if res.status_code == 404:
        return []
    res.raise_for_status()
    return res.json().get("tags") or []


def manifest_digest(name: str, reference: str) -> str | None:
    """The digest of ``name``'s manifest for a tag or digest (``HEAD /v2/<name>/manifests/<ref>``)."""
    res = requests.head(url(f"/v2/{name}/manifests/{reference}"), headers={"Accept": MANIFEST_TYPES},
                        timeout=10)
    if res.status_code == 404:
        return None
    res.raise_for_status()
    return res.headers.get("Docker-Content-Digest")


def delete_manifest(name: str, digest: str) -> bool:
    """Delete a manifest (and so every tag on it) from repository ``name``; True if it was there."""
    res = requests.delete(url(f"/v2/{name}/manifests/{digest}"), timeout=10)
    return res.status_code == 202


def namespace(session: str) -> str:
    """A registry path component for ``session``, so learners' repositories never collide."""
    text = re.sub(r"[^a-z0-9]+", "-", session.lower()).strip("-")
    return text[:60].strip("-") or "learner"
