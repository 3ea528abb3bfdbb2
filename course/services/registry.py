"""The course's own image registry: Debian's docker-registry on 127.0.0.1:5000.

There is no internet here, so Docker Hub is out of reach; the `images` lesson pushes
to and pulls from a real registry (the same distribution server Docker Hub grew from)
that the course runs itself: its own config and storage in the cache, started in
the background and stopped only by the pid it recorded, never as a system service.
The engine treats registries on 127.0.0.0/8 as insecure-allowed, so plain HTTP works.
"""

from __future__ import annotations

import contextlib
import fcntl
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from course import config
from course.system import apt, process

#: Where the registry listens: loopback only (the course guard allows exactly this registry).
ADDRESS = "127.0.0.1:5000"
PROGRAM = Path("/usr/bin/docker-registry")
PACKAGE = "docker-registry"
STATE = config.CACHE / "registry"
CONFIG = STATE / "config.yml"
PIDFILE = STATE / "registry.pid"
LOG = STATE / "registry.log"
#: Manifest media types the registry may answer with (the engine pushes schema 2).
MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json"
)


class RegistryUnavailable(RuntimeError):
    """The course registry does not answer and could not be started."""


def config_text(address: str = ADDRESS, storage: Path | None = None) -> str:
    """The registry's configuration: filesystem storage in the cache, deletes allowed, no auth."""
    storage = storage or STATE / "data"
    return (
        "version: 0.1\n"
        "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
        "storage:\n"
        f"  filesystem:\n    rootdirectory: {storage}\n"
        "  delete:\n    enabled: true\n"
        "  cache:\n    blobdescriptor: inmemory\n"
        f"http:\n  addr: {address}\n  secret: {secrets.token_hex(16)}\n"
        "  headers:\n    X-Content-Type-Options: [nosniff]\n"
    )


def url(path: str = "/v2/", address: str = ADDRESS) -> str:
    """The registry's HTTP URL for ``path``."""
    return f"http://{address}{path}"


def answers(address: str = ADDRESS, timeout: float = 2.0) -> bool:
    """True if a Docker registry (API v2) answers at ``address``."""
    try:
        res = requests.get(url("/v2/", address), timeout=timeout)
    except requests.RequestException:
        return False
    return res.headers.get("Docker-Distribution-Api-Version", "").startswith("registry/2")


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
    """Return the registry's address, starting the course's registry first if none answers.

    A registry already answering there (one the course started, or the host's own
    docker-registry service) is used as it is.
    """
    if answers():
        return ADDRESS
    if not apt.is_debian_root():
        raise RegistryUnavailable(f"no registry answers at {url()}, and only root can start the course's: "
                                  "ask your teacher (the course starts it with `course setup`)")
    with _locked():
        if answers():
            return ADDRESS
        if process.recorded_pid(PIDFILE) is None:
            if _port_taken(ADDRESS):
                raise RegistryUnavailable(f"something that is not a Docker registry listens on {ADDRESS}; "
                                          "stop it so the course can run its registry there")
            apt.ensure_packages([PACKAGE])
            CONFIG.write_text(config_text())
            process.start_background([str(PROGRAM), "serve", str(CONFIG)], LOG, PIDFILE)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if answers(timeout=1.0):
                return ADDRESS
            if process.recorded_pid(PIDFILE) is None:
                break  # it died: no point waiting
            time.sleep(0.1)
    raise RegistryUnavailable(f"the course registry did not answer at {url()} within {wait:.0f} s. "
                              f"Last lines of {LOG}:\n" + process.log_tail(LOG))


def started_by_course() -> bool:
    """True if the registry the course started is running."""
    return process.recorded_pid(PIDFILE) is not None


def stop_registry() -> bool:
    """Stop the registry the course started (by its recorded pid); False if it was not running."""
    return process.stop_recorded(PIDFILE, timeout=10.0)


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
