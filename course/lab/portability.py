"""Portability, as notebook cells see it: a second engine, and moving an image to it by save and load.

``second_engine()`` and ``release()`` join and leave the course's second engine
(:mod:`course.services.second_engine`); the rest works on any two engines.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import docker
import docker.errors

from course.engine import bootstrap
from course.services.second_engine import release, second_engine

#: The bridge dockerd gives its default network unless told otherwise (``--bridge``).
DEFAULT_BRIDGE = "docker0"

__all__ = ["Moved", "copy_image", "describe", "has_image", "release", "remove_image", "run_on", "second_engine"]


@dataclass(frozen=True)
class Moved:
    """An image copied between engines: its name, the archive's size, and its ID on both sides."""

    ref: str
    archive_bytes: int
    seconds: float
    source_id: str
    target_id: str

    @property
    def same_id(self) -> bool:
        """The ID is the digest of the image's config: equal IDs mean the very same image."""
        return self.source_id == self.target_id


def copy_image(source: docker.DockerClient, target: docker.DockerClient, ref: str) -> Moved:
    """Copy image ``ref`` from ``source`` to ``target`` as ``docker save | docker load`` would.

    Saved by the name given, so the archive carries that tag and ``target`` knows the image
    by the same name. No registry is involved.
    """
    start = time.monotonic()
    source_id = source.images.get(ref).id
    archive = b"".join(source.api.get_image(ref))
    target.images.load(archive)
    return Moved(ref, len(archive), time.monotonic() - start, source_id, target.images.get(ref).id)


def has_image(api: docker.DockerClient, ref: str) -> bool:
    """True if the engine behind ``api`` has an image called ``ref``."""
    try:
        api.images.get(ref)
        return True
    except docker.errors.ImageNotFound:
        return False


def remove_image(api: docker.DockerClient, ref: str) -> bool:
    """Remove image ``ref`` (and its containers' claim on it) if present; True if it was there."""
    try:
        api.images.remove(ref, force=True)
        return True
    except docker.errors.ImageNotFound:
        return False


def run_on(api: docker.DockerClient, ref: str, command: str | None = None) -> tuple[int, str]:
    """Run ``ref`` (its default command, or ``sh -c command``) in a fresh container; (status, output).

    Refuses an image the engine lacks: ``containers.run`` would try to pull it from a registry.
    """
    if not has_image(api, ref):
        raise LookupError(f"{ref} is not on that engine: copy it there first")
    container = api.containers.run(ref, ["sh", "-c", command] if command else None, detach=True)
    try:
        status = container.wait()["StatusCode"]
        return status, container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)


def describe(api: docker.DockerClient) -> dict[str, object]:
    """What tells two engines apart: their data root (image store), bridge, and what they hold."""
    info = api.info()
    return {"data root": info["DockerRootDir"], "bridge": _bridge(api, info["DockerRootDir"]),
            "images": info["Images"], "containers": info["Containers"], "version": info["ServerVersion"]}


def _bridge(api: docker.DockerClient, data_root: str) -> str:
    """The host bridge of the engine's default network.

    A guard in front of the engine answers for ``bridge`` with its owner's own network, so then
    the engine's bridge is named from how the course runs it: the second engine's ``--bridge``,
    or dockerd's default, ``docker0``.
    """
    with contextlib.suppress(docker.errors.APIError):
        network = api.networks.get("bridge").attrs
        if network.get("Name") == "bridge":
            return network["Options"].get("com.docker.network.bridge.name", DEFAULT_BRIDGE)
    second = bootstrap.second_daemon()
    return second.bridge[0] if second.bridge and data_root == str(second.state / "data") else DEFAULT_BRIDGE
