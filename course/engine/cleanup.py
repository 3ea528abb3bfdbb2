"""Remove what the course created on the engine, found by its labels."""

from __future__ import annotations

from collections import Counter

import docker
import docker.errors

from course import config


def _filters(session: str | None, owner: str | None = None) -> dict:
    wanted = [f"{config.LABEL_COURSE}={config.COURSE_NAME}"]
    if session:
        wanted.append(f"{config.LABEL_SESSION}={session}")
    if owner:
        wanted.append(f"{config.LABEL_OWNER}={owner}")
    return {"label": wanted}


def leftovers(api: docker.DockerClient, session: str | None = None) -> Counter:
    """How many course containers, networks and volumes remain (for ``session`` if given)."""
    f = _filters(session)
    return Counter(
        containers=len(api.containers.list(all=True, filters=f)),
        networks=len(api.networks.list(filters=f)),
        volumes=len(api.volumes.list(filters=f)),
    )


def remove_labelled(api: docker.DockerClient, session: str | None = None, images: bool = False,
                    owner: str | None = None) -> Counter:
    """Force-remove course containers, then networks and volumes (and images if asked).

    With ``session`` (and/or ``owner``) only those objects go; with neither, every course
    object (what ``make demo`` uses). Returns counts removed.
    """
    f = _filters(session, owner)
    removed: Counter = Counter()
    for kind, lister in (
        ("containers", lambda: api.containers.list(all=True, filters=f)),
        ("networks", lambda: api.networks.list(filters=f)),
        ("volumes", lambda: api.volumes.list(filters=f)),
    ):
        for obj in lister():
            try:
                obj.remove(force=True) if kind != "networks" else obj.remove()
                removed[kind] += 1
            except docker.errors.NotFound:
                pass  # already gone (auto-remove, another cleaner)
    if images and (session or owner):
        for img in api.images.list(filters=f):
            try:
                api.images.remove(img.id, force=True)
                removed["images"] += 1
            except docker.errors.APIError:
                pass
    return removed
